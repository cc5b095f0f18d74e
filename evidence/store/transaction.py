"""Write operations inside one store transaction, and the custody append."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..errors import StoreError

if TYPE_CHECKING:
    from .core import Store


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

class Transaction:
    """Write operations, valid only inside :meth:`Store.write`."""

    def __init__(self, store: "Store"):
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
            from ..errors import DuplicateCase

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
        self._insert(self.store.posts_table, row)

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

