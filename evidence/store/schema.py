"""The store's tables, indexes and the triggers that keep the log, records and events append-only.

New stores are made in layout 2 (:mod:`.layout`: foreign keys, JSON as text, the ``posts`` view and
full-text index for Datasette); :func:`migrate` brings a store of layout 1 to it when it is opened
writable, in one transaction, and records it in ``meta`` (``layout``, ``layout_migrated_utc``).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from .layout import LAYOUT, apply_layout

APPEND_ONLY = ("custody", "items", "artifacts", "allegation_events", "checkpoints", "merkle_nodes")


def create_schema(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["keys"].create(
        {"fingerprint": str, "name": str, "email": str, "role": str, "public_pem": str, "registered_utc": str,
         "trusted": int, "trusted_by": str, "trusted_utc": str},
        pk="fingerprint", not_null={"name", "public_pem", "registered_utc", "trusted"},
    )
    db.execute(
        """CREATE TABLE cases (
            ref TEXT PRIMARY KEY COLLATE NOCASE,
            title TEXT NOT NULL, subject TEXT, complainant TEXT,
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            opened_utc TEXT NOT NULL, opened_by TEXT NOT NULL, updated_utc TEXT,
            closed_utc TEXT, closed_by TEXT, close_reason TEXT)"""
    )
    db["items"].create(
        {"id": str, "case_ref": str, "kind": str, "record": bytes, "record_hash": str, "signature": bytes,
         "signer": str, "created_utc": str, "derived_from": str},
        pk="id", not_null={"case_ref", "kind", "record", "record_hash", "signature", "signer", "created_utc"},
    )
    db["items"].create_index(["case_ref", "created_utc"])
    db["artifacts"].create(
        {"item_id": str, "role": str, "sha256": str, "size": int, "media_type": str},
        pk=("item_id", "role"), not_null={"sha256", "size", "media_type"},
    )
    db["artifacts"].create_index(["sha256"])
    db["custody"].create(
        {"seq": int, "entry": bytes, "entry_hash": str, "signature": bytes, "actor": str, "action": str,
         "case_ref": str, "item_id": str, "time_utc": str},
        pk="seq", not_null={"entry", "entry_hash", "signature", "actor", "action", "time_utc"},
    )
    db["custody"].create_index(["case_ref"])
    db["custody"].create_index(["item_id"])
    db["allegations"].create(
        {"id": str, "case_ref": str, "clause": str, "status": str, "created_utc": str, "policy_sha256": str},
        pk="id", not_null={"case_ref", "clause", "status", "created_utc", "policy_sha256"},
    )
    db["allegation_events"].create(
        {"id": str, "allegation_id": str, "event": str, "record": bytes, "record_hash": str, "signature": bytes,
         "signer": str, "created_utc": str},
        pk="id", not_null={"allegation_id", "event", "record", "record_hash", "signature", "signer"},
    )
    db["allegation_events"].create_index(["allegation_id"])
    # WITHOUT ROWID: a proof is a couple of dozen lookups by (level, idx); keep each one B-tree descent
    db.execute("CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, "
               "PRIMARY KEY (level, idx)) WITHOUT ROWID")
    db["checkpoints"].create(
        {"size": int, "note": bytes, "root": bytes, "created_utc": str, "signer": str}, pk="size",
        not_null={"note", "root", "created_utc", "signer"},
    )
    db["timestamps"].create(
        {"subject": str, "data_hash": str, "status": str, "response": bytes, "gen_time": str, "serial": str,
         "tsa_url": str, "attempts": int, "last_error": str, "requested_utc": str, "updated_utc": str},
        pk=("subject", "tsa_url"), not_null={"data_hash", "status"},
    )
    db["settings"].create({"key": str, "value": str}, pk="key")
    # indexes for reading and searching, derived from signed records and the artifacts they name by hash
    # (verify rebuilds and compares them): the post each capture shows, and searchable text
    db["posts"].create(
        {"item_id": str, "case_ref": str, "url": str, "platform": str, "author_name": str, "author_handle": str,
         "published": str, "title": str, "text": str, "captured_utc": str},
        pk="item_id", foreign_keys=[("item_id", "items", "id")],
    )
    db["search_index"].create({"id": int, "kind": str, "ref": str, "case_ref": str, "text": str}, pk="id",
                              not_null={"kind", "ref", "text"})
    db["search_index"].create_index(["kind", "ref"], unique=True)
    db["search_index"].enable_fts(["text"], fts_version="FTS5", create_triggers=True, tokenize="porter unicode61")
    for table in APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            )
    for table in ("cases", "keys", "allegations"):
        db.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} are never deleted'); END")
    apply_layout(db.conn)  # the tables are empty: layout 2 at once
    db.conn.execute("INSERT INTO meta (key, value) VALUES ('layout', ?)", (str(LAYOUT),))


def migrate(conn: sqlite3.Connection, now_utc: str) -> bool:
    """Bring a writable store of layout 1 to layout 2 (recorded in ``meta``). False if it could not be done
    (another process holds the store, or its rows break a foreign key): the store stays as it was and works."""
    conn.execute("PRAGMA foreign_keys = OFF")  # SQLite's procedure for rebuilding tables; no effect inside a transaction
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
            if row is None or int(row[0]) < LAYOUT:
                apply_layout(conn)
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('layout', ?)", (str(LAYOUT),))
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('layout_migrated_utc', ?)", (now_utc,))
            conn.execute("COMMIT")
            return True
        except sqlite3.DatabaseError:
            conn.execute("ROLLBACK")
            return False
    except sqlite3.OperationalError:  # busy: another process migrates or writes; try again next time
        return False
    finally:
        conn.execute("PRAGMA foreign_keys = ON")

