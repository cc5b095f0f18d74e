"""Deliberately awkward captures and inputs: what the WARC says when a body is not kept.

Real Chromium on loopback servers: the project's test site (redirect chains, a body that never
finishes, an image that never answers, HTTPS with a self-signed certificate) and a small server
here for big and gzip-coded bodies. Plus the writers on inputs built by hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import io
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidence.errors import InputError
from evidence.webarchive.cdxj import index_warcs, parse_cdxj
from evidence.webarchive.exchange import Exchange
from evidence.webarchive.recorder import Recorder
from evidence.webarchive.wacz import Page, write_wacz
from evidence.webarchive.warc import write_warc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webserver import TestSite, post_page  # noqa: E402

BIG = os.urandom(200_000)  # incompressible: its transfer size is its size
ZEROS = b"a" * 100_000  # compresses to a few hundred bytes


FETCHES = """<script>Promise.all([fetch('/big.bin').then(r => r.arrayBuffer()),
  fetch('/zeros.js').then(r => r.text())]).then(() => { window.fetched = true; });</script>"""


class _Heavy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        more = {}
        if self.path == "/page":
            body, ctype = post_page(text="Heavy page", extra=FETCHES), "text/html"
        elif self.path == "/big.bin":
            body, ctype = BIG, "application/octet-stream"
        elif self.path == "/zeros.js":
            body, ctype, more = gzip.compress(ZEROS, mtime=0), "application/javascript", {"Content-Encoding": "gzip"}
        else:
            body, ctype = b"", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in more.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def heavy():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Heavy)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


async def _record(url: str, recorder: Recorder, *, on_context: bool = False, wait_until: str = "load",
                  settle_ms: int = 0, finish_timeout: float = 15.0, ready: str | None = None):
    from playwright.async_api import async_playwright

    from evidence.capture.browser import launch_options

    async with async_playwright() as p:
        _, kwargs = launch_options(p)
        browser = await p.chromium.launch(**kwargs)
        try:
            context = await browser.new_context(ignore_https_errors=True)
            page = await context.new_page()
            await recorder.attach(context if on_context else page)
            await page.goto(url, wait_until=wait_until, timeout=20_000)
            if ready:
                await page.wait_for_function(ready, timeout=20_000)
            if settle_ms:
                await page.wait_for_timeout(settle_ms)
            return await recorder.finish(timeout=finish_timeout)
        finally:
            await browser.close()


def _warc_records(exchanges, url: str) -> list:
    buf = io.BytesIO()
    write_warc(buf, exchanges, capture_url=url, captured=exchanges[0].started)
    buf.seek(0)
    return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(buf)]


def _one(items, pred):
    found = [i for i in items if pred(i)]
    assert len(found) == 1, found
    return found[0]


def test_per_response_limit_omits_or_cuts_bodies(heavy):
    url = heavy + "/page"
    exchanges = asyncio.run(_record(url, Recorder(max_body=10_000), ready="window.fetched === true"))
    big = _one(exchanges, lambda e: e.url.endswith("/big.bin"))
    assert big.body is None and big.truncated == "length" and big.body_size == len(BIG)
    assert "over the per-response limit of 10000 bytes" in big.body_missing
    zeros = _one(exchanges, lambda e: e.url.endswith("/zeros.js"))  # small on the wire, big once decoded
    assert zeros.body == ZEROS[:10_000] and zeros.body_size == len(ZEROS) and zeros.truncated == "length"
    assert "cut to 10000 of 100000 bytes by the per-response limit" in zeros.body_missing
    page = _one(exchanges, lambda e: e.url == url)
    assert page.body is not None and page.truncated is None
    records = _warc_records(exchanges, url)
    big_rec = _one(records, lambda r: r[0] == "response" and r[1].get_header("WARC-Target-URI").endswith("/big.bin"))
    assert big_rec[1].get_header("WARC-Truncated") == "length" and big_rec[3] == b""
    assert "per-response limit" in big_rec[1].get_header("X-Evidence-Body-Missing")
    assert big_rec[2].get_statuscode() == "200" and big_rec[2].get_header("Content-Length") == str(len(BIG))
    zeros_rec = _one(records, lambda r: r[0] == "response" and r[1].get_header("WARC-Target-URI").endswith(".js"))
    assert zeros_rec[3] == ZEROS[:10_000] and zeros_rec[1].get_header("WARC-Truncated") == "length"


def test_total_limit_bounds_what_one_recording_keeps(heavy):
    url = heavy + "/page"
    exchanges = asyncio.run(_record(url, Recorder(max_total=50_000), ready="window.fetched === true"))
    kept = sum(len(e.body or b"") for e in exchanges)
    assert kept == 50_000
    limited = [e for e in exchanges if e.body_missing and "total limit" in e.body_missing]
    assert limited and all(e.truncated == "length" for e in limited)
    records = _warc_records(exchanges, url)
    truncated = [r for r in records if r[0] == "response" and r[1].get_header("WARC-Truncated") == "length"]
    assert len(truncated) == len(limited)


def test_redirects_https_and_the_context_listener(tmp_path):
    with TestSite(tmp_path) as site:
        url = site.https_url("/redirect/2")
        exchanges = asyncio.run(_record(url, Recorder(), on_context=True))
    hops = [e for e in exchanges if "/redirect/" in e.url]
    assert [e.status for e in hops] == [302, 301]
    assert all(e.url.startswith("https://127.0.0.1:") for e in exchanges)
    assert all("redirect" in e.body_missing and e.truncated == "unspecified" for e in hops)
    final = _one(exchanges, lambda e: e.url.endswith("/post"))
    assert final.status == 200 and b"Hello world" in final.body
    records = _warc_records(exchanges, url)
    first = _one(records, lambda r: r[0] == "response" and r[1].get_header("WARC-Target-URI").endswith("/redirect/2"))
    assert first[2].get_header("Location") == "/redirect/1" and first[1].get_header("WARC-Truncated") == "unspecified"
    assert "redirect" in first[1].get_header("X-Evidence-Body-Missing")


def test_bodies_still_loading_when_the_capture_ends(tmp_path):
    with TestSite(tmp_path, https=False) as site:
        slow = asyncio.run(_record(site.url("/slow-body"), Recorder(), wait_until="commit", settle_ms=300,
                                   finish_timeout=1.0))
        never = asyncio.run(_record(site.url("/never"), Recorder(), wait_until="domcontentloaded", settle_ms=300,
                                    finish_timeout=1.0))
    body = _one(slow, lambda e: e.url.endswith("/slow-body"))
    assert body.status == 200 and body.truncated == "time" and body.body is None
    assert body.body_missing == "body still loading when the capture ended"
    rec = _one(_warc_records(slow, site.url("/slow-body")), lambda r: r[0] == "response")
    assert rec[1].get_header("WARC-Truncated") == "time" and rec[2].get_header("Content-Length") == "100000"
    image = _one(never, lambda e: e.url.endswith("/never-image.png"))
    assert image.response_headers is None and image.failure == "no response before the capture ended"
    records = _warc_records(never, site.url("/never"))
    meta = _one(records, lambda r: r[0] == "metadata")
    assert meta[1].get_header("WARC-Target-URI").endswith("/never-image.png")
    assert b"failure: no response before the capture ended" in meta[3]


def _exchange(**kw) -> Exchange:
    base = dict(method="GET", url="https://example.test/a?b=1", started=dt.datetime(2026, 1, 2, 3, 4, 5, 678901,
                tzinfo=dt.timezone.utc), request_headers=[("Host", "example.test")], status=200, status_text="OK",
                response_headers=[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")], body=b"hi")
    base.update(kw)
    return Exchange(**base)


def test_writer_marks_unknown_versions_and_removed_chunking():
    records = _warc_records([_exchange()], "https://example.test/a?b=1")
    resp = _one(records, lambda r: r[0] == "response")
    req = _one(records, lambda r: r[0] == "request")
    assert resp[1].get_header("WARC-Date") == "2026-01-02T03:04:05.678901Z"
    assert resp[1].get_header("X-Evidence-HTTP-Version").startswith("unknown")
    assert resp[2].get_header("Transfer-Encoding") is None
    assert resp[2].get_header("X-Evidence-Orig-Transfer-Encoding") == "chunked" and resp[3] == b"hi"
    assert req[2].protocol == "GET" and req[2].statusline == "/a?b=1 HTTP/1.1"


def test_writer_keeps_a_post_body_and_indexes_it(tmp_path):
    ex = _exchange(method="POST", request_body=b"q=evidence", http_version="HTTP/2.0",
                   response_headers=[("content-type", "application/json")], body=b"{}")
    warc = tmp_path / "post.warc.gz"
    write_warc(warc, [ex], capture_url=ex.url, captured=ex.started)
    records = [(r.rec_type, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(open(warc, "rb"))]
    assert ("request", "q=evidence") in [(t, b.decode()) for t, _, b in records]
    assert _one(records, lambda r: r[0] == "response")[1].protocol == "HTTP/2.0"
    (key, ts, fields), = parse_cdxj(index_warcs([warc]))
    assert "__wb_method=post" in key and fields["method"] == "POST" and ts == "20260102030405"


def test_wacz_refuses_bad_inputs(tmp_path):
    created = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with pytest.raises(InputError, match="at least one WARC"):
        write_wacz(tmp_path / "a.wacz", [], [], created=created)
    with pytest.raises(InputError, match="not found"):
        write_wacz(tmp_path / "a.wacz", [tmp_path / "missing.warc.gz"], [], created=created)
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(b"this is not a WARC file at all\r\n" * 4)
    with pytest.raises(InputError, match="not a readable WARC"):
        write_wacz(tmp_path / "a.wacz", [bad], [], created=created)
    one, two = tmp_path / "x" / "c.warc.gz", tmp_path / "y" / "c.warc.gz"
    for path in (one, two):
        path.parent.mkdir()
        write_warc(path, [_exchange()], capture_url="https://example.test/", captured=created)
    with pytest.raises(InputError, match="same name"):
        write_wacz(tmp_path / "a.wacz", [one, two], [Page(url="https://example.test/", ts=created)], created=created)
    assert not (tmp_path / "a.wacz").exists() and not (tmp_path / "a.wacz.part").exists()
    with pytest.raises(InputError, match="negative"):
        Recorder(max_body=-1)
