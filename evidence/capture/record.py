"""Capturing into a case: one URL or a batch, each page kept as an item through ingest.

A failure is written to the custody log (``capture.failed``), then raised (one URL) or
reported (a batch: the other URLs go on).
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Callable

from ..errors import CaptureError, EvidenceError, InputError
from ..ingest import ArtifactSource, ingest, require_open_case
from ..machine import capture_method, host_facts
from ..records import tool_info
from ..schemas import prepare, schema_id, validate
from ..views import CaptureOutcome, Item
from .conditions import check_duplicate, record_summary
from .media import media_artifacts
from .options import CaptureOptions
from .urls import scrub_credentials, strip_credentials, validate_url

__all__ = ["capture_one", "capture_many"]


def capture_one(ev, url: str, *, case: str, options: CaptureOptions | None = None, note: str | None = None,
                capturer=None) -> Item:
    """Capture ``url`` into ``case`` with ``capturer`` (a running SyncCapturer) or a browser started for it."""
    from .page import SyncCapturer

    url = validate_url(url)
    options = (options or CaptureOptions()).check()
    own = capturer is None
    try:
        if own:  # the browser launches while the case is checked and the key unlocked; no spare context
            ev.read_passphrase()  # asked for (or read) before Playwright's driver copies the environment
            capturer = SyncCapturer(options, spares=0)
            capturer.begin(wait_for_environment=False)
        case_ref = require_open_case(ev.store, case)["ref"]
        if not (note or "").startswith("recapture of "):
            from ..recapture import warn_if_captured

            warn_if_captured(ev, [url], case_ref)
        prepare("capture-metadata", "record")
        # what the capture and the storing will need, loaded while Chromium starts: the capture's steps, the
        # post's extraction (read after the screenshots) and Pillow (the blank check, the screenshots' facts)
        from . import run  # noqa: F401
        from .. import extract, imaging  # noqa: F401

        # unlocked last: PBKDF2 holds the interpreter, and by now the driver and Chromium are starting
        # in processes of their own (a wrong passphrase stops here; the browser is closed)
        ev.log.signer()
        if own:
            capturer.ready()
        try:
            pc = capturer.capture(url, options)
        except CaptureError as exc:
            _log_failure(ev, case_ref, url, exc)
            raise
        if own:
            capturer.begin_close()  # the browser shuts down while the capture is stored
        return ev.item(keep(ev.log, pc, case_ref, note))
    finally:
        if own and capturer is not None:
            capturer.close()


def _check_batch(urls: list[str], concurrency: int) -> None:
    bad = []
    for i, u in enumerate(urls, 1):
        try:
            validate_url(u)
        except InputError as exc:
            bad.append(f"#{i} {exc}")
    if bad:
        raise InputError(f"{len(bad)} of {len(urls)} URLs cannot be captured: " + "; ".join(bad[:5]),
                         hint="fix or remove them; nothing was captured")
    if not urls:
        raise InputError("no URLs to capture", hint="the file holds no URLs (blank lines and # comments are skipped)")
    if not 1 <= concurrency <= 16:
        raise InputError("concurrency must be 1 to 16")


def capture_many(ev, urls: list[str], *, case: str, options: CaptureOptions | None = None, concurrency: int = 2,
                 note: str | None = None, on_result: Callable[[CaptureOutcome], None] | None = None
                 ) -> list[CaptureOutcome]:
    """Capture many URLs with one warm browser, ``concurrency`` pages at a time.

    All URLs are checked first (a malformed one stops the batch before anything is captured);
    then a failing URL is logged and reported and the others go on.
    """
    from .page import Capturer

    _check_batch(urls, concurrency)
    options = (options or CaptureOptions()).check()
    case_ref = require_open_case(ev.store, case)["ref"]
    ev.log.signer()
    from ..recapture import warn_if_captured

    warn_if_captured(ev, [validate_url(u) for u in urls], case_ref)
    store_lock = threading.Lock()  # one writer at a time on the store's connection

    def store(pc) -> Item:
        with store_lock:
            return ev.item(keep(ev.log, pc, case_ref, note))

    def failed(u: str, exc: CaptureError) -> CaptureOutcome:
        with store_lock:
            _log_failure(ev, case_ref, u, exc)
        return CaptureOutcome(strip_credentials(u)[0], error=scrub_credentials(str(exc), u))

    async def one(cap, sem, u: str) -> CaptureOutcome:
        async with sem:
            try:
                pc = await cap.capture(u, options)
                # storing (copy, hash, sign, SQL) runs in a thread: other pages keep loading
                out = CaptureOutcome(pc.url, item=await asyncio.to_thread(store, pc), warnings=pc.warnings)
            except CaptureError as exc:
                out = failed(u, exc)
            except EvidenceError as exc:
                out = CaptureOutcome(strip_credentials(u)[0], error=scrub_credentials(str(exc), u))
            except Exception as exc:  # noqa: BLE001 - one bad page must not stop the batch
                out = failed(u, CaptureError(f"could not capture {u}: {type(exc).__name__}: {exc}"))
        if on_result:
            on_result(out)
        return out

    async def run() -> list[CaptureOutcome]:
        async with Capturer(options, spares=concurrency, expected=len(urls)) as cap:
            sem = asyncio.Semaphore(concurrency)
            return list(await asyncio.gather(*(one(cap, sem, u) for u in urls)))

    return asyncio.run(run())


def _log_failure(ev, case_ref: str, url: str, exc: Exception) -> None:
    clean, had = strip_credentials(url)
    details = {"url": clean, "error": scrub_credentials(str(exc), url), "reason": getattr(exc, "reason", None)}
    if had:
        details["credentials_removed"] = True
    ev.log.write("capture.failed", subject={"type": "url", "id": clean}, case=case_ref, details=details)


def _artifacts(pc, meta_bytes: bytes) -> list[ArtifactSource]:
    arts = [
        ArtifactSource("screenshot", data=pc.screenshot, media_type="image/png"),
        ArtifactSource("screenshot_viewport", data=pc.screenshot_viewport, media_type="image/png"),
    ]
    if pc.served is not None:
        extra = {"declared_media_type": pc.served_media_type} if pc.served_media_type else {}
        arts.append(ArtifactSource("served", data=pc.served, inspect_image=True, extra=extra))
    arts.append(ArtifactSource("dom", data=pc.dom, media_type="text/html", inspect_image=False))
    if pc.mhtml is not None:
        arts.append(ArtifactSource("mhtml", data=pc.mhtml, media_type="multipart/related", inspect_image=False))
    if pc.har is not None:
        arts.append(ArtifactSource("har", data=pc.har, media_type="application/json", inspect_image=False))
    if getattr(pc, "warc", None) is not None:
        arts.append(ArtifactSource("warc", data=pc.warc, media_type="application/warc", inspect_image=False))
    arts += media_artifacts(getattr(pc, "media", None) or [])
    if getattr(pc, "layout", None) is not None:
        arts.append(ArtifactSource("layout", data=pc.layout, media_type="application/json", inspect_image=False))
    arts.append(ArtifactSource("metadata", data=meta_bytes, media_type="application/json", inspect_image=False))
    return arts


def keep(log, pc, case_ref: str, note: str | None) -> str:
    """Take a finished page capture in as an item (through ingest). Returns the item's id."""
    signer = log.signer()
    check_duplicate(log.store, pc)
    meta = dict(pc.metadata)
    meta["schema"] = schema_id("capture-metadata")
    meta["tool"] = tool_info()
    meta["investigator"] = signer.actor()
    meta["flags"] = pc.flags
    validate(meta, "capture-metadata", what="the capture metadata")
    meta_bytes = json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
    post = meta.get("post") or {}
    session = meta["session"]
    source = {"type": "web", "url": pc.url, "final_url": pc.final_url, "http_status": pc.status,
              "started": meta["capture"]["started"], "finished": meta["capture"]["finished"],
              "browser": f"chromium {meta['browser']['version']}",
              "session": session.get("label") if session.get("used") else None, "session_sha256": session.get("sha256")}
    # where and how (issue 10 item 5: the pack's declaration states them from this signed record)
    source.update(host=host_facts((meta.get("server") or {}).get("ip")), method=capture_method(meta))
    # the record names the post's author and time; its text (which may name third parties) stays in
    # the metadata artifact, so a redacted pack can withhold it and still carry the signed record
    metadata = {"post": {k: post.get(k) for k in ("platform", "author_name", "author_handle", "author_url",
                                                  "published", "title", "url")},
                "title": meta["page"].get("title"), "http_status": pc.status, "warnings": list(pc.warnings)}
    if meta.get("conditions"):
        metadata["conditions"] = record_summary(meta["conditions"], meta.get("media"))
    got = ingest(log, case_ref=case_ref, kind="capture", action="item.captured", artifacts=_artifacts(pc, meta_bytes),
                 source=source, metadata=metadata, note=note, flags=pc.flags,
                 details={"url": pc.url, "final_url": pc.final_url, "http_status": pc.status}, post=post)
    return got.item_id
