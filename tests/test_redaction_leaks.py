"""A redacted pack names no redacted term anywhere: not in any file's bytes, its decoded text, the PDF's text and
decompressed streams, file names, titles or URLs; the screenshot's pixels where the term was shown are black; a
leak left on purpose makes `bundle --redacted` refuse, naming the place. Real Chromium on a loopback page."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import threading
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from conftest import make_png

CASE = "SMP-2026-031"
TERM = "Quillfeather"  # a third party's surname: in the page's title, slug, text and the alt of an image
SLUG = "/r/physoc/comments/7q1/the_quillfeather_lab_fakes_results/"
LOOPBACK_ONLY = "--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Physics society: "Fake results in the Dr M. {TERM} lab?"</title>
<meta property="og:title" content="Fake results in the {TERM} lab?"></head>
<body style="font:20px sans-serif;margin:2em;background:#fff;color:#123">
<h1>Fake results in the Dr M. {TERM} lab?</h1>
<p>Posted by <b>u/anon_student</b>. Everyone knows {TERM.lower()} and her students fabricated the 2025 data.</p>
<p style="margin-top:600px">Reply: ask <a href="/u/m-{TERM.lower()}">Dr {TERM}</a> yourself.</p>
</body></html>""".encode()


EXTRA: dict[str, tuple[str, bytes]] = {}  # more paths a test serves: path -> (content type, body)


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        ctype, body = EXTRA.get(self.path) or ("text/html; charset=utf-8", PAGE if self.path == SLUG else
                                               b"<!DOCTYPE html><title>other</title><p>nothing</p>")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    import cli

    tmp = tmp_path_factory.mktemp("redact")
    env = {"EVIDENCE_STORE": str(tmp / "store"), "EVIDENCE_CONFIG_DIR": str(tmp / "cfg"),
           "EVIDENCE_PASSPHRASE": "redaction passphrase"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)

    def run(*args, code=0):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            got = cli.main([str(a) for a in args])
        if got != code:
            print(err.getvalue())
        assert got == code, (args, out.getvalue(), err.getvalue())
        return out.getvalue() + err.getvalue()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        run("init")
        run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example")
        run("case", "open", CASE, "--title", "Posts about a lab", "--subject", "anon_student", "--complainant",
            "the head of department")
        shot = run("import", make_png(tmp / "supplied.png", size=(300, 200)), "--case", CASE,
                   "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z").split()[0]
        cap = run("capture", f"http://127.0.0.1:{srv.server_port}{SLUG}", "--case", CASE, LOOPBACK_ONLY).split()[1]
        red = run("redact", cap, "--term", TERM, "--reason", "a third party's name").split()[2]
        run("allege", "--case", CASE, "--clause", "6.1", "--evidence", cap, shot, "--summary",
            "Accuses a named member of staff of fabricating results.")
        yield {"run": run, "tmp": tmp, "cap": cap, "red": red, "shot": shot, "port": srv.server_port}
    finally:
        srv.shutdown()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _forms(term: str) -> list[bytes]:
    t = term.lower()
    return [f.encode() for f in {t, quote(t), t.replace(" ", "_"), t.replace(" ", "-")}]


def _all_texts(pack) -> list[tuple[str, bytes]]:
    """Every byte of the pack, its names, every file decompressed where it holds streams, and the PDF's text."""
    out = [("the ZIP's bytes", pack.read_bytes())]
    with zipfile.ZipFile(pack) as zf:
        out.append(("names", "\n".join(zf.namelist()).encode()))
        for name in zf.namelist():
            data = zf.read(name)
            out.append((name, data))
            for n, m in enumerate(re.finditer(rb"stream\r?\n", data)):
                with contextlib.suppress(zlib.error):
                    out.append((f"{name} stream {n}", zlib.decompressobj().decompress(data[m.end():])))
            if name.endswith(".pdf") and shutil.which("pdftotext"):
                p = pack.parent / "r.pdf"
                p.write_bytes(data)
                out.append((f"{name} text", subprocess.run(["pdftotext", str(p), "-"], capture_output=True).stdout))
    return out


def test_the_capture_keeps_its_layout_and_the_redaction_blacks_out_every_place_the_term_was_shown(store):
    from PIL import Image

    from evidence.api import Evidence

    with Evidence.open(os.environ["EVIDENCE_STORE"]) as ev:
        cap, red = ev.item(store["cap"]), ev.item(store["red"])
        layout = json.loads(cap.path("layout").read_bytes())
        hits = [w for w in layout["words"] if TERM.lower() in w["text"].lower()]
        assert len(hits) >= 3  # the heading, the paragraph, the link far down the page
        assert red.record["source"]["term_boxes_from"] == "layout"
        assert TERM not in json.dumps(red.record) and TERM.encode() not in red.record_bytes
        original = Image.open(cap.path("screenshot")).convert("RGB")
        redacted = Image.open(red.path("redacted")).convert("RGB")
        scale = layout["device_scale_factor"]
        for w in hits:
            x0, y0 = int(w["x"] * scale) + 1, int(w["y"] * scale) + 1
            x1, y1 = int((w["x"] + w["w"]) * scale) - 1, int((w["y"] + w["h"]) * scale) - 1
            box = [redacted.getpixel((x, y)) for x in range(x0, x1) for y in range(y0, y1)]
            assert set(box) == {(0, 0, 0)}, w
            assert len({original.getpixel((x, y)) for x in range(x0, x1) for y in range(y0, y1)}) > 1  # text was there
        entry = [e for e in ev.custody(item=red.id) if e.action == "item.redacted"][0]
        assert entry.entry["details"]["original_record"] == cap.record_hash and entry.entry["details"]["terms"] == 1
        assert TERM.lower().encode() not in entry.entry_bytes.lower()


def test_a_redacted_pack_names_the_term_nowhere_and_verifies(store, tmp_path):
    from evidence.verify.pack import verify_pack

    out = tmp_path / "respondent.zip"
    store["run"]("bundle", "--case", CASE, "--out", out, "--redacted", "--for", "respondent")
    texts = _all_texts(out)
    assert any(name.endswith("report.pdf text") for name, _ in texts)
    for name, data in texts:
        for form in _forms(TERM):
            assert form not in data.lower(), (name, form)
    z = zipfile.ZipFile(out)
    m = json.loads(z.read("manifest.json"))
    e = next(x for x in m["exhibits"] if x["item"] == store["cap"])
    assert e["record"] is None and e["record_withheld"] and e["redaction"]["terms"] == 1
    assert m["custody"]["withheld"]  # the capture's entry (it names the URL) is named by its hash only
    view = json.loads(z.read(e["redaction"]["record_view"]["path"]))
    assert view["original_record_sha256"] == e["record_sha256"]
    assert "[REDACTED]" in view["record"]["source"]["url"] and view["technical"]["http"]["status"] == 200
    assert view["technical"]["browser"]["name"] == "chromium" and view["technical"]["server"]["ip"] == "127.0.0.1"
    assert "[REDACTED]" in z.read("index.html").decode()
    rep = verify_pack(out)
    assert rep.ok, [str(p) for p in rep.problems]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is installed by `make setup`")
def test_an_image_without_a_layout_is_redacted_by_ocr(store, tmp_path):
    """A supplied screenshot (here: the capture's own, taken in as a file) has no layout: OCR finds the term."""
    from PIL import Image

    from evidence.api import Evidence

    run = store["run"]
    with Evidence.open(os.environ["EVIDENCE_STORE"]) as ev:
        shot = tmp_path / "supplied-screenshot.png"
        shot.write_bytes(ev.item(store["cap"]).path("screenshot").read_bytes())
    sup = run("import", shot, "--case", CASE, "--received-from", "complainant",
              "--received-at", "2026-11-21T10:00Z").split()[0]
    red = run("redact", sup, "--term", TERM, "--reason", "a third party's name").split()[2]
    with Evidence.open(os.environ["EVIDENCE_STORE"]) as ev:
        item = ev.item(red)
        assert item.record["source"]["term_boxes_from"] == "ocr"
        boxes = item.record["source"]["regions"]
        assert len(boxes) >= 2
        im = Image.open(item.path("redacted")).convert("RGB")
        for b in boxes:
            assert im.getpixel((b["x"] + b["w"] // 2, b["y"] + b["h"] // 2)) == (0, 0, 0)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is installed by `make setup`")
def test_a_supplied_image_showing_a_term_it_was_not_redacted_from_makes_bundle_refuse(store, tmp_path):
    """The term was redacted from the capture; a complainant's screenshot of the same post shows it in pixels only
    (no text beside it to scan): the pack refuses, naming the image, until that image is redacted too."""
    from PIL import Image

    from evidence.api import Evidence
    from evidence.errors import RedactionLeak

    run = store["run"]
    with Evidence.open(os.environ["EVIDENCE_STORE"]) as ev:
        with Image.open(ev.item(store["cap"]).path("screenshot")) as im:
            im.convert("RGB").crop((0, 0, im.width, 400)).save(tmp_path / "photo-of-post.jpg", quality=90)
    sup = run("import", tmp_path / "photo-of-post.jpg", "--case", CASE, "--received-from", "complainant",
              "--received-at", "2026-11-22T10:00Z").split()[0]
    out = tmp_path / "respondent.zip"
    msg = run("bundle", "--case", CASE, "--out", out, "--redacted", "--no-pdf", code=RedactionLeak.exit_code)
    assert f"item {sup}): the image shows {TERM} (read by OCR)" in msg and "original.jpg" in msg, msg
    assert "Nothing was written" in msg and not out.exists()
    run("redact", sup, "--term", TERM, "--reason", "a third party's name")
    run("bundle", "--case", CASE, "--out", out, "--redacted", "--no-pdf")
    assert out.exists()


def test_a_leak_left_in_a_summary_makes_bundle_refuse_naming_the_place(store, tmp_path):
    from evidence.errors import RedactionLeak

    run = store["run"]
    run("allege", "--case", CASE, "--clause", "6.3", "--evidence", store["shot"], "--summary",
        f"The complainant's screenshot also names Dr {TERM}.")
    out = tmp_path / "leaky.zip"
    msg = run("bundle", "--case", CASE, "--out", out, "--redacted", "--no-pdf", code=RedactionLeak.exit_code)
    assert "records/A2.json" in msg and "index.html" in msg and "Nothing was written" in msg
    assert not out.exists()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is installed by `make setup`")
def test_a_posts_media_image_showing_a_term_makes_bundle_refuse(store, tmp_path):
    """Another post (not redacted) whose photo shows the term in pixels: the media image kept with the capture is
    read by OCR and named, as a supplied image is."""
    from PIL import Image

    from evidence.api import Evidence
    from evidence.errors import RedactionLeak

    run = store["run"]
    with Evidence.open(os.environ["EVIDENCE_STORE"]) as ev:
        with Image.open(ev.item(store["cap"]).path("screenshot")) as im:
            buf = io.BytesIO()
            im.convert("RGB").crop((0, 0, im.width, 400)).save(buf, "PNG")
    EXTRA["/photo.png"] = ("image/png", buf.getvalue())
    EXTRA["/blog/a-photo"] = ("text/html; charset=utf-8", b"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>A photo from the lab</title><meta property="og:title" content="A photo from the lab">
<meta property="og:image" content="/photo.png"></head><body><h1>A photo from the lab</h1>
<img src="/photo.png" alt="the photo" width="600"></body></html>""")
    url = f"http://127.0.0.1:{store['port']}/blog/a-photo"
    cap = run("capture", url, "--case", CASE, LOOPBACK_ONLY).split()[1]
    with Evidence.open(os.environ["EVIDENCE_STORE"]) as ev:
        media = [a["role"] for a in ev.item(cap).artifacts if a["role"].startswith("media-")]
    assert media, "the post's photo was kept as its media"
    out = tmp_path / "respondent.zip"
    msg = run("bundle", "--case", CASE, "--out", out, "--redacted", "--no-pdf", code=RedactionLeak.exit_code)
    assert f"/{media[0]}.png (exhibit" in msg and f"item {cap}): the image shows {TERM} (read by OCR)" in msg, msg
    assert not out.exists()
