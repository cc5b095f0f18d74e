"""The post's own media, kept as files: each image and video the extraction names, and streaming manifests.

While the capture's browser context is still open, every URL in the post's ``media_urls`` (from
:func:`evidence.extract.extract_page` on the rendered DOM and the served document: never avatars or
page chrome) is fetched again through the same context's request client, so a logged-in session's
cookies apply. HLS (``.m3u8``) and DASH (``.mpd``) manifests named on the page or in the post are
fetched with the playlists and segments they list, whole, within :attr:`CaptureOptions.media_limit_mb`
(200 MB per capture unless set). Each file becomes an artifact (role ``media-N``, its source URL,
declared type and HTTP status beside it); a file that could not be kept is a warning and the flag
``media-missing``; stopping at the limit is the flag ``media-over-limit``.

Host rules the browser was started with (``--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE host``)
apply here too: a URL whose host the browser may not reach is not fetched (it is reported as blocked).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch
from urllib.parse import urljoin, urlsplit

__all__ = ["MediaFile", "MediaResult", "keep_media", "host_rules", "host_allowed", "manifest_urls",
           "manifest_links"]

MANIFEST_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "mpd": "application/dash+xml"}
# A manifest's extension and query, followed by a delimiter; the URL is the run of non-delimiters ending there.
# (Found from the extension and extended backwards: a single regex with a lazy run before the extension tries
# every start position and took 80 ms on a 320 KB page.)
_MANIFEST_END = re.compile(r"""\.(?:m3u8|mpd)(?:\?[^\s"'<>()\\]*)?(?=["'\s<>)\\]|$)""", re.I)
_DELIMITERS = frozenset("\"'<>()\\")  # and whitespace
_URI_ATTR = re.compile(r'URI="([^"]+)"')
_DASH_URL = re.compile(r"""(?:<BaseURL>\s*([^<\s]+)\s*</BaseURL>|(?:media|sourceURL|initialization)="([^"$]+)")""")
MAX_FILES = 2000


@dataclass
class MediaFile:
    """One file of the post's media, fetched."""

    role: str
    url: str
    data: bytes
    media_type: str | None
    status: int
    kind: str  # "media", "manifest" or "segment"


@dataclass
class MediaResult:
    files: list[MediaFile] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)  # every URL tried, kept or not (for the metadata)
    total_bytes: int = 0
    over_limit: bool = False
    seconds: float = 0.0
    post_media: list[str] = field(default_factory=list)  # the URLs the post names (media and manifests)

    def metadata(self, limit_mb: int) -> dict:
        return {"limit_mb": limit_mb, "bytes": self.total_bytes, "over_limit": self.over_limit,
                "kept": len(self.files), "failed": sum(1 for r in self.records if not r.get("kept")),
                "ms": int(self.seconds * 1000), "post_media": self.post_media, "files": self.records}


# ------------------------------------------------------------------ host rules
def host_rules(browser_args) -> list[str]:
    """The ``--host-resolver-rules`` the browser was started with, one rule a string."""
    rules: list[str] = []
    for arg in browser_args or ():
        if str(arg).startswith("--host-resolver-rules="):
            rules += [r.strip() for r in str(arg).split("=", 1)[1].split(",") if r.strip()]
    return rules


def host_allowed(url: str, rules: list[str]) -> bool:
    """Whether the browser, under ``rules``, could reach ``url``'s host: an EXCLUDE before a matching MAP wins;
    a host that a rule maps elsewhere is not fetched (this client cannot follow the mapping)."""
    host = (urlsplit(url).hostname or "").lower()
    excluded = any(r.split()[0].upper() == "EXCLUDE" and fnmatch(host, r.split()[1].lower())
                   for r in rules if len(r.split()) >= 2)
    if excluded:
        return True
    for r in rules:
        parts = r.split()
        if len(parts) >= 3 and parts[0].upper() == "MAP" and fnmatch(host, parts[1].lower()):
            return False
    return True


# ------------------------------------------------------------------ manifests
def manifest_urls(html: bytes, base: str) -> list[str]:
    """HLS/DASH manifest URLs written in a page (attributes, scripts, JSON), absolute, in order, once each."""
    text = html.decode("utf-8", "replace").replace("\\/", "/")
    out: list[str] = []
    for m in _MANIFEST_END.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] not in _DELIMITERS and not text[start - 1].isspace():
            start -= 1
        raw = text[start:m.end()].replace("&amp;", "&")
        if not raw or raw.startswith(("data:", "blob:")):
            continue
        url = urljoin(base, raw)
        if url.startswith(("http://", "https://")) and url not in out:
            out.append(url)
    return out


def manifest_links(body: bytes, url: str) -> list[str]:
    """The playlists, keys, init sections and segments an HLS or DASH manifest lists, absolute."""
    text = body.decode("utf-8", "replace")
    links: list[str] = []
    if text.lstrip().startswith("#EXTM3U"):
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("#"):
                links += _URI_ATTR.findall(line)
            elif line:
                links.append(line)
    else:
        for a, b in _DASH_URL.findall(text):
            links.append((a or b).replace("&amp;", "&"))
    out: list[str] = []
    for link in links:
        absolute = urljoin(url, link)
        if absolute.startswith(("http://", "https://")) and absolute not in out:
            out.append(absolute)
    return out


def _is_manifest(url: str, ctype: str | None = None) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith((".m3u8", ".mpd")) or (ctype or "") in (
        "application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "application/dash+xml")


# ------------------------------------------------------------------ fetching
class _Fetcher:
    def __init__(self, run, limit_bytes: int, rules: list[str]):
        self.run, self.limit, self.rules = run, limit_bytes, rules
        self.result = MediaResult()
        self.seen: set[str] = set()

    def _record(self, url: str, kind: str, **facts) -> dict:
        rec = {"url": url, "kind": kind, **facts}
        self.result.records.append(rec)
        return rec

    async def get(self, url: str, kind: str) -> MediaFile | None:
        from playwright.async_api import Error as PWError

        if url in self.seen or len(self.seen) >= MAX_FILES:
            return None
        self.seen.add(url)
        res = self.result
        if res.over_limit:
            self._record(url, kind, kept=False, error="not fetched: the media size limit was reached")
            return None
        if not host_allowed(url, self.rules):
            self._record(url, kind, kept=False, error="not fetched: the host rules in force block or remap its host")
            return None
        timeout = max(30_000.0, self.run.remaining_ms())  # a video may take longer than the page did
        try:
            resp = await self.run.context.request.get(url, timeout=timeout, max_redirects=10, fail_on_status_code=False)
            status = resp.status
            ctype = (resp.headers.get("content-type") or "").split(";")[0].strip().lower() or None
            length = int(resp.headers.get("content-length") or 0)
            if length and res.total_bytes + length > self.limit:
                res.over_limit = True
                await resp.dispose()
                self._record(url, kind, kept=False, status=status, size=length,
                             error="not kept: over the media size limit")
                return None
            body = await resp.body() if status < 400 else b""
            await resp.dispose()
        except (PWError, asyncio.TimeoutError, ValueError) as exc:
            self._record(url, kind, kept=False, error=(str(exc).splitlines() or ["failed"])[0][:300])
            return None
        if status >= 400:
            self._record(url, kind, kept=False, status=status, error=f"HTTP {status}")
            return None
        if res.total_bytes + len(body) > self.limit:
            res.over_limit = True
            self._record(url, kind, kept=False, status=status, size=len(body),
                         error="not kept: over the media size limit")
            return None
        res.total_bytes += len(body)
        role = f"media-{len(res.files) + 1}"
        f = MediaFile(role=role, url=url, data=body, media_type=ctype, status=status, kind=kind)
        res.files.append(f)
        self._record(url, kind, kept=True, status=status, size=len(body), role=role, media_type=ctype,
                     sha256="sha256:" + hashlib.sha256(body).hexdigest())
        return f

    async def manifest(self, url: str, depth: int = 0) -> None:
        got = await self.get(url, "manifest")
        if got is None or depth > 3:
            return
        if b"<SegmentTemplate" in got.data:
            self._record(url, "segment", kept=False,
                         error="segments a DASH SegmentTemplate addresses ($Number$, $Time$) are not fetched")
        for link in manifest_links(got.data, got.url):
            if _is_manifest(link):
                await self.manifest(link, depth + 1)
            else:
                await self.get(link, "segment")


def _base_url(run) -> str:
    return run.page.url if run.page.url not in ("", "about:blank") else run.url


def _post_media(run, base: str) -> tuple[list[str], list[str]]:
    """The post's media URLs and the manifests on the page, from the rendered DOM and the served document."""
    urls: list[str] = []
    manifests: list[str] = []
    docs = [d for d in (run.dom, run.served if run.served_type in ("text/html", "application/xhtml+xml") else None) if d]
    for doc in docs:
        for u in (run.extract(doc, base).get("post") or {}).get("media_urls") or []:
            if u.startswith(("http://", "https://")) and u not in urls:
                urls.append(u)
        for m in manifest_urls(doc, base):
            if m not in manifests:
                manifests.append(m)
    return [u for u in urls if not _is_manifest(u)], manifests + [u for u in urls if _is_manifest(u) and u not in manifests]


async def keep_media(run) -> MediaResult:
    """Fetch the post's media for the :class:`evidence.capture.run.PageRun` ``run`` (its context still open)."""
    opts = run.opts
    started = time.monotonic()
    if not opts.keep_media:
        return MediaResult()
    fetcher = _Fetcher(run, opts.media_limit_mb * 1024 * 1024, host_rules(opts.browser_args))
    urls, manifests = await asyncio.to_thread(_post_media, run, _base_url(run))  # parsing, off the event loop
    for u in urls:
        await fetcher.get(u, "media")
    for m in manifests:
        await fetcher.manifest(m)
    res = fetcher.result
    res.seconds = time.monotonic() - started
    res.post_media = urls + manifests
    failed = [r for r in res.records if not r.get("kept") and "size limit" not in (r.get("error") or "")]
    for r in failed[:10]:
        run.warn(f"the post's {r['kind']} {r['url']} could not be kept ({r.get('error')})", "media-missing")
    if len(failed) > 10:
        run.warn(f"{len(failed) - 10} more of the post's media files could not be kept (see the metadata)")
    if res.over_limit:
        run.warn(f"the post's media passed the limit of {opts.media_limit_mb} MB; {len(res.files)} file(s) "
                 f"({res.total_bytes:,} bytes) were kept and the rest were not (raise --media-limit)",
                 "media-over-limit")
    return res


def media_artifacts(files: list[MediaFile]):
    """The kept media as :class:`evidence.ingest.ArtifactSource` (source URL, declared type, status beside each)."""
    from ..ingest import ArtifactSource

    out = []
    for f in files:
        extra = {"source_url": f.url, "http_status": f.status, "media_kind": f.kind}
        if f.media_type:
            extra["declared_media_type"] = f.media_type
        out.append(ArtifactSource(f.role, data=f.data, inspect_image=f.kind == "media", extra=extra))
    return out
