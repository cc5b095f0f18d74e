"""Evidence.match on a real store: demo posts captured by real Chromium from a loopback server, a complainant's
screenshot made from a capture (cropped, scaled 0.7, JPEG 60) and one of a post captured only in another case;
the match is signed in the custody log and the store still verifies."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from PIL import Image

from conftest import CASE
from evidence.capture.options import CaptureOptions

pytestmark = pytest.mark.skipif(__import__("shutil").which("tesseract") is None,
                                reason="Tesseract is not installed: run `make setup` as root")

DEMO_SITE = __import__("pathlib").Path(__file__).resolve().parents[1] / "evidence" / "data" / "demo" / "site"
LOOPBACK = CaptureOptions(browser_args=("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",), timeout=30)


@pytest.fixture
def site():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(DEMO_SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def complainant_copy(src, out):
    with Image.open(src) as im:
        im = im.convert("RGB")
    w, h = im.size
    c = im.crop((int(w * 0.06), int(h * 0.04), int(w * 0.94), int(h * 0.9)))
    c.resize((int(c.width * 0.7), int(c.height * 0.7)), Image.Resampling.LANCZOS).save(out, "JPEG", quality=60)
    return out


def test_match_records_a_signed_entry(ev, site, tmp_path):
    post1 = ev.capture(f"{site}/post-1.html", case=CASE, options=LOOPBACK)
    thread = ev.capture(f"{site}/thread.html", case=CASE, options=LOOPBACK)
    ev.open_case("OTHER-1", title="another case")
    post2 = ev.capture(f"{site}/post-2.html", case="OTHER-1", options=LOOPBACK)

    shots = ev.import_files([complainant_copy(post1.path("screenshot_viewport"), tmp_path / "from-phone.jpg"),
                             complainant_copy(post2.path("screenshot_viewport"), tmp_path / "not-captured.jpg")],
                            case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")

    res = ev.match(shots[0].id)
    assert res["label"] == "same post" and res["best"] == post1.id, res["ranked"]
    assert res["captures"] == 2 and {r["id"] for r in res["ranked"]} == {post1.id, thread.id}
    assert res["ocr"]["engine"]["name"] == "tesseract" and res["ocr"]["word_count"] > 10

    none = ev.match(shots[1].id[:10])  # a unique prefix works too
    assert none["label"] == "no match" and none["best"] is None, none["ranked"]

    entries = ev.custody(item=shots[0].id, actions=("match.recorded",))
    assert len(entries) == 1 and entries[0].seq == res["logged_as"]
    details = entries[0].entry["details"]
    assert details["best"] == post1.id and details["ranked"][0]["label"] == "same post"
    assert details["image"]["sha256"] == shots[0].artifacts[0]["sha256"]
    report = ev.verify()
    assert report.ok, [str(p) for p in report.problems]


def test_match_needs_an_image(ev, tmp_path):
    from evidence.errors import InputError

    note = tmp_path / "note.txt"
    note.write_text("not an image")
    item = ev.import_files([note], case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")[0]
    with pytest.raises(InputError, match="no image"):
        ev.match(item.id)


def test_match_from_the_command_line(ev, run, site, tmp_path):
    import json

    import jsonschema

    from conftest import ROOT

    post1 = ev.capture(f"{site}/post-1.html", case=CASE, options=LOOPBACK)
    ev.capture(f"{site}/thread.html", case=CASE, options=LOOPBACK)
    shot = ev.import_files([complainant_copy(post1.path("screenshot_viewport"), tmp_path / "from-phone.jpg")],
                           case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")[0]

    r = run("match", shot.id[:10])
    assert r.code == 0, r
    assert f"same post: capture {post1.id}" in r.out and "match.recorded" not in r.err, r
    r = run("match", shot.id, "--limit", "1", "--json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    schema = json.loads((ROOT / "schemas" / "cli-match.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["best_item_id"] == post1.id and len(doc["ranked"]) == 1 and doc["ranked"][0]["item_id"] == post1.id
    seqs = [e.seq for e in ev.custody(item=shot.id, actions=("match.recorded",))]
    assert doc["custody_seq"] == seqs[-1] and len(seqs) == 2

    r = run("match", "no-such-item")
    assert r.code != 0 and "Traceback" not in r.err and "no-such-item" in r.err, r
