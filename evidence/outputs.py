"""The shape of what the command line prints with ``--json``: one function per kind of output.

Library side (no click). Naming convention for every field: ``snake_case``; identifiers end in ``_id``
when they point at another object (``item_id``), ``ref`` for a case reference; times are RFC 3339 UTC strings
in fields ending ``_utc`` (new fields) or named as in the signed record (``created``); hashes are
``sha256:<hex>``. Each output has a JSON Schema in ``schemas/cli-<command>.schema.json``.
"""

from __future__ import annotations

__all__ = ["SCHEMA_OF", "allegation", "capture_batch", "case", "custody_entry", "item", "key_created", "keys",
           "pack", "search", "signed_record", "timeline"]

# command (as typed) -> schema name under schemas/ (without .schema.json)
SCHEMA_OF = {
    "init": "cli-init", "key create": "cli-key-create", "key list": "cli-key-list",
    "case open": "cli-case", "case update": "cli-case", "case show": "cli-case", "case list": "cli-case-list",
    "import": "cli-items", "items": "cli-items", "capture": "cli-item", "redact": "cli-item", "show": "cli-show",
    "custody": "cli-custody", "search": "cli-search", "timeline": "cli-timeline",
    "allege": "cli-allegation", "allege list": "cli-allegation-list", "bundle": "cli-bundle",
}


def case(row: dict, *, items: list[dict] | None = None) -> dict:
    out = dict(row)
    if items is not None:
        out["item_list"] = items
    return out


def item(it) -> dict:
    """An item as listings show it: id, case, kind, source, artifacts (see :meth:`evidence.views.Item.summary`)."""
    return it.summary()


def signed_record(it) -> dict:
    return {"record": it.record, "record_hash": it.record_hash, "signature": it.signature.hex()}


def custody_entry(e) -> dict:
    return e.as_dict()


def keys(rows: list[dict]) -> list[dict]:
    return [{k: (bool(v) if k == "trusted" else v) for k, v in r.items()} for r in rows]


def key_created(made) -> dict:
    s = made.signer
    return {"fingerprint": s.fingerprint, "name": s.identity.name, "email": s.identity.email, "role": s.identity.role,
            "key_file": str(s.key_file), "store": str(made.store) if made.store else None,
            "not_registered": made.not_registered}


def allegation(a: dict) -> dict:
    return {k: v for k, v in a.items() if k != "records"}


def search(rows: list[dict]) -> list[dict]:
    return [dict(r) for r in rows]


def timeline(rows: list[dict]) -> list[dict]:
    return [dict(r) for r in rows]


def pack(r: dict, audience: str) -> dict:
    return {**{k: (str(v) if k == "path" else v) for k, v in r.items()}, "audience": audience}


def capture_batch(results) -> list[dict]:
    return [{"url": r.url, "ok": r.ok, "item_id": r.item.id if r.ok else None,
             "error": None if r.ok else str(r.error), "warnings": list(r.warnings or [])} for r in results]
