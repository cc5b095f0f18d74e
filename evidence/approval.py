"""Approval of a case's contents by a supervisor (ACPO principle 4: a person in charge answers for the evidence).

``evidence approve --case REF`` writes one signed custody entry, ``case.approved``, naming exactly what was
approved: every item of the case by its signed record hash (but the tool's ``analysis`` items: OCR text
layers and difference images, made again whenever missing), and every allegation by its id and status, with
the SHA-256 of that list (canonical JSON) as ``contents_sha256``. A pack built later shows the approval only
if the case still holds exactly those contents; ``bundle --require-approval`` refuses otherwise. An approval
given before evidence was added, redacted or an allegation made or withdrawn does not cover the new state:
the supervisor approves again.

Who may approve:

* a key whose role is ``supervisor``, trusted in the store (an administrator runs the store, not the
  investigation, so an administrator's key may not approve a case);
* never someone approving their own work: a supervisor who signed any item record or allegation record of the
  case is refused, since approval is a second person's check. (A supervisor who only opened the case or
  built packs may approve.)
"""

from __future__ import annotations

from .canonical import canonical_json
from .digest import sha256_tag
from .errors import KeyNotTrusted, NotAllowed

__all__ = ["APPROVER_ROLE", "case_contents", "approve_case", "approval_state"]

APPROVER_ROLE = "supervisor"


def _evidence(ev, ref: str) -> list:
    """The case's items but its ``analysis`` items (OCR text layers, difference images): those are the tool's
    own readings of evidence, made again when missing (e.g. by a pack), and not evidence a supervisor approves."""
    return [it for it in ev.items(ref) if it.kind != "analysis"]


def case_contents(ev, ref: str) -> dict:
    """What an approval covers: the case's items (record hashes) and allegations (status), sorted by id."""
    items = sorted(({"id": it.id, "record_hash": it.record_hash} for it in _evidence(ev, ref)), key=lambda x: x["id"])
    allegations = sorted(({"id": a["id"], "status": a["status"]} for a in ev.allegations(ref)),
                         key=lambda x: x["id"])
    contents = {"items": items, "allegations": allegations}
    return dict(contents, contents_sha256=sha256_tag(canonical_json(contents)))


def _authors(ev, ref: str) -> set[str]:
    """Fingerprints of everyone who signed an item record or an allegation record of the case."""
    signers = {it.signer for it in _evidence(ev, ref)}
    signers |= {r["signer"] for a in ev.allegations(ref) for r in a["records"]}
    return signers


def approve_case(ev, ref: str, *, note: str | None = None) -> dict:
    """Record the approval of case ``ref``'s current contents by the user's key. Returns the approval."""
    case = ev.case(ref)
    ref = case["ref"]
    signer = ev.log.signer()
    role = signer.identity.role
    if role != APPROVER_ROLE:
        raise KeyNotTrusted(f"your key ({signer.name}, {role}) may not approve a case",
                            hint="a second person whose key has the supervisor role approves it")
    if signer.fingerprint in _authors(ev, ref):
        raise NotAllowed(f"you ({signer.name}) took in evidence or made allegations in case {ref}, so you may not "
                         "approve it yourself", hint="another supervisor approves it")
    contents = case_contents(ev, ref)
    if not contents["items"]:
        raise NotAllowed(f"case {ref} has no evidence yet: there is nothing to approve",
                         hint="import or capture evidence first")
    details = dict(contents)
    if note and note.strip():
        details["note"] = note.strip()

    def still_same() -> None:
        if case_contents(ev, ref)["contents_sha256"] != contents["contents_sha256"]:
            raise NotAllowed(f"case {ref} changed while it was being approved", hint="run `evidence approve` again")

    seq = ev.log.write("case.approved", subject={"type": "case", "id": ref}, case=ref, details=details,
                       check=still_same)
    return approval_state(ev, ref) | {"seq": seq}


def approval_state(ev, ref: str) -> dict:
    """The newest approval of case ``ref`` and whether it covers the case as it is now.

    ``{"approved": bool, "current": bool, "seq", "time", "by": {fingerprint, name, role}, "contents_sha256",
    "items", "allegations", "note", "changed": [what differs]}``; ``approved`` is False when there is none."""
    entries = ev.custody(case=ref, actions=("case.approved",))
    now = case_contents(ev, ref)
    if not entries:
        return {"approved": False, "current": False, "case": ref, "contents_sha256": now["contents_sha256"]}
    e = entries[-1]
    d = e.entry["details"]
    current = d.get("contents_sha256") == now["contents_sha256"]
    return {"approved": True, "current": current, "case": ref, "seq": e.seq, "time": e.entry["time"]["utc"],
            "by": e.entry["actor"], "contents_sha256": d.get("contents_sha256"), "items": len(d.get("items", [])),
            "allegations": len(d.get("allegations", [])), "note": d.get("note"),
            "changed": [] if current else _changes(d, now)}


def _changes(then: dict, now: dict) -> list[str]:
    """What differs between an approved state and the present one, in words."""
    out = []
    old_items = {x["id"]: x["record_hash"] for x in then.get("items", [])}
    new_items = {x["id"]: x["record_hash"] for x in now["items"]}
    added = sorted(set(new_items) - set(old_items))
    if added:
        out.append(f"{len(added)} item(s) added since: {', '.join(added)}")
    gone = sorted(set(old_items) - set(new_items))
    if gone:
        out.append(f"{len(gone)} approved item(s) no longer in the case: {', '.join(gone)}")
    old_al = {x["id"]: x["status"] for x in then.get("allegations", [])}
    new_al = {x["id"]: x["status"] for x in now["allegations"]}
    for aid in sorted(set(old_al) | set(new_al)):
        if old_al.get(aid) != new_al.get(aid):
            out.append(f"allegation {aid}: {old_al.get(aid, 'not made')} when approved, {new_al.get(aid, 'gone')} now")
    return out or ["the case's contents differ from those approved"]
