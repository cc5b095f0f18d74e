"""Why a page could not be loaded, in words a user can act on (from Chromium's ``net::ERR_*`` codes)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..errors import CaptureError

__all__ = ["classify"]

_NET_ERRORS = [
    ("ERR_NAME_NOT_RESOLVED", "dns", "DNS lookup failed: the host name {host} does not resolve", "check the URL"),
    ("ERR_NAME_RESOLUTION_FAILED", "dns", "DNS lookup failed for {host}", "check the URL and the network"),
    ("ERR_CONNECTION_REFUSED", "refused", "connection refused by {host}", "check the URL; the site may be down"),
    ("ERR_CONNECTION_RESET", "reset", "connection reset by {host}", "try again later"),
    ("ERR_CONNECTION_CLOSED", "reset", "{host} closed the connection without answering", "try again later"),
    ("ERR_EMPTY_RESPONSE", "reset", "{host} closed the connection without answering", "try again later"),
    ("ERR_ADDRESS_UNREACHABLE", "unreachable", "{host} is unreachable", "check the network"),
    ("ERR_INTERNET_DISCONNECTED", "unreachable", "no network connection", "check the network"),
    ("ERR_TOO_MANY_REDIRECTS", "redirect-loop", "redirect loop: {url} redirects too many times", "check the URL"),
    ("ERR_CERT_", "tls", "TLS certificate error for {host} ({code})",
     "the site's certificate is not trusted; to capture anyway, add --ignore-https-errors (it is recorded)"),
    ("ERR_SSL_", "tls", "TLS error for {host} ({code})", "the site's TLS set-up is broken"),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls", "TLS client certificate error for {host}", ""),
    ("ERR_UNSAFE_PORT", "refused", "Chromium refuses to connect to port {port} of {host} (an unsafe port)", "check the URL"),
    ("ERR_TIMED_OUT", "timeout", "connection to {host} timed out", "try again later, or raise --timeout"),
    ("ERR_CONNECTION_TIMED_OUT", "timeout", "connection to {host} timed out", "try again later, or raise --timeout"),
    ("ERR_INVALID_URL", "url", "Chromium refused the URL {url} as invalid", "check the URL"),
    ("ERR_BLOCKED_BY_CLIENT", "blocked", "the request for {url} was blocked", ""),
]


def classify(exc: Exception, url: str, timeout: float) -> CaptureError:
    """A :class:`CaptureError` naming what went wrong (``reason``: dns, refused, tls, timeout, ...)."""
    text = str(exc)
    parts = urlsplit(url)
    host, port = parts.hostname or url, parts.port or (443 if parts.scheme == "https" else 80)
    m = re.search(r"net::(ERR_[A-Z_]+)", text)
    code = m.group(1) if m else None
    if code:
        for needle, reason, msg, hint in _NET_ERRORS:
            if code.startswith(needle):
                err = CaptureError(msg.format(host=host, url=url, code=code, port=port), hint=hint or None)
                err.reason = reason
                err.code = code
                return err
        err = CaptureError(f"could not load {url}: {code}")
        err.reason, err.code = "network", code
        return err
    if "Timeout" in type(exc).__name__ or "Timeout" in text.split("\n", 1)[0]:
        err = CaptureError(f"no response from {host} within {timeout:g} s", hint="try again later, or raise --timeout")
        err.reason, err.code = "timeout", "timeout"
        return err
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    err = CaptureError(f"could not capture {url}: {first}")
    err.reason, err.code = "browser", None
    return err
