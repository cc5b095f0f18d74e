"""The open store: creating and opening it, reading from it, and its write transactions."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .. import clock
from ..artifacts import ArtifactFolder
from ..errors import NotAStore, StoreError, StoreNotFound, StoreReadOnly
from ..ids import new_uuid
from .connect import connect, like_prefix, store_error, writable
from .layout import LAYOUT, posts_table
from .schema import create_schema, migrate
from .transaction import MerkleHook, Transaction

if TYPE_CHECKING:
    import sqlite_utils

DB_NAME = "evidence.db"
FORMAT = "evidence-store"
FORMAT_VERSION = 2  # 2: every table a projection of the signed log (key approval, case updates)
SQLITE_MAGIC = b"SQLite format 3\x00"


class Store:
    """An open evidence store. Use :meth:`init` to make one and :meth:`open` to open one."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False):
        self.path = Path(path)
        self.conn = conn
        self.read_only = read_only
        self.artifacts = ArtifactFolder(self.path)
        self._meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self.merkle_hook: MerkleHook | None = None
        self.posts_table = posts_table(conn)  # post_index (layout 2) or posts (a store not migrated)

    def _query(self, sql: str, params=()) -> Iterator[dict]:
        """Rows as dicts (what ``sqlite_utils.Database.query`` gives), without importing sqlite-utils."""
        cur = self.conn.execute(sql, params)
        keys = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(keys, row))

    @cached_property
    def db(self) -> "sqlite_utils.Database":
        """sqlite-utils over the connection, imported on first use (opening a store stays quick)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

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
        import sqlite_utils

        conn = connect(db_path)
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        conn.execute("BEGIN IMMEDIATE")
        try:
            create_schema(db)
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
        read_only = not writable(path, db_path)
        try:
            conn = connect(db_path, read_only=read_only)
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "no such table" not in str(exc):
                raise store_error(exc, path) from None
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
        if not read_only and int(rows.get("layout", "1")) < LAYOUT:
            migrate(conn, clock.stamp()["utc"])  # layout 2 (issue 13); a store that cannot be migrated still works
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
    def write(self) -> Iterator["Transaction"]:
        """A short write transaction. Everything in it lands together or not at all."""
        if self.read_only:
            raise StoreReadOnly(f"the store {self.path} is read-only; nothing can be added to it",
                                hint="list, show, verify and bundle (to a file elsewhere) still work; for other "
                                     "commands use a writable copy")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise store_error(exc, self.path) from None
        try:
            yield Transaction(self)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise store_error(exc, self.path) from None
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
        rows = list(self._query(sql, params))
        return rows[0] if rows else None

    def key(self, fingerprint: str) -> dict | None:
        return self._one("SELECT * FROM keys WHERE fingerprint = ?", (fingerprint,))

    def keys(self) -> list[dict]:
        return list(self._query("SELECT * FROM keys ORDER BY registered_utc, fingerprint"))

    def case(self, ref: str) -> dict | None:
        return self._one("SELECT * FROM cases WHERE ref = ?", (ref,))

    def cases(self, status: str | None = None) -> list[dict]:
        if status:
            return list(self._query("SELECT * FROM cases WHERE status = ? ORDER BY opened_utc, ref", (status,)))
        return list(self._query("SELECT * FROM cases ORDER BY opened_utc, ref"))

    def item_counts(self) -> dict[str, int]:
        return {r["case_ref"]: r["n"] for r in self._query("SELECT case_ref, count(*) AS n FROM items GROUP BY case_ref")}

    def item(self, item_id: str) -> dict | None:
        return self._one("SELECT * FROM items WHERE id = ?", (item_id,))

    def items_by_prefix(self, prefix: str, limit: int = 5) -> list[dict]:
        return list(self._query("SELECT id, case_ref FROM items WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                                  (like_prefix(prefix), limit)))

    def items(self, case_ref: str | None = None) -> list[dict]:
        if case_ref is None:
            return list(self._query("SELECT * FROM items ORDER BY created_utc, id"))
        return list(self._query("SELECT * FROM items WHERE case_ref = ? ORDER BY created_utc, id", (case_ref,)))

    def derived_items(self, item_id: str) -> list[dict]:
        return list(self._query("SELECT * FROM items WHERE derived_from = ? ORDER BY created_utc, id", (item_id,)))

    def artifacts_of(self, item_id: str) -> list[dict]:
        return list(self._query("SELECT * FROM artifacts WHERE item_id = ? ORDER BY rowid", (item_id,)))

    def all_artifacts(self) -> list[dict]:
        return list(self._query("SELECT * FROM artifacts ORDER BY item_id, rowid"))

    def policy_hashes(self) -> list[str]:
        """SHA-256 tags of the policy catalogues allegations cite (kept in the artifact folder)."""
        return [r["h"] for r in self._query("SELECT DISTINCT policy_sha256 AS h FROM allegations ORDER BY h")]

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
        return list(self._query(sql, tuple(params)))

    def iter_custody(self, batch: int = 5000) -> Iterator[dict]:
        """Every custody row in sequence order, in batches (for a log of any length)."""
        last = -1
        while True:
            rows = list(self._query("SELECT * FROM custody WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)))
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
        return list(self._query("SELECT * FROM checkpoints ORDER BY size"))

    def latest_checkpoint(self) -> dict | None:
        return self._one("SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1")

    def allegations(self, case_ref: str | None = None) -> list[dict]:
        if case_ref is None:
            return list(self._query("SELECT * FROM allegations ORDER BY created_utc, id"))
        return list(self._query("SELECT * FROM allegations WHERE case_ref = ? ORDER BY created_utc, id", (case_ref,)))

    def allegation(self, allegation_id: str) -> dict | None:
        return self._one("SELECT * FROM allegations WHERE id = ?", (allegation_id,))

    def allegations_by_prefix(self, prefix: str, limit: int = 5) -> list[dict]:
        return list(self._query("SELECT id FROM allegations WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                                  (like_prefix(prefix), limit)))

    def allegation_events(self, allegation_id: str | None = None) -> list[dict]:
        if allegation_id is None:
            return list(self._query("SELECT * FROM allegation_events ORDER BY created_utc, id"))
        return list(self._query("SELECT * FROM allegation_events WHERE allegation_id = ? ORDER BY created_utc, id",
                                  (allegation_id,)))

    def posts(self, case_ref: str | None = None) -> list[dict]:
        if case_ref is None:
            return list(self._query(f"SELECT * FROM {self.posts_table} ORDER BY captured_utc, item_id"))
        return list(self._query(f"SELECT * FROM {self.posts_table} WHERE case_ref = ? ORDER BY captured_utc, item_id",
                                (case_ref,)))

    def checkpoint_wal(self) -> Path:
        """Move what the write-ahead log holds into the database file (so a reader that ignores the WAL, such
        as Datasette in immutable mode, sees it all). Returns the database file's path."""
        if not self.read_only:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError as exc:
                raise store_error(exc, self.path) from None
        return self.path / DB_NAME

    def fts_problems(self) -> list[str]:
        """FTS5's own check of each full-text index against the table it indexes (layout 2); [] when sound.
        Not run (nothing to say) on a read-only store or while another process writes."""
        problems = []
        for fts in ("post_index_fts", "search_index_fts"):
            if self.read_only or not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (fts,)).fetchone():
                continue
            try:  # a no-op "insert" that FTS5 answers with SQLITE_CORRUPT_VTAB when the index is wrong
                self.conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
            except sqlite3.OperationalError as exc:
                if not any(w in str(exc) for w in ("locked", "busy", "readonly", "read-only")):
                    problems.append(f"{fts}: {exc}")
            except sqlite3.DatabaseError as exc:
                problems.append(f"{fts}: {exc}")
        return problems

    def search_rows(self) -> list[dict]:
        return list(self._query("SELECT kind, ref, case_ref, text FROM search_index ORDER BY kind, ref"))

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
        return list(self._query(sql, params))

    def setting(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return row["value"] if row else None

    def settings(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._query("SELECT key, value FROM settings ORDER BY key")}

    def timestamps(self, *, status: str | None = None, subject: str | None = None) -> list[dict]:
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if subject:
            where.append("subject = ?")
            params.append(subject)
        sql = "SELECT * FROM timestamps" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY requested_utc"
        return list(self._query(sql, tuple(params)))

    def table_counts(self) -> dict[str, int]:
        return {t: self.db[t].count for t in ("keys", "cases", "items", "artifacts", "custody", "allegations",
                                              "checkpoints", "timestamps")}

