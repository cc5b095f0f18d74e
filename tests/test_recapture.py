"""Recapture with real Chromium: a loopback page is captured, then changed (text edited, image swapped, 404, a
login wall, a "post removed" page) and recaptured; each verdict is signed in the log and the store verifies."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from conftest import CASE
from evidence.capture.options import CaptureOptions
from webserver import post_page

LOOPBACK = CaptureOptions(browser_args=("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",), timeout=30)
TEXT = "Watch your back tomorrow at the library, I know where you sit"
LOGIN = (b"<!DOCTYPE html><html><head><title>Log in</title></head><body><form><input name=u>"
         b"<input type=password name=p><button>Log in</button></form></body></html>")
REMOVED = b"<!DOCTYPE html><html><head><title>Chirp</title></head><body><h1>This post has been removed</h1></body></html>"


def _png(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(buf, "PNG")
    return buf.getvalue()


class Site:
    def __init__(self):
        self.state = {"status": 200, "body": post_page(text=TEXT, extra='<img src="/pic.png">'), "pic": _png("navy")}
        state = self.state

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/pic.png":
                    body, ctype, status = state["pic"], "image/png", 200
                else:
                    body, ctype, status = state["body"], "text/html; charset=utf-8", state["status"]
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jobloggs/status/1"


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()
    s.server.server_close()


def test_each_verdict_is_signed(ev, site):
    first = ev.capture(site.url, case=CASE, options=LOOPBACK)
    same = ev.recapture(first.id, options=LOOPBACK)
    assert same["verdict"] == "still there", same
    assert same["earlier"] == first.id and same["hash_distance"] == 0

    site.state["pic"] = _png("orange")
    media = ev.recapture(same["later"], options=LOOPBACK)
    assert media["verdict"] == "media changed" and not media["text_changed"], media

    site.state["body"] = post_page(text=TEXT, extra='<img src="/pic.png">').replace(
        b'<meta name="author"', b'<meta property="og:image" content="/other.png"><meta name="author"')
    swapped = ev.recapture(media["later"], options=LOOPBACK)
    assert swapped["verdict"] == "media changed" and "/other.png" in swapped["reasons"][0], swapped["reasons"]
    site.state["body"] = post_page(text=TEXT, extra='<img src="/pic.png">')

    site.state["body"] = post_page(text=TEXT.replace("tomorrow", "tonight"), extra='<img src="/pic.png">')
    edited = ev.recapture(media["later"], options=LOOPBACK)
    assert edited["verdict"] == "edited", edited
    assert "-tomorrow" in edited["text_diff"] and "+tonight" in edited["text_diff"]

    diff = ev.item(edited["difference"]["item"])
    assert diff.kind == "analysis" and diff.derived_from == edited["later"]
    assert diff.artifacts[0]["sha256"] == edited["difference"]["sha256"]

    for state, why in (({"status": 404}, "HTTP 404"), ({"status": 410}, "HTTP 410"),
                       ({"body": LOGIN}, "login wall"), ({"body": REMOVED}, "has been removed")):
        site.state.update(state)
        gone = ev.recapture(first.id, options=LOOPBACK)
        assert gone["verdict"] == "gone" and any(why in r for r in gone["reasons"]), (why, gone["reasons"], gone["http_status"], gone["flags_after"])
        site.state.update({"status": 200, "body": post_page(text=TEXT)})

    entries = ev.custody(case=CASE, actions=("recapture.compared",))
    assert [e.entry["details"]["verdict"] for e in entries] == \
        ["still there", "media changed", "media changed", "edited", "gone", "gone", "gone", "gone"]
    assert [r["verdict"] for r in ev.recaptures(CASE)][:4] == ["still there", "media changed", "media changed", "edited"]
    report = ev.verify()
    assert report.ok, [str(p) for p in report.problems]


def test_schedule_and_due(ev, site):
    from evidence.recapture import recapture_due

    first = ev.capture(site.url, case=CASE, options=LOOPBACK)
    assert ev.recapture_due(options=LOOPBACK)["cases"] == {}  # no schedule: nothing due
    ev.schedule_recapture(CASE, "6h")
    assert recapture_due(ev, options=LOOPBACK)["cases"] == {CASE: []}  # captured just now: not due yet
    later = datetime.now(timezone.utc) + timedelta(hours=7)
    done = recapture_due(ev, options=LOOPBACK, now=later)["cases"][CASE]
    assert [d["earlier"] for d in done] == [first.id] and done[0]["verdict"] == "still there"
    ev.schedule_recapture(CASE, "off")
    assert recapture_due(ev, options=LOOPBACK, now=later)["cases"] == {}


def test_bad_input(ev, tmp_path):
    from evidence.errors import InputError

    with pytest.raises(InputError, match="interval"):
        ev.schedule_recapture(CASE, "often")
    with pytest.raises(InputError, match="15 minutes"):
        ev.schedule_recapture(CASE, "1m")
    f = tmp_path / "a.txt"
    f.write_text("x")
    item = ev.import_files([f], case=CASE, received_from="c", received_at="2026-11-20T09:14Z")[0]
    with pytest.raises(InputError, match="not a web capture"):
        ev.recapture(item.id)


def test_capture_warns_when_captured_again(ev, site):
    first = ev.capture(site.url, case=CASE, options=LOOPBACK)
    assert not any("already captured" in w for w in ev.warnings)
    ev.capture(site.url, case=CASE, options=LOOPBACK)
    assert any(f"evidence recapture {first.id}" in w for w in ev.warnings)


def test_recapture_from_the_command_line(ev, run, site):
    import json

    import jsonschema

    from evidence.outputs import SCHEMA_OF

    schema = json.loads((__import__("pathlib").Path(__file__).resolve().parents[1] / "schemas" /
                         f"{SCHEMA_OF['recapture']}.schema.json").read_text())
    first = ev.capture(site.url, case=CASE, options=LOOPBACK)
    rules = "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
    site.state["status"] = 404
    r = run("recapture", first.id, "--browser-arg", f"--host-resolver-rules={rules}", "--json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    jsonschema.validate(doc, schema)
    assert doc[0]["verdict"] == "gone" and doc[0]["earlier_item_id"] == first.id
    r = run("recapture", "--case", CASE, "--every", "6h", "--json")
    assert r.code == 0, r
    jsonschema.validate(json.loads(r.out), schema)
    r = run("recapture", "--due")
    assert r.code == 0 and "Nothing to recapture" in r.out, r
    r = run("recapture", "--case", CASE, "--every", "sometimes")
    assert r.code != 0 and "--every 6h" in r.err, r
    r = run("recapture")
    assert r.code != 0 and "one of ITEM" in r.err, r


def test_timeline_shows_recaptures(ev, site):
    first = ev.capture(site.url, case=CASE, options=LOOPBACK)
    site.state["body"] = post_page(text=TEXT + " and after")
    ev.recapture(first.id, options=LOOPBACK)
    site.state["status"] = 404
    ev.recapture(first.id, options=LOOPBACK)
    whats = [e["what"] for e in ev.timeline(CASE)]
    assert any(w.startswith("post by Jo Bloggs published") for w in whats)
    assert any(w.startswith("recaptured: found edited") for w in whats)
    assert any(w.startswith("recaptured: found gone (HTTP 404)") for w in whats), whats


def test_timeline_lists_alleged_withdrawn_redacted_disclosed(ev, tmp_path):
    from conftest import make_png

    shot = ev.import_files([make_png(tmp_path / "s.png", size=(200, 100))], case=CASE, received_from="complainant",
                           received_at="2026-11-20T09:14Z")[0]
    ev.redact(shot.id, regions=["0,0,20,20"], reason="third-party name")
    a = ev.allege(case=CASE, clause="6.1", evidence=[shot.id], summary="a threat")
    ev.withdraw_allegation(a["id"], reason="complainant withdrew")
    ev.build_pack(case=CASE, out=tmp_path / "p.zip", pdf=False)
    events = [e["event"] for e in ev.timeline(CASE)]
    for action in ("item.imported", "item.redacted", "allegation.made", "allegation.withdrawn", "bundle.built"):
        assert action in events, (action, events)
    whats = " | ".join(e["what"] for e in ev.timeline(CASE))
    assert "redacted copy made" in whats and "allegation withdrawn: clause 6.1 (complainant withdrew)" in whats
    assert "pack disclosed to the panel" in whats


def test_batch_capture_warns_too(ev, site):
    first = ev.capture(site.url, case=CASE, options=LOOPBACK)
    ev.warnings.clear()
    ev.capture_many([site.url], case=CASE, options=LOOPBACK)
    assert any(f"evidence recapture {first.id}" in w for w in ev.warnings), ev.warnings
