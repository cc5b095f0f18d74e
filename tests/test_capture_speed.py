"""What the capture's speed-ups must not change: a viewport screenshot equal to the full page is said to be
so (same bytes, stated in the signed metadata), a batch still captures every URL, and a schema's
metaschema check is remembered only for the same schema text."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from conftest import CASE, descendant_pids
from evidence.capture.shots import fills_viewport_exactly, png_size
from test_capture import artifact, cap, item_of, metadata
from webserver import TestSite


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with TestSite(tmp_path_factory.mktemp("site")) as s:
        yield s


def _shots(ready, rec):
    return ({a["role"]: a["sha256"] for a in rec["artifacts"]},
            Image.open(io.BytesIO(artifact(ready, rec, "screenshot"))).size)


def test_short_page_keeps_its_full_page_as_the_viewport_screenshot(ready, run, site):
    rec = item_of(run, cap(run, site.url("/post"), "--viewport", "1280x2000"))
    hashes, full_size = _shots(ready, rec)
    meta = metadata(ready, rec)
    assert full_size == (1280, 2000)  # the page is shorter than the window
    assert meta["capture"]["viewport_screenshot"] == "same-as-full-page"
    assert hashes["screenshot_viewport"] == hashes["screenshot"]  # kept, hashed and signed like any artifact
    assert run("verify").code == 0


def test_tall_page_still_gets_its_own_viewport_screenshot(ready, run, site):
    rec = item_of(run, cap(run, site.url("/infinite")))
    hashes, full_size = _shots(ready, rec)
    assert full_size[1] > 800
    assert metadata(ready, rec)["capture"]["viewport_screenshot"] == "taken"
    assert hashes["screenshot_viewport"] != hashes["screenshot"]
    viewport = Image.open(io.BytesIO(artifact(ready, rec, "screenshot_viewport")))
    assert viewport.size == (1280, 800)
    # taken through DevTools while the layout and the snapshot are read: the window's pixels, the full page's top
    full = Image.open(io.BytesIO(artifact(ready, rec, "screenshot"))).convert("RGB")
    assert viewport.convert("RGB").tobytes() == full.crop((0, 0, 1280, 800)).tobytes()


def test_the_layout_read_as_one_string_is_the_layout_read_as_a_value_even_where_the_page_breaks_json(site):
    """The words come back as one JSON string (fast); a page whose script replaced JSON.stringify still gets its
    layout, asked for again as a value."""
    import asyncio

    from playwright.async_api import async_playwright

    from evidence.capture.browser import launch_options
    from evidence.capture.layout import LAYOUT_JS, MAX_WORDS, collect_layout

    async def read() -> dict:
        async with async_playwright() as p:
            browser = await p.chromium.launch(**launch_options(p)[1])
            page = await browser.new_page()
            out = {}
            for path in ("/post", "/hostile-json"):
                await page.goto(site.url(path))
                out[path] = (await page.evaluate(LAYOUT_JS, [MAX_WORDS, True]),
                             await page.evaluate(LAYOUT_JS, [MAX_WORDS, False]), await collect_layout(page))
            await browser.close()
            return out

    def rounded(value: dict) -> list[dict]:
        return [{"text": w["text"], **{k: round(w[k], 2) for k in ("x", "y", "w", "h")}} for w in value["words"]]

    got = asyncio.run(read())
    as_text, as_value, layout = got["/post"]
    assert isinstance(as_text, str) and json.loads(as_text) == as_value
    assert layout["words"] == rounded(as_value) and len(layout["words"]) >= 5
    as_text, as_value, layout = got["/hostile-json"]
    assert as_text == "{not json"  # the page's own JSON.stringify answered
    assert layout["words"] == rounded(as_value) and {"Hostile", "script"} <= {w["text"] for w in layout["words"]}


def test_a_page_that_replaced_json_stringify_is_captured_with_its_layout(ready, run, site):
    rec = item_of(run, cap(run, site.url("/hostile-json")))
    words = [w["text"] for w in json.loads(artifact(ready, rec, "layout"))["words"]]
    assert "Hostile" in words and b"Hostile script" in artifact(ready, rec, "dom")


def test_png_size_reads_only_pngs():
    buf = io.BytesIO()
    Image.new("RGB", (12, 7)).save(buf, "PNG")
    assert png_size(buf.getvalue()) == (12, 7)
    assert fills_viewport_exactly(buf.getvalue(), (6, 7), 2) is False
    assert fills_viewport_exactly(buf.getvalue(), (12, 7), 1) is True
    assert png_size(b"GIF89a" + bytes(30)) is None and png_size(None) is None


def test_batch_captures_every_url(ready, run, site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(site.url(f"/post?n={i}") for i in range(3)) + "\n")
    r = run("capture", "--from-file", str(urls), "--case", CASE, "--concurrency", "2", "--json",
            "--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    assert r.code == 0, r
    out = json.loads(r.out)
    assert len(out) == 3 and all(o["ok"] for o in out)
    assert run("verify").code == 0


def test_schema_check_is_remembered_per_schema_text(env, monkeypatch):
    import jsonschema

    from evidence import schemas

    text = b'{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}'
    marker = schemas.checked_marker(text)
    assert not marker.exists()
    cls = jsonschema.validators.validator_for(json.loads(text))
    schemas.check_schema_once(cls, json.loads(text), text)
    assert marker.is_file()
    bad = b'{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": 12}'
    assert schemas.checked_marker(bad) != marker
    with pytest.raises(jsonschema.SchemaError):  # another text is checked again, and refused
        schemas.check_schema_once(cls, json.loads(bad), bad)
    assert not schemas.checked_marker(bad).exists()


def _driver_environ() -> bytes:
    """The environment Playwright's driver (Node) was started with, read from /proc while it runs."""
    from evidence.capture.page import SyncCapturer

    with SyncCapturer(spares=0) as cap:
        assert cap.version
        for pid in descendant_pids(os.getpid()):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"run-driver" in cmd:
                    return Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
    raise AssertionError("no driver process found")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_the_driver_keeps_nodes_compile_cache_in_the_state_folder_unless_the_user_chose(env, monkeypatch, tmp_path):
    cache = env["tmp"] / "state" / "node-compile-cache"
    monkeypatch.delenv("NODE_COMPILE_CACHE", raising=False)
    monkeypatch.delenv("NODE_DISABLE_COMPILE_CACHE", raising=False)
    assert f"NODE_COMPILE_CACHE={cache}".encode() in _driver_environ().split(b"\0")
    assert any(p.is_file() for p in cache.rglob("*"))  # Node wrote the compiled driver there
    assert "NODE_COMPILE_CACHE" not in os.environ  # only the driver's environment had it
    mine = tmp_path / "my-cache"
    monkeypatch.setenv("NODE_COMPILE_CACHE", str(mine))  # the user's own choice is kept
    assert f"NODE_COMPILE_CACHE={mine}".encode() in _driver_environ().split(b"\0")
    assert os.environ["NODE_COMPILE_CACHE"] == str(mine)
    monkeypatch.delenv("NODE_COMPILE_CACHE")
    monkeypatch.setenv("NODE_DISABLE_COMPILE_CACHE", "1")
    assert not any(v.startswith(b"NODE_COMPILE_CACHE=") for v in _driver_environ().split(b"\0"))
