"""Import: streaming hash while copying, sniffing by bytes, image facts, intake facts, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import CASE, make_jpeg, make_png
from evidence.digest import hash_file
from evidence.schemas import schema_errors


def imp(run, *files, case=CASE, at="2026-11-20T09:14Z", frm="complainant", extra=()):
    return run("import", *files, "--case", case, "--received-from", frm, "--received-at", at, *extra)


def test_import_screenshot_records_everything(ready, run, tmp_path):
    jpg = make_jpeg(tmp_path / "IMG_0042.jpg", size=(390, 844),
                    exif={0x0131: "Screenshot Tool 2.1", 0x010F: "Apple", 0x0110: "iPhone 15"},
                    exif_ifd={0x9003: "2026:11:19 22:41:07"})
    r = imp(run, jpg, extra=("--note", "sent by email"))
    assert r.code == 0, r
    item_id = r.out.split()[0]
    rec = json.loads(run("show", item_id, "--json").out)["record"]
    assert schema_errors(rec, "record") == []
    art = rec["artifacts"][0]
    tag, size = hash_file(jpg)
    assert art["sha256"] == tag and art["size"] == size
    assert art["media_type"] == "image/jpeg" and art["name"] == "IMG_0042.jpg"
    assert art["image"]["width"] == 390 and art["image"]["height"] == 844
    assert art["image"]["exif"] == {"software": "Screenshot Tool 2.1", "device_make": "Apple",
                                    "device_model": "iPhone 15", "date_taken": "2026:11:19 22:41:07"}
    src = rec["source"]
    assert src["type"] == "supplied" and src["received_from"] == "complainant"
    assert src["received_at"] == {"utc": "2026-11-20T09:14:00Z", "given": "2026-11-20T09:14Z"}
    assert src["original_filename"] == "IMG_0042.jpg" and "file_modified_utc" in src
    assert rec["note"] == "sent by email" and rec["kind"] == "import" and rec["case"] == CASE
    assert rec["tool"]["name"] == "evidence" and rec["signer"]["name"] == "A. Investigator"
    assert rec["created"]["utc"].endswith("Z") and rec["created"]["local"][-6] in "+-"


def test_media_type_is_sniffed_from_bytes_not_name(ready, run, tmp_path):
    fake = make_png(tmp_path / "looks-like.txt")
    pdf = tmp_path / "report.png"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    html = tmp_path / "page.bin"
    html.write_bytes(b"<!DOCTYPE html><html><body>hi</body></html>")
    js = tmp_path / "data.png"
    js.write_bytes(b'{"post": "text"}')
    txt = tmp_path / "x.jpg"
    txt.write_text("just some words\n")
    r = imp(run, fake, pdf, html, js, txt)
    assert r.code == 0, r
    types = [line.split()[3] for line in r.out.splitlines()[:5]]
    assert types == ["image/png", "application/pdf", "text/html", "application/json", "text/plain"]


def test_relative_offset_and_naive_times(ready, run, tmp_path):
    png = make_png(tmp_path / "a.png")
    r = imp(run, png, at="2026-11-20T10:14:00+01:00")
    rec = json.loads(run("show", r.out.split()[0], "--json").out)["record"]
    assert rec["source"]["received_at"]["utc"] == "2026-11-20T09:14:00Z"
    r = imp(run, png, at="2026-11-20 09:14")
    rec = json.loads(run("show", r.out.split()[0], "--json").out)["record"]
    assert "assumed_local_offset" in rec["source"]["received_at"]


def test_empty_file_accepted_and_flagged(ready, run, tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    r = imp(run, empty)
    assert r.code == 0 and "empty" in r.err
    rec = json.loads(run("show", r.out.split()[0], "--json").out)["record"]
    assert rec["flags"] == ["empty-file"] and rec["artifacts"][0]["size"] == 0
    assert run("verify").code == 0


def test_any_file_type(ready, run, tmp_path):
    blob = tmp_path / "video.mov"
    blob.write_bytes(os.urandom(300_000))
    r = imp(run, blob)
    assert r.code == 0
    assert "application/octet-stream" in r.out


@pytest.mark.parametrize("bad,code,msg", [
    ("missing", 6, "no such file"),
    ("dir", 6, "is a directory"),
    ("badtime", 6, "malformed --received-at"),
    ("future", 6, "in the future"),
    ("nocase", 5, "no case"),
])
def test_bad_input_stores_nothing(ready, run, tmp_path, bad, code, msg):
    good = make_png(tmp_path / "good.png")
    args = [good]
    at, case = "2026-11-20T09:14Z", CASE
    if bad == "missing":
        args.append(tmp_path / "nope.png")
    elif bad == "dir":
        (tmp_path / "folder").mkdir()
        args.append(tmp_path / "folder")
    elif bad == "badtime":
        at = "20/11/2026 09:14"
    elif bad == "future":
        at = "2099-01-01T00:00Z"
    elif bad == "nocase":
        case = "SMP-1999-001"
    before = run("custody", "--json").out
    r = imp(run, *args, at=at, case=case)
    assert r.code == code, r
    assert msg in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert json.loads(run("items", "--case", CASE, "--json").out) == []
    assert run("custody", "--json").out == before


def test_closed_case_refuses_import(ready, run, tmp_path):
    assert run("case", "close", CASE, "--reason", "panel decided").code == 0
    r = imp(run, make_png(tmp_path / "a.png"))
    assert r.code == 5 and "closed" in r.err


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX only")
def test_unreadable_file(ready, tmp_path):
    """A file the user cannot read: run the import as an unprivileged user when the tests run as root."""
    import shutil
    import tempfile

    work = tempfile.mkdtemp(prefix="evidence-unreadable-")
    os.chmod(work, 0o777)
    try:
        secret = os.path.join(work, "secret.png")
        make_png(__import__("pathlib").Path(secret))
        os.chmod(secret, 0o000)
        store = os.path.join(work, "store")
        cfg = os.path.join(work, "cfg")
        env = dict(os.environ, EVIDENCE_STORE=store, EVIDENCE_CONFIG_DIR=cfg, EVIDENCE_PASSPHRASE="import passphrase",
                   HOME=work)
        cli = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cli.py")
        prefix: list[str] = []
        if os.geteuid() == 0:
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            os.chmod(work, 0o777)

        def call(*args):
            return subprocess.run(prefix + [sys.executable, cli, *args], env=env, capture_output=True, text=True,
                                  cwd=work)

        assert call("init").returncode == 0
        assert call("key", "create", "--name", "U", "--email", "u@uni.example").returncode == 0
        assert call("case", "open", CASE, "--title", "t").returncode == 0
        r = call("import", secret, "--case", CASE, "--received-from", "c", "--received-at", "2026-11-20T09:14Z")
        assert r.returncode == 6, r.stderr
        assert "permission denied" in r.stderr and "Traceback" not in r.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)
