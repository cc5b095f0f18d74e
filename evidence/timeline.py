"""A case's timeline: when each post was published (and how that is known), captured, alleged, withdrawn,
redacted, approved and disclosed, in order.

Every event comes from a signed source: the custody log (its entries' times), or the post as the capture's
metadata artifact states it (the page's own time, a time the post's id encodes, or a date without a time).
"""

from __future__ import annotations

__all__ = ["timeline"]

_FROM_LOG = {
    "case.opened": "case opened",
    "case.updated": "case updated",
    "case.closed": "case closed",
    "item.imported": "supplied file taken in",
    "item.captured": "captured",
    "item.redacted": "redacted copy made",
    "capture.failed": "capture failed",
    "allegation.made": "alleged",
    "allegation.withdrawn": "allegation withdrawn",
    "bundle.built": "pack disclosed",
    "key.trusted": "key approved",
    "recapture.compared": "recaptured",
    "recapture.scheduled": "recapture schedule set",
    "match.recorded": "supplied screenshot matched",
    "case.approved": "approved",
    "wacz.exported": "exported as a web archive (WACZ)",
}


def _published(item) -> dict | None:
    """When the post says it was published, and how that is known (None if the page shows no time)."""
    post = item.post()
    if post.get("published"):
        return {"time_utc": post["published"], "how": "shown on the page"}
    if post.get("published_local"):
        return {"time_utc": None, "time_local": post["published_local"],
                "how": "shown on the page as a date or local time without a time zone"}
    id_time = post.get("id_time") or {}
    if id_time.get("utc"):
        return {"time_utc": id_time["utc"], "how": f"derived from the post's id ({id_time.get('method')})"}
    return None


def _label(entry) -> str:
    d = entry.entry["details"]
    action = entry.action
    what = _FROM_LOG[action]
    if action == "item.captured":
        return f"{what}: {d.get('final_url') or d.get('url')} (HTTP {d.get('http_status')})"
    if action in ("allegation.made", "allegation.withdrawn"):
        return f"{what}: clause {d.get('clause')}" + (f" ({d.get('reason')})" if d.get("reason") else "")
    if action == "bundle.built":
        return f"{what} to the {d.get('for')} ({d.get('sha256')})"
    if action == "recapture.compared":
        v = d.get("verdict")
        found = {"edited": "found edited", "gone": "found gone", "media changed": "found with its media changed",
                 "still there": "found still there"}.get(v, v)
        return f"{what}: {found} ({'; '.join(d.get('reasons') or [])}), compared with {d.get('earlier')}"
    if action == "match.recorded":
        return f"{what}: {d.get('label')}" + (f" (capture {d.get('best')})" if d.get("best") else "")
    if action == "recapture.scheduled":
        return f"{what}: every {d.get('every')}"
    if action == "case.approved":
        by = entry.entry.get("actor") or {}
        return (f"{what} by {by.get('name') or 'unknown'} ({by.get('role') or 'no role'}): "
                f"{len(d.get('items') or [])} items, {len(d.get('allegations') or [])} allegations")
    if action == "capture.failed":
        return f"{what}: {d.get('url')}: {d.get('error')}"
    return what


def timeline(ev, case: str) -> list[dict]:
    """The events of ``case`` in time order (events without a full time, such as a date-only post, sort by date)."""
    ref = ev.case(case)["ref"]
    events = []
    for item in ev.items(ref):
        pub = _published(item)
        if pub is not None:
            post = item.post()
            events.append({"time_utc": pub.get("time_utc"), "time_local": pub.get("time_local"), "event": "published",
                           "what": f"post by {post.get('author_name') or post.get('author_handle') or 'unknown'} "
                                   f"published ({pub['how']})", "item_id": item.id, "source": pub["how"]})
    for e in ev.custody(case=ref):
        if e.action in _FROM_LOG:
            events.append({"time_utc": e.entry["time"]["utc"], "time_local": None, "event": e.action,
                           "what": _label(e), "item_id": e.item_id, "source": f"custody entry {e.seq}"})
    events.sort(key=lambda x: (x["time_utc"] or (x["time_local"] or "") + "~", x["event"] != "published"))
    return events
