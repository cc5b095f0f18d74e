"""Request an RFC 3161 trusted timestamp and check the answer before storing it.

:func:`request_timestamp` asks a timestamp authority (TSA) to sign SHA-256 of some
bytes and returns the TSA's DER ``TimeStampResp`` exactly as received, with the
facts read from it. Nothing is returned unless the response was checked:

* ours:      the HTTP exchange, content type, PKIStatus (with statusString), message
             imprint = SHA-256(data), nonce = ours;
* rfc3161-client (``Verifier``): status granted, the CMS signature, the signer
             certificate chaining to the configured root(s) at genTime, the signer
             certificate's extendedKeyUsage (critical, id-kp-timeStamping; a
             certificate without it fails as "unsuitable certificate purpose"),
             and again nonce and imprint.

All ASN.1 and cryptography is done by ``rfc3161-client`` and ``cryptography``.

Errors are :class:`~evidence.errors.TimestampError` subclasses:
:class:`TSAUnreachable` (retryable: keep the token "pending"),
:class:`TSARefused` (the TSA said no) and :class:`TSAInvalid` (the answer cannot be
trusted). A bad ``root_pem`` or URL, or empty data, is
:class:`~evidence.errors.InputError`.

Known limits of rfc3161-client 1.0.x, documented rather than worked around:

* ``grantedWithMods`` cannot be verified (its Verifier insists on ``granted``),
  so it is reported as :class:`TSAInvalid`;
* PKIFailureInfo is not exposed; the refusal message carries the statusString
  (OpenSSL, for one, puts the failure text there);
* genTime is read to whole seconds (a fractional genTime stays in the stored DER);
* the ESS signingCertificate(V2) attribute is not checked (``openssl ts -verify``
  checks it);
* redirects are not followed, so a query is never re-sent elsewhere.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from ..errors import InputError, TSAInvalid, TSARefused, TSAUnreachable

__all__ = [
    "TimestampResult",
    "TSAUnreachable",
    "TSARefused",
    "TSAInvalid",
    "request_timestamp",
    "QUERY_CONTENT_TYPE",
    "REPLY_CONTENT_TYPES",
    "MAX_RESPONSE",
]

QUERY_CONTENT_TYPE = "application/timestamp-query"
#: RFC 3161 section 3.4 says ``application/timestamp-reply``; some TSAs send the
#: older ``application/timestamp-response``.
REPLY_CONTENT_TYPES = frozenset({"application/timestamp-reply", "application/timestamp-response"})
#: A TimeStampResp is a few kilobytes; refuse to read more than this.
MAX_RESPONSE = 1024 * 1024
SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")

_CONFIG_HINT = "check tsa.url / tsa.root with `evidence config`"
_RETRY_HINT = "retry later with `evidence timestamp --pending`"
# HTTP statuses that mean "try again later" rather than "this will never work".
_TRANSIENT_HTTP = frozenset({408, 425, 429})





@dataclass(frozen=True)
class TimestampResult:
    """A checked RFC 3161 timestamp.

    ``response`` is the full DER ``TimeStampResp`` as received: store it as is
    (``openssl ts -verify -in X.tsr`` reads it).
    """

    response: bytes
    gen_time: str
    serial: str
    tsa_url: str
    nonce: str
    policy: str | None


def _one_line(text: str, limit: int = 240) -> str:
    """Collapse ``text`` to one line of at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reason(exc: BaseException) -> str:
    """A short human reason from a library exception (OpenSSL error stacks are long)."""
    text = str(exc)
    found = re.findall(r'data: "([^"]+)"', text) or re.findall(r'reason: "([^"]+)"', text)
    if found:
        prefix = text.split(":", 1)[0] if text.startswith("Error while verifying") else ""
        return _one_line((prefix + ": " if prefix else "") + "; ".join(found))
    return _one_line(text or type(exc).__name__)


def _rfc3339(value: datetime) -> str:
    """RFC 3339 UTC with a ``Z``; fractional seconds only when present."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(fmt)


def _load_roots(root_pem: bytes) -> list[x509.Certificate]:
    try:
        roots = x509.load_pem_x509_certificates(root_pem)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"the TSA root is not PEM certificates ({_reason(exc)})", hint=_CONFIG_HINT
        ) from exc
    unique: list[x509.Certificate] = []
    for cert in roots:
        if cert not in unique:
            unique.append(cert)
    return unique


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"TSA URL must be an http:// or https:// URL, not {url!r}", hint=_CONFIG_HINT)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow redirects: a POSTed query must reach the configured URL itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _opener(url: str) -> urllib.request.OpenerDirector:
    host = urllib.parse.urlsplit(url).hostname
    # Proxies from the environment apply, except for a TSA on this machine.
    proxies = urllib.request.ProxyHandler({} if _is_loopback(host) else None)
    return urllib.request.build_opener(proxies, _NoRedirect())


def _post(url: str, query: bytes, timeout: float) -> bytes:
    """POST ``query``; the body of a 2xx timestamp reply, or a TimestampError."""
    request = urllib.request.Request(
        url,
        data=query,
        method="POST",
        headers={
            "Content-Type": QUERY_CONTENT_TYPE,
            "Accept": "application/timestamp-reply",
            "User-Agent": "evidence (RFC 3161 client)",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with _opener(url).open(request, timeout=timeout) as reply:
            ctype = (reply.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype not in REPLY_CONTENT_TYPES:
                raise TSAUnreachable(
                    f"{url} answered with content type {ctype or '(none)'!r}, not a timestamp reply",
                    hint=f"{_CONFIG_HINT}, or {_RETRY_HINT}",
                )
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = reply.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_RESPONSE:
                    raise TSAInvalid(
                        f"{url} sent more than {MAX_RESPONSE} bytes; that is not a timestamp reply",
                        hint=_CONFIG_HINT,
                    )
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError("reply took too long")
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        code = exc.code
        location = exc.headers.get("Location") if exc.headers is not None else None
        exc.close()
        if 300 <= code < 400:
            raise TSARefused(
                f"{url} redirects (HTTP {code}) to {_one_line(location or '(no location)', 120)}; "
                "a timestamp query is not re-sent to another address",
                hint="set tsa.url to the final address with `evidence config`",
            ) from None
        if code >= 500 or code in _TRANSIENT_HTTP:
            raise TSAUnreachable(f"{url} answered HTTP {code}", hint=_RETRY_HINT) from None
        raise TSARefused(f"{url} refused the request with HTTP {code}", hint=_CONFIG_HINT) from None
    except urllib.error.URLError as exc:
        raise TSAUnreachable(
            f"cannot reach the TSA at {url}: {_one_line(str(exc.reason))}", hint=_RETRY_HINT
        ) from None
    except (TimeoutError, socket.timeout):
        raise TSAUnreachable(
            f"the TSA at {url} did not answer within {timeout:g} s", hint=_RETRY_HINT
        ) from None
    except ssl.SSLError as exc:
        raise TSAUnreachable(f"TLS failed with the TSA at {url}: {_one_line(str(exc))}", hint=_RETRY_HINT) from None
    except (http.client.HTTPException, OSError) as exc:
        raise TSAUnreachable(
            f"the connection to the TSA at {url} failed: {_one_line(str(exc) or type(exc).__name__)}",
            hint=_RETRY_HINT,
        ) from None


def request_timestamp(data: bytes, url: str, root_pem: bytes, *, timeout: float = 10.0) -> TimestampResult:
    """Timestamp SHA-256(``data``) at the TSA ``url`` and check the answer.

    ``root_pem`` holds one or more PEM certificates the TSA's signing certificate
    must chain to. Raises :class:`TSAUnreachable`, :class:`TSARefused`,
    :class:`TSAInvalid`, or :class:`~evidence.errors.InputError` (bad root, URL or
    empty data).
    """
    _check_url(url)
    roots = _load_roots(root_pem)
    if not roots:
        raise InputError("the TSA root holds no PEM certificate", hint=_CONFIG_HINT)
    if not data:
        raise InputError("cannot timestamp empty data (rfc3161-client refuses it)")
    digest = hashlib.sha256(data).digest()
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    nonce = request.nonce
    if nonce is None or request.message_imprint.message != digest:  # pragma: no cover - library bug
        raise TSAInvalid("rfc3161-client built a request without nonce or with a wrong imprint")

    body = _post(url, request.as_bytes(), timeout)
    response = _granted_response(url, body)
    info = _check_token(url, response, digest, nonce)

    verifier = VerifierBuilder(roots=list(roots), nonce=nonce).build()
    try:
        verifier.verify(response, digest)
    except (VerificationError, ValueError) as exc:
        raise TSAInvalid(
            f"the token from {url} does not verify against the configured TSA root: {_reason(exc)}",
            hint=_CONFIG_HINT,
        ) from None

    return TimestampResult(
        response=body,
        gen_time=_rfc3339(info.gen_time),
        serial=str(info.serial_number),
        tsa_url=url,
        nonce=str(nonce),
        policy=info.policy.dotted_string if info.policy is not None else None,
    )


def _granted_response(url: str, body: bytes):
    """The TSA's answer decoded; refused unless its status is granted."""
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise TSAInvalid(
            f"{url} sent something that is not a timestamp response ({_reason(exc)})", hint=_CONFIG_HINT
        ) from None
    try:
        status = PKIStatus(response.status)
    except ValueError:
        raise TSAInvalid(f"{url} sent an unknown PKIStatus {response.status}", hint=_CONFIG_HINT) from None
    text = "; ".join(_one_line(s) for s in response.status_string)
    if status is PKIStatus.GRANTED_WITH_MODS:
        # rfc3161-client's Verifier only accepts GRANTED, so such a token cannot be checked.
        raise TSAInvalid(
            f"{url} answered grantedWithMods{': ' + text if text else ''}, which cannot be verified",
            hint=_CONFIG_HINT,
        )
    if status is not PKIStatus.GRANTED:
        raise TSARefused(
            f"{url} refused the timestamp: status {status.name.lower()}{': ' + text if text else ''}",
            hint=f"{_RETRY_HINT}, or {_CONFIG_HINT}",
        )
    return response


def _check_token(url: str, response, digest: bytes, nonce: int):
    """The token's TSTInfo, checked to be over ``digest`` with our ``nonce``."""
    try:
        info = response.tst_info
        algorithm = info.message_imprint.hash_algorithm
        imprint = info.message_imprint.message
        got_nonce = info.nonce
        info.serial_number, info.gen_time, info.policy  # noqa: B018 - read now, so a bad token fails here
    except ValueError as exc:
        raise TSAInvalid(f"{url} granted but sent no readable token ({_reason(exc)})", hint=_CONFIG_HINT) from None
    if algorithm != SHA256_OID or imprint != digest:
        raise TSAInvalid(
            f"{url} timestamped other data (message imprint mismatch); the token was not stored",
            hint=f"{_RETRY_HINT}; if it persists, {_CONFIG_HINT}",
        )
    if got_nonce != nonce:
        raise TSAInvalid(
            f"{url} answered with another nonce (a replayed or misrouted reply); the token was not stored",
            hint=f"{_RETRY_HINT}; if it persists, {_CONFIG_HINT}",
        )
    return info
