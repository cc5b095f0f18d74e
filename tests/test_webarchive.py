"""WARC at capture and WACZ export, proved with the real tools.

One real capture (module fixture): a post page with an image, a gzip-coded script and an image
on a port nothing listens on, served on loopback and loaded in headless Chromium with the
recorder attached. Its WARC is checked with warcio's own checker, its WACZ with Webrecorder's
``wacz validate``, and the WACZ is replayed in ReplayWeb.page (served from the npm package
``make setup`` unpacked) in Chromium, after the capture's server is gone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import hashlib
import json
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidence.webarchive.cdxj import parse_cdxj
from evidence.webarchive.recorder import Recorder
from evidence.webarchive.wacz import Page, write_wacz
from evidence.webarchive.warc import write_warc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replayserver import ReplayServer, find_replaywebpage  # noqa: E402
from webserver import closed_port, png_bytes, post_page  # noqa: E402

VENV_BIN = Path(sys.executable).parent
POST_TEXT = "The archived post says hello from the evidence room"
SCRIPT_TEXT = "script ran from a gzip body"
PNG = png_bytes(64, 48)
SCRIPT = f"document.getElementById('js').textContent = '{SCRIPT_TEXT}';".encode()


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/post":
            extra = (f'<img id="photo" src="/photo.png" alt="photo"><p id="js"></p><script src="/app.js"></script>'
                     f'<img id="gone" src="http://127.0.0.1:{self.server.dead_port}/gone.png">')
            body, ctype, more = post_page(title="Archived post", text=POST_TEXT, extra=extra), "text/html; charset=utf-8", {}
        elif self.path == "/photo.png":
            body, ctype, more = PNG, "image/png", {}
        elif self.path == "/app.js":
            body, ctype, more = gzip.compress(SCRIPT, mtime=0), "application/javascript", {"Content-Encoding": "gzip"}
        else:
            body, ctype, more = b"not found", "text/plain", {}
        self.send_response(200 if ctype != "text/plain" else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in more.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


async def _capture(url: str, recorder: Recorder, extra_args: tuple[str, ...] = (), wait_until: str = "load"):
    from playwright.async_api import async_playwright

    from evidence.capture.browser import launch_options

    async with async_playwright() as p:
        _, kwargs = launch_options(p, extra_args=extra_args)
        browser = await p.chromium.launch(**kwargs)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await recorder.attach(page)
            await page.goto(url, wait_until=wait_until)
            if wait_until != "load":  # a page whose load event may never come: give it a moment
                try:
                    await page.wait_for_load_state("load", timeout=3_000)
                except Exception:  # noqa: BLE001 - still loading: what came is recorded, the rest says so
                    pass
            title = await page.title()
            exchanges = await recorder.finish()
        finally:
            await browser.close()
    return title, exchanges


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webarchive")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    srv.daemon_threads = True
    srv.dead_port = closed_port()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/post"
    try:
        title, exchanges = asyncio.run(_capture(url, Recorder()))
    finally:
        srv.shutdown()
        srv.server_close()  # the replay below cannot reach the live site
    started = exchanges[0].started
    warc = tmp / "capture-1.warc.gz"
    write_warc(warc, exchanges, capture_url=url, captured=started)
    wacz = tmp / "case.wacz"
    created = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)
    write_wacz(wacz, [warc], [Page(url=url, ts=started, title=title)], created=created, title="Case SMP-TEST")
    return {"url": url, "title": title, "exchanges": exchanges, "warc": warc, "wacz": wacz, "tmp": tmp,
            "created": created, "dead_port": srv.dead_port}


def _records(path: Path) -> list:
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            out.append((rec.rec_type, rec.rec_headers, rec.http_headers, rec.content_stream().read()))
    return out


def _by(records, rtype: str, url_end: str):
    found = [r for r in records if r[0] == rtype and (r[1].get_header("WARC-Target-URI") or "").endswith(url_end)]
    assert len(found) == 1, f"{rtype} {url_end}: {len(found)} records"
    return found[0]


def test_recorder_keeps_every_exchange(captured):
    by_url = {e.url.rsplit("/", 1)[-1]: e for e in captured["exchanges"]}
    assert set(by_url) == {"post", "photo.png", "app.js", "gone.png"}
    assert POST_TEXT.encode() in by_url["post"].body
    assert by_url["photo.png"].body == PNG and by_url["photo.png"].status == 200
    assert by_url["app.js"].body == SCRIPT and by_url["app.js"].body_decoded == "gzip"
    assert by_url["post"].http_version == "HTTP/1.1"
    assert ("Content-Type", "image/png") in by_url["photo.png"].response_headers
    gone = by_url["gone.png"]
    assert gone.response_headers is None and "ERR_CONNECTION_REFUSED" in gone.failure
    assert all(e.started.tzinfo is not None for e in captured["exchanges"])


def test_warc_passes_warcio_check_and_keeps_bytes(captured):
    check = subprocess.run([str(VENV_BIN / "warcio"), "check", "-v", str(captured["warc"])],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 9  # warcinfo + 3 × (response, request) + request + metadata
    records = _records(captured["warc"])
    assert records[0][0] == "warcinfo" and captured["url"].encode() in records[0][3]
    assert b"format: WARC File Format 1.1" in records[0][3]
    photo = _by(records, "response", "/photo.png")
    assert photo[3] == PNG
    assert photo[1].get_header("WARC-Payload-Digest").startswith("sha256:")
    assert photo[1].get_header("WARC-Block-Digest").startswith("sha256:")
    date = photo[1].get_header("WARC-Date")
    assert len(date) == len("2026-12-02T18:40:01.123456Z") and date.endswith("Z")
    request = _by(records, "request", "/photo.png")
    assert request[1].get_header("WARC-Concurrent-To") == photo[1].get_header("WARC-Record-ID")
    assert request[2].protocol == "GET" and request[2].statusline.startswith("/photo.png HTTP/1.1")
    assert all(r[1].protocol == "WARC/1.1" for r in records)


def test_warc_says_why_a_body_is_missing_or_decoded(captured):
    records = _records(captured["warc"])
    _, req_headers, _, _ = _by(records, "request", "/gone.png")
    meta = _by(records, "metadata", "/gone.png")
    assert meta[1].get_header("WARC-Concurrent-To") == req_headers.get_header("WARC-Record-ID")
    assert req_headers.get_header("WARC-Concurrent-To") == meta[1].get_header("WARC-Record-ID")
    assert b"failure: request failed: net::ERR_CONNECTION_REFUSED" in meta[3]
    assert "ERR_CONNECTION_REFUSED" in meta[1].get_header("X-Evidence-Body-Missing")
    script = _by(records, "response", "/app.js")
    assert script[3] == SCRIPT and script[1].get_header("X-Evidence-Body-Decoded") == "gzip"
    assert script[2].get_header("X-Evidence-Orig-Content-Encoding") == "gzip"
    assert script[2].get_header("Content-Encoding") is None
    assert script[2].get_header("Content-Length") == str(len(SCRIPT))


def test_same_capture_gives_the_same_bytes(captured):
    again_warc = captured["tmp"] / "again" / "capture-1.warc.gz"
    again_warc.parent.mkdir()
    write_warc(again_warc, captured["exchanges"], capture_url=captured["url"],
               captured=captured["exchanges"][0].started)
    assert again_warc.read_bytes() == captured["warc"].read_bytes()
    again = captured["tmp"] / "again" / "case.wacz"
    page = Page(url=captured["url"], ts=captured["exchanges"][0].started, title=captured["title"])
    write_wacz(again, [again_warc], [page], created=captured["created"], title="Case SMP-TEST")
    assert again.read_bytes() == captured["wacz"].read_bytes()


def _wacz_validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "wacz"), "validate", "-f", str(path)], capture_output=True, text=True,
                          timeout=120)


def test_wacz_validate_accepts_it_and_rejects_a_tampered_copy(captured):
    ok = _wacz_validate(captured["wacz"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Version detected as 1.1.1" in ok.stdout and "the passed WACZ is valid" in ok.stdout
    tampered = captured["tmp"] / "tampered.wacz"
    with zipfile.ZipFile(captured["wacz"]) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "indexes/index.cdxj":
                data = data.replace(b'"status": "200"', b'"status": "404"', 1)
            dst.writestr(info, data)
    bad = _wacz_validate(tampered)
    assert bad.returncode != 0 and "the passed WACZ is invalid" in bad.stdout
    assert "index.cdxj" in bad.stdout and "hash" in bad.stdout  # frictionless checks each resource's hash


def test_wacz_layout_index_and_pages(captured):
    with zipfile.ZipFile(captured["wacz"]) as zf:
        names = zf.namelist()
        assert names == ["archive/capture-1.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl",
                         "datapackage.json", "datapackage-digest.json"]
        assert zf.getinfo("archive/capture-1.warc.gz").compress_type == zipfile.ZIP_STORED
        package_bytes = zf.read("datapackage.json")
        package, digest = json.loads(package_bytes), json.loads(zf.read("datapackage-digest.json"))
        index, pages = zf.read("indexes/index.cdxj"), zf.read("pages/pages.jsonl").decode().splitlines()
        warc_bytes = zf.read("archive/capture-1.warc.gz")
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
    assert package["mainPageURL"] == captured["url"] and package["created"] == "2026-12-02T12:00:00Z"
    assert [r["path"] for r in package["resources"]] == names[:3]
    warc_res = package["resources"][0]
    assert warc_res["hash"] == "sha256:" + hashlib.sha256(warc_bytes).hexdigest()
    assert warc_res["bytes"] == len(warc_bytes)
    assert digest == {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
    assert "signedData" not in digest
    header, page = json.loads(pages[0]), json.loads(pages[1])
    assert header["format"] == "json-pages-1.0" and len(pages) == 2
    assert page["url"] == captured["url"] and page["title"] == "Archived post" and page["ts"].endswith("Z")
    rows = parse_cdxj(index)
    assert [(k, t) for k, t, _ in rows] == sorted((k, t) for k, t, _ in rows)
    assert {f["url"].rsplit("/", 1)[-1] for _, _, f in rows} == {"post", "photo.png", "app.js"}  # no failure
    photo = next(f for _, _, f in rows if f["url"].endswith("/photo.png"))
    assert photo["mime"] == "image/png" and photo["status"] == "200" and photo["filename"] == "capture-1.warc.gz"
    start, length = int(photo["offset"]), int(photo["length"])
    record = next(ArchiveIterator(__import__("io").BytesIO(warc_bytes[start:start + length])))
    assert record.rec_type == "response" and record.content_stream().read() == PNG
    assert photo["digest"] == record.rec_headers.get_header("WARC-Payload-Digest")


async def _replay(index_url: str, target_url: str) -> dict:
    from playwright.async_api import async_playwright

    from evidence.capture.browser import launch_options

    async with async_playwright() as p:
        _, kwargs = launch_options(p)
        browser = await p.chromium.launch(**kwargs)
        try:
            page = await browser.new_page()
            await page.goto(index_url)
            return await _replayed_page_state(page, target_url)
        finally:
            await browser.close()


async def _replayed_page_state(page, target_url: str, timeout: float = 90.0) -> dict:
    """Find the frame where ReplayWeb.page shows the archived page; wait for its text and image."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    reload_at = loop.time() + timeout / 3
    last = {}
    while loop.time() < deadline:
        if loop.time() > reload_at and not any("mp_/" in f.url for f in page.frames):
            # the viewer's service worker sometimes misses its first start on a loaded machine: reload, as a
            # reader would
            reload_at = loop.time() + timeout / 3
            await page.reload()
        for frame in page.frames:
            if not frame.url.endswith("mp_/" + target_url):
                continue
            try:
                last = await frame.evaluate("""() => { const img = document.getElementById('photo');
                    return {text: document.body ? document.body.innerText : '', url: location.href,
                            complete: !!(img && img.complete), width: img ? img.naturalWidth : -1,
                            js: (document.getElementById('js') || {}).textContent || ''}; }""")
            except Exception as exc:  # noqa: BLE001 - frame navigating: look again
                last = {"error": str(exc)}
                continue
            if last.get("complete") and last.get("width", 0) > 0 and last.get("js"):
                return last
        await asyncio.sleep(0.5)
    frames = [f.url for f in page.frames]
    raise AssertionError(f"replayed page not shown in {timeout}s; frames={frames}; last state={last}")


def test_replay_in_replaywebpage(captured):
    rwp = find_replaywebpage()
    if rwp is None:
        pytest.fail("ReplayWeb.page is not installed: run `make setup` (it unpacks npm replaywebpage into "
                    ".cache/replaywebpage)")
    with ReplayServer(rwp, captured["wacz"], captured["url"]) as srv:
        state = asyncio.run(_replay(srv.url("/index.html"), captured["url"]))
        assert "/case.wacz" in srv.hits and "/replay/sw.js" in srv.hits
    assert POST_TEXT in state["text"]
    assert state["width"] == 64  # the archived photo, decoded by the browser from the WACZ
    assert state["js"] == SCRIPT_TEXT  # the gzip-coded script, stored decoded, ran once replayed
    assert str(captured["dead_port"]) not in state["url"]
