"""One HTTP(S) request and what came back for it, as the browser saw it.

An :class:`Exchange` is what :mod:`evidence.webarchive.recorder` collects and what
:mod:`evidence.webarchive.warc` writes. It keeps the request and response exactly as the
browser reported them; where a response body could not be kept, ``body`` is ``None`` (or cut
short) and ``body_missing`` / ``truncated`` say why, so the WARC can say so too.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

__all__ = ["Exchange", "Header", "utc_now"]

Header = tuple[str, str]


def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass
class Exchange:
    """A request and its response (or the reason there is none).

    ``response_headers`` is ``None`` when no response arrived at all (connection refused, DNS,
    aborted before headers): then ``failure`` says why. ``body`` is the response body as the
    browser handed it over (``None`` when unreadable or not kept). ``body_missing`` is a one-line
    reason whenever the body is not in ``body`` in full: ``truncated`` is then the WARC
    ``WARC-Truncated`` reason (``length`` for a size limit, ``unspecified`` otherwise).
    ``body_decoded`` is the content coding (``gzip``, ``br``...) the browser removed, if any.
    """

    method: str
    url: str
    started: _dt.datetime
    request_headers: list[Header] = field(default_factory=list)
    request_body: bytes | None = None
    resource_type: str | None = None
    status: int | None = None
    status_text: str = ""
    http_version: str | None = None
    response_headers: list[Header] | None = None
    body: bytes | None = None
    body_size: int | None = None  # size of the whole body where known (it may exceed len(body))
    body_missing: str | None = None
    truncated: str | None = None
    body_decoded: str | None = None
    failure: str | None = None
    finished: _dt.datetime | None = None

    @property
    def has_response(self) -> bool:
        return self.response_headers is not None and self.status is not None

    def header(self, name: str, *, response: bool = True) -> str | None:
        headers = self.response_headers if response else self.request_headers
        name = name.lower()
        for k, v in headers or ():
            if k.lower() == name:
                return v
        return None
