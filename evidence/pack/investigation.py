"""The report's investigation sections: supplied screenshots matched to captures, near-duplicate screenshots,
recaptures, and the case's timeline (reports/investigation.html.j2).

What a panel reads here comes from the signed custody entries the pack carries (``match.recorded``,
``recapture.compared`` and the entries the timeline is made of); :func:`ensure_matches` runs ``match``
through the API, before the pack's entries are gathered, for a supplied screenshot never matched yet,
so its signed result is in the pack. Near-duplicates are computed from the exhibits' images at build time.
"""

from __future__ import annotations

from ..errors import EvidenceError
from .redacted import scrub

__all__ = ["ensure_matches", "investigation_context"]


def _supplied_images(ev, ref: str) -> list:
    return [it for it in ev.items(ref) if it.kind == "import"
            and any(a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml"
                    for a in it.artifacts)]


def ensure_matches(ev, case: str) -> dict[str, str]:
    """Match every supplied image of ``case`` not matched since the case's newest capture (logged). Returns
    item id -> why it could not be matched (Tesseract missing, no capture...), for those that failed."""
    failed: dict[str, str] = {}
    if ev.read_only:
        return failed
    ref = ev.case(case)["ref"]
    if ev.case(ref)["status"] != "open":
        return failed
    captures = [it for it in ev.items(ref) if it.kind == "capture"]
    newest = max((c.created_utc for c in captures), default="")
    for it in _supplied_images(ev, ref):
        done = ev.custody(item=it.id, actions=("match.recorded",))
        if not captures or (done and done[-1].time_utc >= newest):
            continue  # matched since the last capture was added: the signed result still holds
        try:
            ev.match(it.id)
        except EvidenceError as exc:
            failed[it.id] = exc.message if hasattr(exc, "message") else str(exc)
    return failed


def _supplied(ev, builder, failed: dict[str, str]) -> list[dict]:
    out = []
    eid = builder.by_item.get
    for ex in builder.exhibits:
        if ex.get("kind") != "import" or not ex.get("shown"):
            continue
        item_id = ex["item"]
        entries = ev.custody(item=item_id, actions=("match.recorded",))
        row = {"exhibit": ex["id"], "item": item_id, "ocr_text": None, "failed": failed.get(item_id)}
        layer = None if builder.redacted else ev.ocr_layer(item_id)  # its words may be what a redaction hides
        if layer:
            row["ocr_text"] = layer["text"]
        if entries:
            d = entries[-1].entry["details"]
            row.update(label=d["label"], best=eid(d.get("best") or ""), seq=entries[-1].seq,
                       ranked=[dict(r, exhibit=eid(r["id"])) for r in d.get("ranked", [])[:3]],
                       ocr_words=d.get("ocr", {}).get("word_count"))
        else:
            row.update(label=None, best=None, seq=None, ranked=[])
        out.append(row)
    return out


def _near_duplicates(builder) -> list[dict]:
    from ..analysis.match import near_duplicates

    images = {}
    for ex in builder.exhibits:
        item = builder.ev.item(ex["item"])
        role = "screenshot_viewport" if item.has("screenshot_viewport") else ("original" if item.kind == "import"
                                                                               else "screenshot")
        if item.has(role) and item.artifact(role)["media_type"].startswith("image/"):
            images[ex["id"]] = item.path(role)
    try:
        groups = near_duplicates(images) if len(images) > 1 else []
    except EvidenceError:
        return []
    return [dict(g, ids=sorted(g["ids"], key=lambda e: int(e[1:]))) for g in groups]


def investigation_context(ev, builder, failed: dict[str, str] | None = None) -> dict:
    """``supplied``, ``near_duplicates``, ``recaptures`` and ``timeline`` for the report (exhibit ids as shown)."""
    eid = builder.by_item.get
    recaps = [dict(r, earlier_exhibit=eid(r["earlier"]), later_exhibit=eid(r["later"]))
              for r in ev.recaptures(builder.ref)]
    # only the entries this pack carries (a disclosure made after them is not in it: the pack stays the same
    # for the same state), and the publication times its captures show
    carried = {f"custody entry {e.seq}" for e in builder.entries}
    timeline = [dict(t, exhibit=eid(t.get("item_id") or "")) for t in ev.timeline(builder.ref)
                if t["source"] in carried or not t["source"].startswith("custody entry ")]
    ctx = {"supplied": _supplied(ev, builder, failed or {}), "near_duplicates": _near_duplicates(builder),
           "recaptures": recaps, "timeline": timeline}
    # a respondent pack: every redacted term is replaced in what these sections show (titles, URLs, names)
    return scrub(ctx, builder.terms) if builder.redacted else ctx
