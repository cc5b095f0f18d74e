"""Allegations: exhibits linked to a policy clause with the investigator's reasoning.

An allegation is made by a signed record (``urn:evidence:allegation:1``, event
``made``) quoting the clause verbatim and naming the policy catalogue by SHA-256
and each exhibit by its record's SHA-256. It is never deleted: withdrawing it
adds a second signed record (event ``withdrawn``) with the reason. Both are
written to the custody log. The catalogue's exact bytes are kept in the store's
artifact folder, so a pack can always carry the policy an allegation cited.
"""

from __future__ import annotations

from typing import Any

from .. import clock
from ..canonical import parse_json
from ..errors import InputError, NotFound
from ..ids import new_ulid
from ..ingest import require_open_case
from .catalogue import Catalogue, load_catalogue
from ..records import sign_record, tool_info
from ..schemas import schema_id

__all__ = ["allege", "withdraw", "list_allegations", "get_allegation", "SCHEMA"]

SCHEMA = schema_id("allegation")


def _policy_ref(cat: Catalogue) -> dict:
    return {"id": cat.policy_id, "title": cat.title, "version": cat.version, "sha256": cat.sha256}


def allege(ev, *, case: str, clause: str, evidence: list[str], summary: str,
           policy: str | None = None) -> dict:
    """Link ``evidence`` (item ids or unique prefixes) in ``case`` to ``clause``. Returns the allegation."""
    if not summary or not summary.strip():
        raise InputError("an allegation needs the investigator's reasoning", hint='add --summary "..."')
    if not evidence:
        raise InputError("an allegation needs at least one exhibit", hint="add --evidence ITEM")
    case_row = require_open_case(ev.store, case)
    cat = load_catalogue(policy)
    cl = cat.clause(clause)
    items = []
    for ref in evidence:
        it = ev.item(ref)
        if it.case_ref != case_row["ref"]:
            raise InputError(f"item {it.id} belongs to case {it.case_ref}, not {case_row['ref']}",
                             hint="an allegation can only cite evidence of its own case")
        if it.kind == "redaction":
            raise InputError(f"item {it.id} is a redacted copy; cite the original item {it.derived_from}")
        if it.id not in [x.id for x in items]:
            items.append(it)
    signer = ev.log.signer()
    # keep the catalogue's exact bytes in the artifact folder (content-addressed, written once)
    tag, _, _ = ev.store.artifacts.put_bytes(cat.raw)
    assert tag == cat.sha256
    aid = new_ulid()
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "allegation": aid,
        "store": ev.store.store_id,
        "case": case_row["ref"],
        "event": "made",
        "clause": {"id": cl.id, "title": cl.title, "section": cl.section, "section_title": cl.section_title,
                   "kind": cl.kind, "text": cl.text, **({"stem": cl.stem} if cl.stem else {})},
        "policy": _policy_ref(cat),
        "evidence": [{"item": it.id, "record_sha256": it.record_hash} for it in items],
        "summary": summary.strip(),
        "created": clock.stamp(),
        "signer": signer.actor(),
        "tool": tool_info(),
    }
    signed = sign_record(record, signer, schema="allegation")

    ev.log.write("allegation.made", subject={"type": "allegation", "id": aid}, case=case_row["ref"], signer=signer,
                 details={"record_hash": signed.hash, "clause": cl.id, "summary": summary.strip(),
                          "evidence": [it.id for it in items], "policy_sha256": cat.sha256},
                 attach={"record": signed}, check=lambda: require_open_case(ev.store, case_row["ref"]))
    return get_allegation(ev, aid)


def withdraw(ev, allegation_id: str, *, reason: str) -> dict:
    if not reason or not reason.strip():
        raise InputError("withdrawing an allegation needs a reason", hint='add --reason "..."')
    current = get_allegation(ev, allegation_id)
    if current["status"] == "withdrawn":
        raise InputError(f"allegation {current['id']} is already withdrawn")
    require_open_case(ev.store, current["case"])
    signer = ev.log.signer()
    made = current["records"][0]
    record = {
        "schema": SCHEMA,
        "allegation": current["id"],
        "store": ev.store.store_id,
        "case": current["case"],
        "event": "withdrawn",
        "withdraws": made["sha256"],
        "clause": made["record"]["clause"],
        "policy": made["record"]["policy"],
        "evidence": made["record"]["evidence"],
        "summary": made["record"]["summary"],
        "reason": reason.strip(),
        "created": clock.stamp(),
        "signer": signer.actor(),
        "tool": tool_info(),
    }
    signed = sign_record(record, signer, schema="allegation")

    ev.log.write("allegation.withdrawn", subject={"type": "allegation", "id": current["id"]}, case=current["case"],
                 signer=signer, details={"record_hash": signed.hash, "reason": reason.strip(),
                                         "clause": current["clause"]}, attach={"record": signed})
    return get_allegation(ev, current["id"])


def _view(ev, row: dict) -> dict:
    events = ev.store.allegation_events(row["id"])
    records = []
    for e in events:
        data = bytes(e["record"])
        records.append({"event": e["event"], "record": parse_json(data), "bytes": data, "sha256": e["record_hash"],
                        "signature": bytes(e["signature"]), "signer": e["signer"]})
    made = records[0]["record"] if records else {}
    withdrawn = next((r["record"] for r in records if r["event"] == "withdrawn"), None)
    return {"id": row["id"], "case": row["case_ref"], "clause": row["clause"], "status": row["status"],
            "created": row["created_utc"], "summary": made.get("summary"),
            "clause_text": (made.get("clause") or {}).get("text"), "policy": made.get("policy"),
            "evidence": [e["item"] for e in made.get("evidence", [])],
            "withdrawn_reason": withdrawn.get("reason") if withdrawn else None, "records": records}


def get_allegation(ev, allegation_id: str) -> dict:
    row = ev.store.allegation(allegation_id)
    if row is None and len(allegation_id) >= 6:
        found = ev.store.allegations_by_prefix(allegation_id)
        if len(found) == 1:
            row = ev.store.allegation(found[0]["id"])
        elif len(found) > 1:
            raise NotFound(f"{allegation_id} matches several allegations", hint="give more of the id")
    if row is None:
        raise NotFound(f"no allegation {allegation_id}", hint="list them with `evidence allege list --case REF`")
    return _view(ev, row)


def list_allegations(ev, case: str) -> list[dict]:
    ref = ev.case(case)["ref"]
    return [_view(ev, r) for r in ev.store.allegations(ref)]
