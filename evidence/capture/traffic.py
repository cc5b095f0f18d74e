"""The capture's HTTP traffic as a WARC 1.1 artifact (role ``warc``), recorded while the page loads.

:class:`Traffic` wraps :class:`evidence.webarchive.Recorder` for one capture: attached to the
capture's browser context before it navigates, finished before the context closes, and written
as a gzip-per-record WARC (bytes) with warcio. Every request is kept; a body that could not be
read is said so in the WARC (``WARC-Truncated`` and ``X-Evidence-Body-Missing``, see
docs/webarchive.md). As in the HAR and the metadata, cookie and authorization header values are
replaced by ``[redacted]`` (names kept), and a URL's user name and password are removed: an
investigator's session never travels in a pack or a WACZ. Bodies are kept as received.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime

from .headers import redact_headers
from .urls import scrub_credentials

__all__ = ["Traffic", "WARC_MEDIA_TYPE"]

log = logging.getLogger(__name__)

WARC_MEDIA_TYPE = "application/warc"


def _clean_headers(headers, nav_url: str | None):
    if headers is None:
        return None
    out = redact_headers([{"name": n, "value": v} for n, v in headers])
    return [(h["name"], scrub_credentials(h["value"], nav_url) if nav_url else h["value"]) for h in out]


class Traffic:
    """One capture's recorder: ``await attach(context)``; before the context closes ``await collect()``; then
    ``await warc(url, started)`` -> bytes or None."""

    def __init__(self) -> None:
        from ..webarchive import Recorder

        self.recorder = Recorder()
        self.attached = False
        self.note: str | None = None
        self.exchanges: list | None = None

    async def attach(self, context) -> None:
        try:
            await self.recorder.attach(context)
            self.attached = True
        except Exception as exc:  # noqa: BLE001 - the capture goes on; the missing WARC is warned about
            self.note = f"the traffic could not be recorded: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"

    async def collect(self, *, nav_url: str | None = None, timeout: float = 15.0) -> None:
        """Finish recording (before the context closes): bodies still loading after ``timeout`` s are marked so."""
        if not self.attached:
            return
        try:
            exchanges = await self.recorder.finish(timeout)
        except Exception as exc:  # noqa: BLE001
            self.note = f"the recorded traffic could not be finished: {str(exc).splitlines()[0]}"
            return
        for ex in exchanges:
            ex.request_headers = _clean_headers(ex.request_headers, nav_url) or []
            ex.response_headers = _clean_headers(ex.response_headers, nav_url)
            if nav_url:
                ex.url = scrub_credentials(ex.url, nav_url)
        self.exchanges = exchanges

    async def warc(self, url: str, started: datetime) -> bytes | None:
        """The WARC of what :meth:`collect` gathered (None if nothing was), written off the event loop."""
        if self.exchanges is None:
            return None
        from ..webarchive import write_warc

        exchanges = self.exchanges

        def write() -> bytes:
            buf = io.BytesIO()
            write_warc(buf, exchanges, capture_url=url, captured=started,
                       extra_info={"secrets-redacted": "cookie and authorization header values are [redacted]; "
                                                       "names kept; bodies as received"})
            return buf.getvalue()

        # compressing the records is work of its own (zlib lets go of the interpreter): off the event loop, so
        # the other captures of a batch go on meanwhile, and a capture's context closes meanwhile
        return await asyncio.to_thread(write)
