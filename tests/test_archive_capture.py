"""WARC at capture and the WACZ export, end to end through the command line (issue 13).

One real capture on loopback (module fixture): a post page with an image, a gzip-coded script and an
image on a port nothing listens on, taken with ``evidence capture``. Its ``warc`` artifact is checked
with warcio against the page's responses; ``evidence export --wacz`` is checked with Webrecorder's
``wacz validate`` and replayed in ReplayWeb.page in Chromium after the site is gone; the export is a
custody entry and its signed records travel beside it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import CASE, PASSPHRASE, Result

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replayserver import ReplayServer, find_replaywebpage  # noqa: E402
from test_webarchive import PNG, POST_TEXT, SCRIPT, _replay, _Site  # noqa: E402
from webserver import closed_port  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def _runner():
    from evidence.cli import main as cli_main

    def run(*args) -> Result:
        out_b = io.BytesIO()
        out = io.TextIOWrapper(out_b, encoding="utf-8", write_through=True)
        err = io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli_main([str(a) for a in args])
        return Result(code, out_b.getvalue().decode("utf-8", "replace"), err.getvalue(), out_b.getvalue())
    return run


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archive")
    mp = pytest.MonkeyPatch()
    for k, v in {"EVIDENCE_STORE": tmp / "store", "EVIDENCE_CONFIG_DIR": tmp / "config", "EVIDENCE_PASSPHRASE": PASSPHRASE,
                 "XDG_DATA_HOME": tmp / "xdg-data", "XDG_CONFIG_HOME": tmp / "xdg-config",
                 "XDG_STATE_HOME": tmp / "xdg-state", "EVIDENCE_STATE_DIR": tmp / "state"}.items():
        mp.setenv(k, str(v))
    mp.delenv("EVIDENCE_KEY", raising=False)
    run = _runner()
    assert run("init").code == 0
    assert run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example", "--role", "investigator").code == 0
    assert run("case", "open", CASE, "--title", "Posts about a colleague").code == 0
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    srv.daemon_threads = True
    srv.dead_port = closed_port()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/post"
    try:
        r = run("capture", url, "--case", CASE, "--wait-until", "load")
    finally:
        srv.shutdown()
        srv.server_close()  # the replay below cannot reach the live site
    assert r.code == 0, r
    item_id = r.out.split()[1]
    rec = json.loads(run("show", item_id, "--json").out)["record"]
    yield {"run": run, "tmp": tmp, "url": url, "item": item_id, "rec": rec, "store": tmp / "store",
           "dead_port": srv.dead_port}
    mp.undo()


def _artifact(a, role) -> tuple[dict, bytes]:
    art = next(x for x in a["rec"]["artifacts"] if x["role"] == role)
    hx = art["sha256"].split(":")[1]
    return art, (a["store"] / "artifacts" / "sha256" / hx[:2] / hx).read_bytes()


def _records(data: bytes) -> list:
    out = []
    for rec in ArchiveIterator(io.BytesIO(data), check_digests=True):
        out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"), rec.rec_headers,
                    rec.http_headers, rec.content_stream().read()))
    return out


def test_capture_keeps_a_warc_artifact(archived):
    roles = [a["role"] for a in archived["rec"]["artifacts"]]
    assert roles == ["screenshot", "screenshot_viewport", "served", "dom", "mhtml", "har", "warc", "layout", "metadata"]
    art, data = _artifact(archived, "warc")
    assert art["media_type"] == "application/warc" and art["size"] == len(data)
    assert art["sha256"] == "sha256:" + hashlib.sha256(data).hexdigest()
    path = archived["tmp"] / "capture.warc.gz"
    path.write_bytes(data)
    check = subprocess.run([str(VENV_BIN / "warcio"), "check", "-v", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "digest fail" not in check.stdout


def test_warc_records_match_the_pages_responses(archived):
    _, data = _artifact(archived, "warc")
    recs = _records(data)  # check_digests=True: warcio raises on a payload or block digest that does not match
    assert recs[0][0] == "warcinfo"
    responses = {uri: (http, body) for rtype, uri, _, http, body in recs if rtype == "response"}
    url, base = archived["url"], archived["url"].rsplit("/", 1)[0]
    _, served = _artifact(archived, "served")
    assert responses[url][1] == served  # the document as served, the same bytes as the served artifact
    assert responses[base + "/photo.png"][1] == PNG
    assert responses[base + "/app.js"][1] == SCRIPT  # stored decoded, and it says so
    for rtype, uri, headers, http, body in recs:
        if rtype == "response":
            assert headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    # the image on a dead port: a request and a metadata record saying why there is no response
    gone = f"http://127.0.0.1:{archived['dead_port']}/gone.png"
    kinds = {rtype for rtype, uri, *_ in recs if uri == gone}
    assert kinds == {"request", "metadata"}
    meta = next(body for rtype, uri, _, _, body in recs if rtype == "metadata" and uri == gone)
    assert b"ERR_CONNECTION_REFUSED" in meta
    # every response the HAR saw is in the WARC
    _, har = _artifact(archived, "har")
    har_urls = {e["request"]["url"] for e in json.loads(har)["log"]["entries"] if e["response"]["status"] > 0}
    assert har_urls <= set(responses)


@pytest.fixture(scope="module")
def exported(archived):
    out = archived["tmp"] / "case.wacz"
    r = archived["run"]("export", "--wacz", "--case", CASE, "--out", out)
    assert r.code == 0, r
    return out


def test_export_wacz_is_valid_and_logged(archived, exported):
    ok = subprocess.run([str(VENV_BIN / "wacz"), "validate", "-f", str(exported)], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0 and "the passed WACZ is valid" in ok.stdout, ok.stdout + ok.stderr
    item = archived["item"]
    _, warc = _artifact(archived, "warc")
    with zipfile.ZipFile(exported) as zf:
        assert zf.read(f"archive/{item}.warc.gz") == warc
        pages = [json.loads(x) for x in zf.read("pages/pages.jsonl").decode().splitlines()]
        package = json.loads(zf.read("datapackage.json"))
    assert pages[1]["url"] == archived["url"] and pages[1]["title"] == "Archived post"
    assert pages[1]["ts"].startswith(archived["rec"]["source"]["started"]["utc"][:19])
    assert package["wacz_version"] == "1.1.1" and package["title"] == f"Case {CASE}"
    custody = json.loads(archived["run"]("custody", "--case", CASE, "--json").out)
    entry = next(e for e in custody if e["action"] == "wacz.exported")
    digest = "sha256:" + hashlib.sha256(exported.read_bytes()).hexdigest()
    assert entry["details"]["sha256"] == digest
    assert entry["details"]["warcs"] == [{"item": item, "name": f"archive/{item}.warc.gz",
                                          "sha256": _artifact(archived, "warc")[0]["sha256"]}]
    side = exported.with_name("case.wacz.evidence")
    assert (side / "records" / f"{item}.json").read_bytes() == json.dumps(archived["rec"]).encode() or \
        json.loads((side / "records" / f"{item}.json").read_bytes())["id"] == item
    sums = (side / "SHA256SUMS").read_text()
    assert f"{digest[7:]}  ../case.wacz" in sums
    assert any(p.name.endswith(".sig") for p in (side / "custody").iterdir())
    # never overwritten; one item gives its own WACZ
    again = archived["run"]("export", "--wacz", "--case", CASE, "--out", exported)
    assert again.code == 6 and "already exists" in again.err
    one = archived["tmp"] / "one.wacz"
    assert archived["run"]("export", item[:10], "--wacz", "--out", one).code == 0 and one.stat().st_size > 0
    bad = archived["run"]("export", "--case", CASE, "--out", archived["tmp"] / "x")
    assert bad.code == 2 and "--wacz" in bad.err
    assert archived["run"]("verify").code == 0


def test_exported_wacz_replays_in_replaywebpage(archived, exported):
    rwp = find_replaywebpage()
    if rwp is None:
        pytest.fail("ReplayWeb.page is not installed: run `make setup`")
    with ReplayServer(rwp, exported, archived["url"]) as srv:
        state = asyncio.run(_replay(srv.url("/index.html"), archived["url"]))
    assert POST_TEXT in state["text"]
    assert state["width"] == 64  # the post's image, from the WACZ


def test_bundle_with_wacz_is_checked_by_verify_bundle(archived, exported):
    from evidence.standalone import verify_pack

    run, tmp = archived["run"], archived["tmp"]
    pack = tmp / "pack.zip"
    r = run("bundle", "--case", CASE, "--out", pack, "--no-pdf", "--with-wacz")
    assert r.code == 0, r
    with zipfile.ZipFile(pack) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        wacz_bytes = zf.read(f"web/{CASE}.wacz")
        warc_in_pack = zf.read(next(a["path"] for a in manifest["exhibits"][0]["artifacts"] if a["role"] == "warc"))
    w = manifest["wacz"]
    assert w["path"] == f"web/{CASE}.wacz" and w["warcs"][0]["exhibit"] == "E1"
    with zipfile.ZipFile(io.BytesIO(wacz_bytes)) as inner:
        assert inner.read(w["warcs"][0]["path"]) == warc_in_pack
    inner_path = tmp / "from-pack.wacz"
    inner_path.write_bytes(wacz_bytes)
    ok = subprocess.run([str(VENV_BIN / "wacz"), "validate", "-f", str(inner_path)], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = verify_pack(pack)
    assert report.ok, report.problems
    assert run("verify-bundle", pack).code == 0
    custody = json.loads(run("custody", "--case", CASE, "--json").out)
    built = [e for e in custody if e["action"] == "bundle.built"][-1]
    assert built["details"]["wacz_sha256"] == w["sha256"]
    # a WACZ whose WARC was changed inside the pack is named, whatever else is reported
    bad_wacz = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(wacz_bytes)) as src, zipfile.ZipFile(bad_wacz, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("archive/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.writestr(info, data)
    tampered = tmp / "tampered.zip"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, bad_wacz.getvalue() if info.filename == w["path"] else src.read(info))
    report = verify_pack(tampered)
    assert not report.ok
    assert any(p.code == "wacz-mismatch" and "signed WARC" in p.what for p in report.problems), report.problems
    assert run("bundle", "--case", CASE, "--out", tmp / "p2.zip", "--no-pdf", "--with-wacz", "--redacted").code == 0
