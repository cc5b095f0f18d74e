"""Tamper campaign: change stored bytes behind the tool's back, at many positions; verify must catch and name each."""

from __future__ import annotations

import json
import os
import random
import sqlite3

import pytest

from conftest import CASE, make_jpeg, make_png
from evidence.verify.store import verify_store

SEED = 20261124


@pytest.fixture
def loaded(ev, tmp_path):
    items = ev.import_files([make_png(tmp_path / "a.png", size=(200, 100)),
                             make_jpeg(tmp_path / "b.jpg", exif={0x0131: "Snip"}),
                             make_png(tmp_path / "c.png", color="blue")],
                            case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")
    assert verify_store(ev.store).ok
    return ev, items


def raw(ev) -> sqlite3.Connection:
    conn = sqlite3.connect(ev.store.path / "evidence.db", isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def problems(ev) -> list[str]:
    return [str(p) for p in verify_store(ev.store).problems]


def codes(ev, where: str) -> set[str]:
    """The problem codes reported about ``where`` (e.g. "item 01J...", "custody entry 3")."""
    return {p.code for p in verify_store(ev.store).problems if p.where == where}


def flip(data: bytes, pos: int, bit: int = 0) -> bytes:
    b = bytearray(data)
    b[pos] ^= 1 << bit
    return bytes(b)


def test_every_artifact_byte_flip_is_caught(loaded):
    ev, items = loaded
    rng = random.Random(SEED)
    for item in items:
        path = item.path("original")
        original = path.read_bytes()
        os.chmod(path, 0o644)
        positions = sorted({0, len(original) - 1, *rng.sample(range(len(original)), 12)})
        for pos in positions:
            path.write_bytes(flip(original, pos, rng.randrange(8)))
            found = problems(ev)
            assert len(found) == 1, (pos, found)
            assert found[0].startswith(f"artifact original of item {item.id}: file content changed"), found
        path.write_bytes(original)
        os.chmod(path, 0o444)
        assert problems(ev) == []


def test_deleted_and_truncated_artifacts(loaded):
    ev, items = loaded
    p0 = items[0].path("original")
    os.chmod(p0, 0o644)
    p0.write_bytes(p0.read_bytes()[:-10])
    p1 = items[1].path("original")
    os.chmod(p1.parent, 0o755)
    p1.unlink()
    found = problems(ev)
    assert any(f.startswith(f"artifact original of item {items[0].id}: file content changed") for f in found)
    assert any(f.startswith(f"artifact original of item {items[1].id}: file ") and "missing" in f for f in found)
    assert len(found) == 2


def test_record_byte_flips_are_caught(loaded):
    ev, items = loaded
    conn = raw(ev)
    rng = random.Random(SEED + 1)
    item = items[1]
    data = item.record_bytes
    for pos in sorted({0, len(data) - 1, *rng.sample(range(len(data)), 15)}):
        conn.execute("UPDATE items SET record = ? WHERE id = ?", (flip(data, pos, rng.randrange(7)), item.id))
        found = codes(ev, f"item {item.id}")
        assert "record-hash" in found, (pos, found)
        assert "record-signature" in found, (pos, found)
    conn.execute("UPDATE items SET record = ? WHERE id = ?", (data, item.id))
    assert problems(ev) == []


def test_record_edited_with_hash_recomputed_is_caught(loaded):
    """An editor who also fixes up the stored hash still breaks the signature and the custody link."""
    from evidence.digest import sha256_tag

    ev, items = loaded
    conn = raw(ev)
    item = items[0]
    forged = item.record_bytes.replace(b'"complainant"', b'"anonymous!!"')
    assert forged != item.record_bytes
    conn.execute("UPDATE items SET record = ?, record_hash = ? WHERE id = ?", (forged, sha256_tag(forged), item.id))
    found = problems(ev)
    assert f"item {item.id}: record signature does not verify with key {item.signer}" in found
    assert any(f.startswith(f"item {item.id}: custody entry") and "different record hash" in f for f in found)


def test_signature_flips_are_caught(loaded):
    ev, items = loaded
    conn = raw(ev)
    item = items[2]
    for pos in (0, 13, 31, 32, 63):
        conn.execute("UPDATE items SET signature = ? WHERE id = ?", (flip(item.signature, pos), item.id))
        assert problems(ev) == [f"item {item.id}: record signature does not verify with key {item.signer}"]
    conn.execute("UPDATE items SET signature = ? WHERE id = ?", (item.signature, item.id))
    assert problems(ev) == []


def test_custody_entry_flips_are_caught(loaded):
    ev, _ = loaded
    conn = raw(ev)
    rng = random.Random(SEED + 2)
    rows = conn.execute("SELECT seq, entry, signature FROM custody ORDER BY seq").fetchall()
    n = len(rows)
    for seq, entry, sig in rows:
        entry = bytes(entry)
        for pos in rng.sample(range(len(entry)), 6):
            conn.execute("UPDATE custody SET entry = ? WHERE seq = ?", (flip(entry, pos, rng.randrange(7)), seq))
            found = codes(ev, f"custody entry {seq}")
            assert {"custody-hash", "custody-signature"} <= found, (seq, pos, found)
            if seq < n:
                assert "custody-chain" in codes(ev, f"custody entry {seq + 1}")
        conn.execute("UPDATE custody SET entry = ? WHERE seq = ?", (entry, seq))
        for pos in (0, 40, 63):
            conn.execute("UPDATE custody SET signature = ? WHERE seq = ?", (flip(bytes(sig), pos), seq))
            found = problems(ev)
            assert found == [f"custody entry {seq}: signature does not verify with key {_actor(conn, seq)}"]
        conn.execute("UPDATE custody SET signature = ? WHERE seq = ?", (sig, seq))
    assert problems(ev) == []


def _actor(conn, seq):
    return conn.execute("SELECT actor FROM custody WHERE seq = ?", (seq,)).fetchone()[0]


def test_custody_row_deleted_with_triggers_dropped(loaded):
    ev, items = loaded
    conn = raw(ev)
    seq = conn.execute("SELECT seq FROM custody WHERE item_id = ?", (items[0].id,)).fetchone()[0]
    conn.execute("DELETE FROM custody WHERE seq = ?", (seq,))
    found = problems(ev)
    assert f"custody entries {seq}: missing: the sequence has a gap (entries deleted?)" in found
    assert f"item {items[0].id}: no custody entry records its intake" in found


def test_item_deleted_from_store_is_named(loaded):
    ev, items = loaded
    conn = raw(ev)
    conn.execute("DELETE FROM artifacts WHERE item_id = ?", (items[1].id,))
    conn.execute("DELETE FROM items WHERE id = ?", (items[1].id,))
    found = problems(ev)
    assert any(f.startswith(f"item {items[1].id}: was logged (custody entry") and "missing from the store" in f
               for f in found), found


def test_artifact_row_and_columns_edited(loaded):
    ev, items = loaded
    conn = raw(ev)
    conn.execute("UPDATE artifacts SET media_type = 'text/plain' WHERE item_id = ?", (items[0].id,))
    conn.execute("UPDATE items SET case_ref = 'OTHER-1' WHERE id = ?", (items[2].id,))
    found = problems(ev)
    assert f"artifact original of item {items[0].id}: artifact table row disagrees with the signed record" in found
    assert f"item {items[2].id}: case or kind column disagrees with the signed record" in found


def test_key_inserted_or_swapped_behind_the_tools_back(loaded, tmp_path):
    from evidence.keys import create_key

    ev, items = loaded
    other = create_key("Mallory", "m@evil.example", "investigator", b"mallory passphrase", key_file=tmp_path / "m.key.pem",
                       make_default=False)
    conn = raw(ev)
    conn.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, 1, NULL, NULL)",
                 (other.fingerprint, "Mallory", "m@evil.example", "investigator", other.identity.public_pem,
                  "2026-11-24T00:00:00Z"))
    found = problems(ev)
    assert f"key {other.fingerprint}: is in the store but no custody entry registers it (added behind the tool's back?)" in found
    # swap the real key's PEM for Mallory's
    real = items[0].signer
    conn.execute("UPDATE keys SET public_pem = ? WHERE fingerprint = ?", (other.identity.public_pem, real))
    found = problems(ev)
    assert any(f.startswith(f"key {real}: fingerprint does not match its public key") for f in found), found


def test_case_reopened_behind_the_tools_back(ev, run):
    assert run("case", "close", CASE, "--reason", "done").code == 0
    conn = raw(ev)
    conn.execute("UPDATE cases SET status = 'open' WHERE ref = ?", (CASE,))
    assert f"case {CASE}: was closed in the custody log but the store shows it open" in problems(ev)


def test_cli_verify_names_problems_and_exits_8(loaded, run):
    ev, items = loaded
    path = items[0].path("original")
    os.chmod(path, 0o644)
    path.write_bytes(b"x" + path.read_bytes()[1:])
    conn = raw(ev)
    conn.execute("UPDATE items SET signature = ? WHERE id = ?", (flip(items[1].signature, 5), items[1].id))
    r = run("verify", "--no-log")
    assert r.code == 8
    assert f"PROBLEM artifact original of item {items[0].id}: file content changed" in r.out
    assert f"PROBLEM item {items[1].id}: record signature does not verify" in r.out
    assert "FAILED: 2 problem(s)." in r.out
    js = json.loads(run("verify", "--json", "--no-log").out)
    assert js["ok"] is False and len(js["problems"]) == 2
    assert {p["code"] for p in js["problems"]} == {"artifact-altered", "record-signature"}
    # scoped verify names only what is in scope
    r = run("verify", items[2].id, "--no-log")
    assert r.code == 0, r
