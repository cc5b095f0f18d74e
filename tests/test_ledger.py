"""The Merkle custody log, signed checkpoints, consistency with an exported checkpoint, and RFC 3161 timestamps
from a real OpenSSL TSA on loopback (cross-checked with `openssl ts -verify`)."""

from __future__ import annotations

import base64
import json
import sqlite3
import shutil
import subprocess
import zipfile

import pytest

from conftest import CASE, make_png
from evidence.log import merkle
from evidence.verify.merkle import root_from_leaves
from evidence.verify.note import verify_note
from evidence.verify.store import verify_store
from tsa_server import LoopbackTSA


def imp(run, path, at="2026-11-20T09:14Z"):
    r = run("import", path, "--case", CASE, "--received-from", "complainant", "--received-at", at)
    assert r.code == 0, r
    return r.out.split()[0]


def raw(ev) -> sqlite3.Connection:
    conn = sqlite3.connect(ev.store.path / "evidence.db", isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def note_keys(ev):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return {"evidence-" + k["fingerprint"][7:23]: load_pem_public_key(k["public_pem"].encode()) for k in ev.keys()}


def test_checkpoint_after_each_command_matches_the_log(ready, run, ev, tmp_path):
    imp(run, make_png(tmp_path / "a.png"))
    imp(run, make_png(tmp_path / "b.png", color="blue"))
    cps = ev.store.checkpoints()
    n = ev.store.custody_size()
    assert cps and cps[-1]["size"] == n
    assert len({c["size"] for c in cps}) == len(cps) >= 4  # one per command that appended
    entries = [e.entry_bytes for e in ev.custody()]
    for c in cps:
        cp = verify_note(bytes(c["note"]), note_keys(ev))
        assert cp["origin"] == f"evidence.store/{ev.store.store_id}"
        assert cp["root"] == root_from_leaves([merkle.leaf_hash(e) for e in entries[: cp["size"]]])
        assert cp["extensions"][0].startswith("time 20")
    r = run("checkpoint", "show")
    assert r.out.startswith(f"evidence.store/{ev.store.store_id}\n{n}\n")


def test_export_and_verify_since(ready, run, ev, tmp_path):
    imp(run, make_png(tmp_path / "a.png"))
    cp_file = tmp_path / "cp.txt"
    r = run("checkpoint", "export", "--out", cp_file)
    assert r.code == 0, r
    exported = verify_note(cp_file.read_bytes(), note_keys(ev))
    assert exported["size"] == ev.store.custody_size()  # it covers its own export entry
    imp(run, make_png(tmp_path / "b.png", color="green"))
    r = run("verify", "--since", cp_file, "--no-log")
    assert r.code == 0 and "extends the checkpoint" in r.out
    assert f"consistency proof {exported['size']} -> {ev.store.custody_size()}" in r.out and "verifies" in r.out
    r = run("checkpoint", "export", "--out", cp_file)
    assert r.code == 6 and "already exists" in r.err


def test_truncated_log_is_caught_by_an_exported_checkpoint(ready, run, ev, tmp_path):
    imp(run, make_png(tmp_path / "a.png"))
    cp_file = tmp_path / "cp.txt"
    run("checkpoint", "export", "--out", cp_file)
    size = verify_note(cp_file.read_bytes(), note_keys(ev))["size"]
    item = imp(run, make_png(tmp_path / "b.png", color="green"))
    # an insider removes the last entries, their checkpoints and the item they recorded
    conn = raw(ev)
    conn.execute("DELETE FROM custody WHERE seq > ?", (size - 1,))
    conn.execute("DELETE FROM merkle_nodes WHERE (idx + 1) * (1 << level) > ?", (size - 1,))
    conn.execute("DELETE FROM checkpoints WHERE size > ?", (size - 1,))
    conn.execute("DELETE FROM artifacts WHERE item_id = ?", (item,))
    conn.execute("DELETE FROM items WHERE id = ?", (item,))
    assert verify_store(ev.store).ok  # the store alone looks consistent...
    r = run("verify", "--since", cp_file, "--no-log", "--json")
    assert r.code == 8  # ...but not with the checkpoint sent elsewhere
    probs = json.loads(r.out)["problems"]
    assert any(p["code"] == "log-truncated" and f"covers {size} entries" in p["what"] for p in probs), probs


def test_rewritten_entry_and_forged_checkpoint(ready, run, ev, tmp_path):
    imp(run, make_png(tmp_path / "a.png"))
    conn = raw(ev)
    # rewrite entry 2 consistently (new bytes, hash and a fresh signature by the same key): only the Merkle log shows it
    row = conn.execute("SELECT entry FROM custody WHERE seq = 2").fetchone()
    entry = json.loads(bytes(row[0]))
    entry["details"]["title"] = "A different title"
    from evidence.canonical import canonical_json
    from evidence.digest import sha256_tag

    data = canonical_json(entry)
    sig = ev.signer.sign(data)
    conn.execute("UPDATE custody SET entry = ?, entry_hash = ?, signature = ? WHERE seq = 2", (data, sha256_tag(data), sig))
    report = verify_store(ev.store)
    codes = {p.code for p in report.problems}
    assert "log-rewritten" in codes
    # a forged checkpoint
    cp = conn.execute("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
    forged = bytes(cp[1]).replace(b"\n" + str(cp[0]).encode() + b"\n", b"\n" + str(cp[0] + 5).encode() + b"\n", 1)
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = ?", (forged, cp[0]))
    probs = [str(p) for p in verify_store(ev.store).problems]
    assert any(p.startswith(f"checkpoint of size {cp[0]}: does not verify") for p in probs), probs


def test_checkpoint_by_an_unknown_key(ready, run, ev, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from evidence.log.checkpoint import format_checkpoint, sign_note

    imp(run, make_png(tmp_path / "a.png"))
    size = ev.store.custody_size()
    nodes = type("N", (), {"node": lambda self, lvl, idx: ev.store.merkle_node(lvl, idx)})()
    body = format_checkpoint(f"evidence.store/{ev.store.store_id}", size, merkle.root(size, nodes), ["time x"])
    note = sign_note(body, "evidence-0000000000000000", Ed25519PrivateKey.generate())
    conn = raw(ev)
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = ?", (note, size))
    probs = [str(p) for p in verify_store(ev.store).problems]
    assert any(f"checkpoint of size {size}: does not verify" in p and "unknown key" in p for p in probs), probs


def test_pack_inclusion_proofs_match_the_checkpoint(ready, run, ev, tmp_path):
    from evidence.verify.merkle import leaf_hash, verify_inclusion

    imp(run, make_png(tmp_path / "a.png"))
    out = tmp_path / "p.zip"
    assert run("bundle", "--case", CASE, "--out", out, "--no-pdf").code == 0
    import zipfile

    z = zipfile.ZipFile(out)
    proofs = json.loads(z.read("custody/proofs.json"))
    from evidence.schemas import schema_errors

    assert schema_errors(proofs, "pack-proofs") == []
    cp = verify_note(z.read("custody/checkpoint.txt"), note_keys(ev))
    assert cp["size"] == proofs["checkpoint_size"] and base64.b64encode(cp["root"]).decode() == proofs["root"]
    for p in proofs["proofs"]:
        entry = z.read(f"custody/{p['seq']:08d}.json")
        verify_inclusion(leaf_hash(entry), p["index"], cp["size"], [base64.b64decode(x) for x in p["path"]], cp["root"])
    assert len(proofs["proofs"]) == len([n for n in z.namelist() if n.startswith("custody/0") and n.endswith(".json")])


# ---------------------------------------------------------------- RFC 3161 with a real TSA on loopback
@pytest.fixture
def tsa(tmp_path):
    with LoopbackTSA(tmp_path) as t:
        yield t


def configure(run, tsa):
    assert run("config", "set", "tsa.url", tsa.url).code == 0
    r = run("config", "set", "tsa.root", tsa.root_pem_path)
    assert r.code == 0 and "1 certificate" in r.out


def openssl_ts_verify(data: bytes, token: bytes, root, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "d.bin").write_bytes(data)
    (tmp_path / "t.tsr").write_bytes(token)
    return subprocess.run(["openssl", "ts", "-verify", "-data", tmp_path / "d.bin", "-in", tmp_path / "t.tsr",
                           "-CAfile", root], capture_output=True, text=True)


def test_records_and_checkpoints_are_timestamped(ready, run, ev, tsa, tmp_path):
    configure(run, tsa)
    item = imp(run, make_png(tmp_path / "a.png"))
    rows = ev.store.timestamps(subject=f"item:{item}")
    assert rows and rows[0]["status"] == "granted" and rows[0]["serial"].isdigit()
    r = openssl_ts_verify(ev.item(item).record_bytes, bytes(rows[0]["response"]), tsa.root_pem_path, tmp_path)
    assert r.returncode == 0 and "Verification: OK" in r.stdout, r.stderr
    cps = [t for t in ev.store.timestamps(status="granted") if t["subject"].startswith("checkpoint:")]
    assert cps
    size = int(cps[-1]["subject"].split(":")[1])
    note = next(bytes(c["note"]) for c in ev.store.checkpoints() if c["size"] == size)
    r = openssl_ts_verify(note, bytes(cps[-1]["response"]), tsa.root_pem_path, tmp_path)
    assert r.returncode == 0 and "Verification: OK" in r.stdout
    r = run("show", item)
    assert "Timestamp  20" in r.out and tsa.url in r.out
    assert run("verify", "--no-log").code == 0


def test_tsa_down_keeps_the_evidence_and_retries(ready, run, ev, tsa, tmp_path):
    configure(run, tsa)
    tsa.mode = "http500"
    r = run("import", make_png(tmp_path / "a.png"), "--case", CASE, "--received-from", "c",
            "--received-at", "2026-11-20T09:14Z")
    assert r.code == 0 and "pending" in r.err  # stored, and the user is told
    item = r.out.split()[0]
    assert ev.store.timestamps(subject=f"item:{item}")[0]["status"] == "pending"
    rep = json.loads(run("verify", "--no-log", "--json").out)
    assert rep["ok"] and any("pending" in n for n in rep["notes"])
    r = run("timestamp", "--pending")
    assert r.code == 9 and "still pending" in r.err
    tsa.mode = "ok"
    r = run("timestamp", "--pending")
    assert r.code == 0 and "0 still pending" in r.out
    assert ev.store.timestamps(subject=f"item:{item}")[0]["status"] == "granted"


@pytest.mark.parametrize("mode", ["wrong_imprint", "wrong_nonce", "untrusted"])
def test_bad_tsa_answers_are_refused_and_logged(ready, run, ev, tsa, tmp_path, mode):
    configure(run, tsa)
    tsa.mode = mode
    item = imp(run, make_png(tmp_path / "a.png"))
    row = ev.store.timestamps(subject=f"item:{item}")[0]
    assert row["status"] == "pending" and row["response"] is None
    failed = [e for e in json.loads(run("custody", "--json").out) if e["action"] == "timestamp.failed"]
    assert failed and failed[0]["subject"]["id"] == f"item:{item}"
    assert run("verify", "--no-log").code == 0


def test_pack_carries_timestamps_that_openssl_verifies(ready, run, ev, tsa, tmp_path):
    configure(run, tsa)
    imp(run, make_png(tmp_path / "a.png"))
    out = tmp_path / "p.zip"
    assert run("bundle", "--case", CASE, "--out", out, "--no-pdf").code == 0
    d = tmp_path / "u"
    subprocess.run(["unzip", "-q", out, "-d", d], check=True)
    for data, tok in (("SHA256SUMS", "SHA256SUMS.tsr"), ("records/E1.json", "timestamps/E1.tsr"),
                      ("custody/checkpoint.txt", "custody/checkpoint.tsr")):
        assert (d / tok).exists(), tok
        r = subprocess.run(["openssl", "ts", "-verify", "-data", d / data, "-in", d / tok, "-CAfile",
                            d / "timestamps/tsa-root.pem"], capture_output=True, text=True)
        assert r.returncode == 0 and "Verification: OK" in r.stdout, (tok, r.stderr)
    # VERIFY.txt's own commands, run as written, check every token (and fail on a token that does not fit)
    from packcase import run_verify_steps, verify_steps

    text = (d / "VERIFY.txt").read_text()
    results = run_verify_steps(text, tmp_path)
    assert all(r.returncode == 0 for rs in results.values() for r in rs), \
        [(n, r.stdout[-500:], r.stderr[-500:]) for n, rs in results.items() for r in rs if r.returncode]
    ts_step = [rs[0].stdout for rs in results.values() if "Time stamp:" in rs[0].stdout]
    assert ts_step and all(f"OK      {t}" in ts_step[0] for t in ("SHA256SUMS.tsr", "custody/checkpoint.tsr",
                                                                "timestamps/E1.tsr")), ts_step
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(out, bad / out.name)
    subprocess.run(["unzip", "-q", bad / out.name, "-d", bad / "u"], check=True)
    (bad / "u" / "timestamps" / "E1.tsr").write_bytes((d / "SHA256SUMS.tsr").read_bytes())  # a token of other data
    step = max(results)
    cmd = [c for n, cs in verify_steps(text) if n == step for c in cs][0]
    r = subprocess.run(["bash", "-c", cmd], cwd=bad / "u", capture_output=True, text=True)
    assert r.returncode != 0 and "FAILED  timestamps/E1.tsr" in r.stdout, r
    from evidence.verify.pack import verify_pack

    rep = verify_pack(out)
    assert rep.ok, [str(p) for p in rep.problems]
    # a later pack lists the first one's disclosure, so its SHA256SUMS (and token) are new; the records' tokens
    # are the ones stored at capture, reused, not requested again
    before = tsa.requests
    (tmp_path / "again").mkdir()
    out2 = tmp_path / "again" / out.name
    assert run("bundle", "--case", CASE, "--out", out2, "--no-pdf", "--for", "respondent").code == 0
    assert out2.read_bytes() != out.read_bytes()
    with zipfile.ZipFile(out) as z1, zipfile.ZipFile(out2) as z2:
        assert z1.read("timestamps/E1.tsr") == z2.read("timestamps/E1.tsr")
        assert z1.read("SHA256SUMS.tsr") != z2.read("SHA256SUMS.tsr")
    assert 1 <= tsa.requests - before <= 2  # the new SHA256SUMS's token, and at most the new checkpoint's


def test_tampered_token_is_caught(ready, run, ev, tsa, tmp_path):
    configure(run, tsa)
    item = imp(run, make_png(tmp_path / "a.png"))
    conn = raw(ev)
    tok = bytearray(bytes(conn.execute("SELECT response FROM timestamps WHERE subject = ?", (f"item:{item}",)).fetchone()[0]))
    tok[len(tok) // 2] ^= 0xFF
    conn.execute("UPDATE timestamps SET response = ? WHERE subject = ?", (bytes(tok), f"item:{item}"))
    probs = [p for p in verify_store(ev.store).problems if p.code == "timestamp-bad"]
    assert probs and f"item:{item}" in probs[0].where


@pytest.mark.parametrize("key,value,msg", [("tsa.url", "ftp://x", "not http"), ("tsa.root", "/nonexistent.pem", "cannot read"),
                                           ("nope", "x", "unknown setting"), ("tsa.timeout", "0", "between")])
def test_config_bad_input(ready, run, key, value, msg):
    r = run("config", "set", key, value)
    assert r.code == 6 and msg in r.err


def test_timestamp_pending_without_tsa(ready, run):
    r = run("timestamp", "--pending")
    assert r.code == 6 and "no timestamp authority" in r.err
