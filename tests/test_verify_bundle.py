"""verify_pack: a panel pack checked offline, every tampering caught and named (docs/pack-format.md).

The packs come from tests/packmaker.py, an independent minimal writer of the format.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

import packmaker
from evidence.canonical import canonical_json
from evidence.digest import sha256_tag
from evidence.errors import InputError, IntegrityError
from evidence.verify.pack import PackReport, verify_pack
from packmaker import CASE, Key, build_pack, write_zip, zip_info
from tsa_server import OPENSSL, LoopbackTSA

REPO = Path(__file__).resolve().parents[1]
SUMS_FILES = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr")


# ---------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    with LoopbackTSA(tmp_path_factory.mktemp("tsa")) as server:
        yield server
    assert server.errors == [], "the loopback TSA itself failed"


@pytest.fixture(scope="module")
def full(tsa):
    """A valid pack with everything: checkpoint, proofs, timestamps, a redaction, a withdrawn allegation."""
    return build_pack(tsa=tsa, redaction=True)


@pytest.fixture(scope="module")
def plain():
    """A valid pack without timestamps (defect tests re-seal it without a TSA)."""
    return build_pack()


@pytest.fixture
def mallory():
    return Key("M. Allory", "investigator")


def check(pack_or_raw, tmp_path: Path, name: str = "pack.zip", **kw) -> PackReport:
    path = tmp_path / name
    if isinstance(pack_or_raw, bytes):
        path.write_bytes(pack_or_raw)
    else:
        pack_or_raw.write(path)
    return verify_pack(path, **kw)


def about(report: PackReport, where: str, codes: set[str] | None = None) -> list:
    return [p for p in report.problems if p.where == where and (codes is None or p.code in codes)]


def codes(report: PackReport) -> set[str]:
    return {p.code for p in report.problems}


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


def patch_entry(raw: bytes, name: str, *, flags_or: int = 0, usize: int | None = None) -> bytes:
    """Patch an entry's general-purpose flags or declared uncompressed size in both its headers."""
    b = bytearray(raw)
    enc = name.encode("utf-8")
    i = 0
    while (i := b.find(b"PK\x01\x02", i)) >= 0:
        nlen = struct.unpack_from("<H", b, i + 28)[0]
        if bytes(b[i + 46:i + 46 + nlen]) == enc:
            local = struct.unpack_from("<I", b, i + 42)[0]
            if flags_or:
                for pos in (i + 8, local + 6):
                    struct.pack_into("<H", b, pos, struct.unpack_from("<H", b, pos)[0] | flags_or)
            if usize is not None:
                struct.pack_into("<I", b, i + 24, usize)
                struct.pack_into("<I", b, local + 22, usize)
            return bytes(b)
        i += 4
    raise KeyError(name)


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# ---------------------------------------------------------------------------------------- valid packs


def test_valid_pack_passes(full, tmp_path):
    report = check(full, tmp_path)
    assert report.ok, report.problems
    assert report.problems == []
    assert report.signer == full.signer.fingerprint
    assert report.files == sorted(full.files)
    assert report.manifest["case"]["ref"] == CASE
    c = report.checks
    assert c["files"] == len(full.files)
    assert c["sums"] == len(full.files) - 3
    assert c["records"] == 6 and c["allegations"] == 3 and c["artifacts"] == 3
    assert c["custody_entries"] == c["proofs"] == len(full.in_pack)
    assert c["timestamps"] == 4 and c["checkpoints"] == 1 and c["keys"] == 2
    assert any("timestamped" in n for n in report.notes)
    d = report.as_dict()
    assert d["ok"] is True and d["signer"] == full.signer.fingerprint
    json.dumps(d)  # serialisable


@pytest.mark.parametrize("options", [{}, {"checkpoint": False}, {"withdrawn": False}, {"redaction": True}],
                         ids=["plain", "no-checkpoint", "no-withdrawal", "redacted"])
def test_valid_variants_pass(options, tmp_path):
    report = check(build_pack(**options), tmp_path)
    assert report.ok, report.problems


def test_valid_pack_checks_with_standard_tools(full, tmp_path):
    """The manual route VERIFY.txt describes: unzip, sha256sum -c, openssl pkeyutl (and openssl ts)."""
    zpath = full.write(tmp_path / "pack.zip")
    out = tmp_path / "unpacked"
    out.mkdir()
    subprocess.run(["unzip", "-q", str(zpath), "-d", str(out)], check=True, timeout=60)
    r = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": OK") == len(full.files) - 3
    r = subprocess.run([OPENSSL, "pkeyutl", "-verify", "-pubin", "-inkey", full.signer.path, "-rawin",
                        "-in", "SHA256SUMS", "-sigfile", "SHA256SUMS.sig"], cwd=out, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and "Signature Verified Successfully" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([OPENSSL, "ts", "-verify", "-data", "SHA256SUMS", "-in", "SHA256SUMS.tsr", "-CAfile",
                        "timestamps/tsa-root.pem"], cwd=out, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # and a tampered copy fails the same tools
    (out / "exhibits/E2/original.jpg").write_bytes(b"other")
    r = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0 and "exhibits/E2/original.jpg" in r.stdout


def test_sha256sum_binary_marker_is_accepted(plain, tmp_path):
    pack = plain.copy()
    pack.seal()
    sums = pack.files["SHA256SUMS"].replace(b"  ", b" *")
    pack.files["SHA256SUMS"] = sums
    pack.files["SHA256SUMS.sig"] = pack.signer.sign(sums)
    assert check(pack, tmp_path).ok


# ---------------------------------------------------------------------------------------- --key


def test_key_accepts_full_hex_and_prefix(plain, tmp_path):
    fp = plain.signer.fingerprint
    for key in (fp, fp[7:], fp[7:23], fp[7:30].upper(), "  " + fp + "\n"):
        assert check(plain, tmp_path, key=key).ok, key


def test_wrong_key_is_a_mismatch_naming_both(plain, tmp_path, mallory):
    report = check(plain, tmp_path, key=mallory.fingerprint)
    assert not report.ok
    [p] = report.problems
    assert p.code == "key-mismatch"
    assert plain.signer.fingerprint in p.what and mallory.fingerprint in p.what
    report = check(plain, tmp_path, key=mallory.fingerprint[7:23])
    assert codes(report) == {"key-mismatch"}


@pytest.mark.parametrize("bad", ["", "abc", "sha256:xyz", "0123456789abcde", "sha256:" + "0" * 65, "md5:" + "0" * 32])
def test_malformed_key_is_an_input_error(plain, tmp_path, bad):
    plain.write(tmp_path / "pack.zip")
    with pytest.raises(InputError) as info:
        verify_pack(tmp_path / "pack.zip", key=bad)
    assert info.value.exit_code == 6


# ---------------------------------------------------------------------------------------- every byte of every file


def _expect_named(report: PackReport, path: str) -> None:
    if path in ("SHA256SUMS", "SHA256SUMS.sig"):
        assert about(report, "SHA256SUMS.sig", {"sig-bad"}), (path, report.problems)
    elif path == "SHA256SUMS.tsr":
        assert about(report, path, {"tsr-bad"}), (path, report.problems)
    else:
        assert about(report, path, {"sums-mismatch"}), (path, report.problems)


def test_every_file_byte_flip_is_caught(full, tmp_path):
    for path, data in sorted(full.files.items()):
        for pos in sorted({0, len(data) // 2, len(data) - 1}):
            files = dict(full.files)
            files[path] = flip(data, pos)
            write_zip(tmp_path / "pack.zip", sorted(files.items()))
            report = verify_pack(tmp_path / "pack.zip")
            assert not report.ok, (path, pos)
            _expect_named(report, path)


# Files whose content is anchored by something other than SHA256SUMS: even an insider who re-makes
# SHA256SUMS and the manifest's file list and signs them with the real pack key is caught.
def _anchored(path: str) -> bool:
    return path.startswith(("records/", "custody/", "exhibits/", "keys/", "policy/", "timestamps/"))


def test_every_anchored_file_change_is_caught_even_when_resealed(full, tmp_path):
    for path in sorted(p for p in full.files if _anchored(p)):
        pack = full.copy()
        pack.files[path] = flip(pack.files[path], len(pack.files[path]) // 2)
        pack.seal()
        report = check(pack, tmp_path)
        assert not report.ok, path
        if path == "timestamps/tsa-root.pem":
            assert "tsr-bad" in codes(report), report.problems
        else:
            assert about(report, path), (path, report.problems)
        assert "sums-mismatch" not in codes(report)
        if path != full.signer.path:  # the pack signer's own key file also breaks SHA256SUMS.sig, rightly
            assert "sig-bad" not in codes(report)


# ---------------------------------------------------------------------------------------- added, removed, swapped


def test_added_file_is_caught(plain, tmp_path):
    pack = plain.copy()
    pack.files["exhibits/E1/extra.png"] = b"\x89PNG planted"
    report = check(pack, tmp_path)
    assert about(report, "exhibits/E1/extra.png", {"file-extra"})
    pack.seal()  # even listed and signed, no signed record covers it
    report = check(pack, tmp_path)
    assert codes(report) == {"artifact-unrecorded"}
    assert about(report, "exhibits/E1/extra.png")


def test_every_removed_file_is_caught(plain, tmp_path):
    for path in sorted(plain.files):
        files = {p: d for p, d in plain.files.items() if p != path}
        write_zip(tmp_path / "pack.zip", sorted(files.items()))
        report = verify_pack(tmp_path / "pack.zip")
        assert not report.ok, path
        assert about(report, path, {"file-missing"}), (path, report.problems)


def test_removed_sums_timestamp_is_noted_not_hidden(full, tmp_path):
    files = {p: d for p, d in full.files.items() if p != "SHA256SUMS.tsr"}
    report = check(write_zip(None, sorted(files.items())), tmp_path)
    assert report.ok  # SHA256SUMS.tsr is optional and covered by nothing; the reader is told it is absent
    assert any("SHA256SUMS.tsr" in n for n in report.notes)


def test_sums_signature_from_another_key(plain, tmp_path, mallory):
    pack = plain.copy()
    pack.files["SHA256SUMS.sig"] = mallory.sign(pack.files["SHA256SUMS"])
    report = check(pack, tmp_path)
    assert [p.code for p in report.problems] == ["sig-bad"]
    assert about(report, "SHA256SUMS.sig", {"sig-bad"})


def test_record_signature_from_another_record(plain, tmp_path):
    pack = plain.copy()
    pack.files["records/E1.sig"] = pack.files["records/E2.sig"]
    report = check(pack, tmp_path)
    assert about(report, "records/E1.sig", {"sums-mismatch"})
    assert about(report, "records/E1.sig", {"record-signature"})
    pack.seal()  # re-signed by the real pack key: the record's own signature still fails
    report = check(pack, tmp_path)
    assert codes(report) == {"record-signature"}
    assert about(report, "records/E1.sig")


def test_custody_signature_from_another_entry(plain, tmp_path):
    pack = plain.copy()
    e1, e2 = pack.intake["E1"], pack.intake["E2"]
    pack.files[f"custody/{e1:08d}.sig"] = pack.files[f"custody/{e2:08d}.sig"]
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"custody-signature"}
    assert about(report, f"custody/{e1:08d}.sig")


def test_truncated_signature(plain, tmp_path):
    pack = plain.copy()
    pack.files["SHA256SUMS.sig"] = pack.files["SHA256SUMS.sig"][:63]
    report = check(pack, tmp_path)
    assert about(report, "SHA256SUMS.sig", {"sig-bad"})


# ---------------------------------------------------------------------------------------- custody entries removed or forged


def test_custody_entry_removed_and_pack_resigned_by_attacker(plain, tmp_path, mallory):
    pack = plain.copy()
    seq = pack.intake["E1"]
    assert seq - 1 in pack.in_pack and seq + 1 in pack.in_pack  # from the middle of the chain
    pack.remove_custody_entry(seq)  # and from manifest.json and proofs.json
    pack.seal(signer=mallory)  # SHA256SUMS re-made and signed with the attacker's own key
    report = check(pack, tmp_path, key=plain.signer.fingerprint)
    assert report.signer == mallory.fingerprint
    mismatch = [p for p in report.problems if p.code == "key-mismatch"]
    assert mismatch and plain.signer.fingerprint in mismatch[0].what and mallory.fingerprint in mismatch[0].what
    # without the expected key, the custody check still sees that E1's intake is not recorded
    report = check(pack, tmp_path)
    assert not report.ok
    assert about(report, "exhibit E1", {"custody-missing"})


def test_custody_entry_removed_without_the_signing_key(plain, tmp_path):
    pack = plain.copy()
    seq = pack.intake["E2"]
    pack.remove_custody_entry(seq, manifest=False, proofs=False)  # the signed files cannot be re-made
    report = check(pack, tmp_path)
    path = f"custody/{seq:08d}.json"
    assert about(report, path, {"file-missing"})
    assert about(report, path, {"custody-missing"})  # proofs.json proves an entry that is not there
    assert about(report, "exhibit E2", {"custody-missing"})


def test_custody_entry_removed_resealed_with_real_key_is_caught_by_custody_checks(plain, tmp_path):
    """Even the pack's own signer (a buggy builder) cannot drop an allegation's entry unnoticed."""
    pack = plain.copy()
    seq = pack.allegation_seq["A1"][0]
    pack.remove_custody_entry(seq)
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"custody-missing"}
    assert about(report, "records/A1.json", {"custody-missing"})


def test_case_opening_removed_is_caught(plain, tmp_path):
    pack = plain.copy()
    pack.remove_custody_entry(3)
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, f"case {CASE}", {"custody-missing"})


def test_forged_custody_entry_breaks_chain_and_proof(plain, tmp_path, mallory):
    pack = plain.copy()
    seq = pack.intake["E1"]
    path = f"custody/{seq:08d}.json"
    entry = json.loads(pack.files[path])
    entry["actor"] = mallory.actor()
    entry["details"]["note"] = "forged"
    data = canonical_json(entry)
    pack.files[path] = data
    pack.files[f"custody/{seq:08d}.sig"] = mallory.sign(data)
    m = pack.manifest
    for e in m["custody"]["entries"]:
        if e["seq"] == seq:
            e["hash"] = sha256_tag(data)
    pack.manifest = m
    pack.seal(signer=mallory)  # puts mallory's key in the pack, so the entry's signature verifies
    report = check(pack, tmp_path)
    assert about(report, f"custody/{seq + 1:08d}.json", {"custody-chain"})
    assert about(report, path, {"proof-bad"})
    assert "custody-signature" not in codes(report)


# ---------------------------------------------------------------------------------------- checkpoint and proofs


def test_proof_with_flipped_bit(plain, tmp_path):
    pack = plain.copy()
    proofs = pack.proofs
    target = proofs["proofs"][2]
    raw = bytearray(base64.b64decode(target["path"][0]))
    raw[0] ^= 0x80
    target["path"][0] = base64.b64encode(bytes(raw)).decode()
    pack.proofs = proofs
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"proof-bad"}
    assert about(report, f"custody/{target['seq']:08d}.json", {"proof-bad"})


def test_proof_missing_for_an_entry(plain, tmp_path):
    pack = plain.copy()
    proofs = pack.proofs
    dropped = proofs["proofs"].pop(1)
    pack.proofs = proofs
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, f"custody/{dropped['seq']:08d}.json", {"proof-missing"})


def test_checkpoint_signed_by_unknown_key(plain, tmp_path, mallory):
    pack = plain.copy()
    pack.sign_checkpoint(mallory)  # mallory's key is not in keys/
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"checkpoint-bad"}
    [p] = about(report, "custody/checkpoint.txt", {"checkpoint-bad"})
    assert "unknown key" in p.what


@pytest.mark.parametrize("defect", ["origin", "no-time", "too-small"])
def test_checkpoint_body_defects(plain, tmp_path, defect):
    pack = plain.copy()
    if defect == "origin":
        pack.sign_checkpoint(pack.signer, origin="evidence.store/another-store")
    elif defect == "no-time":
        pack.sign_checkpoint(pack.signer, time_line=None)
    else:
        pack.sign_checkpoint(pack.signer, size=max(pack.in_pack) - 1)  # too small to hold the newest entry
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "custody/checkpoint.txt", {"checkpoint-bad"}), report.problems


def test_proofs_for_another_tree(plain, tmp_path):
    pack = plain.copy()
    proofs = pack.proofs
    proofs["checkpoint_size"] += 1
    pack.proofs = proofs
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "custody/proofs.json", {"proof-bad"})


# ---------------------------------------------------------------------------------------- records, artifacts, policy


def test_artifact_checked_against_signed_record_not_manifest(plain, tmp_path):
    pack = plain.copy()
    other = b"\xff\xd8\xff another photo \xff\xd9"
    pack.files["exhibits/E2/original.jpg"] = other
    m = pack.manifest  # the manifest is made to agree with the swapped file
    art = m["exhibits"][1]["artifacts"][0]
    art["sha256"], art["size"] = sha256_tag(other), len(other)
    pack.manifest = m
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "exhibits/E2/original.jpg", {"artifact-hash"})


def _resign_record(pack, path: str, change) -> bytes:
    rec = json.loads(pack.files[path])
    change(rec)
    data = canonical_json(rec)
    pack.files[path] = data
    pack.files[path[:-5] + ".sig"] = pack.signer.sign(data)
    m = pack.manifest
    for a in m["allegations"]:
        for r in a["records"]:
            if r["path"] == path:
                r["sha256"] = sha256_tag(data)
    pack.manifest = m
    return data


def test_allegation_clause_text_must_match_catalogue(plain, tmp_path):
    pack = plain.copy()
    _resign_record(pack, "records/A1.json", lambda r: r["clause"].update(text=r["clause"]["text"] + " (and more)"))
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "records/A1.json", {"clause-text"})


def test_allegation_citing_unknown_item(plain, tmp_path):
    pack = plain.copy()
    _resign_record(pack, "records/A1.json",
                   lambda r: r["evidence"].append({"item": "01JZZZZZZZZZZZZZZZZZZZZZZZ", "record_sha256": "sha256:" + "0" * 64}))
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "records/A1.json", {"exhibit-missing"})


def test_manifest_allegation_naming_missing_exhibit(plain, tmp_path):
    pack = plain.copy()
    m = pack.manifest
    m["allegations"][0]["exhibits"].append("E7")
    pack.manifest = m
    pack.seal()
    report = check(pack, tmp_path)
    assert "exhibit-missing" in codes(report)


def test_non_canonical_record(plain, tmp_path):
    pack = plain.copy()
    rec = json.loads(pack.files["records/E2.json"])
    data = json.dumps(rec, indent=1).encode()
    pack.files["records/E2.json"] = data
    pack.files["records/E2.sig"] = pack.signer.sign(data)
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "records/E2.json", {"not-canonical"})


def test_redaction_as_artifact_list_is_accepted(full, tmp_path):
    pack = full.copy()
    m = pack.manifest
    red = m["exhibits"][0]["redaction"]
    red["artifacts"] = [red.pop("artifact")]
    pack.manifest = m
    pack.seal()
    assert check(pack, tmp_path).ok


def test_withheld_artifact_must_agree_with_signed_record(full, tmp_path):
    pack = full.copy()
    m = pack.manifest
    m["exhibits"][0]["withheld"][0]["sha256"] = "sha256:" + "0" * 64
    pack.manifest = m
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"manifest-mismatch"}


def test_redacted_copy_swapped(full, tmp_path):
    pack = full.copy()
    path = "exhibits/E1/redacted-screenshot.png"
    pack.files[path] = packmaker.PNG  # the unredacted screenshot, under the redacted copy's name
    m = pack.manifest
    red = m["exhibits"][0]["redaction"]
    red["artifact"].update(sha256=sha256_tag(packmaker.PNG), size=len(packmaker.PNG))
    pack.manifest = m
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, path, {"artifact-hash"})


def test_policy_swapped(plain, tmp_path):
    pack = plain.copy()
    path = "policy/leeds-social-media-policy.json"
    doc = json.loads(pack.files[path])
    doc["clauses"][0]["text"] = "Anything goes."
    pack.files[path] = json.dumps(doc).encode()
    m = pack.manifest
    m["policy"]["sha256"] = sha256_tag(pack.files[path])  # the manifest agrees; the signed allegations do not
    pack.manifest = m
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "records/A1.json", {"policy-mismatch"})


def test_key_file_swapped(plain, tmp_path, mallory):
    pack = plain.copy()
    bob = next(k for k in pack.keys.values() if k is not pack.signer)
    pack.files[bob.path] = mallory.pem
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, bob.path, {"key-bad"})
    assert "custody-signature" in codes(report) and "record-signature" in codes(report)


def test_verify_txt_and_manifest_disagree_on_signer(plain, tmp_path, mallory):
    pack = plain.copy()
    pack.files["VERIFY.txt"] = packmaker.verify_txt(mallory)
    pack.seal()
    report = check(pack, tmp_path)
    assert about(report, "VERIFY.txt", {"signer-mismatch"})


@pytest.mark.parametrize("defect", ["unsorted", "crlf", "upper", "duplicate"])
def test_sums_parsed_strictly(plain, tmp_path, defect):
    pack = plain.copy()
    lines = pack.files["SHA256SUMS"].decode().splitlines(keepends=True)
    if defect == "unsorted":
        lines[0], lines[1] = lines[1], lines[0]
    elif defect == "crlf":
        lines = [x.replace("\n", "\r\n") for x in lines]
    elif defect == "upper":
        lines[0] = lines[0][:64].upper() + lines[0][64:]
    else:
        lines.insert(1, lines[0])
    sums = "".join(lines).encode()
    pack.files["SHA256SUMS"] = sums
    pack.files["SHA256SUMS.sig"] = pack.signer.sign(sums)
    report = check(pack, tmp_path)
    assert about(report, "SHA256SUMS", {"sums-bad"}), report.problems


def test_timestamp_without_root(full, tmp_path):
    pack = full.copy()
    del pack.files["timestamps/tsa-root.pem"]
    pack.seal()
    report = check(pack, tmp_path)
    for tsr in ("SHA256SUMS.tsr", "custody/checkpoint.tsr", "timestamps/E1.tsr", "timestamps/E2.tsr"):
        assert about(report, tsr, {"tsr-bad"}), tsr


def test_timestamp_of_another_record(full, tmp_path):
    pack = full.copy()
    pack.files["timestamps/E1.tsr"] = pack.files["timestamps/E2.tsr"]
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"tsr-bad"}
    assert about(report, "timestamps/E1.tsr", {"tsr-bad"})


# ---------------------------------------------------------------------------------------- the report


def _with_index(pack, transform):
    pack = pack.copy()
    pack.files["index.html"] = transform(pack.files["index.html"].decode()).encode()
    pack.seal()
    return pack


@pytest.mark.parametrize("snippet", ["<script>alert(1)</script>", "<SCRIPT src=x.js></SCRIPT>",
                                     '<img src="exhibits/E2/original.jpg" onerror="alert(1)">',
                                     '<a href="javascript:alert(1)">x</a>', "<svg><script>alert(1)</script></svg>"])
def test_report_with_script(plain, tmp_path, snippet):
    pack = _with_index(plain, lambda t: t.replace("</body>", snippet + "</body>"))
    report = check(pack, tmp_path)
    assert about(report, "index.html", {"report-script"}), report.problems


def test_report_without_csp(plain, tmp_path):
    pack = _with_index(plain, lambda t: t.replace('http-equiv="Content-Security-Policy"', 'name="x"'))
    assert about(check(pack, tmp_path), "index.html", {"report-csp"})


def test_report_csp_allowing_script(plain, tmp_path):
    pack = _with_index(plain, lambda t: t.replace("default-src 'none'", "default-src 'self'"))
    assert about(check(pack, tmp_path), "index.html", {"report-csp"})


def test_report_naming_unknown_exhibit(plain, tmp_path):
    pack = _with_index(plain, lambda t: t.replace("</body>", '<section id="exhibit-E9"><h2>E9</h2></section></body>'))
    report = check(pack, tmp_path)
    assert codes(report) == {"exhibit-missing"}
    [p] = about(report, "index.html", {"exhibit-missing"})
    assert "E9" in p.what


def test_report_linking_unknown_exhibit_file(plain, tmp_path):
    pack = _with_index(plain, lambda t: t.replace("</body>", '<a href="exhibits/E9/screenshot.png">E9</a></body>'))
    report = check(pack, tmp_path)
    assert codes(report) == {"exhibit-missing", "link-missing"}


@pytest.mark.parametrize("link", ["missing.css", "../outside.html", "/etc/passwd", "exhibits/E1/nothing.png#x"])
def test_report_broken_links(plain, tmp_path, link):
    pack = _with_index(plain, lambda t: t.replace("</body>", f'<a href="{link}">x</a></body>'))
    report = check(pack, tmp_path)
    assert about(report, "index.html", {"link-missing"}), report.problems


def test_report_fragment_and_external_links_are_not_files(plain, tmp_path):
    pack = _with_index(plain, lambda t: t.replace(
        "</body>", '<a href="#exhibit-E1">E1</a><a href="https://x.example/">x</a><a href="mailto:a@b">m</a></body>'))
    assert check(pack, tmp_path).ok


# ---------------------------------------------------------------------------------------- the ZIP itself


@pytest.mark.parametrize("name", ["../evil.txt", "exhibits/../../evil.txt", "exhibits\\E1\\evil.png", "C:/evil.txt",
                                  "exhibits//E1/evil.png", "./index2.html"])
def test_unsafe_names(plain, tmp_path, name):
    report = check(plain.zip_bytes(extra=[(name, b"evil")]), tmp_path)
    assert about(report, name, {"zip-unsafe"}), report.problems
    assert not any(p.where == name and p.code != "zip-unsafe" for p in report.problems)


def test_nothing_is_written_outside_a_temporary_folder(plain, tmp_path, monkeypatch):
    deep = tmp_path / "in" / "deep"
    deep.mkdir(parents=True)
    absolute = str(tmp_path / "abs-evil.txt")
    raw = plain.zip_bytes(extra=[("../evil.txt", b"x"), ("../../evil2.txt", b"x"), (absolute, b"x"),
                                 (zip_info("link", mode=0o120777), str(tmp_path / "target").encode())])
    (deep / "pack.zip").write_bytes(raw)
    before = tree(tmp_path)
    monkeypatch.chdir(deep)
    report = verify_pack("pack.zip")
    assert tree(tmp_path) == before
    assert not (tmp_path / "in" / "evil.txt").exists() and not (tmp_path / "evil2.txt").exists()
    assert not Path(absolute).exists() and not (tmp_path / "target").exists()
    assert about(report, absolute, {"zip-unsafe"}) and about(report, "link", {"zip-unsafe"})


def test_absolute_path(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[("/etc/cron.d/evil", b"* * * * * root evil\n")]), tmp_path)
    [p] = about(report, "/etc/cron.d/evil", {"zip-unsafe"})
    assert "absolute" in p.what


def test_symlink_entry(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[(zip_info("exhibits/E1/link", mode=0o120777), b"/etc/passwd")]), tmp_path)
    [p] = about(report, "exhibits/E1/link", {"zip-unsafe"})
    assert "symbolic link" in p.what


def test_duplicate_names(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[("records/E1.json", b'{"forged": true}')]), tmp_path)
    [p] = about(report, "records/E1.json", {"zip-unsafe"})
    assert "2 times" in p.what


def test_case_collision_is_noted(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[("INDEX.html", b"<p>other</p>")]), tmp_path)
    assert about(report, "INDEX.html", {"file-extra"})
    assert any("INDEX.html" in n and "index.html" in n for n in report.notes)


def test_file_that_is_also_a_folder(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[("VERIFY.txt/x", b"x")]), tmp_path)
    assert about(report, "VERIFY.txt", {"zip-unsafe"})


def test_directory_entry_with_data(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[(zip_info("exhibits/", mode=0o040755), b"hidden")]), tmp_path)
    assert about(report, "exhibits/", {"zip-unsafe"})


def test_encrypted_entry(plain, tmp_path):
    raw = patch_entry(plain.zip_bytes(), "exhibits/E2/original.jpg", flags_or=0x1)
    report = check(raw, tmp_path)
    [p] = about(report, "exhibits/E2/original.jpg", {"zip-unsafe"})
    assert "encrypted" in p.what


def test_zip_bomb_over_total_limit(plain, tmp_path):
    bomb = zip_info("exhibits/E1/bomb.bin")
    raw = plain.zip_bytes(extra=[(bomb, bytes(20 * 1024 * 1024))])
    assert len(raw) < 200_000
    report = check(raw, tmp_path, max_total_bytes=10 * 1024 * 1024)
    assert [p.code for p in report.problems] == ["zip-unsafe"]
    assert "limit" in report.problems[0].what
    assert report.files == []  # nothing was read


def test_zip_bomb_by_compression_ratio(plain, tmp_path):
    raw = plain.zip_bytes(extra=[(zip_info("exhibits/E1/bomb.bin"), bytes(20 * 1024 * 1024))])
    (tmp_path / "x.zip").write_bytes(raw)
    info = zipfile.ZipFile(tmp_path / "x.zip").getinfo("exhibits/E1/bomb.bin")
    assert info.file_size > 1000 * info.compress_size  # the precondition of the test
    report = check(raw, tmp_path)
    assert codes(report) == {"zip-unsafe"}
    [p] = about(report, "exhibits/E1/bomb.bin", {"zip-unsafe"})
    assert "ratio" in p.what


def test_too_many_files(plain, tmp_path):
    report = check(plain, tmp_path, max_files=10)
    assert [p.code for p in report.problems] == ["zip-unsafe"]


def test_entry_lying_about_its_size(plain, tmp_path):
    name = "exhibits/E2/original.jpg"
    size = len(plain.files[name])
    report = check(patch_entry(plain.zip_bytes(), name, usize=size - 10), tmp_path)
    [p] = about(report, name, {"zip-unsafe"})
    assert "holds more" in p.what
    report = check(patch_entry(plain.zip_bytes(), name, usize=size + 10), tmp_path)
    assert about(report, name, {"zip-corrupt"})


def test_not_a_zip(tmp_path):
    for content in (b"", b"not a zip at all\n", b"\x89PNG\r\n\x1a\n" + bytes(100)):
        (tmp_path / "x.zip").write_bytes(content)
        with pytest.raises(IntegrityError) as info:
            verify_pack(tmp_path / "x.zip")
        assert info.value.exit_code == 8
        assert "not a ZIP" in str(info.value) and "\n" not in str(info.value)


def test_missing_path_and_folder_are_input_errors(tmp_path):
    with pytest.raises(InputError):
        verify_pack(tmp_path / "nothing.zip")
    with pytest.raises(InputError):
        verify_pack(tmp_path)


def test_empty_zip(tmp_path):
    report = check(write_zip(None, []), tmp_path)
    assert not report.ok
    assert codes(report) == {"pack-empty"}


def test_random_zip_is_not_a_pack(tmp_path):
    report = check(write_zip(None, [("hello.txt", b"hi")]), tmp_path)
    assert not report.ok
    assert about(report, "SHA256SUMS", {"file-missing"}) and about(report, "manifest.json", {"file-missing"})


# ---------------------------------------------------------------------------------------- design rules


def _imports(path: Path, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


def test_verifier_imports_only_allowed_modules():
    allowed = {"evidence.digest", "evidence.canonical", "evidence.errors"}
    for path in sorted((REPO / "evidence" / "verify" / "pack").glob("*.py")):
        for name in _imports(path, "evidence.verify.pack"):
            if name == "evidence" or name.startswith("evidence."):
                assert name in allowed or name.startswith("evidence.verify."), (path.name, name)
            assert name.split(".")[0] != "click", name
        tree_ = ast.parse(path.read_text())
        assert not any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print" for n in ast.walk(tree_))
        assert "extractall" not in path.read_text()


def test_verification_modules_and_functions_are_small():
    """issue 8: no module over ~500 lines, no function over ~80, in evidence/verify/."""
    for path in sorted((REPO / "evidence" / "verify").rglob("*.py")):
        src = path.read_text()
        assert src.count("\n") <= 500, path
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, (path.name, node.name)


def test_as_of_must_be_the_newest_entry(plain, tmp_path):
    pack = plain.copy()
    m = pack.manifest
    m["as_of"] = "2027-01-01T00:00:00Z"
    pack.manifest = m
    pack.seal()
    report = check(pack, tmp_path)
    assert codes(report) == {"manifest-mismatch"}
    assert about(report, "manifest.json", {"manifest-mismatch"})


def raw_zip(entries: list[dict]) -> bytes:
    """A ZIP written byte by byte, so entries can lie: each {name, payload, method, crc, usize, csize}."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e["name"].encode()
        csize = e.get("csize", len(e["payload"]))
        offset = e.get("offset", len(out))
        if "offset" not in e:
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, e["method"], 0, 0x21, e["crc"], csize, e["usize"],
                               len(name), 0) + name + e["payload"]
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0, e["method"], 0, 0x21, e["crc"], csize,
                               e["usize"], len(name), 0, 0, 0, 0, 0o100644 << 16, offset) + name
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def test_raw_zip_helper_round_trips(tmp_path):
    data = b"hello " * 100
    raw = raw_zip([{"name": "a.txt", "payload": _deflate(data), "method": 8, "crc": zlib.crc32(data),
                    "usize": len(data)}])
    assert zipfile.ZipFile(io.BytesIO(raw)).read("a.txt") == data
    report = check(raw, tmp_path)
    assert report.files == ["a.txt"] and "zip-unsafe" not in codes(report) and "zip-corrupt" not in codes(report)


def test_hidden_bytes_after_the_compressed_stream(tmp_path):
    data = b"the post as captured\n" * 20
    raw = raw_zip([{"name": "a.txt", "payload": _deflate(data) + b"HIDDEN", "method": 8, "crc": zlib.crc32(data),
                    "usize": len(data)}])
    report = check(raw, tmp_path)
    [p] = about(report, "a.txt", {"zip-unsafe"})
    assert "after the end of its compressed stream" in p.what


def test_overlapping_entries(tmp_path):
    data = b"x" * 50
    raw = raw_zip([{"name": "a.txt", "payload": data, "method": 0, "crc": zlib.crc32(data), "usize": len(data)},
                   {"name": "b.txt", "payload": b"", "method": 0, "crc": zlib.crc32(data), "usize": len(data),
                    "offset": 0}])
    report = check(raw, tmp_path)
    assert about(report, "b.txt", {"zip-unsafe"})  # its local header is a.txt's
    data2 = b"y" * 40
    a_len = 30 + 5 + len(data)
    raw = raw_zip([{"name": "a.txt", "payload": data + struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21,
                                                                    zlib.crc32(data2), 40, 40, 5, 0) + b"b.txt" + data2,
                    "method": 0, "crc": zlib.crc32(data), "usize": len(data), "csize": len(data)},
                   {"name": "b.txt", "payload": b"", "method": 0, "crc": zlib.crc32(data2), "usize": 40, "csize": 40,
                    "offset": a_len}])
    # a.txt's data (50 bytes) ends where b.txt begins: no overlap, both read
    report = check(raw, tmp_path)
    assert "zip-unsafe" not in codes(report), report.problems
    raw = raw_zip([{"name": "a.txt", "payload": data + struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21,
                                                                    zlib.crc32(data2), 40, 40, 5, 0) + b"b.txt" + data2,
                    "method": 0, "crc": zlib.crc32(data + b"PK"), "usize": len(data) + 10, "csize": len(data) + 10},
                   {"name": "b.txt", "payload": b"", "method": 0, "crc": zlib.crc32(data2), "usize": 40, "csize": 40,
                    "offset": a_len}])
    report = check(raw, tmp_path)  # a.txt now claims 10 bytes of b.txt's header
    assert about(report, "a.txt", {"zip-unsafe"}) and about(report, "b.txt", {"zip-unsafe"})


# ---------------------------------------------------------------------------------------- hostile JSON never crashes it


def _json_nodes(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_nodes(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_nodes(v, path + (i,))


def _replace(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    cur = value
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = new
    return value


def test_wrongly_typed_json_anywhere_is_reported_not_a_crash(tmp_path):
    """Any value of any JSON file replaced by a value of another type (records and entries re-signed by
    the real key, the pack re-sealed): verify_pack reports problems and never raises."""
    import random

    base = build_pack(redaction=True)
    rng = random.Random(20261124)
    weird = [None, 7, "x", [], {}, [["x"]], {"k": {"a": 1}}, True]
    cases = [(target, path) for target in sorted(p for p in base.files if p.endswith(".json"))
             for path in _json_nodes(json.loads(base.files[target]))]
    for target, path in rng.sample(cases, 250):
        pack = base.copy()
        value = rng.choice(weird)
        mutated = _replace(json.loads(pack.files[target]), path, value)
        if target.startswith(("records/", "custody/0")):
            data = canonical_json(mutated)
            pack.files[target] = data
            pack.files[target[:-5] + ".sig"] = pack.signer.sign(data)
        else:
            pack.files[target] = json.dumps(mutated).encode()
        if target == "manifest.json":
            pack.seal(manifest_files=False)
        else:
            pack.seal()
        report = check(pack, tmp_path)  # must not raise (free-text fields may change without a problem)
        assert isinstance(report, PackReport)


# ---------------------------------------------------------------------------------------- ZIP strictness (issue 9)
# A pack the tool builds has no comment, nothing before or after the archive or between entries, only
# regular files of mode 0644, every entry time 1980-01-01 00:00:00, and no directory entries.


def _only(report: PackReport, code: str) -> list:
    return [p for p in report.problems if p.code == code]


def test_built_style_pack_has_none_of_the_strictness_problems(plain, tmp_path):
    report = check(plain, tmp_path)
    assert report.ok, report.problems


def test_archive_comment_is_named(plain, tmp_path):
    buf = io.BytesIO(plain.zip_bytes())
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = b"run me"
    report = check(buf.getvalue(), tmp_path)
    assert codes(report) == {"zip-comment"}
    assert "run me" in _only(report, "zip-comment")[0].what


def test_bytes_before_the_archive_are_named(plain, tmp_path):
    report = check(b"MZ" + b"\0" * 126 + plain.zip_bytes(), tmp_path)
    assert codes(report) == {"zip-prefix"}
    assert _only(report, "zip-prefix")[0].what.startswith("128 bytes")


def test_bytes_after_the_archive_are_named(plain, tmp_path):
    report = check(plain.zip_bytes() + b"appended secret", tmp_path)
    assert "zip-trailing" in codes(report)
    assert _only(report, "zip-trailing")[0].what.startswith("15 bytes")


@pytest.mark.parametrize("mode", [0o100755, 0o104644, 0o100644 | 0o1000])
def test_executable_or_setid_mode_is_named(plain, tmp_path, mode):
    entries = [(zip_info(n, mode=mode) if n == "VERIFY.txt" else n, d) for n, d in plain.entries()]
    report = check(write_zip(None, entries), tmp_path)
    assert codes(report) == {"zip-mode"} and about(report, "VERIFY.txt", {"zip-mode"})


def test_entry_without_unix_mode_is_named(plain, tmp_path):
    zi = zip_info("VERIFY.txt")
    zi.external_attr = 0
    entries = [(zi if n == "VERIFY.txt" else n, d) for n, d in plain.entries()]
    report = check(write_zip(None, entries), tmp_path)
    assert codes(report) == {"zip-mode"} and about(report, "VERIFY.txt", {"zip-mode"})


def test_unexpected_entry_time_is_named(plain, tmp_path):
    zi = zip_info("index.html")
    zi.date_time = (2026, 12, 5, 11, 0, 0)
    entries = [(zi if n == "index.html" else n, d) for n, d in plain.entries()]
    report = check(write_zip(None, entries), tmp_path)
    assert codes(report) == {"zip-time"}
    assert "2026-12-05 11:00:00" in about(report, "index.html", {"zip-time"})[0].what


def test_empty_directory_entry_is_named(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[(zip_info("exhibits/", mode=0o040755), b"")]), tmp_path)
    assert codes(report) == {"zip-directory"} and about(report, "exhibits/", {"zip-directory"})


def test_hidden_bytes_between_entries_are_named(tmp_path):
    data = b"x" * 50
    raw = raw_zip([{"name": "a.txt", "payload": data + b"HIDDEN", "method": 0, "crc": zlib.crc32(data),
                    "usize": len(data), "csize": len(data)}])
    report = check(raw, tmp_path)
    [p] = about(report, "a.txt", {"zip-gap"})
    assert p.what.startswith("is followed by 6 bytes")


def test_duplicate_names_are_still_named(plain, tmp_path):
    report = check(plain.zip_bytes(extra=[("VERIFY.txt", b"Signer key fingerprint: none\n")]), tmp_path)
    assert about(report, "VERIFY.txt", {"zip-unsafe"})
