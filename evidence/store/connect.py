"""Connections to the store's database, and SQLite errors as a user should read them."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import DiskFull, StoreError, StoreReadOnly

BUSY_TIMEOUT_MS = 60_000


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching ids that start with ``prefix`` (its own % and _ taken literally)."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """An SQLite error as the user should read it: a full disk is a full disk."""
    text = str(exc)
    if "disk is full" in text or "SQLITE_FULL" in text:
        return DiskFull(f"the disk holding the store {path} is full; nothing was written",
                        hint="free some space and run the command again (what was stored before is intact)")
    if "readonly" in text or "read-only" in text:
        return StoreReadOnly(f"the store {path} cannot be written: {text}",
                             hint="check its permissions, or use a writable copy")
    return StoreError(f"the store {path} could not be used: {text}", hint="run `evidence verify`")


def writable(path: Path, db_path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(db_path, os.W_OK)


def connect(db_path: Path, *, read_only: bool = False) -> sqlite3.Connection:
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

