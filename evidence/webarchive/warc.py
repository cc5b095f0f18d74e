"""Write recorded exchanges as a WARC 1.1 file (one gzip member per record) with warcio.

Records, in order:

* one ``warcinfo`` record (software, format, the capture's URL);
* for each exchange that got a response: a ``response`` record (status line, headers and body
  as received) then its ``request`` record (``WARC-Concurrent-To`` the response);
* for each exchange that got no response at all: its ``request`` record then a ``metadata``
  record (``application/warc-fields``: the failure) ``WARC-Concurrent-To`` the request.

Digests are ``sha256:`` in base 32, as warcio writes its own (``WARC-Block-Digest`` and
``WARC-Payload-Digest``); ``WARC-Date`` has microseconds (WARC 1.1). Record ids are UUIDs derived
from the record's content and position, so the same exchanges give the same bytes.

Where a response body is not in the record in full, the response record says so with
``WARC-Truncated`` (``length``: a size limit; ``time``: still loading when the capture ended;
``unspecified``: a redirect, an aborted or unreadable body) and ``X-Evidence-Body-Missing``
(the reason in words). Where the browser had removed a content coding (gzip, br) before handing
the body over, the stored body is the decoded one: the record carries ``X-Evidence-Body-Decoded``
and the HTTP headers that described the coded body are kept renamed ``X-Evidence-Orig-...``
(``Content-Encoding``, ``Content-Length``, ``Transfer-Encoding``) so a replay does not decode twice.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import io
import json
import os
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from .exchange import Exchange

__all__ = ["write_warc", "WarcResult", "warc_date", "SOFTWARE"]

_ID_NAMESPACE = uuid.UUID("6f1d3c52-8a0e-5b8e-9d5c-2f6b0e0b7a11")
_DECODED_RENAMES = ("content-encoding", "content-length", "transfer-encoding")


def _software() -> str:
    try:
        own = importlib.metadata.version("evidence")
    except importlib.metadata.PackageNotFoundError:
        own = "dev"
    return f"evidence {own} (warcio {importlib.metadata.version('warcio')})"


SOFTWARE = _software()


GZIP_LEVEL = 6


class _Sha256Writer(WARCWriter):
    """warcio's writer with sha256 digests instead of its default sha1."""

    @staticmethod
    def _create_digester():
        return Digester("sha256")


@dataclass(frozen=True)
class WarcResult:
    path: Path | None
    records: int
    bytes: int


def warc_date(when: _dt.datetime) -> str:
    """``2026-12-02T18:40:01.123456Z``: UTC with microseconds, as WARC 1.1 allows."""
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return datetime_to_iso_date(when, use_micros=True)


def _record_id(*parts) -> str:
    return f"<urn:uuid:{uuid.uuid5(_ID_NAMESPACE, json.dumps(parts, default=str))}>"


def _sha(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _response_headers(ex: Exchange) -> list[tuple[str, str]]:
    """Headers as received, except those describing a coding the browser already removed."""
    headers = list(ex.response_headers or [])
    if ex.body is None:
        return headers
    chunked = any(k.lower() == "transfer-encoding" for k, _ in headers)
    if not (ex.body_decoded or chunked):
        return headers
    renames = _DECODED_RENAMES if ex.body_decoded else ("transfer-encoding",)
    out = [(f"X-Evidence-Orig-{k}" if k.lower() in renames else k, v) for k, v in headers]
    if ex.body_decoded and not ex.truncated:
        out.append(("Content-Length", str(len(ex.body))))
    return out


class _Builder:
    """Turns exchanges into warcio records with fixed ids; ``seq`` keeps ids unique per file."""

    def __init__(self, writer: _Sha256Writer):
        self.w = writer
        self.seq = 0

    def _record(self, uri: str, rtype: str, headers: dict, *, http=None, payload: bytes = b"",
                content_type: str = ""):
        self.seq += 1
        headers = {"WARC-Type": rtype, "WARC-Record-ID": _record_id(self.seq, rtype, uri, headers.get("WARC-Date"),
                                                http.to_str() if http else None, _sha(payload)), **headers}
        return self.w.create_warc_record(uri, rtype, payload=io.BytesIO(payload), length=len(payload),
                                         warc_headers_dict=headers, http_headers=http,
                                         warc_content_type=content_type)

    def warcinfo(self, filename: str | None, info: dict[str, str], date: str):
        body = "".join(f"{k}: {v}\r\n" for k, v in info.items() if v).encode("utf-8")
        headers = {"WARC-Date": date, **({"WARC-Filename": filename} if filename else {})}
        return self._record("", "warcinfo", headers, payload=body, content_type="application/warc-fields")

    def request(self, ex: Exchange, concurrent_to: str | None):
        line = f"{ex.method} {_request_target(ex.url)} {ex.http_version or 'HTTP/1.1'}"
        http = StatusAndHeaders(line, list(ex.request_headers), is_http_request=True)
        headers = {"WARC-Date": warc_date(ex.started)}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = concurrent_to
        return self._record(ex.url, "request", headers, http=http, payload=ex.request_body or b"")

    def response(self, ex: Exchange):
        http = StatusAndHeaders(f"{ex.status} {ex.status_text}".strip(), _response_headers(ex),
                                protocol=ex.http_version or "HTTP/1.1")
        headers = {"WARC-Date": warc_date(ex.started)}
        if ex.http_version is None:
            headers["X-Evidence-HTTP-Version"] = "unknown (the status line says HTTP/1.1)"
        if ex.truncated:
            headers["WARC-Truncated"] = ex.truncated
            headers["X-Evidence-Body-Missing"] = ex.body_missing or "unspecified"
        if ex.body_decoded and ex.body is not None:
            headers["X-Evidence-Body-Decoded"] = ex.body_decoded
        return self._record(ex.url, "response", headers, http=http, payload=ex.body or b"")

    def failure(self, ex: Exchange, concurrent_to: str):
        fields = {"failure": ex.failure or "no response", "method": ex.method,
                  "resource-type": ex.resource_type or "", "started": warc_date(ex.started),
                  "ended": warc_date(ex.finished) if ex.finished else ""}
        body = "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v).encode("utf-8")
        headers = {"WARC-Date": warc_date(ex.started), "WARC-Concurrent-To": concurrent_to,
                   "X-Evidence-Body-Missing": f"no response: {ex.failure or 'unknown'}"}
        return self._record(ex.url, "metadata", headers, payload=body, content_type="application/warc-fields")


def _records(builder: _Builder, exchanges: Iterable[Exchange]):
    for ex in exchanges:
        if ex.has_response:
            resp = builder.response(ex)
            yield resp
            yield builder.request(ex, resp.rec_headers.get_header("WARC-Record-ID"))
        else:
            req = builder.request(ex, None)
            meta = builder.failure(ex, req.rec_headers.get_header("WARC-Record-ID"))
            req.rec_headers.add_header("WARC-Concurrent-To", meta.rec_headers.get_header("WARC-Record-ID"))
            yield req
            yield meta


def write_warc(out: str | os.PathLike | BinaryIO, exchanges: Iterable[Exchange], *, capture_url: str,
               captured: _dt.datetime, description: str | None = None,
               extra_info: dict[str, str] | None = None) -> WarcResult:
    """Write ``exchanges`` to ``out`` (a path, or a binary file open for writing) as WARC 1.1.

    ``captured`` is the capture's start (the warcinfo record's date); with the same exchanges
    and arguments the output is byte for byte the same.
    """
    path = Path(out) if isinstance(out, (str, os.PathLike)) else None
    fh = open(path, "wb") if path else out
    try:
        start = fh.tell() if hasattr(fh, "tell") else 0
        # warcio writes each record plain; each becomes one gzip member here, at zlib's default level (6) rather
        # than warcio's 9: as readable, about 1% larger, 1.7 times quicker (a batch's next page loads meanwhile)
        plain = io.BytesIO()
        raw = _Sha256Writer(plain, gzip=False, warc_version="1.1")

        class _Members:
            def write_record(self, record) -> None:
                plain.seek(0)
                plain.truncate()
                raw.write_record(record)
                member = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
                fh.write(member.compress(plain.getvalue()))
                fh.write(member.flush())

        writer = _Members()
        builder = _Builder(raw)
        info = {"software": SOFTWARE, "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "description": description or f"Browser capture of {capture_url}",
                "capture-url": capture_url, **(extra_info or {})}
        writer.write_record(builder.warcinfo(path.name if path else None, info, warc_date(captured)))
        for record in _records(builder, exchanges):
            writer.write_record(record)
        fh.flush()
        size = (fh.tell() - start) if hasattr(fh, "tell") else 0
    finally:
        if path:
            fh.close()
    return WarcResult(path=path, records=builder.seq, bytes=size)
