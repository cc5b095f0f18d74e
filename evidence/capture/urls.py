"""Which URLs may be captured: absolute http(s) URLs with a host. Everything else is refused with a reason.

A URL may carry a user name and password (``https://user:secret@host/``): they are used to load
the page, and removed (:func:`strip_credentials`, :func:`scrub_credentials`) from everything a
capture records -- records, metadata, HAR, custody entries, error messages.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from ..errors import InputError

__all__ = ["validate_url", "strip_credentials", "scrub_credentials", "REDACTED_SECRET"]

REDACTED_SECRET = "[redacted]"

_HOST_RE = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.~%-]+)$")


def validate_url(url: str) -> str:
    """Return ``url`` (trimmed) if it can be captured; raise :class:`InputError` saying why not."""
    if not isinstance(url, str) or not url.strip():
        raise InputError("empty URL", hint="give the address of the post, e.g. https://x.com/user/status/123")
    url = url.strip()
    if any(c.isspace() for c in url) or any(ord(c) < 32 for c in url):
        raise InputError(f"malformed URL {url!r}: it contains spaces or control characters",
                         hint="copy the address again from the browser's address bar")
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    if not m:
        raise InputError(f"malformed URL {url!r}: it has no scheme", hint=f"did you mean https://{url} ?")
    scheme = m.group(1).lower()
    if scheme not in ("http", "https"):
        if re.match(r"^[A-Za-z0-9.-]+:\d+", url):  # host:port without a scheme
            raise InputError(f"malformed URL {url!r}: it has no scheme", hint=f"did you mean http://{url} ?")
        raise InputError(f"only http and https URLs can be captured, not {scheme}:",
                         hint="give the web address of the post")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise InputError(f"malformed URL {url!r}: {exc}") from None
    host = parts.hostname
    if not parts.netloc or not host:
        raise InputError(f"malformed URL {url!r}: it has no host", hint="e.g. https://x.com/user/status/123")
    if not _HOST_RE.match(parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[0] if not parts.netloc.endswith("]")
                          else parts.netloc.rsplit("@", 1)[-1]):
        raise InputError(f"malformed URL {url!r}: bad host name")
    if port == 0:
        raise InputError(f"malformed URL {url!r}: port 0")
    return url


def _userinfo(url: str) -> str | None:
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)@", url)
    return m.group(1) if m else None


def strip_credentials(url: str) -> tuple[str, bool]:
    """(``url`` without its user name and password, whether it had any)."""
    info = _userinfo(url)
    if info is None:
        return url, False
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest[len(info) + 1:]}", True


def scrub_credentials(text, url: str):
    """``text`` with every form of ``url``'s user name:password removed (``user:pw@`` and the password alone).

    ``text`` may also be a list or dict (JSON-like): every string in it is scrubbed.
    """
    if isinstance(text, list):
        return [scrub_credentials(v, url) for v in text]
    if isinstance(text, dict):
        return {k: scrub_credentials(v, url) for k, v in text.items()}
    info = _userinfo(url)
    if not info or not isinstance(text, str) or not text:
        return text
    forms = {info + "@", unquote(info) + "@"}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "")
    _, _, password = info.partition(":")
    for secret in {password, unquote(password)}:
        if len(secret) >= 4:  # a shorter one would mangle ordinary text; its user:pw@ form is gone already
            text = text.replace(secret, REDACTED_SECRET)
    return text
