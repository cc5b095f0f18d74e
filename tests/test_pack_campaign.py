"""Pack tamper campaign (issue 9): a real pack built by `evidence bundle`, tampered with in many ways, each caught
and named by `verify_pack` with the expected problem code.

Where a tampering would be caught by the signed list alone, the attacker's best move is tried too: the pack is
re-sealed (manifest file list, SHA256SUMS and its signature redone with the investigator's own private key), so only
the deeper check (facts against the signed custody entries, record and entry signatures, proofs) can catch it.
The counts are printed and kept in README's "Reliability" section.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from conftest import CASE, make_png
from evidence.canonical import canonical_json
from evidence.verify.pack import verify_pack

PASS = "pw-long-enough-123"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SEALS = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A real pack: an imported exhibit, two allegations (one withdrawn); and the investigator's private key."""
    import cli

    tmp = tmp_path_factory.mktemp("campaign")
    env = {"EVIDENCE_STORE": str(tmp / "store"), "EVIDENCE_CONFIG_DIR": str(tmp / "cfg"), "EVIDENCE_PASSPHRASE": PASS}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main([str(a) for a in args])
        assert code == 0, (args, out.getvalue(), err.getvalue())
        return out.getvalue()

    try:
        run("init")
        run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example")
        run("case", "open", CASE, "--title", "Posts about a colleague", "--subject", "J. Doe",
            "--complainant", "K. Smith")
        shot = run("import", make_png(tmp / "c.png", size=(120, 90)), "--case", CASE, "--received-from",
                   "complainant", "--received-at", "2026-11-20T09:14Z").split()[0]
        run("allege", "--case", CASE, "--clause", "6.1", "--evidence", shot, "--summary", "Insulting a third party.")
        a2 = run("allege", "--case", CASE, "--clause", "6.3", "--evidence", shot,
                 "--summary", "False claims.").split()[1].rstrip(":")
        run("allege", "withdraw", a2, "--reason", "not pursued")
        run("bundle", "--case", CASE, "--out", tmp / "pack.zip", "--no-pdf")
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    [key_file] = (tmp / "cfg" / "keys").glob("*.key.pem")
    key = serialization.load_pem_private_key(key_file.read_bytes(), PASS.encode())
    z = zipfile.ZipFile(tmp / "pack.zip")
    files = {n: z.read(n) for n in z.namelist()}
    return {"raw": (tmp / "pack.zip").read_bytes(), "files": files, "key": key, "tmp": tmp}


# ------------------------------------------------------------------------------------------- tools


def zip_files(files: dict[str, bytes], *, mode: dict | None = None, times: dict | None = None,
              extra: list | None = None) -> bytes:
    """The files as the builder writes them (sorted, 1980-01-01, 0644), with optional odd modes, times, entries."""
    buf = io.BytesIO()
    import warnings

    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")
        for name in sorted(files):
            zi = zipfile.ZipInfo(name, date_time=(times or {}).get(name, ZIP_TIME))
            zi.create_system = 3
            zi.external_attr = ((mode or {}).get(name, 0o100644)) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, files[name])
        for zi, data in extra or []:
            zf.writestr(zi, data)
    return buf.getvalue()


def reseal(files: dict[str, bytes], key) -> dict[str, bytes]:
    """Redo the manifest's file list, SHA256SUMS and its signature, as an attacker holding the key would."""
    files = dict(files)
    files.pop("SHA256SUMS.tsr", None)
    m = json.loads(files["manifest.json"])
    m["files"] = [{"path": p, "sha256": "sha256:" + hashlib.sha256(files[p]).hexdigest(), "size": len(files[p])}
                  for p in sorted(files) if p not in SEALS and p != "manifest.json"]
    files["manifest.json"] = canonical_json(m)
    sums = "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files) if p not in SEALS)
    files["SHA256SUMS"] = sums.encode()
    files["SHA256SUMS.sig"] = key.sign(files["SHA256SUMS"])
    return files


def edit_manifest(files: dict[str, bytes], fn) -> dict[str, bytes]:
    files = dict(files)
    m = json.loads(files["manifest.json"])
    fn(m)
    files["manifest.json"] = canonical_json(m)
    return files


def edit_report(files: dict[str, bytes], key: str, new: str) -> dict[str, bytes]:
    files = dict(files)
    html = files["index.html"].decode()
    pattern = re.compile(r'(<(\w+)[^>]*data-fact="' + re.escape(key) + r'"[^>]*>)(.*?)(</\2>)', re.S)
    html, n = pattern.subn(lambda m: m.group(1) + new + m.group(4), html, count=1)
    assert n == 1, key
    files["index.html"] = html.encode()
    return files


def flip(data: bytes, at: int = -10) -> bytes:
    b = bytearray(data)
    b[at] ^= 1
    return bytes(b)


def custody(files: dict[str, bytes], seq: int) -> dict:
    return json.loads(files[f"custody/{seq:08d}.json"])


def seq_of(files: dict[str, bytes], action: str) -> int:
    return next(s for s in range(1, 100) if f"custody/{s:08d}.json" in files
                and custody(files, s)["action"] == action)


# ------------------------------------------------------------------------------------------- the kinds


def _kinds(b) -> list[tuple[str, str, object]]:
    """(name, expected code, make) where make() returns the tampered pack's bytes (or (bytes, verify kwargs))."""
    F, key = b["files"], b["key"]
    m0 = json.loads(F["manifest.json"])
    ex = next(p for p in F if p.startswith("exhibits/"))
    fp = m0["signer"]["fingerprint"]
    a1, a2 = m0["allegations"][0]["id"], m0["allegations"][1]["id"]
    e1 = m0["exhibits"][0]["id"]
    opened = seq_of(F, "case.opened")
    made = seq_of(F, "allegation.made")

    def z(files, **kw):
        return zip_files(files, **kw)

    def sealed(files):
        return z(reseal(files, key))

    def man(fn):
        return sealed(edit_manifest(F, fn))

    def rep(k, new):
        return sealed(edit_report(F, k, new))

    def without(*names):
        return {n: d for n, d in F.items() if n not in names}

    def replace(name, data):
        return {**F, name: data}

    def setp(path, value):
        def fn(m):
            cur = m
            for p in path[:-1]:
                cur = cur[p]
            cur[path[-1]] = value
        return fn

    def custody_edit(seq, fn):
        e = custody(F, seq)
        fn(e)
        return sealed(replace(f"custody/{seq:08d}.json", canonical_json(e)))

    def swap_entries(s1, s2):
        a, b_ = f"custody/{s1:08d}.json", f"custody/{s2:08d}.json"
        return sealed({**F, a: F[b_], b_: F[a], a[:-4] + "sig": F[b_[:-4] + "sig"], b_[:-4] + "sig": F[a[:-4] + "sig"]})

    def remove_entry(seq):
        files = without(f"custody/{seq:08d}.json", f"custody/{seq:08d}.sig")
        files = edit_manifest(files, lambda m: m["custody"].__setitem__(
            "entries", [e for e in m["custody"]["entries"] if e["seq"] != seq]))
        return sealed(files)

    def proofs_edit(fn):
        p = json.loads(F["custody/proofs.json"])
        fn(p)
        return sealed(replace("custody/proofs.json", canonical_json(p)))

    def flip_b64(text: str) -> str:
        import base64

        raw = bytearray(base64.b64decode(text))
        raw[0] ^= 1
        return base64.b64encode(bytes(raw)).decode()

    def record_edit(path, fn):
        r = json.loads(F[path])
        fn(r)
        return sealed(replace(path, canonical_json(r)))

    def zi(name, mode=0o100644, time=ZIP_TIME):
        i = zipfile.ZipInfo(name, date_time=time)
        i.create_system = 3
        i.external_attr = mode << 16
        return i

    def commented():
        buf = io.BytesIO(b["raw"])
        with zipfile.ZipFile(buf, "a") as zf:
            zf.comment = b"hello"
        return buf.getvalue()

    other_sig = next(p for p in F if p.startswith("records/") and p.endswith(".sig") and p != f"records/{e1}.sig")
    untrusted = "sha256:" + "ab" * 32
    return [
        # files against the signed list
        ("exhibit byte flipped", "sums-mismatch", lambda: z(replace(ex, flip(F[ex])))),
        ("record byte flipped", "sums-mismatch", lambda: z(replace(f"records/{e1}.json", flip(F[f"records/{e1}.json"], 5)))),
        ("custody entry byte flipped", "sums-mismatch", lambda: z(replace("custody/00000003.json", flip(F["custody/00000003.json"], 5)))),
        ("manifest byte flipped", "sums-mismatch", lambda: z(replace("manifest.json", flip(F["manifest.json"], 5)))),
        ("report byte flipped", "sums-mismatch", lambda: z(replace("index.html", flip(F["index.html"], 200)))),
        ("policy byte flipped", "sums-mismatch", lambda: z(replace(next(p for p in F if p.startswith("policy/")), flip(F[next(p for p in F if p.startswith("policy/"))], 50)))),
        ("exhibit removed", "file-missing", lambda: z(without(ex))),
        ("VERIFY.txt removed", "file-missing", lambda: z(without("VERIFY.txt"))),
        ("file added", "file-extra", lambda: z({**F, "exhibits/E9/extra.txt": b"planted"})),
        ("SHA256SUMS signature zeroed", "sig-bad", lambda: z(replace("SHA256SUMS.sig", bytes(64)))),
        ("SHA256SUMS signature truncated", "sig-bad", lambda: z(replace("SHA256SUMS.sig", F["SHA256SUMS.sig"][:40]))),
        ("SHA256SUMS resigned by no key in the pack", "sig-bad", lambda: z(replace("SHA256SUMS.sig", flip(F["SHA256SUMS.sig"], 3)))),
        ("signer's key file replaced", "key-bad", lambda: z(replace(next(p for p in F if p.startswith("keys/")), F[next(p for p in F if p.startswith("keys/"))].replace(b"MCow", b"MCox")))),
        ("VERIFY.txt names another signer", "signer-mismatch", lambda: sealed(replace("VERIFY.txt", F["VERIFY.txt"].replace(fp.encode(), untrusted.encode())))),
        # manifest facts, re-sealed
        ("case title changed", "fact-mismatch", lambda: man(setp(("case", "title"), "Another title"))),
        ("case subject changed", "fact-mismatch", lambda: man(setp(("case", "subject"), "Someone Else"))),
        ("case complainant changed", "fact-mismatch", lambda: man(setp(("case", "complainant"), "Nobody"))),
        ("case status changed", "fact-mismatch", lambda: man(setp(("case", "status"), "closed"))),
        ("case reference changed", "custody-case", lambda: man(setp(("case", "ref"), "OTHER-1"))),
        ("allegation clause changed", "fact-mismatch", lambda: man(setp(("allegations", 0, "clause"), "6.3"))),
        ("withdrawn allegation shown open", "fact-mismatch", lambda: man(setp(("allegations", 1, "status"), "open"))),
        ("open allegation shown withdrawn", "fact-mismatch", lambda: man(setp(("allegations", 0, "status"), "withdrawn"))),
        ("allegation left out", "fact-missing", lambda: man(lambda m: m["allegations"].pop(1))),
        ("key holder's name changed", "fact-mismatch", lambda: man(setp(("keys", 0, "name"), "Prof. Someone Else"))),
        ("key holder's role changed", "fact-mismatch", lambda: man(setp(("keys", 0, "role"), "head of department"))),
        ("signer name changed", "fact-mismatch", lambda: man(setp(("signer", "name"), "Prof. Someone Else"))),
        ("signer role changed", "fact-mismatch", lambda: man(setp(("signer", "role"), "supervisor"))),
        ("exhibit left out", "fact-missing", lambda: man(lambda m: m.__setitem__("exhibits", []))),
        ("exhibit record hash changed", "fact-mismatch", lambda: man(setp(("exhibits", 0, "record_sha256"), "sha256:" + "0" * 64))),
        ("as_of moved", "manifest-mismatch", lambda: man(setp(("as_of",), "2030-01-01T00:00:00Z"))),
        # report facts, re-sealed
        ("report: case reference", "report-fact-mismatch", lambda: rep("case.reference", "OTHER-1")),
        ("report: case title", "report-fact-mismatch", lambda: rep("case.title", "Another title")),
        ("report: case subject", "report-fact-mismatch", lambda: rep("case.subject", "Someone Else")),
        ("report: case complainant", "report-fact-mismatch", lambda: rep("case.complainant", "Nobody")),
        ("report: case status", "report-fact-mismatch", lambda: rep("case.status", "closed")),
        ("report: allegation clause", "report-fact-mismatch", lambda: rep(f"allegation.{a1}.clause", "6.9")),
        ("report: allegation status", "report-fact-mismatch", lambda: rep(f"allegation.{a1}.status", "withdrawn")),
        ("report: withdrawn allegation shown open", "report-fact-mismatch", lambda: rep(f"allegation.{a2}.status", "open")),
        ("report: allegation summary", "report-fact-mismatch", lambda: rep(f"allegation.{a1}.summary", "Something worse.")),
        ("report: signer name", "report-fact-mismatch", lambda: rep(f"signer.{fp}.name", "Prof. Someone Else")),
        ("report: signer role", "report-fact-mismatch", lambda: rep(f"signer.{fp}.role", "head of department")),
        ("report: exhibit item", "report-fact-mismatch", lambda: rep(f"exhibit.{e1}.item", "01XXXXXXXXXXXXXXXXXXXXXXXX")),
        ("report: exhibit record hash", "report-fact-mismatch", lambda: rep(f"exhibit.{e1}.sha256", "sha256:" + "0" * 64)),
        ("report: a fact's element removed", "report-fact-missing", lambda: sealed(replace("index.html", F["index.html"].replace(b'data-fact="case.title"', b'data-x="case.title"')))),
        ("report: script added", "report-script", lambda: sealed(replace("index.html", F["index.html"].replace(b"</body>", b"<script>alert(1)</script></body>")))),
        ("report: CSP removed", "report-csp", lambda: sealed(replace("index.html", re.sub(rb"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", b"", F["index.html"])))),
        # records, re-sealed
        ("exhibit record edited", "record-signature", lambda: record_edit(f"records/{e1}.json", lambda r: r.__setitem__("note", "added later"))),
        ("allegation record summary edited", "record-signature", lambda: record_edit(f"records/{a1}.json", lambda r: r.__setitem__("summary", "Something worse."))),
        ("record signature swapped", "record-signature", lambda: sealed(replace(f"records/{e1}.sig", F[other_sig]))),
        # custody, re-sealed
        ("case.opened entry edited", "custody-signature", lambda: custody_edit(opened, lambda e: e["details"].__setitem__("title", "Another title"))),
        ("allegation.made entry edited", "custody-signature", lambda: custody_edit(made, lambda e: e["details"].__setitem__("clause", "6.9"))),
        ("custody entry signature zeroed", "custody-signature", lambda: sealed(replace(f"custody/{opened:08d}.sig", bytes(64)))),
        ("custody entries swapped", "custody-seq", lambda: swap_entries(opened, opened + 1)),
        ("case.opened entry removed", "custody-missing", lambda: remove_entry(opened)),
        ("allegation.withdrawn entry removed", "custody-missing", lambda: remove_entry(seq_of(F, "allegation.withdrawn"))),
        # proofs and checkpoint, re-sealed
        ("proof root flipped", "proof-bad", lambda: proofs_edit(lambda p: p.__setitem__("root", flip_b64(p["root"])))),
        ("proof path hash flipped", "proof-bad", lambda: proofs_edit(lambda p: p["proofs"][1]["path"].__setitem__(0, flip_b64(p["proofs"][1]["path"][0])))),
        ("proof removed", "proof-missing", lambda: proofs_edit(lambda p: p["proofs"].pop())),
        ("checkpoint edited", "checkpoint-bad", lambda: sealed(replace("custody/checkpoint.txt", F["custody/checkpoint.txt"].replace(b"\n", b"\n ", 1)))),
        ("checkpoint removed", "file-missing", lambda: sealed(without("custody/checkpoint.txt"))),
        ("proofs removed", "file-missing", lambda: sealed(without("custody/proofs.json"))),
        # ZIP structure
        ("archive comment", "zip-comment", commented),
        ("bytes before the archive", "zip-prefix", lambda: b"MZ" + bytes(62) + b["raw"]),
        ("bytes after the archive", "zip-trailing", lambda: b["raw"] + b"appended"),
        ("executable mode", "zip-mode", lambda: z(F, mode={"VERIFY.txt": 0o100755})),
        ("set-uid mode", "zip-mode", lambda: z(F, mode={"index.html": 0o104644})),
        ("entry time changed", "zip-time", lambda: z(F, times={"index.html": (2026, 12, 5, 11, 0, 0)})),
        ("directory entry", "zip-directory", lambda: z(F, extra=[(zi("exhibits/", 0o040755), b"")])),
        ("duplicate name", "zip-unsafe", lambda: z(F, extra=[(zi("VERIFY.txt"), b"Signer key fingerprint: none\n")])),
        ("symbolic link", "zip-unsafe", lambda: z(F, extra=[(zi("exhibits/link", 0o120777), b"/etc/passwd")])),
        ("path out of the folder", "zip-unsafe", lambda: z(F, extra=[(zi("../evil.txt"), b"x")])),
        # what the reader brings
        ("signed by another key than expected", "key-mismatch", lambda: (b["raw"], {"key": untrusted})),
        ("signer not in the reader's trust list", "signer-untrusted", lambda: (b["raw"], {"trust": {untrusted}})),
    ]


def test_untampered_and_resealed_packs_pass(built, tmp_path):
    (tmp_path / "a.zip").write_bytes(built["raw"])
    report = verify_pack(tmp_path / "a.zip", trust={json.loads(built["files"]["manifest.json"])["signer"]["fingerprint"]})
    assert report.ok, report.problems
    (tmp_path / "b.zip").write_bytes(zip_files(reseal(built["files"], built["key"])))
    report = verify_pack(tmp_path / "b.zip")
    assert report.ok, report.problems


def test_pack_tamper_campaign(built, tmp_path):
    kinds = _kinds(built)
    missed, wrong = [], []
    for i, (name, code, make) in enumerate(kinds):
        made = make()
        raw, kw = made if isinstance(made, tuple) else (made, {})
        path = tmp_path / f"t{i}.zip"
        path.write_bytes(raw)
        report = verify_pack(path, **kw)
        if report.ok:
            missed.append(name)
        elif code not in {p.code for p in report.problems}:
            wrong.append((name, code, sorted({p.code for p in report.problems})))
    caught = len(kinds) - len(missed) - len(wrong)
    print(f"\npacks: {len(kinds)} kinds tried / {caught} caught and named / {len(missed)} missed")
    assert len(kinds) >= 50
    assert missed == [] and wrong == [], (missed, wrong)


def test_a_changed_fact_is_named_with_where_it_shows_and_the_entry_that_says_otherwise(built, tmp_path):
    F = built["files"]
    opened = seq_of(F, "case.opened")
    files = edit_manifest(F, lambda m: m["case"].__setitem__("title", "Another title"))
    files = edit_report(files, "case.title", "Another title")
    (tmp_path / "p.zip").write_bytes(zip_files(reseal(files, built["key"])))
    report = verify_pack(tmp_path / "p.zip")
    by_code = {(p.code, p.where): p.what for p in report.problems}
    assert set(by_code) == {("fact-mismatch", "manifest.json case.title"),
                            ("report-fact-mismatch", "index.html [data-fact=case.title]")}
    for what in by_code.values():
        assert f"signed custody entry {opened} says 'Posts about a colleague'" in what


def test_trust_list_accepts_the_signer_and_names_others(built, tmp_path):
    (tmp_path / "p.zip").write_bytes(built["raw"])
    fp = json.loads(built["files"]["manifest.json"])["signer"]["fingerprint"]
    assert verify_pack(tmp_path / "p.zip", trust={fp}).ok
    assert verify_pack(tmp_path / "p.zip", trust={fp.removeprefix("sha256:")}).ok
    report = verify_pack(tmp_path / "p.zip", trust={"sha256:" + "cd" * 32})
    assert {p.code for p in report.problems} == {"signer-untrusted"}
    assert all(fp in p.what for p in report.problems)
    assert any(p.where.startswith("custody/") for p in report.problems)
    assert any(p.where.startswith("records/") for p in report.problems)
