"""Layout 2 of the store's tables: readable in Datasette and sqlite-utils (issue 13).

* **Foreign keys** between cases, items, artifacts, custody, allegations and their events, and
  the post index, declared ``DEFERRABLE INITIALLY DEFERRED`` (a custody entry is written before
  the rows it projects, in the same transaction; the check is at COMMIT).
* **JSON as text**: ``items.record_json``, ``custody.entry_json`` and
  ``allegation_events.record_json`` are virtual generated columns, ``CAST(<bytes> AS TEXT)``: no
  second copy is stored, and the exact signed bytes stay in ``record`` / ``entry`` (BLOB), which
  is what is hashed and signature-checked.
* **Posts**: the post index table is ``post_index`` (was ``posts``), with a full-text index
  ``post_index_fts`` (FTS5, porter) kept by triggers; ``posts`` is a view with the columns a reader
  wants (URL, platform, author, handle, published, text, captured).

Tables are rebuilt with SQLite's documented 12-step procedure (foreign keys off, copy, drop,
rename, indexes and triggers recreated, ``foreign_key_check``), all in one transaction.
"""

from __future__ import annotations

import re
import sqlite3

__all__ = ["LAYOUT", "FOREIGN_KEYS", "JSON_COLUMNS", "apply_layout", "posts_table"]

LAYOUT = 2

FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "items": [("case_ref", "cases", "ref"), ("derived_from", "items", "id")],
    "artifacts": [("item_id", "items", "id")],
    "custody": [("case_ref", "cases", "ref"), ("item_id", "items", "id")],
    "allegations": [("case_ref", "cases", "ref")],
    "allegation_events": [("allegation_id", "allegations", "id")],
    "post_index": [("item_id", "items", "id"), ("case_ref", "cases", "ref")],
}
JSON_COLUMNS = {"items": ("record_json", "record"), "custody": ("entry_json", "entry"),
                "allegation_events": ("record_json", "record")}

POSTS_VIEW = """CREATE VIEW posts AS
SELECT p.rowid AS post_rowid, p.item_id, p.case_ref, p.url, p.platform, p.author_name AS author,
       p.author_handle AS handle, p.published, p.text, p.captured_utc AS captured, p.title
FROM post_index p"""

_INLINE_REF = re.compile(r"\s+REFERENCES\s+\[?\w+\]?\s*\(\s*\[?\w+\]?\s*\)", re.IGNORECASE)


def posts_table(conn: sqlite3.Connection) -> str:
    """``post_index`` in a store of layout 2, ``posts`` in one not (yet) migrated (e.g. opened read-only)."""
    row = conn.execute("SELECT type FROM sqlite_master WHERE name = 'post_index'").fetchone()
    return "post_index" if row else "posts"


def _rebuild(conn: sqlite3.Connection, table: str, fks: list[tuple[str, str, str]]) -> None:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    extras = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN "
                                         "('index', 'trigger') AND sql IS NOT NULL", (table,))]
    body = _INLINE_REF.sub("", sql[sql.index("(") + 1:sql.rindex(")")])
    clauses = "".join(f",\n  FOREIGN KEY ({col}) REFERENCES {parent}({pcol}) DEFERRABLE INITIALLY DEFERRED"
                      for col, parent, pcol in fks)
    cols = ", ".join(f"[{r[1]}]" for r in conn.execute(f"PRAGMA table_info([{table}])"))
    conn.execute(f"CREATE TABLE [_new_{table}] ({body}{clauses})")
    conn.execute(f"INSERT INTO [_new_{table}] ({cols}) SELECT {cols} FROM [{table}]")
    conn.execute(f"DROP TABLE [{table}]")
    conn.execute(f"ALTER TABLE [_new_{table}] RENAME TO [{table}]")
    for stmt in extras:
        conn.execute(stmt)


def apply_layout(conn: sqlite3.Connection) -> None:
    """Bring the tables of layout 1 to layout 2, inside the caller's transaction (foreign keys off)."""
    import sqlite_utils

    if posts_table(conn) == "posts":
        conn.execute("ALTER TABLE posts RENAME TO post_index")
    for table, fks in FOREIGN_KEYS.items():
        _rebuild(conn, table, fks)
    for table, (col, src) in JSON_COLUMNS.items():
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {col} TEXT GENERATED ALWAYS AS (CAST({src} AS TEXT)) VIRTUAL")
    db = sqlite_utils.Database(conn)
    db["post_index"].enable_fts(["text"], fts_version="FTS5", create_triggers=True, tokenize="porter unicode61")
    conn.execute(POSTS_VIEW)
    bad = conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        raise sqlite3.IntegrityError(f"{len(bad)} row(s) name a parent row that does not exist, e.g. {tuple(bad[0])}")
