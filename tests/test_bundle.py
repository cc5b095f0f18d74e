"""Real packs built from real captures: checked by sha256sum, openssl, pdftotext and a real Chromium, and by
verify-bundle, which must catch every tampering."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import CASE, make_png
from evidence.schemas import schema_errors
from test_capture import LOOPBACK_ONLY
from webserver import TestSite

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by `make setup`")


@pytest.fixture(scope="module")
def case_with_evidence(tmp_path_factory):
    """One store, built once: two captures, an imported screenshot, a redaction, three allegations (one withdrawn)."""
    import cli

    tmp = tmp_path_factory.mktemp("bundle")
    env = {"EVIDENCE_STORE": str(tmp / "store"), "EVIDENCE_CONFIG_DIR": str(tmp / "cfg"), "EVIDENCE_PASSPHRASE": "bundle passphrase"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)

    def run(*args):
        import contextlib

        out = io.StringIO()
        err = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main([str(a) for a in args])
        assert code == 0, (args, out.getvalue(), err.getvalue())
        return out.getvalue()

    try:
        with TestSite(tmp, https=False) as site:
            run("init")
            run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example")
            run("case", "open", CASE, "--title", "Posts about a colleague", "--subject", "J. Doe",
                "--complainant", "K. Smith")
            shot = run("import", make_png(tmp / "complainant.png", size=(400, 300)), "--case", CASE,
                       "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z").split()[0]
            c1 = run("capture", site.url("/realDonaldTrump/status/1222907250383245320"), "--case", CASE,
                     LOOPBACK_ONLY).split()[1]
            c2 = run("capture", site.url("/status/404"), "--case", CASE, LOOPBACK_ONLY).split()[1]
        red = run("redact", c1, "--region", "0,0,300,60", "--reason", "third-party name").split()[2]
        a1 = run("allege", "--case", CASE, "--clause", "6.1", "--evidence", c1, shot,
                 "--summary", "Insulting a named third party.").split()[1].rstrip(":")
        a2 = run("allege", "--case", CASE, "--clause", "6.3", "--evidence", c1, "--summary", "False claims.").split()[1].rstrip(":")
        run("allege", "withdraw", a2, "--reason", "not pursued")
        a3 = run("allege", "--case", CASE, "--clause", "6.5", "--evidence", c2, "--summary", "Deleted post.").split()[1].rstrip(":")
        yield {"run": run, "tmp": tmp, "ids": {"shot": shot, "c1": c1, "c2": c2, "red": red, "a1": a1, "a2": a2,
                                               "a3": a3}}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def pack(case_with_evidence):
    out = case_with_evidence["tmp"] / "pack.zip"
    case_with_evidence["run"]("bundle", "--case", CASE, "--out", out)
    return out


@pytest.fixture(scope="module")
def unpacked(pack, tmp_path_factory):
    d = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["unzip", "-q", str(pack), "-d", str(d)], check=True)
    return d


def test_pack_layout_and_manifest(pack, unpacked, case_with_evidence):
    names = zipfile.ZipFile(pack).namelist()
    assert names == sorted(names)
    for z in zipfile.ZipFile(pack).infolist():
        assert z.date_time == (1980, 1, 1, 0, 0, 0)
    for required in ("index.html", "report.pdf", "manifest.json", "SHA256SUMS", "SHA256SUMS.sig", "VERIFY.txt",
                     "report.css", "policy/leeds-social-media-policy.json", "custody/checkpoint.txt",
                     "custody/proofs.json", "records/E1.json", "records/E1.sig", "records/A1.json"):
        assert required in names, required
    m = json.loads((unpacked / "manifest.json").read_text())
    assert schema_errors(m, "pack-manifest") == []
    assert [e["id"] for e in m["exhibits"]] == ["E1", "E2", "E3"]  # in the order they were taken in
    ids = case_with_evidence["ids"]
    assert [e["item"] for e in m["exhibits"]] == [ids["shot"], ids["c1"], ids["c2"]]
    assert [(a["id"], a["clause"], a["status"], a["exhibits"]) for a in m["allegations"]] == [
        ("A1", "6.1", "open", ["E2", "E1"]), ("A2", "6.3", "withdrawn", ["E2"]), ("A3", "6.5", "open", ["E3"])]
    on_disk = sorted(str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file())
    assert sorted(f["path"] for f in m["files"]) == [p for p in on_disk if p not in ("manifest.json", "SHA256SUMS",
                                                                                     "SHA256SUMS.sig")]
    from evidence.policy.catalogue import load_catalogue

    assert m["policy"]["sha256"] == load_catalogue().sha256
    # originals byte for byte
    e2 = next(e for e in m["exhibits"] if e["id"] == "E2")
    for a in e2["artifacts"]:
        import hashlib

        assert "sha256:" + hashlib.sha256((unpacked / a["path"]).read_bytes()).hexdigest() == a["sha256"]
    # captured HTML is kept as text, never as a page the report opens
    assert (unpacked / "exhibits/E2/served.html.txt").exists()


def test_standard_tools_verify_the_pack(unpacked):
    r = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=unpacked, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": OK") == len((unpacked / "SHA256SUMS").read_text().splitlines())
    verify_txt = (unpacked / "VERIFY.txt").read_text()
    fp = next(line.split(": ", 1)[1].strip() for line in verify_txt.splitlines()
              if line.startswith("Signer key fingerprint"))
    key = unpacked / "keys" / (fp.split(":")[1][:16] + ".pub.pem")
    r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", "SHA256SUMS",
                        "-sigfile", "SHA256SUMS.sig"], cwd=unpacked, capture_output=True, text=True)
    assert r.returncode == 0 and "Signature Verified Successfully" in r.stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", key, "-outform", "DER"], capture_output=True,
                         check=True).stdout
    import hashlib

    assert "sha256:" + hashlib.sha256(der).hexdigest() == fp
    r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", "records/E2.json",
                        "-sigfile", "records/E2.sig"], cwd=unpacked, capture_output=True, text=True)
    assert r.returncode == 0
    # the VERIFY.txt recipe for "no extra or missing files" works as written
    recipe = ("find . -type f ! -name 'SHA256SUMS*' | sed 's|^\\./||' | sort > /tmp/files.$$; "
              "cut -c67- SHA256SUMS | sort | diff - /tmp/files.$$ && echo 'no extra or missing files'; rm -f /tmp/files.$$")
    r = subprocess.run(["sh", "-c", recipe], cwd=unpacked, capture_output=True, text=True)
    assert "no extra or missing files" in r.stdout, r.stdout + r.stderr


def test_report_content(unpacked):
    html = (unpacked / "index.html").read_text()
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    from evidence.policy.catalogue import load_catalogue

    cat = load_catalogue()
    import html as htmlmod

    for cid in ("6.1", "6.5"):
        assert htmlmod.escape(cat.clause(cid).text, quote=False) in html.replace("&#39;", "'").replace("&#34;", '"')
    m = json.loads((unpacked / "manifest.json").read_text())
    for e in m["exhibits"]:
        assert f'id="exhibit-{e["id"]}"' in html and e["record_sha256"] in html
    assert "Withdrawn allegations" in html and "not pursued" in html
    assert "Donald J. Trump" in html and "@realDonaldTrump" in html  # author found, shown
    # captured HTML is never inlined: nothing of the X page's markup is in the report
    served = (unpacked / "exhibits/E2/served.html.txt").read_text(errors="replace")
    assert 'id="react-root"' in served or "<script" in served
    assert 'id="react-root"' not in html


@needs_poppler
def test_pdf_renders_and_holds_clauses_and_hashes(unpacked, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "2", "-png", unpacked / "report.pdf", tmp_path / "p"],
                   check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 2
    from PIL import Image

    assert Image.open(pages[0]).size[0] > 200
    text = subprocess.run(["pdftotext", "-layout", unpacked / "report.pdf", "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    from evidence.policy.catalogue import load_catalogue

    cat = load_catalogue()
    for cid in ("6.1", "6.5"):
        words = " ".join(cat.clause(cid).text.split())
        assert words[:120] in flat, cid
    m = json.loads((unpacked / "manifest.json").read_text())
    for e in m["exhibits"]:
        assert e["record_sha256"][:40] in text.replace("\n", "")  # hashes are printed (they may wrap)
    assert "Case SMP-2026-014 · Exhibit E2 · " in flat  # exhibit numbers in the pages' footers
    assert "Page 1 of" in text


def test_index_opens_in_chromium_without_errors(unpacked):
    from playwright.sync_api import sync_playwright

    from evidence.capture.browser import find_browser, launch_args, use_sandbox

    info = find_browser()
    problems = []
    with sync_playwright() as p:
        kwargs = {"args": launch_args(), "chromium_sandbox": use_sandbox()}
        if info.source != "playwright":
            kwargs["executable_path"] = info.path
        b = p.chromium.launch(**kwargs)
        page = b.new_page()
        page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
        page.goto((unpacked / "index.html").as_uri())
        page.wait_for_load_state("load")
        broken = page.evaluate("() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        n_images = page.evaluate("() => document.images.length")
        b.close()
    assert problems == [] and broken == []
    assert n_images >= 3


def test_verify_bundle_passes_on_a_real_pack(pack, case_with_evidence):
    from evidence.verify.pack import verify_pack

    rep = verify_pack(pack)
    assert rep.ok, [str(p) for p in rep.problems]
    import evidence

    ev = evidence.Evidence.open()
    fp = ev.keys()[0]["fingerprint"]
    ev.close()
    assert verify_pack(pack, key=fp).ok
    bad = verify_pack(pack, key="sha256:" + "ab" * 32)
    assert not bad.ok and any(p.code == "key-mismatch" for p in bad.problems)


def test_same_state_gives_byte_identical_packs_and_disclosure_log(case_with_evidence, pack, tmp_path, monkeypatch):
    """The same store state gives the same bytes (two copies of the store, each with its own witness). A later
    pack of the same store differs: it lists the earlier disclosures (their signed entries are in custody/)."""
    import hashlib

    from evidence.config import state_dir

    run = case_with_evidence["run"]
    store = Path(os.environ["EVIDENCE_STORE"])
    copies, state = [], state_dir()
    for n in (1, 2):
        shutil.copytree(store, tmp_path / f"store{n}")
        if state.is_dir():
            shutil.copytree(state, tmp_path / f"state{n}")
        (tmp_path / f"out{n}").mkdir()
        monkeypatch.setenv("EVIDENCE_STORE", str(tmp_path / f"store{n}"))
        monkeypatch.setenv("EVIDENCE_STATE_DIR", str(tmp_path / f"state{n}"))
        # VERIFY.txt names the pack's file, so the same state under the same file name gives the same bytes
        run("bundle", "--case", CASE, "--out", tmp_path / f"out{n}" / "p.zip", "--for", "respondent",
            "--recipient", "J. Doe's representative")
        copies.append((tmp_path / f"out{n}" / "p.zip").read_bytes())
    assert copies[0] == copies[1]
    monkeypatch.setenv("EVIDENCE_STORE", str(store))
    monkeypatch.delenv("EVIDENCE_STATE_DIR")
    (case_with_evidence["tmp"] / "again").mkdir()
    out2 = case_with_evidence["tmp"] / "again" / pack.name
    run("bundle", "--case", CASE, "--out", out2, "--for", "respondent", "--recipient", "J. Doe's representative")
    assert out2.read_bytes() != pack.read_bytes()
    entries = json.loads(run("custody", "--case", CASE, "--json"))
    built = [e for e in entries if e["action"] == "bundle.built"]
    digest = "sha256:" + hashlib.sha256(pack.read_bytes()).hexdigest()
    digest2 = "sha256:" + hashlib.sha256(out2.read_bytes()).hexdigest()
    assert [(e["details"]["for"], e["details"]["sha256"], e["details"]["recipient"]) for e in built][-2:] == [
        ("panel", digest, None), ("respondent", digest2, "J. Doe's representative")]
    manifest = json.loads(zipfile.ZipFile(out2).read("manifest.json"))
    assert manifest["recipient"] == {"for": "respondent", "name": "J. Doe's representative"}
    assert [d["sha256"] for d in manifest["disclosures"]][0] == digest  # the first pack, listed in the later one
    seq = manifest["disclosures"][0]["seq"]
    assert f"custody/{seq:08d}.json" in zipfile.ZipFile(out2).namelist()
    from evidence import verify_pack

    assert verify_pack(out2).ok


def test_redacted_pack(case_with_evidence, tmp_path):
    run = case_with_evidence["run"]
    out = tmp_path / "redacted.zip"
    run("bundle", "--case", CASE, "--out", out, "--redacted", "--no-pdf")
    z = zipfile.ZipFile(out)
    names = z.namelist()
    assert "exhibits/E2/redacted-screenshot.png" in names
    assert "exhibits/E2/screenshot.png" not in names and "exhibits/E2/served.html.txt" not in names
    assert "records/E2-redaction.json" in names and "report.pdf" not in names
    m = json.loads(z.read("manifest.json"))
    e2 = next(e for e in m["exhibits"] if e["id"] == "E2")
    assert e2["shown"] == "exhibits/E2/redacted-screenshot.png" and e2["redaction"]["reason"] == "third-party name"
    assert {w["role"] for w in e2["withheld"]} >= {"screenshot", "served", "dom", "mhtml", "har", "metadata"}
    html = z.read("index.html").decode()
    assert "Shown redacted" in html and "withheld in this redacted pack" in html
    assert "“Schiff blasted" not in html  # the post text is withheld with what the redaction hides
    from evidence.verify.pack import verify_pack

    rep = verify_pack(out)
    assert rep.ok, [str(p) for p in rep.problems]


def test_tampering_with_a_real_pack_is_caught(pack, tmp_path):
    """Flip one byte in each kind of file; add and remove files; verify-bundle names each."""
    from evidence.verify.pack import verify_pack

    src = zipfile.ZipFile(pack)
    names = src.namelist()
    picks = ["index.html", "manifest.json", "SHA256SUMS", "SHA256SUMS.sig", "VERIFY.txt", "custody/checkpoint.txt",
             "custody/proofs.json", "exhibits/E2/screenshot.png", "exhibits/E1/original.png", "records/E2.json",
             "records/A1.sig", "policy/leeds-social-media-policy.json", "report.pdf",
             next(n for n in names if n.startswith("custody/0") and n.endswith(".json")),
             next(n for n in names if n.startswith("keys/"))]

    def rebuild(path: Path, mutate) -> None:
        with zipfile.ZipFile(path, "w") as out:
            for info in src.infolist():
                data = src.read(info.filename)
                res = mutate(info.filename, data)
                if res is None:
                    continue
                out.writestr(info.filename, res)
            extra = mutate("__add__", b"")
            if extra:
                out.writestr(extra[0], extra[1])

    for name in picks:
        bad = tmp_path / "bad.zip"

        def flip(n, data, name=name):
            if n == "__add__":
                return None
            if n != name:
                return data
            b = bytearray(data)
            b[len(b) // 2] ^= 0x01
            return bytes(b)

        rebuild(bad, flip)
        rep = verify_pack(bad)
        assert not rep.ok, name
        assert any(name in str(p) for p in rep.problems), (name, [str(p) for p in rep.problems])
    bad = tmp_path / "added.zip"
    rebuild(bad, lambda n, d: ("exhibits/E2/extra.txt", b"planted") if n == "__add__" else d)
    rep = verify_pack(bad)
    assert any("exhibits/E2/extra.txt" in str(p) for p in rep.problems)
    bad = tmp_path / "removed.zip"
    rebuild(bad, lambda n, d: None if n in ("exhibits/E3/har.har", "__add__") else d)
    rep = verify_pack(bad)
    assert any("exhibits/E3/har.har" in str(p) for p in rep.problems)


def test_cli_verify_bundle(pack, case_with_evidence, run, tmp_path):
    r = run("verify-bundle", pack)
    assert r.code == 0 and "OK: no problems found." in r.out
    bad = tmp_path / "bad.zip"
    bad.write_bytes(pack.read_bytes()[: len(pack.read_bytes()) // 2])
    r = run("verify-bundle", bad)
    assert r.code == 8 and "Traceback" not in r.err
    r = run("verify-bundle", tmp_path / "missing.zip")
    assert r.code == 6


def test_bundle_bad_input(case_with_evidence, pack, run, env):
    os.environ["EVIDENCE_STORE"] = str(case_with_evidence["tmp"] / "store")
    os.environ["EVIDENCE_CONFIG_DIR"] = str(case_with_evidence["tmp"] / "cfg")
    os.environ["EVIDENCE_PASSPHRASE"] = "bundle passphrase"
    r = run("bundle", "--case", CASE, "--out", pack)
    assert r.code == 6 and "never overwritten" in r.err
    r = run("bundle", "--case", "NOPE-1", "--out", env["tmp"] / "x.zip")
    assert r.code == 5
    r = run("case", "open", "SMP-2026-777", "--title", "empty")
    r = run("bundle", "--case", "SMP-2026-777", "--out", env["tmp"] / "x.zip")
    assert r.code == 6 and "no evidence" in r.err
    r = run("bundle", "--case", CASE, "--out", env["tmp"] / "no-such-dir" / "x.zip")
    assert r.code == 6
