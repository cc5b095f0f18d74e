"""Replay: rebuild, from the signed custody entries alone, what the store's tables must hold; compare.

Independent of the writing side (which derives its rows in :mod:`evidence.log.project`):
this module reads each entry's action, time, actor and details and keeps its own picture of
the keys (and which of them are trusted), the cases, the allegations and the settings. Every
table row is then compared with that picture, column by column; a difference names the
table, the row, the column and the entry that says otherwise.

Trust is explicit: the first entry must be ``store.created``, naming the key that created
the store; that key is trusted. Another key becomes trusted only through a ``key.trusted``
entry signed by a trusted key whose role is supervisor or administrator (or by the
creator). Every entry must be signed by a key trusted at that point, except a key's own
``key.registered``. A reader may also give the fingerprints they trust (``--trust FILE``):
every entry by another key is then reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Replayed", "replay", "compare", "APPROVER_ROLES"]

APPROVER_ROLES = ("supervisor", "administrator")


@dataclass
class Replayed:
    keys: dict[str, dict] = field(default_factory=dict)
    creator: str | None = None
    cases: dict[str, dict] = field(default_factory=dict)
    allegations: dict[str, dict] = field(default_factory=dict)
    settings: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    untrusted: list[tuple[int, str]] = field(default_factory=list)  # (seq, fingerprint) signed by an untrusted key
    bad_approvals: list[tuple[int, str]] = field(default_factory=list)
    first_action: str | None = None
    first_seq: int | None = None


def _case(state: Replayed, seq: int, e: dict) -> None:
    action, ref, d, t, actor = e["action"], e["subject"].get("id"), e.get("details") or {}, e["time"]["utc"], e["actor"]
    if action == "case.opened":
        state.cases[ref.lower()] = {"_seq": {"*": seq}, "ref": ref, "title": d.get("title"), "subject": d.get("subject"),
                                    "complainant": d.get("complainant"), "status": "open", "opened_utc": t,
                                    "opened_by": actor.get("fingerprint"), "updated_utc": None, "closed_utc": None,
                                    "closed_by": None, "close_reason": None}
        return
    c = state.cases.get((ref or "").lower())
    if c is None:
        return
    if action == "case.updated":
        for k, v in (d.get("changes") or {}).items():
            c[k] = v
            c["_seq"][k] = seq
        c["updated_utc"] = t
        c["_seq"]["updated_utc"] = seq
    elif action == "case.closed":
        c.update(status="closed", closed_utc=t, closed_by=actor.get("fingerprint"), close_reason=d.get("reason"))
        for k in ("status", "closed_utc", "closed_by", "close_reason"):
            c["_seq"][k] = seq


def _key(state: Replayed, seq: int, e: dict) -> None:
    action, fp, d, t = e["action"], e["subject"].get("id"), e.get("details") or {}, e["time"]["utc"]
    actor = (e.get("actor") or {}).get("fingerprint")
    if action == "store.created":
        state.creator = actor
        return
    if action == "key.registered":
        creator = fp == state.creator and fp not in state.keys
        state.keys[fp] = {"_seq": {"*": seq}, "fingerprint": fp, "name": d.get("name"), "email": d.get("email"),
                          "role": d.get("role"), "public_pem": d.get("public_key"), "registered_utc": t,
                          "trusted": 1 if creator else 0, "trusted_by": actor if creator else None,
                          "trusted_utc": t if creator else None}
        return
    # key.trusted
    approver = state.keys.get(actor) or {}
    may = actor == state.creator or (approver.get("trusted") and approver.get("role") in APPROVER_ROLES)
    if not may:
        state.bad_approvals.append((seq, actor))
        return
    k = state.keys.get(fp)
    if k is not None:
        k.update(trusted=1, trusted_by=actor, trusted_utc=t)
        for col in ("trusted", "trusted_by", "trusted_utc"):
            k["_seq"][col] = seq


def _allegation(state: Replayed, seq: int, e: dict) -> None:
    aid, d = e["subject"].get("id"), e.get("details") or {}
    if e["action"] == "allegation.made":
        state.allegations[aid] = {"_seq": {"*": seq}, "id": aid, "case_ref": e.get("case"), "clause": d.get("clause"),
                                  "status": "open", "policy_sha256": d.get("policy_sha256"), "withdrawn_seq": None,
                                  "made_hash": d.get("record_hash"), "withdrawn_hash": None}
    elif aid in state.allegations:
        a = state.allegations[aid]
        a.update(status="withdrawn", withdrawn_seq=seq, withdrawn_hash=d.get("record_hash"))
        a["_seq"]["status"] = seq


def _trusted_at(state: Replayed, fp: str | None) -> bool:
    return bool(fp) and bool((state.keys.get(fp) or {}).get("trusted"))


def replay(entries: list[tuple[int, dict]]) -> Replayed:
    """The state the signed entries (seq, parsed entry) describe, in order."""
    state = Replayed()
    for seq, e in entries:
        try:
            _one(state, seq, e)
        except (KeyError, TypeError, AttributeError):
            continue  # a malformed entry: its hash and signature checks name it
    return state


def _one(state: Replayed, seq: int, e: dict) -> None:
    action = e.get("action")
    if state.first_seq is None:
        state.first_action, state.first_seq = action, seq
    actor = (e.get("actor") or {}).get("fingerprint")
    own_registration = action == "key.registered" and (e.get("subject") or {}).get("id") == actor
    if action in ("store.created", "key.registered", "key.trusted"):
        _key(state, seq, e)
    if not (action == "store.created" or own_registration or _trusted_at(state, actor)):
        state.untrusted.append((seq, actor))
    if action in ("case.opened", "case.updated", "case.closed"):
        _case(state, seq, e)
    elif action in ("allegation.made", "allegation.withdrawn"):
        _allegation(state, seq, e)
    elif action == "config.set":
        d = e.get("details") or {}
        state.settings[d.get("key")] = (d.get("value"), seq)


def _columns(report, table: str, label: str, row: dict, want: dict, cols: tuple[str, ...]) -> None:
    seqs = want["_seq"]
    for col in cols:
        if row.get(col) != want.get(col):
            seq = seqs.get(col, seqs["*"])
            report.add(f"{table} row {label}", f"column {col} is {row.get(col)!r} but custody entry {seq} says "
                                               f"{want.get(col)!r}", "replay-mismatch")


def compare(store, report, state: Replayed, *, case: str | None = None, trust: set[str] | None = None) -> None:
    """Name every table row that differs from what the signed log says, and every entry by an untrusted key."""
    if state.first_seq == 1 and state.first_action != "store.created":
        report.add("custody entry 1", f"is {state.first_action!r}, not store.created: the log does not say which key "
                                      "created the store", "trust-root")
    if state.first_seq != 1:
        state.untrusted = state.bad_approvals = []  # the first entry is damaged (named already): trust cannot be traced
    for seq, fp in state.untrusted:
        report.add(f"custody entry {seq}", f"is signed by {fp}, a key no trusted key had approved", "key-untrusted")
    for seq, fp in state.bad_approvals:
        report.add(f"custody entry {seq}", f"approves a key, but its signer {fp} may not approve keys "
                                           "(not the creator, nor a trusted supervisor or administrator)", "key-untrusted")
    if trust is not None:
        for fp in sorted({k for k in state.keys} - trust):
            report.add(f"key {fp}", f"({state.keys[fp].get('name')}) signed entries but is not in the trust list given",
                       "key-not-trusted-by-reader")
    for k in store.keys():
        want = state.keys.get(k["fingerprint"])
        if want is not None:
            _columns(report, "keys", k["fingerprint"], k, want,
                     ("name", "email", "role", "registered_utc", "trusted", "trusted_by", "trusted_utc"))
    for c in store.cases():
        want = state.cases.get(c["ref"].lower())
        if want is not None and (case is None or c["ref"] == case):
            _columns(report, "cases", c["ref"], c, want, ("ref", "title", "subject", "complainant", "opened_utc",
                                                           "opened_by", "updated_utc", "closed_utc", "closed_by",
                                                           "close_reason"))
    _compare_allegations(store, report, state, case)
    _compare_settings(store, report, state)


def _compare_allegations(store, report, state: Replayed, case: str | None) -> None:
    events = {}
    for ev in store.allegation_events():
        events.setdefault(ev["allegation_id"], {})[ev["event"]] = ev
    for a in store.allegations(case):
        want = state.allegations.get(a["id"])
        if want is None:
            continue  # named by the allegation checks (no custody entry records it)
        _columns(report, "allegations", a["id"], a, want, ("case_ref", "clause", "status", "policy_sha256"))
    for aid, want in state.allegations.items():
        if case is not None and want["case_ref"] != case:
            continue
        if want["withdrawn_seq"] and "withdrawn" not in events.get(aid, {}):
            report.add(f"allegation {aid}", f"custody entry {want['withdrawn_seq']} withdrew it, but its signed "
                                            "withdrawal record is missing from the store", "allegation-record")


def _compare_settings(store, report, state: Replayed) -> None:
    rows = store.settings()
    for key in sorted(set(rows) | set(state.settings)):
        value, seq = state.settings.get(key, (None, None))
        if rows.get(key) != value:
            if seq is None:
                report.add(f"settings row {key}", "is set, but no custody entry sets it", "replay-mismatch")
            else:
                report.add(f"settings row {key}", f"is {rows.get(key)!r} but custody entry {seq} says {value!r}",
                           "replay-mismatch")
