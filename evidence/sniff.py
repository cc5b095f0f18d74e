"""Media type from a file's first bytes, never its name.

Follows the pattern tables of the WHATWG MIME Sniffing standard
(https://mimesniff.spec.whatwg.org/ sections 6.1-6.3 and 7.1) for images,
audio/video, archives, fonts, PDF and HTML, then recognises JSON, XML and plain
text, and falls back to ``application/octet-stream``.
"""

from __future__ import annotations

import json

__all__ = ["sniff"]

# (pattern, mask or None, media type)
_SIGNATURES: list[tuple[bytes, bytes | None, str]] = [
    (b"\x89PNG\r\n\x1a\n", None, "image/png"),
    (b"\xff\xd8\xff", None, "image/jpeg"),
    (b"GIF87a", None, "image/gif"),
    (b"GIF89a", None, "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP", b"\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff", "image/webp"),
    (b"BM", None, "image/bmp"),
    (b"\x00\x00\x01\x00", None, "image/x-icon"),
    (b"\x00\x00\x02\x00", None, "image/x-icon"),
    (b"II*\x00", None, "image/tiff"),
    (b"MM\x00*", None, "image/tiff"),
    (b"%PDF-", None, "application/pdf"),
    (b"PK\x03\x04", None, "application/zip"),
    (b"\x1f\x8b\x08", None, "application/gzip"),
    (b"Rar!\x1a\x07", None, "application/x-rar-compressed"),
    (b"7z\xbc\xaf\x27\x1c", None, "application/x-7z-compressed"),
    (b"OggS\x00", None, "application/ogg"),
    (b"ID3", None, "audio/mpeg"),
    (b"fLaC", None, "audio/flac"),
    (b"RIFF\x00\x00\x00\x00WAVE", b"\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff", "audio/wav"),
    (b"RIFF\x00\x00\x00\x00AVI ", b"\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff", "video/x-msvideo"),
    (b"\x1aE\xdf\xa3", None, "video/webm"),
    (b"wOFF", None, "font/woff"),
    (b"wOF2", None, "font/woff2"),
    (b"MIME-Version: 1.0", None, "multipart/related"),
    (b"From: <Saved by Blink>", None, "multipart/related"),
]

_HTML_TAGS = (b"<!DOCTYPE HTML", b"<HTML", b"<HEAD", b"<SCRIPT", b"<IFRAME", b"<H1", b"<DIV", b"<FONT",
              b"<TABLE", b"<A", b"<STYLE", b"<TITLE", b"<B", b"<BODY", b"<BR", b"<P", b"<!--")


def _match(head: bytes, pattern: bytes, mask: bytes | None) -> bool:
    if len(head) < len(pattern):
        return False
    if mask is None:
        return head.startswith(pattern)
    return all((head[i] & mask[i]) == (pattern[i] & mask[i]) for i in range(len(pattern)))


def _mp4(head: bytes) -> str | None:
    # WHATWG 6.2.1: box size then "ftyp"
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:11]
    if brand == b"qt ":
        return "video/quicktime"
    if head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    if head[8:12] == b"avif":
        return "image/avif"
    return "video/mp4"


def sniff(head: bytes) -> str:
    """The media type of content whose first bytes (at least 512, ideally 4096) are ``head``."""
    if not head:
        return "application/octet-stream"
    for pattern, mask, mtype in _SIGNATURES:
        if _match(head, pattern, mask):
            return mtype
    mp4 = _mp4(head)
    if mp4:
        return mp4
    stripped = head.lstrip(b"\t\n\x0c\r \xef\xbb\xbf")
    upper = stripped[:32].upper()
    for tag in _HTML_TAGS:
        if upper.startswith(tag) and len(upper) > len(tag) and upper[len(tag):len(tag) + 1] in (b" ", b">"):
            return "text/html"
    if upper.startswith(b"<?XML"):
        if b"<svg" in stripped[:1024].lower():
            return "image/svg+xml"
        return "application/xml"
    if upper.startswith(b"<SVG"):
        return "image/svg+xml"
    if b"\x00" in head[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "application/octet-stream"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still text
        if exc.start < len(head) - 4:
            return "application/octet-stream"
        text = head[: exc.start].decode("utf-8")
    s = text.strip()
    if s[:1] in ("{", "["):
        try:
            json.loads(s)
            return "application/json"
        except ValueError:
            if len(head) >= 4096:  # truncated sample of something that looks like JSON
                return "application/json"
    if any(ord(c) < 9 or 13 < ord(c) < 32 for c in text if c not in "\x1b"):
        return "application/octet-stream"
    return "text/plain"
