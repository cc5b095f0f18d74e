"""The tables as a projection of the log: what each signed custody entry writes to the store's tables.

:meth:`evidence.log.writer.Log.write` appends an entry and, in the same transaction, calls
:func:`project` with it. Every column written here comes from the entry (its time, its
actor, its details) or from the signed record it names by hash, so the tables can always
be rebuilt from the log; ``evidence verify`` does so independently
(:mod:`evidence.verify.replay`) and names every row that differs.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["project", "PROJECTED", "post_row", "post_text"]


def _key_registered(tx, e: dict, attach: dict) -> None:
    d = e["details"]
    tx.insert_key({"fingerprint": e["subject"]["id"], "name": d["name"], "email": d["email"], "role": d["role"],
                   "public_pem": d["public_key"], "registered_utc": e["time"]["utc"],
                   "trusted": 1 if attach.get("creator") else 0,
                   "trusted_by": e["actor"]["fingerprint"] if attach.get("creator") else None,
                   "trusted_utc": e["time"]["utc"] if attach.get("creator") else None})


def _key_trusted(tx, e: dict, attach: dict) -> None:
    tx.trust_key(e["subject"]["id"], e["actor"]["fingerprint"], e["time"]["utc"])


def _case_opened(tx, e: dict, attach: dict) -> None:
    d = e["details"]
    tx.insert_case({"ref": e["subject"]["id"], "title": d["title"], "subject": d.get("subject"),
                    "complainant": d.get("complainant"), "status": "open", "opened_utc": e["time"]["utc"],
                    "opened_by": e["actor"]["fingerprint"]})


def _case_updated(tx, e: dict, attach: dict) -> None:
    tx.update_case(e["subject"]["id"], dict(e["details"]["changes"]), e["time"]["utc"])


def _case_closed(tx, e: dict, attach: dict) -> None:
    tx.close_case(e["subject"]["id"], e["time"]["utc"], e["actor"]["fingerprint"], e["details"]["reason"])


def _item(tx, e: dict, attach: dict) -> None:
    signed = attach["record"]
    rec = signed.record
    tx.insert_item({"id": rec["id"], "case_ref": e["case"], "kind": rec["kind"], "record": signed.data,
                    "record_hash": signed.hash, "signature": signed.signature,
                    "signer": rec["signer"]["fingerprint"], "created_utc": rec["created"]["utc"],
                    "derived_from": (rec.get("derived_from") or {}).get("item")})
    for a in rec["artifacts"]:
        tx.insert_artifact({"item_id": rec["id"], "role": a["role"], "sha256": a["sha256"], "size": a["size"],
                            "media_type": a["media_type"]})
    tx.index_text("note", rec["id"], e["case"], rec.get("note") or "")
    post = attach.get("post")
    if post is not None:  # what the capture's metadata artifact (named in the record by hash) says of the post
        tx.insert_post(post_row(rec, e["case"], post))
        tx.index_text("post", rec["id"], e["case"], post_text(post))
    if attach.get("ocr_text"):  # an OCR layer: the text its artifact (named in the record by hash) holds
        tx.index_text("ocr", rec["id"], e["case"], attach["ocr_text"])


def post_row(rec: dict, case_ref: str, post: dict) -> dict:
    """The ``posts`` row of a capture (an index: verify rebuilds it from the metadata artifact)."""
    return {"item_id": rec["id"], "case_ref": case_ref, "url": post.get("url") or rec["source"].get("final_url"),
            "platform": post.get("platform"), "author_name": post.get("author_name"),
            "author_handle": post.get("author_handle"), "published": post.get("published"),
            "title": post.get("title"), "text": post.get("text"), "captured_utc": rec["created"]["utc"]}


def post_text(post: dict) -> str:
    return "\n".join(str(post.get(k)) for k in ("author_name", "author_handle", "title", "text") if post.get(k))


def _allegation_event(tx, e: dict, signed, event: str) -> None:
    aid = e["subject"]["id"]
    tx.insert_allegation_event({"id": f"{aid}:{event}", "allegation_id": aid, "event": event, "record": signed.data,
                                "record_hash": signed.hash, "signature": signed.signature,
                                "signer": signed.record["signer"]["fingerprint"],
                                "created_utc": signed.record["created"]["utc"]})


def _allegation_made(tx, e: dict, attach: dict) -> None:
    signed = attach["record"]
    tx.insert_allegation({"id": e["subject"]["id"], "case_ref": e["case"], "clause": e["details"]["clause"],
                          "status": "open", "created_utc": signed.record["created"]["utc"],
                          "policy_sha256": e["details"]["policy_sha256"]})
    tx.index_text("allegation", e["subject"]["id"], e["case"], e["details"].get("summary") or "")
    _allegation_event(tx, e, signed, "made")


def _allegation_withdrawn(tx, e: dict, attach: dict) -> None:
    tx.set_allegation_status(e["subject"]["id"], "withdrawn")
    _allegation_event(tx, e, attach["record"], "withdrawn")


def _setting(tx, e: dict, attach: dict) -> None:
    tx.set_setting(e["details"]["key"], e["details"]["value"])


PROJECTED: dict[str, Callable[[Any, dict, dict], None]] = {
    "key.registered": _key_registered,
    "key.trusted": _key_trusted,
    "case.opened": _case_opened,
    "case.updated": _case_updated,
    "case.closed": _case_closed,
    "item.imported": _item,
    "item.captured": _item,
    "item.redacted": _item,
    "item.derived": _item,
    "allegation.made": _allegation_made,
    "allegation.withdrawn": _allegation_withdrawn,
    "config.set": _setting,
}
"""The actions that change a table; every other action only adds to the log."""


def project(tx, entry: dict, attach: dict | None = None) -> None:
    """Write what ``entry`` states to the tables (``attach``: the signed record it names, if any)."""
    fn = PROJECTED.get(entry["action"])
    if fn is not None:
        fn(tx, entry, attach or {})
