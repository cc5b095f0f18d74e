"""Recapture and compare: capture a post's URL again and record, signed, what changed since.

:func:`recapture` captures the URL of an earlier capture again (a new ``capture`` item), compares the two
(:func:`evidence.analysis.compare.compare_captures`: text difference, perceptual-hash distance, a difference
image), keeps the difference image as a derived ``analysis`` item through ingest (``item.derived``), and
appends a signed ``recapture.compared`` custody entry naming both items and the verdict:

``still there``   the post's text is the same and the page looks the same
``edited``        the post's text changed
``media changed`` the text is the same but the post's media URLs changed, or the picture changed (hash
                  distance or changed pixels)
``gone``          HTTP 404 or 410, a "post removed" / suspended-account page, or a login wall that the
                  earlier capture did not meet

A schedule (``recapture.scheduled``, signed, per case) says how often a case's URLs are due again;
:func:`recapture_due` recaptures only what is due and holds a lock, so cron or a systemd timer may run it
as often as it likes (docs/recapture.md).
"""

from __future__ import annotations

import fcntl
import re
from datetime import datetime, timedelta, timezone

from .errors import CaptureError, InputError
from .ingest import ArtifactSource, ingest, require_open_case

__all__ = ["VERDICTS", "parse_every", "recapture", "recapture_case", "recapture_due", "schedule", "schedules",
           "comparisons", "warn_if_captured", "verdict_of"]

VERDICTS = ("still there", "edited", "media changed", "gone")
MEDIA_DISTANCE = 3  # hash distance (0-64) from which a same-text page counts as visually changed
MEDIA_PIXELS = 0.01  # ... or this share of pixels changed
TEXT_DIFF_MAX = 400  # diff lines kept in the signed entry
_GONE_TEXT = re.compile(
    r"(this (post|tweet|page|content|video|account) (has been|was|is) (removed|deleted|unavailable|no longer available)"
    r"|(post|tweet|page|content) (is )?(not available|unavailable|no longer available|doesn.t exist|does not exist)"
    r"|account (has been |is )?suspended|this account doesn.t exist|page not found|sorry, that page"
    r"|hmm\.\.\.this page doesn.t exist|removed by (the )?(moderators|author|reddit))", re.I)
_EVERY = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.I)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_every(text: str) -> int:
    """``6h``, ``30m``, ``1d``, ``2w`` -> seconds (at least 15 minutes)."""
    m = _EVERY.match(text or "")
    if not m:
        raise InputError(f"cannot read the interval {text!r}", hint="use a number and m, h, d or w, e.g. --every 6h")
    seconds = int(m.group(1)) * _UNITS[m.group(2).lower()]
    if seconds < 900:
        raise InputError("recapturing more often than every 15 minutes is not allowed", hint="e.g. --every 6h")
    return seconds


def _page_text(item) -> str:
    """The visible text of a capture's DOM (for spotting removed-post pages)."""
    import lxml.html

    if not item.has("dom"):
        return ""
    try:
        doc = lxml.html.fromstring(item.path("dom").read_bytes())
    except (OSError, ValueError, lxml.etree.ParserError):
        return ""
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return " ".join(doc.text_content().split())


def _flags(item) -> set[str]:
    """The capture's flags and its page's (a login wall, a consent wall...)."""
    return set(item.flags) | set(item.post().get("flags") or [])


def verdict_of(before, after, cmp: dict) -> tuple[str, list[str]]:
    """The verdict and the reasons for it (``before``/``after``: the two capture items)."""
    status = after.record["source"].get("http_status")
    reasons = []
    if status in (404, 410):
        reasons.append(f"HTTP {status}")
    if "login-wall" in _flags(after) and "login-wall" not in _flags(before):
        reasons.append("a login wall the earlier capture did not meet")
    if not (after.post().get("text") or "").strip():
        m = _GONE_TEXT.search(_page_text(after))
        if m:
            reasons.append(f"the page says {m.group(0)!r}")
    if reasons:
        return "gone", reasons
    if cmp["text_changed"]:
        return "edited", ["the post's text changed"]
    was, now = before.post().get("media_urls") or [], after.post().get("media_urls") or []
    if set(was) != set(now):
        gone_media, new_media = sorted(set(was) - set(now)), sorted(set(now) - set(was))
        return "media changed", [f"the post's media changed ({len(gone_media)} removed, {len(new_media)} added: "
                                 + ", ".join([f"-{u}" for u in gone_media] + [f"+{u}" for u in new_media])[:600] + ")"]
    size = max(1, cmp["after"]["width"] * cmp["after"]["height"])
    if cmp["hash_distance"] >= MEDIA_DISTANCE or cmp["changed_pixels"] / size >= MEDIA_PIXELS or cmp["size_changed"]:
        return "media changed", [f"the page looks different (hash distance {cmp['hash_distance']}, "
                                 f"{cmp['changed_pixels']} pixels changed)"]
    return "still there", ["same text, same look"]


def _shot(item) -> str:
    return "screenshot_viewport" if item.has("screenshot_viewport") else "screenshot"


def _keep_difference(ev, before, after, png: bytes, verdict: str) -> str:
    role = _shot(after)
    art = after.artifact(role)
    source = {"type": "derived", "original": {"item": after.id, "role": role, "sha256": art["sha256"]},
              "compared_with": {"item": before.id, "role": _shot(before), "sha256": before.artifact(_shot(before))["sha256"]},
              "regions": [], "reason": f"recapture difference image ({verdict})"}
    got = ingest(ev.log, case_ref=after.case_ref, kind="analysis", action="item.derived",
                 artifacts=[ArtifactSource("difference", data=png, media_type="image/png")], source=source,
                 derived_from={"item": after.id, "artifact": art["sha256"], "role": role},
                 details={"original": after.id, "analysis": "recapture difference", "compared_with": before.id})
    return got.item_id


def compare_items(ev, before, after) -> dict:
    """Compare two captures, keep the difference image, log ``recapture.compared``; returns the comparison."""
    from .analysis.compare import compare_captures

    cmp = compare_captures(before.path(_shot(before)), after.path(_shot(after)),
                           before.post().get("text"), after.post().get("text"))
    verdict, reasons = verdict_of(before, after, cmp)
    diff_id = _keep_difference(ev, before, after, cmp["difference_png"], verdict)
    diff_item = ev.item(diff_id)
    details = {"earlier": before.id, "later": after.id, "url": before.record["source"]["url"], "verdict": verdict,
               "reasons": reasons, "http_status": after.record["source"].get("http_status"),
               "text_changed": cmp["text_changed"], "text_diff": cmp["text_diff"][:TEXT_DIFF_MAX],
               "hash_distance": cmp["hash_distance"], "changed_pixels": cmp["changed_pixels"],
               "size_changed": cmp["size_changed"], "before_hashes": cmp["before"], "after_hashes": cmp["after"],
               "difference": {"item": diff_id, "sha256": diff_item.artifacts[0]["sha256"]},
               "flags_before": sorted(_flags(before)), "flags_after": sorted(_flags(after))}
    seq = ev.log.write("recapture.compared", subject={"type": "item", "id": after.id}, case=after.case_ref,
                       item_id=after.id, details=details)
    return dict(details, logged_as=seq)


def _earlier(ev, item_id: str):
    item = ev.item(item_id)
    if item.kind != "capture" or item.record["source"].get("type") != "web":
        raise InputError(f"item {item.id} is not a web capture", hint="recapture works on items made by `evidence capture`")
    return item


def recapture(ev, item_id: str, *, options=None, capturer=None) -> dict:
    """Capture the URL of capture ``item_id`` again and compare. A failed capture is logged and raised."""
    before = _earlier(ev, item_id)
    require_open_case(ev.store, before.case_ref)
    after = ev.capture(before.record["source"]["url"], case=before.case_ref, options=options,
                       note=f"recapture of {before.id}", capturer=capturer)
    return compare_items(ev, before, after)


def _latest_per_url(ev, case_ref: str) -> list:
    latest = {}
    for it in ev.items(case_ref):
        if it.kind == "capture" and it.record["source"].get("type") == "web":
            url = it.record["source"]["url"]
            if url not in latest or it.created_utc >= latest[url].created_utc:
                latest[url] = it
    return sorted(latest.values(), key=lambda i: i.created_utc)


def recapture_case(ev, case: str, *, options=None, only=None) -> list[dict]:
    """Recapture the latest capture of every URL of ``case`` (``only``: a filter on those items)."""
    from .capture.page import SyncCapturer
    from .capture.options import CaptureOptions

    case_ref = require_open_case(ev.store, case)["ref"]
    todo = [it for it in _latest_per_url(ev, case_ref) if only is None or only(it)]
    results = []
    if not todo:
        return results
    options = (options or CaptureOptions()).check()
    cap = SyncCapturer(options)
    cap.start()
    try:
        for it in todo:
            try:
                results.append(recapture(ev, it.id, options=options, capturer=cap))
            except CaptureError as exc:
                results.append({"earlier": it.id, "later": None, "url": it.record["source"]["url"],
                                "verdict": "failed", "reasons": [str(exc)]})
    finally:
        cap.close()
    return results


def schedule(ev, case: str, every: str) -> dict:
    """Remember (signed) how often ``case`` is due for recapture; ``every="off"`` stops it."""
    case_ref = require_open_case(ev.store, case)["ref"]
    seconds = 0 if (every or "").strip().lower() == "off" else parse_every(every)
    seq = ev.log.write("recapture.scheduled", subject={"type": "case", "id": case_ref}, case=case_ref,
                       details={"every": (every or "").strip().lower(), "every_seconds": seconds})
    return {"case": case_ref, "every": every.strip().lower(), "every_seconds": seconds, "logged_as": seq}


def schedules(ev) -> dict[str, int]:
    """Case -> interval in seconds, from the latest signed ``recapture.scheduled`` entry of each case."""
    out: dict[str, int] = {}
    for e in ev.custody(actions=("recapture.scheduled",)):
        out[e.case_ref] = int(e.entry["details"]["every_seconds"])
    return {k: v for k, v in out.items() if v > 0}


def _parse_utc(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def recapture_due(ev, *, options=None, now: datetime | None = None) -> dict:
    """Recapture, in every open case with a schedule, each URL whose latest capture is older than the interval.

    Holds a lock file in the store folder: a second run while one is busy returns at once (``busy``)."""
    now = now or datetime.now(timezone.utc)
    lock = open(ev.store.path / "recapture.lock", "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return {"busy": True, "cases": {}}
        done = {}
        for case_ref, seconds in sorted(schedules(ev).items()):
            if ev.case(case_ref)["status"] != "open":
                continue
            due = (lambda it, s=seconds: _parse_utc(it.created_utc) + timedelta(seconds=s) <= now)
            done[case_ref] = recapture_case(ev, case_ref, options=options, only=due)
        return {"busy": False, "cases": done}
    finally:
        lock.close()


def comparisons(ev, case: str) -> list[dict]:
    """The signed comparisons of ``case`` (``recapture.compared`` details, with the entry's seq and time)."""
    return [dict(e.entry["details"], seq=e.seq, time_utc=e.entry["time"]["utc"])
            for e in ev.custody(case=case, actions=("recapture.compared",))]


def warn_if_captured(ev, urls: list[str], case_ref: str) -> None:
    """Tell the user (``ev.warnings``) of each of ``urls`` already captured in the case, and how to compare."""
    seen = {}
    for it in ev.items(case_ref):
        if it.kind == "capture" and it.record["source"].get("type") == "web":
            seen.setdefault(it.record["source"].get("url"), it.id)
    for url in dict.fromkeys(urls):
        if url in seen:
            ev.warnings.append(f"{url} was already captured in case {case_ref} (item {seen[url]}); to see what changed "
                               f"since, use `evidence recapture {seen[url]}`")
