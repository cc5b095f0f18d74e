"""What a pack says about who did what (issue 10 items 5 and 6): its approval, its earlier disclosures, the
declaration of how each exhibit was taken in, and the policy version in force on the date of each post.

Every fact here is read from signed custody entries and signed records (through the API); the builder adds
the result to the manifest (``approval``, ``disclosures``, ``recipient``) and to the report's context.
"""

from __future__ import annotations

from datetime import date

from ..errors import NotAllowed

__all__ = ["approval_for_pack", "disclosures", "declaration", "policy_in_force", "pack_facts"]


def approval_for_pack(ev, ref: str, require: bool) -> dict:
    """The case's newest approval and whether it covers the case now; with ``require``, refuse unless it does."""
    state = ev.approval(ref)
    if require and not state["approved"]:
        raise NotAllowed(f"case {ref} has not been approved, and --require-approval was given; no pack was built",
                         hint="a supervisor runs `evidence approve --case " + ref + "` first")
    if require and not state["current"]:
        raise NotAllowed(f"the approval of case {ref} (custody entry {state['seq']}, by {state['by']['name']}) "
                         f"covers an earlier state of the case ({'; '.join(state['changed'])}); no pack was built",
                         hint="evidence added or allegations changed after an approval are not approved: a "
                              "supervisor approves the case again")
    return state


def _approval_manifest(state: dict) -> dict | None:
    if not state["approved"]:
        return None
    return {"seq": state["seq"], "time": state["time"], "by": state["by"], "contents_sha256": state["contents_sha256"],
            "current": state["current"], "changed": state["changed"], "note": state["note"]}


def disclosures(entries) -> list[dict]:
    """Every earlier pack of the case (its ``bundle.built`` entries), oldest first."""
    out = []
    for e in entries:
        if e.action != "bundle.built":
            continue
        d = e.entry["details"]
        out.append({"seq": e.seq, "time": e.entry["time"]["utc"], "by": e.entry["actor"], "sha256": d.get("sha256"),
                    "for": d.get("for"), "recipient": d.get("recipient"), "redacted": bool(d.get("redacted"))})
    return out


def declaration(exhibits: list[dict]) -> list[dict]:
    """Per exhibit, from its signed record: who took it in, with what, from where, how, and the time source."""
    out = []
    for e in exhibits:
        rec, src = e["record"], e["source"]
        host = src.get("host") or {}
        out.append({"id": e["id"], "kind": e["kind"], "signer": rec["signer"], "tool": rec.get("tool") or {},
                    "browser": src.get("browser"), "host": host.get("name"), "user": host.get("user"),
                    "address": host.get("address"), "clock": host.get("clock") or {}, "method": src.get("method"),
                    "session": src.get("session"), "recorded": bool(host)})
    return out


def policy_in_force(cat, exhibits: list[dict]) -> list[dict]:
    """For each post whose date is known: whether the catalogue's version was in force on that date."""
    since = _day(cat.in_force_from)
    out = []
    for e in exhibits:
        posted = (e.get("post") or {}).get("published")
        day = _day(posted)
        if day is None:
            continue
        if since is None:
            state = "unknown"  # the catalogue does not say from when its version is in force
        else:
            state = "in force" if day >= since else "not yet in force"
        out.append({"id": e["id"], "published": posted, "state": state})
    return out


def _day(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def pack_facts(b, approval: dict, audience: str, recipient: str | None) -> dict:
    """Add the manifest sections of this module to builder ``b`` and return the report's context for them."""
    earlier = disclosures(b.entries)
    b.manifest["approval"] = _approval_manifest(approval)
    b.manifest["disclosures"] = earlier
    b.manifest["recipient"] = {"for": audience, "name": recipient}
    cat = b.main_cat
    return {"approval": b.manifest["approval"], "disclosures": earlier,
            "recipient": b.manifest["recipient"], "declaration": declaration(b.exhibits),
            "policy_facts": {"in_force_from": cat.in_force_from, "source": cat.source},
            "policy_by_post": policy_in_force(cat, b.exhibits)}
