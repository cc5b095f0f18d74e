"""The conditions a capture was made under, stated with it: what a panel needs to weigh what the screenshot shows.

Each capture's metadata has a ``conditions`` object (and its signed record a summary of it, without URLs):

* ``requests``: the page's requests that failed or were blocked (the browser's network error) and those
  answered with HTTP 400 or more; ``post_media_loaded``: whether the post's own images and videos loaded
  in the browser (None: the post names none);
* ``headless``; ``logged_in`` and ``session_label`` (who, by the label given with ``--session-label``);
* ``host_rules``: the ``--host-resolver-rules`` in force (hosts the browser could not reach);
* ``screenshot``: ``blank`` (one colour) and ``duplicate_of_stored`` (byte-identical to a file already in
  the store, e.g. another capture's screenshot; set when the capture is stored);
* ``clock``: the server's ``Date`` header, the local clock when the page answered, their skew in seconds,
  and whether the system says its clock is synchronised (``timedatectl show -p NTPSynchronized``;
  ``unknown`` where the system does not say).

Problems become warnings and flags: ``requests-failed``, ``post-media-not-loaded``, ``blank-screenshot``,
``duplicate-screenshot``, ``clock-skew`` (over :data:`SKEW_LIMIT` seconds), ``clock-unsynced``.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

from .media import host_rules

__all__ = ["watch_requests", "state_conditions", "is_blank", "record_summary", "check_duplicate", "clock_sync", "SKEW_LIMIT"]

SKEW_LIMIT = 120  # seconds between the server's Date and the local clock before it is a flag
MAX_LISTED = 200


def watch_requests(run) -> None:
    """Listen for failed requests and error answers on the run's page (before it navigates)."""
    seen = run.request_log = {"failed": [], "http_errors": [], "answered_at": {}}

    def failed(request) -> None:
        if len(seen["failed"]) < MAX_LISTED:
            seen["failed"].append({"url": request.url[:2000], "error": (request.failure or "failed")[:200],
                                   "type": request.resource_type})

    def response(resp) -> None:
        if resp.request.is_navigation_request():
            seen["answered_at"][resp.url] = time.time()
            return  # the page's own status is the capture's (flag http-error)
        if resp.status >= 400 and len(seen["http_errors"]) < MAX_LISTED:
            seen["http_errors"].append({"url": resp.url[:2000], "status": resp.status,
                                        "type": resp.request.resource_type})

    run.page.on("requestfailed", failed)
    run.page.on("response", response)


@lru_cache(maxsize=1)
def clock_sync() -> str:
    """``yes``/``no`` as the system says (systemd's timedatectl), else ``unknown``."""
    exe = shutil.which("timedatectl")
    if not exe:
        return "unknown"
    try:
        out = subprocess.run([exe, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True,
                             timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    value = out.stdout.strip().lower()
    return value if out.returncode == 0 and value in ("yes", "no") else "unknown"


def is_blank(png: bytes | None) -> bool | None:
    """Whether ``png`` is one colour (None: no image, or unreadable)."""
    if not png:
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            bands = im.getextrema()  # per band, in the image's own mode (no conversion: half the time)
    except Exception:  # noqa: BLE001 - an unreadable screenshot is reported elsewhere
        return None
    if not isinstance(bands[0], tuple):
        bands = (bands,)
    return all(lo == hi for lo, hi in bands)


def _clock(run) -> dict:
    date = next((h["value"] for h in run.headers if h["name"].lower() == "date"), None)
    final = run.response.url if run.response is not None else None
    local = run.request_log["answered_at"].get(final) if final else None
    out = {"server_date": date, "local_at_answer": None, "skew_seconds": None, "sync": clock_sync()}
    if local is not None:
        out["local_at_answer"] = datetime.fromtimestamp(local, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    try:
        server = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        server = None
    if server is not None and local is not None:
        out["skew_seconds"] = int(round(server.timestamp() - local))
    return out


def _post_media_loaded(run, media) -> bool | None:
    wanted = set(media.post_media) if media is not None else set()
    if not wanted:
        return None
    bad = {r["url"] for r in run.request_log["failed"]} | {r["url"] for r in run.request_log["http_errors"]}
    return not (wanted & bad)


def state_conditions(run, media) -> dict:
    """The conditions of ``run`` (a finished :class:`evidence.capture.run.PageRun`), its warnings and flags added."""
    opts, log = run.opts, run.request_log
    session = run.session
    cond = {
        "requests": {"failed": log["failed"], "http_errors": log["http_errors"]},
        "post_media_loaded": _post_media_loaded(run, media),
        "headless": True,
        "logged_in": bool(session),
        "session_label": (opts.session_label or session["file"]) if session else None,
        "host_rules": host_rules(opts.browser_args),
        "screenshot": {"blank": run.facts["blank"], "duplicate_of_stored": None},  # is_blank, read during the run
        "clock": _clock(run),
    }
    n = len(log["failed"]) + len(log["http_errors"])
    if n:
        hosts = sorted({r["url"].split("/")[2] if "//" in r["url"] else r["url"][:40]
                        for r in log["failed"] + log["http_errors"]})
        run.warn(f"{n} of the page's requests failed or were blocked (hosts: {', '.join(hosts[:5])}"
                 f"{', ...' if len(hosts) > 5 else ''}); the screenshot may lack what they would have shown",
                 "requests-failed")
    if cond["post_media_loaded"] is False:
        run.warn("the post's own media did not load in the browser (the screenshot does not show it)",
                 "post-media-not-loaded")
    if cond["screenshot"]["blank"]:
        run.warn("the screenshot is blank (one colour)", "blank-screenshot")
    skew = cond["clock"]["skew_seconds"]
    if skew is not None and abs(skew) > SKEW_LIMIT:
        run.warn(f"the server's Date header and the local clock differ by {skew:+.0f} s; check the local clock",
                 "clock-skew")
    if cond["clock"]["sync"] == "no":
        run.warn("the system says its clock is not synchronised (NTP); capture times may be off", "clock-unsynced")
    return cond


def check_duplicate(store, pc) -> None:
    """Before a capture is stored: is its screenshot byte-identical to a file already in the store?"""
    cond = pc.metadata.get("conditions")
    if not cond:
        return
    tag = "sha256:" + hashlib.sha256(pc.screenshot_viewport or b"").hexdigest()
    dup = bool(pc.screenshot_viewport) and store.artifacts.exists(tag)
    cond["screenshot"]["duplicate_of_stored"] = dup
    if dup:
        text = "the screenshot is identical to one already in the store (another capture's)"
        pc.warnings.append(text)
        pc.metadata["warnings"] = pc.warnings
        if "duplicate-screenshot" not in pc.flags:
            pc.flags.append("duplicate-screenshot")


def record_summary(cond: dict | None, media: dict | None) -> dict | None:
    """What the signed record states of the conditions (counts and facts, no URLs: those stay in the metadata)."""
    if not cond:
        return None
    out = {k: cond[k] for k in ("post_media_loaded", "headless", "logged_in", "session_label", "host_rules")}
    out.update(failed_requests=len(cond["requests"]["failed"]), error_responses=len(cond["requests"]["http_errors"]),
               blank_screenshot=cond["screenshot"]["blank"],
               duplicate_screenshot=cond["screenshot"]["duplicate_of_stored"],
               server_date=cond["clock"]["server_date"], clock_skew_seconds=cond["clock"]["skew_seconds"],
               clock_sync=cond["clock"]["sync"])
    if media is not None:
        out["media"] = {"kept": media["kept"], "failed": media["failed"], "bytes": media["bytes"],
                        "limit_mb": media["limit_mb"], "over_limit": media["over_limit"]}
    return out
