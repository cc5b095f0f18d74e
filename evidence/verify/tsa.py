"""Verify a stored RFC 3161 timestamp, independently of the code that requested it.

:func:`verify_timestamp` checks a DER ``TimeStampResp`` against the data it is
said to cover and against trusted root certificates. It shares nothing with
:mod:`evidence.timestamp`; all ASN.1 and cryptography is done by
``rfc3161-client`` and ``cryptography``.

Checked here: the bytes parse as a TimeStampResp, PKIStatus is granted, the
message imprint equals the hash of ``data`` (SHA-256, SHA-384 or SHA-512, as the
token says). Checked by rfc3161-client's ``Verifier``: the CMS signature, the
signer certificate chaining to one of the roots (at genTime), the signer
certificate's critical extendedKeyUsage id-kp-timeStamping, and the imprint again.
The nonce is not checked: only the requester knew it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from rfc3161_client import PKIStatus, VerificationError, VerifierBuilder, decode_timestamp_response

from ..errors import InputError, TimestampInvalid

__all__ = ["TimestampInvalid", "verify_timestamp"]

_HASHES = {
    "2.16.840.1.101.3.4.2.1": ("sha256", hashlib.sha256),
    "2.16.840.1.101.3.4.2.2": ("sha384", hashlib.sha384),
    "2.16.840.1.101.3.4.2.3": ("sha512", hashlib.sha512),
}



def _fail(message: str) -> TimestampInvalid:
    return TimestampInvalid(f"timestamp invalid: {message}", problems=[message])


def _one_line(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reason(exc: BaseException) -> str:
    """A short reason from a library exception (keeps OpenSSL's own words, drops the noise)."""
    text = str(exc)
    found = re.findall(r'data: "([^"]+)"', text) or re.findall(r'reason: "([^"]+)"', text)
    return _one_line("; ".join(found) if found else (text or type(exc).__name__))


def _rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _roots(roots_pem: bytes) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(roots_pem)
    except (ValueError, TypeError) as exc:
        raise InputError(f"the TSA roots are not PEM certificates ({_reason(exc)})") from exc
    unique: list[x509.Certificate] = []
    for cert in certs:
        if cert not in unique:
            unique.append(cert)
    if not unique:
        raise InputError("no TSA root certificate given")
    return unique


def _signer_subject(response: Any) -> str:
    """RFC 4514 subject of the embedded certificate the SignerInfo names."""
    signed = response.signed_data
    infos = list(signed.signer_infos)
    if len(infos) != 1:
        raise _fail(f"expected one signer, found {len(infos)}")
    issuer, serial = infos[0].issuer, infos[0].serial_number
    for der in signed.certificates:
        cert = x509.load_der_x509_certificate(der)
        if cert.issuer == issuer and cert.serial_number == serial:
            return cert.subject.rfc4514_string()
    raise _fail("the signer certificate is not embedded in the token")


def verify_timestamp(response_der: bytes, data: bytes, roots_pem: bytes) -> dict:
    """Check that ``response_der`` is a valid timestamp over ``data`` from a TSA under ``roots_pem``.

    Returns ``{"gen_time": RFC 3339 UTC, "serial": decimal str, "policy": OID str
    or None, "tsa": RFC 4514 subject of the signer certificate}``. Raises
    :class:`TimestampInvalid` naming what is wrong, or
    :class:`~evidence.errors.InputError` if ``roots_pem`` holds no certificate.
    """
    roots = _roots(roots_pem)
    try:
        response = decode_timestamp_response(bytes(response_der))
    except (ValueError, TypeError) as exc:
        raise _fail(f"not a DER TimeStampResp ({_reason(exc)})") from None

    try:
        status = PKIStatus(response.status)
    except ValueError:
        raise _fail(f"unknown PKIStatus {response.status}") from None
    if status is not PKIStatus.GRANTED:
        text = "; ".join(_one_line(s) for s in response.status_string)
        raise _fail(f"status {status.name.lower()}, not granted{': ' + text if text else ''}")

    try:
        info = response.tst_info
        algorithm = info.message_imprint.hash_algorithm.dotted_string
        imprint = info.message_imprint.message
        gen_time = info.gen_time
        serial = info.serial_number
        policy = info.policy
    except ValueError as exc:
        raise _fail(f"granted but the token is unreadable ({_reason(exc)})") from None

    if algorithm not in _HASHES:
        raise _fail(f"unsupported message imprint algorithm {algorithm}")
    name, hasher = _HASHES[algorithm]
    if hasher(data).digest() != imprint:
        raise _fail(f"message imprint mismatch: the token covers other data than the {name} of this data")

    try:
        VerifierBuilder(roots=list(roots)).build().verify_message(response, data)
    except (VerificationError, ValueError) as exc:
        raise _fail(f"signature or certificate chain does not verify against the given roots: {_reason(exc)}") from None

    try:
        tsa = _signer_subject(response)
    except ValueError as exc:  # pragma: no cover - the Verifier already found this certificate
        raise _fail(f"cannot read the signer certificate ({_reason(exc)})") from None

    return {
        "gen_time": _rfc3339(gen_time),
        "serial": str(serial),
        "policy": policy.dotted_string if policy is not None else None,
        "tsa": tsa,
    }
