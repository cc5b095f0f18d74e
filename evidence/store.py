"""The store: one SQLite database (through sqlite-utils, WAL mode) and a folder of artifacts.

This is the only module that speaks SQL, so another database could stand behind
the same interface one day. Everything else calls :class:`Store` methods.

Layout of a store folder::

    evidence.db        SQLite database (WAL): keys, cases, items, artifacts, custody, ...
    artifacts/sha256/  content-addressed, read-only artifact files (see evidence.artifacts)
    tmp/               files being copied in (a killed process may leave one; it belongs to nothing)

Writes happen in short ``BEGIN IMMEDIATE`` transactions (:meth:`Store.write`) with a
busy timeout, so several processes can add evidence to one store at once. The
custody log and the records are append-only: SQLite triggers refuse UPDATE and
DELETE on them.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlite_utils

from . import clock
from .artifacts import ArtifactFolder
from .errors import DiskFull, NotAStore, StoreError, StoreNotFound, StoreReadOnly
from .ids import new_uuid

__all__ = ["Store", "CustodyRow", "DB_NAME", "FORMAT", "FORMAT_VERSION"]

DB_NAME = "evidence.db"
FORMAT = "evidence-store"
FORMAT_VERSION = 2  # 2: every table a projection of the signed log (key approval, case updates)
BUSY_TIMEOUT_MS = 60_000
SQLITE_MAGIC = b"SQLite format 3\x00"

_APPEND_ONLY = ("custody", "items", "artifacts", "allegation_events", "checkpoints", "merkle_nodes")


@dataclass(frozen=True)
class CustodyRow:
    """One custody entry as stored: its exact canonical bytes, hash and signature, and columns to find it by."""

    seq: int
    entry: bytes
    entry_hash: str
    signature: bytes
    actor: str
    action: str
    case_ref: str | None
    item_id: str | None
    time_utc: str


CustodyBuilder = Callable[[int, "str | None"], CustodyRow]
"""Called inside the write transaction with (next sequence number, hash of the previous entry)."""

MerkleHook = Callable[[int, bytes, Callable[[int, int], bytes]], list]
"""(tree size before, entry bytes, node lookup) -> [(level, index, hash), ...] new perfect-subtree nodes."""


def _schema(db: sqlite_utils.Database) -> None:
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
    for table in _APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            )
    for table in ("cases", "keys", "allegations"):
        db.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} are never deleted'); END")


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern matching ids that start with ``prefix`` (its own % and _ taken literally)."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """An SQLite error as the user should read it: a full disk is a full disk."""
    text = str(exc)
    if "disk is full" in text or "SQLITE_FULL" in text:
        return DiskFull(f"the disk holding the store {path} is full; nothing was written",
                        hint="free some space and run the command again (what was stored before is intact)")
    if "readonly" in text or "read-only" in text:
        return StoreReadOnly(f"the store {path} cannot be written: {text}",
                             hint="check its permissions, or use a writable copy")
    return StoreError(f"the store {path} could not be used: {text}", hint="run `evidence verify`")


def _writable(path: Path, db_path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(db_path, os.W_OK)


def _connect(db_path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # a read-only folder or file: SQLite cannot make the WAL index next to it, so open it immutable
        # (nobody can be writing to a store nobody may write to)
        uri = f"{db_path.resolve().as_uri()}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA cache_size = -32768")
        return conn
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -32768")  # 32 MiB of page cache: Merkle proofs on large logs stay in memory
    return conn


class Store:
    """An open evidence store. Use :meth:`init` to make one and :meth:`open` to open one."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False):
        self.path = Path(path)
        self.conn = conn
        self.read_only = read_only
        self.db = sqlite_utils.Database(conn)
        self.artifacts = ArtifactFolder(self.path)
        self._meta = {r["key"]: r["value"] for r in self.db.query("SELECT key, value FROM meta")}
        self.merkle_hook: MerkleHook | None = None

    # ------------------------------------------------------------------ opening
    @classmethod
    def init(cls, path: str | os.PathLike) -> "Store":
        path = Path(path)
        db_path = path / DB_NAME
        if db_path.exists():
            raise StoreError(f"{path} is already an evidence store", hint="use it, or choose another --store")
        if path.exists() and not path.is_dir():
            raise NotAStore(f"{path} exists and is not a folder", hint="choose another --store")
        if path.is_dir() and any(path.iterdir()):
            raise NotAStore(f"{path} is a folder with other files in it, not an evidence store",
                            hint="choose an empty or new folder for --store")
        try:
            (path / "artifacts" / "sha256").mkdir(parents=True, exist_ok=True)
            (path / "tmp").mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create store at {path}: {exc.strerror}", hint="check the path and permissions") from None
        conn = _connect(db_path)
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        conn.execute("BEGIN IMMEDIATE")
        try:
            _schema(db)
            now = clock.stamp()
            for k, v in {"format": FORMAT, "version": str(FORMAT_VERSION), "store_id": new_uuid(),
                         "created_utc": now["utc"]}.items():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (k, v))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cls(path, conn)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Store":
        path = Path(path)
        db_path = path / DB_NAME
        if not path.exists():
            raise StoreNotFound(f"no evidence store at {path}", hint="create one with `evidence init`, or pass --store / set EVIDENCE_STORE")
        if not path.is_dir():
            raise NotAStore(f"{path} is a file, not an evidence store folder", hint="pass the store's folder as --store")
        if not db_path.exists():
            raise NotAStore(f"{path} is not an evidence store (no {DB_NAME})",
                            hint="create one with `evidence init`, or pass the right --store")
        try:
            with open(db_path, "rb") as fh:
                magic = fh.read(16)
        except OSError as exc:
            raise StoreError(f"cannot read {db_path}: {exc.strerror}") from None
        if magic != SQLITE_MAGIC:
            raise NotAStore(f"{db_path} is not an SQLite database", hint="the store is damaged or this is not a store; restore it from a backup")
        read_only = not _writable(path, db_path)
        try:
            conn = _connect(db_path, read_only=read_only)
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "no such table" not in str(exc):
                raise _store_error(exc, path) from None
            raise NotAStore(f"{db_path} cannot be read as an evidence store: {exc}",
                            hint="the store is damaged; restore it from a backup") from None
        if rows.get("format") != FORMAT:
            raise NotAStore(f"{db_path} is an SQLite database but not an evidence store")
        if int(rows.get("version", "0")) > FORMAT_VERSION:
            raise StoreError(f"store format {rows.get('version')} is newer than this tool understands",
                             hint="upgrade evidence")
        if int(rows.get("version", "0")) < FORMAT_VERSION:
            raise StoreError(f"store format {rows.get('version')} was made by an earlier evidence (0.1) whose tables "
                             f"were not all stated in the signed log; this version reads format {FORMAT_VERSION}",
                             hint="keep using evidence 0.1 for it (its packs and verify still work), and open new "
                                  "cases in a new store")
        store = cls(path, conn, read_only=read_only)
        if not read_only:
            store.artifacts.clean_tmp()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def store_id(self) -> str:
        return self._meta["store_id"]

    @property
    def meta(self) -> dict:
        return dict(self._meta)

    # ------------------------------------------------------------------ writing
    @contextmanager
    def write(self) -> Iterator["_Tx"]:
        """A short write transaction. Everything in it lands together or not at all."""
        if self.read_only:
            raise StoreReadOnly(f"the store {self.path} is read-only; nothing can be added to it",
                                hint="list, show, verify and bundle (to a file elsewhere) still work; for other "
                                     "commands use a writable copy")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _store_error(exc, self.path) from None
        try:
            yield _Tx(self)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise _store_error(exc, self.path) from None
            raise

    @contextmanager
    def snapshot(self) -> Iterator["Store"]:
        """Read one consistent state of the store, whatever other processes write meanwhile (WAL snapshot)."""
        if self.conn.in_transaction:
            yield self
            return
        self.conn.execute("BEGIN")
        try:
            self.conn.execute("SELECT count(*) FROM meta").fetchone()  # the read transaction starts here
            yield self
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    # ------------------------------------------------------------------ reading
    def _one(self, sql: str, params: tuple = ()) -> dict | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def key(self, fingerprint: str) -> dict | None:
        return self._one("SELECT * FROM keys WHERE fingerprint = ?", (fingerprint,))

    def keys(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM keys ORDER BY registered_utc, fingerprint"))

    def case(self, ref: str) -> dict | None:
        return self._one("SELECT * FROM cases WHERE ref = ?", (ref,))

    def cases(self, status: str | None = None) -> list[dict]:
        if status:
            return list(self.db.query("SELECT * FROM cases WHERE status = ? ORDER BY opened_utc, ref", (status,)))
        return list(self.db.query("SELECT * FROM cases ORDER BY opened_utc, ref"))

    def item_counts(self) -> dict[str, int]:
        return {r["case_ref"]: r["n"] for r in self.db.query("SELECT case_ref, count(*) AS n FROM items GROUP BY case_ref")}

    def item(self, item_id: str) -> dict | None:
        return self._one("SELECT * FROM items WHERE id = ?", (item_id,))

    def items_by_prefix(self, prefix: str, limit: int = 5) -> list[dict]:
        return list(self.db.query("SELECT id, case_ref FROM items WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                                  (_like_prefix(prefix), limit)))

    def items(self, case_ref: str | None = None) -> list[dict]:
        if case_ref is None:
            return list(self.db.query("SELECT * FROM items ORDER BY created_utc, id"))
        return list(self.db.query("SELECT * FROM items WHERE case_ref = ? ORDER BY created_utc, id", (case_ref,)))

    def derived_items(self, item_id: str) -> list[dict]:
        return list(self.db.query("SELECT * FROM items WHERE derived_from = ? ORDER BY created_utc, id", (item_id,)))

    def artifacts_of(self, item_id: str) -> list[dict]:
        return list(self.db.query("SELECT * FROM artifacts WHERE item_id = ? ORDER BY rowid", (item_id,)))

    def all_artifacts(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM artifacts ORDER BY item_id, rowid"))

    def policy_hashes(self) -> list[str]:
        """SHA-256 tags of the policy catalogues allegations cite (kept in the artifact folder)."""
        return [r["h"] for r in self.db.query("SELECT DISTINCT policy_sha256 AS h FROM allegations ORDER BY h")]

    def custody(self, *, case_ref: str | None = None, item_id: str | None = None, actions: tuple[str, ...] = (),
                after: int = 0, limit: int | None = None) -> list[dict]:
        where, params = ["seq > ?"], [after]
        if actions:
            where.append(f"action IN ({', '.join('?' for _ in actions)})")
            params.extend(actions)
        if case_ref is not None:
            where.append("case_ref = ?")
            params.append(case_ref)
        if item_id is not None:
            where.append("item_id = ?")
            params.append(item_id)
        sql = "SELECT * FROM custody WHERE " + " AND ".join(where) + " ORDER BY seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql, tuple(params)))

    def iter_custody(self, batch: int = 5000) -> Iterator[dict]:
        """Every custody row in sequence order, in batches (for a log of any length)."""
        last = -1
        while True:
            rows = list(self.db.query("SELECT * FROM custody WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)))
            if not rows:
                return
            yield from rows
            last = rows[-1]["seq"]

    def custody_size(self) -> int:
        row = self._one("SELECT max(seq) AS n FROM custody")
        return int(row["n"] or 0) if row else 0

    def custody_entry(self, seq: int) -> dict | None:
        return self._one("SELECT * FROM custody WHERE seq = ?", (seq,))

    def merkle_size(self) -> int:
        """How many custody entries the stored Merkle tree holds (its level-0 nodes)."""
        row = self.conn.execute("SELECT count(*) FROM merkle_nodes WHERE level = 0").fetchone()
        return int(row[0])

    def merkle_node(self, level: int, idx: int) -> bytes:
        row = self.conn.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", (level, idx)).fetchone()
        if row is None:
            raise StoreError(f"Merkle node ({level}, {idx}) is missing from the store",
                             hint="run `evidence verify` to see what is damaged")
        return bytes(row[0])

    def merkle_nodes(self) -> Iterator[dict]:
        for level, idx, h in self.conn.execute("SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx"):
            yield {"level": level, "idx": idx, "hash": h}

    def checkpoints(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM checkpoints ORDER BY size"))

    def latest_checkpoint(self) -> dict | None:
        return self._one("SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1")

    def allegations(self, case_ref: str | None = None) -> list[dict]:
        if case_ref is None:
            return list(self.db.query("SELECT * FROM allegations ORDER BY created_utc, id"))
        return list(self.db.query("SELECT * FROM allegations WHERE case_ref = ? ORDER BY created_utc, id", (case_ref,)))

    def allegation(self, allegation_id: str) -> dict | None:
        return self._one("SELECT * FROM allegations WHERE id = ?", (allegation_id,))

    def allegations_by_prefix(self, prefix: str, limit: int = 5) -> list[dict]:
        return list(self.db.query("SELECT id FROM allegations WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                                  (_like_prefix(prefix), limit)))

    def allegation_events(self, allegation_id: str | None = None) -> list[dict]:
        if allegation_id is None:
            return list(self.db.query("SELECT * FROM allegation_events ORDER BY created_utc, id"))
        return list(self.db.query("SELECT * FROM allegation_events WHERE allegation_id = ? ORDER BY created_utc, id",
                                  (allegation_id,)))

    def posts(self, case_ref: str | None = None) -> list[dict]:
        if case_ref is None:
            return list(self.db.query("SELECT * FROM posts ORDER BY captured_utc, item_id"))
        return list(self.db.query("SELECT * FROM posts WHERE case_ref = ? ORDER BY captured_utc, item_id", (case_ref,)))

    def search_rows(self) -> list[dict]:
        return list(self.db.query("SELECT kind, ref, case_ref, text FROM search_index ORDER BY kind, ref"))

    def search(self, terms: list[str], *, case_ref: str | None = None, limit: int = 20) -> list[dict]:
        """Full-text search (FTS5, porter stemming): every term must occur; best matches first, with a snippet."""
        match = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = ("SELECT s.kind, s.ref, s.case_ref, snippet(search_index_fts, 0, '[', ']', '...', 12) AS snippet, "
               "bm25(search_index_fts) AS rank FROM search_index_fts JOIN search_index s "
               "ON s.rowid = search_index_fts.rowid WHERE search_index_fts MATCH ?")
        params: list = [match]
        if case_ref is not None:
            sql += " AND s.case_ref = ?"
            params.append(case_ref)
        sql += " ORDER BY rank LIMIT ?"
        params.append(limit)
        return list(self.db.query(sql, params))

    def setting(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return row["value"] if row else None

    def settings(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.query("SELECT key, value FROM settings ORDER BY key")}

    def timestamps(self, *, status: str | None = None, subject: str | None = None) -> list[dict]:
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if subject:
            where.append("subject = ?")
            params.append(subject)
        sql = "SELECT * FROM timestamps" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY requested_utc"
        return list(self.db.query(sql, tuple(params)))

    def table_counts(self) -> dict[str, int]:
        return {t: self.db[t].count for t in ("keys", "cases", "items", "artifacts", "custody", "allegations",
                                              "checkpoints", "timestamps")}


class _Tx:
    """Write operations, valid only inside :meth:`Store.write`."""

    def __init__(self, store: Store):
        self.store = store
        self.conn = store.conn

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))

    def case(self, ref: str) -> dict | None:
        return self.store.case(ref)

    def insert_key(self, row: dict) -> None:
        self._insert("keys", row)

    def trust_key(self, fingerprint: str, by: str, when: str) -> None:
        self.conn.execute("UPDATE keys SET trusted = 1, trusted_by = ?, trusted_utc = ? WHERE fingerprint = ?",
                          (by, when, fingerprint))

    def update_case(self, ref: str, fields: dict, when: str) -> None:
        allowed = {"title", "subject", "complainant"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"case fields to update must be among {sorted(allowed)}")
        cols = ", ".join(f"{k} = ?" for k in fields)
        self.conn.execute(f"UPDATE cases SET {cols}, updated_utc = ? WHERE ref = ?", (*fields.values(), when, ref))

    def insert_case(self, row: dict) -> None:
        try:
            self._insert("cases", row)
        except sqlite3.IntegrityError:
            from .errors import DuplicateCase

            raise DuplicateCase(f"case {row['ref']} already exists", hint="choose another reference, or use that case") from None

    def close_case(self, ref: str, closed_utc: str, closed_by: str, reason: str) -> None:
        self.conn.execute(
            "UPDATE cases SET status = 'closed', closed_utc = ?, closed_by = ?, close_reason = ? WHERE ref = ?",
            (closed_utc, closed_by, reason, ref),
        )

    def insert_item(self, row: dict) -> None:
        self._insert("items", row)

    def insert_artifact(self, row: dict) -> None:
        self._insert("artifacts", row)

    def insert_post(self, row: dict) -> None:
        self._insert("posts", row)

    def index_text(self, kind: str, ref: str, case_ref: str | None, text: str) -> None:
        if text and text.strip():
            self._insert("search_index", {"kind": kind, "ref": ref, "case_ref": case_ref, "text": text})

    def insert_allegation(self, row: dict) -> None:
        self._insert("allegations", row)

    def set_allegation_status(self, allegation_id: str, status: str) -> None:
        self.conn.execute("UPDATE allegations SET status = ? WHERE id = ?", (status, allegation_id))

    def insert_allegation_event(self, row: dict) -> None:
        self._insert("allegation_events", row)

    def insert_checkpoint(self, row: dict) -> None:
        self.conn.execute("INSERT OR IGNORE INTO checkpoints (size, note, root, created_utc, signer) VALUES (?, ?, ?, ?, ?)",
                          (row["size"], row["note"], row["root"], row["created_utc"], row["signer"]))

    def set_setting(self, key: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM settings WHERE key = ?", (key,))
        else:
            self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def upsert_timestamp(self, row: dict) -> None:
        cols = list(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in ("subject", "tsa_url"))
        self.conn.execute(
            f"INSERT INTO timestamps ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
            f"ON CONFLICT(subject, tsa_url) DO UPDATE SET {updates}",
            tuple(row.values()),
        )

    def insert_merkle_node(self, level: int, idx: int, h: bytes) -> None:
        self.conn.execute("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, idx, h))

    def last_custody(self) -> tuple[int, str | None]:
        row = self.conn.execute("SELECT seq, entry_hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, None) if row is None else (int(row[0]), row[1])

    def append_custody(self, build: CustodyBuilder) -> CustodyRow:
        """Append one custody entry: ``build(seq, prev_hash)`` makes it, under this transaction's lock."""
        last_seq, last_hash = self.last_custody()
        row = build(last_seq + 1, last_hash)
        if row.seq != last_seq + 1:
            raise StoreError("custody entry built with the wrong sequence number")
        self.conn.execute(
            "INSERT INTO custody (seq, entry, entry_hash, signature, actor, action, case_ref, item_id, time_utc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.seq, row.entry, row.entry_hash, row.signature, row.actor, row.action, row.case_ref, row.item_id,
             row.time_utc),
        )
        hook = self.store.merkle_hook
        if hook is not None:
            for level, idx, h in hook(last_seq, row.entry, self.store.merkle_node):
                self.conn.execute("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, idx, h))
        return row
