"""What Datasette is told about the store's database (``evidence browse``): table titles, descriptions, the
posts view's full-text search and the canned queries. SQL lives in the store package only."""

from __future__ import annotations

__all__ = ["metadata", "TABLES", "QUERIES"]

TABLES = {
    "cases": ("Cases", "One row per case: reference, title, parties, status, who opened and closed it, when."),
    "items": ("Items (evidence)", "Each piece of evidence: a capture, an imported file or a redacted copy. record is "
              "the signed record's exact bytes (BLOB, hashed and signed); record_json is the same bytes as text."),
    "artifacts": ("Artifacts", "The files of each item (screenshot, served HTML, DOM, MHTML, HAR, WARC, metadata...), "
                  "by SHA-256; the file is artifacts/sha256/<first 2 hex>/<hex> in the store folder."),
    "custody": ("Chain of custody", "The signed, hash-chained custody log: one entry per action. entry is the exact "
                "signed bytes; entry_json the same as text."),
    "allegations": ("Allegations", "Evidence linked to a policy clause; status made or withdrawn."),
    "allegation_events": ("Allegation records", "The signed records of each allegation (made, withdrawn)."),
    "post_index": ("Post index", "The post each capture shows, derived from the signed records and their metadata "
                   "artifacts (evidence verify rebuilds and compares it). Read it through the posts view."),
    "posts": ("Posts", "Each captured post: URL, platform, author, handle, published, text, captured. Search "
              "searches the post text (full-text index, porter stemming)."),
    "keys": ("Keys", "The investigators' public keys, and who approved them."),
    "checkpoints": ("Checkpoints", "Signed checkpoints of the custody log's Merkle tree."),
    "merkle_nodes": ("Merkle tree nodes", "Hashes of the perfect subtrees of the custody log's Merkle tree."),
    "timestamps": ("Trusted timestamps", "RFC 3161 timestamp tokens of records, checkpoints and packs."),
    "search_index": ("Search index", "Searchable text of posts, notes and allegation summaries."),
    "settings": ("Settings", "Store settings (timestamp authority)."),
    "meta": ("Store facts", "Format, version, store id, creation time and table layout."),
}

QUERIES = {
    "case_items": {
        "title": "A case's items",
        "description": "Every item of a case, with the post a capture shows (give the case reference).",
        "sql": "SELECT i.id, i.kind, i.created_utc, i.signer, p.url, p.platform, p.author, p.handle, p.published, "
               "p.text FROM items i LEFT JOIN posts p ON p.item_id = i.id WHERE i.case_ref = :case "
               "ORDER BY i.created_utc, i.id",
    },
    "post_custody": {
        "title": "A post's custody",
        "description": "The chain of custody of one item (give its id, or the post's URL): every signed entry.",
        "sql": "SELECT c.seq, c.time_utc, c.action, c.actor, c.case_ref, c.item_id, c.entry_json FROM custody c "
               "WHERE c.item_id = :item OR c.item_id IN (SELECT item_id FROM post_index WHERE url = :item) "
               "ORDER BY c.seq",
    },
    "by_author": {
        "title": "Everything by one author",
        "description": "Every captured post by an author (their name or handle, e.g. @someone), in every case, "
                       "with the allegations that cite it.",
        "sql": "SELECT p.case_ref, p.item_id, p.url, p.platform, p.author, p.handle, p.published, p.captured, p.text, "
               "(SELECT group_concat(a.clause || ' (' || a.status || ')', '; ') FROM allegations a "
               " JOIN allegation_events e ON e.allegation_id = a.id AND e.event = 'made' "
               " WHERE EXISTS (SELECT 1 FROM json_each(e.record_json, '$.evidence') j "
               "  WHERE json_extract(j.value, '$.item') = p.item_id)) AS allegations "
               "FROM posts p WHERE lower(p.author) = lower(:author) OR lower(p.handle) = lower(:author) "
               "OR lower(p.handle) = lower('@' || :author) ORDER BY p.published, p.captured",
    },
}


def metadata(db_name: str = "evidence") -> dict:
    """Datasette metadata for the store's database: titles, descriptions, the posts view's search, queries."""
    tables = {name: {"title": title, "description": desc} for name, (title, desc) in TABLES.items()}
    tables["posts"].update({"fts_table": "post_index_fts", "fts_pk": "post_rowid", "sort_desc": "captured"})
    return {
        "title": "evidence store",
        "description": "An evidence store, read-only. The signed log is the source of truth; these tables are its "
                       "projection (evidence verify checks them). Nothing can be changed here.",
        "databases": {db_name: {"tables": tables, "queries": QUERIES}},
    }
