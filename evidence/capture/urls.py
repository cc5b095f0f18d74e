"""Which URLs may be captured: absolute http(s) URLs with a host. Everything else is refused with a reason."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..errors import InputError

__all__ = ["validate_url"]

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
