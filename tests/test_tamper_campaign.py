"""Tamper campaign on a whole store: every column of every table changed, rows deleted and inserted, files
changed, the log cut short, an older copy of the database put back, a key no one approved writing.

An attacker with write access to the store's folder can do all of this; ``evidence verify`` must report each
one, naming what is wrong. The store is built once through the API (two cases, one closed; a case updated;
supplied files; a redacted copy; allegations made and withdrawn; a setting; a supervisor approving a key) and
copied for each tampering. The count of kinds is in the README's reliability section.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import make_jpeg, make_png

PASS = b"campaign passphrase"
CASE, CLOSED = "SMP-2026-100", "SMP-2026-101"


def _key(tmp: Path, name: str, role: str):
    from evidence.keys import create_key

    return create_key(name, f"{name.split()[0].lower()}@uni.example", role, PASS,
                      key_file=tmp / f"{name.split()[0].lower()}.key.pem", make_default=False)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store with one of everything, its witness, and a copy of its database from earlier."""
    import os

    import evidence

    tmp = tmp_path_factory.mktemp("campaign")
    old = {k: os.environ.get(k) for k in ("EVIDENCE_STATE_DIR", "EVIDENCE_CONFIG_DIR")}
    os.environ["EVIDENCE_STATE_DIR"] = str(tmp / "state")
    os.environ["EVIDENCE_CONFIG_DIR"] = str(tmp / "config")
    try:
        creator, sup, other = _key(tmp, "A Investigator", "investigator"), _key(tmp, "S Supervisor", "supervisor"), \
            _key(tmp, "B Examiner", "examiner")
        ev = evidence.Evidence.init(tmp / "store")
        ev = evidence.Evidence(ev.store, signer=creator)
        ev.register_key()
        ev.open_case(CASE, title="Posts about a colleague", subject="J. Doe", complainant="K. Smith")
        ev.update_case(CASE, title="Posts about a member of staff")
        a, b = ev.import_files([make_png(tmp / "a.png", size=(300, 200)), make_jpeg(tmp / "b.jpg")], case=CASE,
                               received_from="complainant", received_at="2026-11-20T09:14Z")
        with sqlite3.connect(tmp / "store" / "evidence.db") as src, sqlite3.connect(tmp / "older.db") as dst:
            src.backup(dst)  # the database as it was then (a file copy could miss what is still in the WAL)
        ev.redact(a.id, regions=["10,10,50,20"], reason="third-party name")
        kept = ev.allege(case=CASE, clause="6.1", evidence=[a.id], summary="threatens a colleague")
        gone = ev.allege(case=CASE, clause="6.4", evidence=[b.id], summary="impersonation")
        ev.withdraw_allegation(gone["id"], reason="complainant withdrew")
        ev.set_setting("tsa.timeout", "12")
        ev.export(b.id, tmp / "exported")
        ev.open_case(CLOSED, title="Another matter", subject="X", complainant="Y")
        ev.close_case(CLOSED, reason="no case to answer")
        s_ev = evidence.Evidence(ev.store, signer=sup)
        s_ev.register_key()
        ev.approve_key(sup.fingerprint)
        s_ev.open_case("SMP-2026-102", title="Opened by the supervisor")
        evidence.Evidence(ev.store, signer=other).register_key()  # registered, never approved
        assert ev.verify(log=False).ok, ev.verify(log=False).problems
        ev.close()
        yield {"dir": tmp, "items": (a.id, b.id), "allegations": (kept["id"], gone["id"]), "other": other,
               "creator": creator, "sup": sup}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def copy(template, tmp_path, monkeypatch):
    """A fresh copy of the template store (and its witness) for one tampering."""
    shutil.copytree(template["dir"] / "store", tmp_path / "store")
    shutil.copytree(template["dir"] / "state", tmp_path / "state")
    monkeypatch.setenv("EVIDENCE_STATE_DIR", str(tmp_path / "state"))
    for p in (tmp_path / "store").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dict(template, store=tmp_path / "store")


def db(store: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(store / "evidence.db", isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def verify(store: Path):
    import evidence

    with evidence.Evidence.open(store) as ev:
        return ev.verify(log=False)


def _changed(value, column: str = ""):
    if column == "status":
        return "open" if value != "open" else "closed"
    if column in ("seq", "level", "idx"):
        return value + 1000  # renumbered (a number no other row has)
    if value is None:
        return "x"
    if isinstance(value, bytes):
        b = bytearray(value)
        b[len(b) // 2] ^= 0x01
        return bytes(b)
    if isinstance(value, int):
        return value + 1
    if value.startswith("sha256:") and len(value) == 71:
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    return value + "x"


# table -> (WHERE choosing the row to change, columns)
ROWS = {
    "meta": ("key = 'created_utc'", ("value",)),
    "keys": ("role = 'supervisor'", ("fingerprint", "name", "email", "role", "public_pem", "registered_utc",
                                     "trusted", "trusted_by", "trusted_utc")),
    "cases": ("ref = 'SMP-2026-101'", ("ref", "title", "subject", "complainant", "status", "opened_utc", "opened_by",
                                       "updated_utc", "closed_utc", "closed_by", "close_reason")),
    "items": ("kind = 'redaction'", ("id", "case_ref", "kind", "record", "record_hash", "signature", "signer",
                                     "created_utc", "derived_from")),
    "artifacts": ("role = 'redacted'", ("item_id", "role", "sha256", "size", "media_type")),
    "custody": ("seq = 5", ("seq", "entry", "entry_hash", "signature", "actor", "action", "case_ref", "item_id",
                            "time_utc")),
    "allegations": ("status = 'withdrawn'", ("id", "case_ref", "clause", "status", "created_utc", "policy_sha256")),
    "allegation_events": ("event = 'withdrawn'", ("id", "allegation_id", "event", "record", "record_hash",
                                                  "signature", "signer", "created_utc")),
    "settings": ("key = 'tsa.timeout'", ("key", "value")),
    "checkpoints": ("size = (SELECT max(size) FROM checkpoints)", ("size", "note", "root", "created_utc", "signer")),
    "merkle_nodes": ("level = 1 AND idx = 1", ("level", "idx", "hash")),
}
COLUMN_KINDS = [(t, c) for t, (_, cols) in ROWS.items() for c in cols]


@pytest.mark.parametrize("table,column", COLUMN_KINDS, ids=[f"{t}.{c}" for t, c in COLUMN_KINDS])
def test_every_column_changed_is_caught(copy, table, column):
    conn = db(copy["store"])
    where = ROWS[table][0]
    (value,) = conn.execute(f"SELECT {column} FROM {table} WHERE {where}").fetchone()
    conn.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (_changed(value, column),))
    report = verify(copy["store"])
    assert not report.ok, f"{table}.{column} changed and verify said OK"
    assert all(p.code and p.where and p.what for p in report.problems)


DELETES = {
    "a key": "DELETE FROM keys WHERE role = 'supervisor'",
    "an unapproved key": "DELETE FROM keys WHERE trusted = 0",
    "a case": "DELETE FROM cases WHERE ref = 'SMP-2026-101'",
    "an item": "DELETE FROM items WHERE kind = 'redaction'",
    "an artifact row": "DELETE FROM artifacts WHERE role = 'redacted'",
    "a custody entry in the middle": "DELETE FROM custody WHERE seq = 5",
    "an allegation": "DELETE FROM allegations WHERE status = 'open'",
    "a withdrawal record": "DELETE FROM allegation_events WHERE event = 'withdrawn'",
    "a setting": "DELETE FROM settings",
    "the latest checkpoint": "DELETE FROM checkpoints WHERE size = (SELECT max(size) FROM checkpoints)",
    "every checkpoint": "DELETE FROM checkpoints",
    "a Merkle node": "DELETE FROM merkle_nodes WHERE level = 2",
    "the last entries, their checkpoints and nodes": None,  # see below
}


@pytest.mark.parametrize("what", list(DELETES))
def test_rows_deleted_are_caught(copy, what):
    conn = db(copy["store"])
    if DELETES[what]:
        conn.execute(DELETES[what])
    else:
        (n,) = conn.execute("SELECT max(seq) FROM custody").fetchone()
        conn.execute("DELETE FROM custody WHERE seq > ?", (n - 3,))
        conn.execute("DELETE FROM checkpoints WHERE size > ?", (n - 3,))
        conn.execute("DELETE FROM merkle_nodes")
    report = verify(copy["store"])
    assert not report.ok, f"{what} deleted and verify said OK"


INSERTS = {
    "a case no entry opened": "INSERT INTO cases (ref, title, status, opened_utc, opened_by) "
                              "VALUES ('FAKE-1', 'Fake', 'open', '2026-11-01T00:00:00Z', 'sha256:00')",
    "a setting no entry set": "INSERT INTO settings (key, value) VALUES ('tsa.url', 'http://127.0.0.1:1/')",
    "a Merkle node": "INSERT INTO merkle_nodes (level, idx, hash) VALUES (9, 0, zeroblob(32))",
    "an allegation": "INSERT INTO allegations (id, case_ref, clause, status, created_utc, policy_sha256) "
                     "VALUES ('01FAKE', 'SMP-2026-100', '6.1', 'open', '2026-11-01T00:00:00Z', 'sha256:00')",
    "an artifact row": "INSERT INTO artifacts (item_id, role, sha256, size, media_type) SELECT item_id, 'extra', "
                       "sha256, size, media_type FROM artifacts LIMIT 1",
}


@pytest.mark.parametrize("what", list(INSERTS))
def test_rows_inserted_are_caught(copy, what):
    db(copy["store"]).execute(INSERTS[what])
    assert not verify(copy["store"]).ok, f"{what} inserted and verify said OK"


def test_allegation_brought_back_from_withdrawal_is_caught(copy):
    """The attack of issue 9: delete the withdrawal record and set the allegation open again."""
    conn = db(copy["store"])
    gone = copy["allegations"][1]
    conn.execute("DELETE FROM allegation_events WHERE allegation_id = ? AND event = 'withdrawn'", (gone,))
    conn.execute("UPDATE allegations SET status = 'open' WHERE id = ?", (gone,))
    found = {(p.where, p.code) for p in verify(copy["store"]).problems}
    assert (f"allegation {gone}", "allegation-record") in found
    assert (f"allegations row {gone}", "replay-mismatch") in found


def test_parties_changed_are_named_with_the_entry_that_says_otherwise(copy):
    conn = db(copy["store"])
    conn.execute("UPDATE cases SET title = 'Something else', subject = 'Someone else' WHERE ref = ?", (CASE,))
    problems = [str(p) for p in verify(copy["store"]).problems]
    assert any(p.startswith(f"cases row {CASE}: column title is 'Something else' but custody entry ") and
               "says 'Posts about a member of staff'" in p for p in problems), problems
    assert any(p.startswith(f"cases row {CASE}: column subject is 'Someone else'") for p in problems), problems


def test_older_copy_of_the_database_is_caught_by_the_witness(copy):
    """Copying an older evidence.db over the store: its own log is intact, only the witness remembers more."""
    (copy["store"] / "evidence.db").unlink()
    for extra in ("evidence.db-wal", "evidence.db-shm"):
        (copy["store"] / extra).unlink(missing_ok=True)
    shutil.copy(copy["dir"] / "older.db", copy["store"] / "evidence.db")
    report = verify(copy["store"])
    codes = {p.code for p in report.problems}
    assert "log-rolled-back" in codes, report.problems


def test_a_key_no_one_approved_writing_is_caught(copy):
    """A key that registered itself (allowed) writes behind the tool's checks: every such entry is named."""
    import evidence
    from evidence.log import entries

    with evidence.Evidence.open(copy["store"]) as ev:
        with ev.store.write() as tx:
            tx.append_custody(entries.builder(ev.store.store_id, copy["other"], "verify.run",
                                              subject={"type": "store", "id": ev.store.store_id}, details={}))
        report = ev.verify(log=False)
    assert any(p.code == "key-untrusted" and copy["other"].fingerprint in p.what for p in report.problems), \
        report.problems


def test_an_unapproved_key_is_refused_before_it_writes(copy):
    import evidence
    from evidence.errors import KeyNotTrusted

    with evidence.Evidence(evidence.Evidence.open(copy["store"]).store, signer=copy["other"]) as ev:
        with pytest.raises(KeyNotTrusted, match="evidence key approve"):
            ev.open_case("SMP-2026-200", title="t")


def test_only_trusted_supervisors_approve(copy, tmp_path):
    """An investigator who did not create the store may not approve keys."""
    import evidence
    from evidence.errors import KeyNotTrusted

    inv = _key(tmp_path, "I Investigator", "investigator")
    with evidence.Evidence.open(copy["store"]) as ev:
        evidence.Evidence(ev.store, signer=inv).register_key()
        evidence.Evidence(ev.store, signer=copy["sup"]).approve_key(inv.fingerprint)
        with pytest.raises(KeyNotTrusted, match="may not approve"):
            evidence.Evidence(ev.store, signer=inv).approve_key(copy["other"].fingerprint)
        assert ev.verify(log=False).ok


def test_reader_trust_list(copy, tmp_path):
    """`--trust FILE`: entries by keys the reader does not trust are named; a list of all of them passes."""
    import evidence

    listed = tmp_path / "trusted.txt"
    listed.write_text(f"# the panel secretary's list\n{copy['creator'].fingerprint}\n")
    with evidence.Evidence.open(copy["store"]) as ev:
        report = ev.verify(log=False, trust=listed)
        named = {p.where for p in report.problems if p.code == "key-not-trusted-by-reader"}
        assert named == {f"key {copy['sup'].fingerprint}", f"key {copy['other'].fingerprint}"}
        listed.write_text("\n".join(k.fingerprint for k in (copy["creator"], copy["sup"], copy["other"])) + "\n")
        assert ev.verify(log=False, trust=listed).ok


def test_every_kind_counted():
    """The campaign's size, as the README reports it."""
    kinds = len(COLUMN_KINDS) + len(DELETES) + len(INSERTS) + 5
    assert kinds >= 70
