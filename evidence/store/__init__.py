"""The store: one SQLite database (through sqlite-utils, WAL mode) and a folder of artifacts.

This package is the only code that speaks SQL, so another database could stand behind
the same interface one day. Everything else calls :class:`Store` methods.

Layout of a store folder::

    evidence.db        SQLite database (WAL): keys, cases, items, artifacts, custody, ...
    artifacts/sha256/  content-addressed, read-only artifact files (see evidence.artifacts)
    tmp/               files being copied in (a killed process may leave one; it belongs to nothing)

Writes happen in short ``BEGIN IMMEDIATE`` transactions (:meth:`Store.write`) with a
busy timeout, so several processes can add evidence to one store at once. The
custody log and the records are append-only: SQLite triggers refuse UPDATE and
DELETE on them.

Modules: :mod:`.core` (:class:`Store`: opening, reading), :mod:`.transaction` (the write operations of one
transaction, custody append), :mod:`.schema` (the tables and their append-only triggers), :mod:`.connect`
(connections and how SQLite errors read to a user).
"""

from .core import DB_NAME, FORMAT, FORMAT_VERSION, Store
from .transaction import CustodyBuilder, CustodyRow, MerkleHook, Transaction

__all__ = ["Store", "Transaction", "CustodyRow", "CustodyBuilder", "MerkleHook", "DB_NAME", "FORMAT", "FORMAT_VERSION"]
