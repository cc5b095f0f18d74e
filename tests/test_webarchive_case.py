"""A case of real saved post pages as one WACZ: several captures, several WARCs, one package.

The project's real post pages (tests/data/fixtures/social-pages) are served at their original
paths on loopback and captured with the recorder; every request they make to the outside world
is refused by Chromium's host resolver (no traffic leaves the machine) and must appear in the WARC
with its reason. The WACZ of the captures passes ``wacz validate`` and replays in ReplayWeb.page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidence.webarchive.cdxj import parse_cdxj
from evidence.webarchive.recorder import Recorder
from evidence.webarchive.wacz import Page, write_wacz
from evidence.webarchive.warc import write_warc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replayserver import ReplayServer, find_replaywebpage  # noqa: E402
from test_webarchive import VENV_BIN, _capture  # noqa: E402
from webserver import TestSite  # noqa: E402

LOOPBACK_ONLY = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",)
# what a saved post page holds as text: its title, its meta descriptions, its body's visible text
SHOWN = """() => [document.title, ...Array.from(document.querySelectorAll('meta[content]'), m => m.content),
                 document.body ? document.body.innerText : ''].join('\\n')"""
POSTS = {  # path -> text the page holds (as tests/test_capture_platforms.py expects)
    "/chollometro/28542": "CHOLLO COMPARTIDO",
    "/r/lotus/comments/1pzbv0z/my_lotus_elise_72d_with_17_rays_volk_gtp/": "Just want to make a searchable Lotus Elise post",
}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("case")
    warcs, pages, failures = [], [], {}
    with TestSite(tmp, https=False) as site:
        for n, path in enumerate(POSTS, 1):
            url = site.url(path)
            title, exchanges = asyncio.run(_capture(url, Recorder(), LOOPBACK_ONLY, "domcontentloaded"))
            warc = tmp / f"capture-{n}.warc.gz"
            write_warc(warc, exchanges, capture_url=url, captured=exchanges[0].started)
            warcs.append(warc)
            pages.append(Page(url=url, ts=exchanges[0].started, title=title))
            failures[url] = [e for e in exchanges if not e.has_response]
    wacz = tmp / "case.wacz"
    write_wacz(wacz, warcs, pages, created=dt.datetime.now(dt.timezone.utc), title="Case SMP-TEST",
               description="two reported posts")
    return {"warcs": warcs, "pages": pages, "wacz": wacz, "failures": failures}


def test_outside_requests_are_kept_with_their_reason(case):
    telegram = case["pages"][0].url
    failed = case["failures"][telegram]
    assert failed and all(not e.url.startswith("http://127.0.0.1") for e in failed)
    # each is kept with its reason: refused by the host rules, or (a page still busy) not answered before the end
    assert all("ERR_NAME_NOT_RESOLVED" in e.failure or e.failure == "no response before the capture ended"
               for e in failed), [e.failure for e in failed]
    assert any("ERR_NAME_NOT_RESOLVED" in e.failure for e in failed)
    with open(case["warcs"][0], "rb") as fh:
        meta = {r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
                for r in ArchiveIterator(fh) if r.rec_type == "metadata"}
    assert set(meta) == {e.url for e in failed}
    reason = {e.url: e.failure for e in failed}
    assert all(("net::ERR_NAME_NOT_RESOLVED" if "ERR_NAME" in reason[u] else reason[u]).encode() in body
               for u, body in meta.items()), meta


def test_case_wacz_validates_and_lists_every_capture(case):
    check = subprocess.run([str(VENV_BIN / "wacz"), "validate", "-f", str(case["wacz"])], capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0 and "the passed WACZ is valid" in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(case["wacz"]) as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()[1:]]
        rows = parse_cdxj(zf.read("indexes/index.cdxj"))
        package = json.loads(zf.read("datapackage.json"))
    # a page's title is listed when it had one (a page's own scripts may blank it while it loads)
    assert [(p["url"], p.get("title")) for p in pages] == [(p.url, p.title or None) for p in case["pages"]]
    titles = {p.get("title") for p in pages} - {None}
    assert titles and titles <= {"Telegram: Contact @chollometro", "My Lotus Elise 72D with 17” Rays Volk GT-P : r/lotus"}, titles
    assert {f["filename"] for _, _, f in rows} == {"capture-1.warc.gz", "capture-2.warc.gz"}
    assert package["description"] == "two reported posts" and package["mainPageURL"] == case["pages"][0].url


async def _replay_text(index_url: str, target_url: str, expect: str, timeout: float = 90.0) -> str:
    from playwright.async_api import async_playwright

    from evidence.capture.browser import launch_options

    async with async_playwright() as p:
        _, kwargs = launch_options(p, extra_args=LOOPBACK_ONLY)
        browser = await p.chromium.launch(**kwargs)
        try:
            page = await browser.new_page()
            await page.goto(index_url)
            loop = asyncio.get_running_loop()
            deadline, text = loop.time() + timeout, ""
            reload_at = loop.time() + timeout / 3
            while loop.time() < deadline:
                if loop.time() > reload_at and not any("mp_/" in f.url for f in page.frames):
                    # the viewer's service worker sometimes misses its first start on a loaded machine:
                    # reload, as a reader would
                    reload_at = loop.time() + timeout / 3
                    await page.reload()
                for frame in page.frames:
                    if frame.url.endswith("mp_/" + target_url):
                        try:
                            text = await frame.evaluate(SHOWN)
                        except Exception:  # noqa: BLE001 - frame navigating: look again
                            continue
                        if expect in text:
                            return text
                await asyncio.sleep(0.5)
            raise AssertionError(f"{target_url} not replayed in {timeout}s; frames={[f.url for f in page.frames]}; "
                                 f"text={text[:300]!r}")
        finally:
            await browser.close()


def test_second_capture_replays_from_the_case_wacz(case):
    rwp = find_replaywebpage()
    if rwp is None:
        pytest.fail("ReplayWeb.page is not installed: run `make setup`")
    page = case["pages"][1]
    with ReplayServer(rwp, case["wacz"], page.url) as srv:
        text = asyncio.run(_replay_text(srv.url("/index.html"), page.url, POSTS[urlsplit(page.url).path]))
    assert "Lotus Elise" in text
