"""The shape of what the command line prints with ``--json``: one function per kind of output.

Library side (no click). Naming convention for every field: ``snake_case``; identifiers end in ``_id``
when they point at another object (``item_id``), ``ref`` for a case reference; times are RFC 3339 UTC strings
in fields ending ``_utc`` (new fields) or named as in the signed record (``created``); hashes are
``sha256:<hex>``. Each output has a JSON Schema in ``schemas/cli-<command>.schema.json``.
"""

from __future__ import annotations

__all__ = ["SCHEMA_OF", "allegation", "capture_batch", "case", "custody_entry", "item", "key_created", "keys",
           "match", "ocr_layers", "pack", "recapture_schedule", "recaptures", "search", "approval", "signed_record",
           "suggestions", "timeline"]

# command (as typed) -> schema under schemas/ (``<name>.schema.json``; ``$id`` ``urn:evidence:<name>:1``)
SCHEMA_OF = {
    "init": "cli-init", "key create": "cli-key-create", "key list": "cli-key-list", "key approve": None,
    "case open": "cli-case", "case update": "cli-case", "case show": "cli-case", "case list": "cli-case-list",
    "import": "cli-items", "items": "cli-items", "capture": "cli-capture", "redact": "cli-item", "show": "cli-show",
    "custody": "cli-custody", "search": "cli-search", "match": "cli-match", "timeline": "cli-timeline", "suggest": "cli-suggest",
    "allege": "cli-allegation", "allege list": "cli-allegation-list", "bundle": "cli-bundle", "clauses": "cli-clauses",
    "config list": "cli-config-list", "verify": "cli-verify", "verify-bundle": "cli-verify-bundle", "doctor": "cli-doctor",
    "recapture": "cli-recapture", "ocr": "cli-ocr",
}


def _renamed(d: dict, names: dict) -> dict:
    return {names.get(k, k): v for k, v in d.items()}


def case(row: dict, *, items: list | None = None) -> dict:
    """A case: ``ref``, ``title``, parties, ``status``, ``*_utc`` times, ``items`` (a count); with ``item_list``."""
    out = dict(row)
    if items is not None:
        out["item_list"] = [item(i) for i in items]
    return out


def item(it) -> dict:
    """An item as listings show it (from :meth:`evidence.views.Item.summary` or an item)."""
    summary = it if isinstance(it, dict) else it.summary()
    return _renamed(summary, {"case": "case_ref", "created": "created_utc"})


def signed_record(it) -> dict:
    """``show --json``: the signed record itself (schemas/record.schema.json), its hash and signature."""
    return {"record": it.record, "record_hash": it.record_hash, "signature": it.signature.hex()}


def custody_entry(e) -> dict:
    """A custody row is the signed entry itself (schemas/custody-entry.schema.json)."""
    return dict(e.entry)


def keys(rows: list[dict]) -> list[dict]:
    return [{k: (bool(v) if k == "trusted" else v) for k, v in r.items()} for r in rows]


def key_created(made) -> dict:
    s = made.signer
    return {"fingerprint": s.fingerprint, "name": s.identity.name, "email": s.identity.email, "role": s.identity.role,
            "key_file": str(s.key_file), "store": str(made.store) if made.store else None,
            "not_registered": made.not_registered}


def allegation(a: dict) -> dict:
    return _renamed({k: v for k, v in a.items() if k != "records"}, {"case": "case_ref", "created": "created_utc"})


def suggestions(view: dict) -> dict:
    return {"label": view["label"], "item_id": view["item"],
            "suggestions": [_renamed(s.as_dict(), {"clause_id": "clause"}) for s in view["suggestions"]]}


def search(rows: list[dict]) -> list[dict]:
    return [dict(r) for r in rows]


def timeline(rows: list[dict]) -> list[dict]:
    return [dict(r) for r in rows]


def pack(r: dict, audience: str) -> dict:
    out = _renamed(r, {"as_of": "as_of_utc"})
    return {**out, "path": str(out["path"]), "audience": audience}


def capture_batch(results) -> list[dict]:
    return [{"url": r.url, "ok": r.ok, "item_id": r.item.id if r.ok else None,
             "error": None if r.ok else str(r.error), "warnings": list(r.warnings or [])} for r in results]


def match(res: dict) -> dict:
    """``match --json``: the supplied item, the label and best capture, the ranked captures, the OCR read."""
    out = _renamed(res, {"item": "item_id", "case": "case_ref", "best": "best_item_id", "logged_as": "custody_seq"})
    out["ranked"] = [_renamed(r, {"id": "item_id"}) for r in res["ranked"]]
    return out


SCHEMA_OF["approve"] = "cli-approve"


def approval(r: dict) -> dict:
    """``approve --json``: the approval entry and what it covers."""
    out = _renamed(r, {"case": "case_ref", "seq": "custody_seq", "time": "time_utc"})
    return {k: out.get(k) for k in ("case_ref", "approved", "current", "custody_seq", "time_utc", "by",
                                    "contents_sha256", "items", "allegations", "note")}


def recaptures(results: list[dict]) -> list[dict]:
    """``recapture --json``: one comparison per URL (``verdict`` "failed" when the capture failed)."""
    names = {"earlier": "earlier_item_id", "later": "later_item_id", "logged_as": "custody_seq"}
    out = []
    for r in results:
        d = _renamed(r, names)
        if "difference" in d:
            d["difference"] = _renamed(d["difference"], {"item": "item_id"})
        out.append(d)
    return out


def recapture_schedule(res: dict) -> dict:
    return _renamed(res, {"case": "case_ref", "logged_as": "custody_seq"})


def ocr_layers(results: list[dict]) -> list[dict]:
    """``ocr --json``: per image read, the item, its OCR layer item, the engine, the word count and the text."""
    return [_renamed(r, {"item": "item_id", "layer_item": "layer_item_id"}) for r in results]
