"""Store settings that change what is recorded: the timestamp authorities.

A setting is changed only through :func:`check` (which validates and normalises the value)
and a ``config.set`` custody entry written by :meth:`evidence.Evidence.set_setting`.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

__all__ = ["SETTINGS", "check", "split_urls", "describe"]

SETTINGS = {
    "tsa.url": "timestamp authority URL(s), separated by spaces or commas",
    "tsa.root": "PEM root certificate(s) to trust for the TSA (give a file name; its content is stored)",
    "tsa.timeout": "seconds to wait for a TSA (default 10)",
}


def split_urls(value: str) -> list[str]:
    return [u for u in value.replace(",", " ").split() if u]


def check(key: str, value: str | None) -> str | None:
    """The value to store for ``key`` (None unsets it). ``tsa.root`` takes a file name and returns its PEM."""
    if key not in SETTINGS:
        raise InputError(f"unknown setting {key!r}", hint="settings: " + ", ".join(SETTINGS))
    if value is None:
        return None
    if key == "tsa.url":
        urls = split_urls(value)
        if not urls:
            raise InputError("give at least one TSA URL")
        for u in urls:
            if not u.startswith(("http://", "https://")):
                raise InputError(f"TSA URL {u!r} is not http(s)", hint="e.g. https://freetsa.org/tsr")
        return " ".join(urls)
    if key == "tsa.root":
        return _root_pem(value)
    try:
        t = float(value)
    except ValueError:
        raise InputError("tsa.timeout must be a number of seconds") from None
    if not 0 < t <= 300:
        raise InputError("tsa.timeout must be between 0 and 300 seconds")
    return value


def _root_pem(file_name: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        pem = Path(file_name).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file_name}: {exc.strerror}",
                         hint="give the TSA's root certificate file (PEM)") from None
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise InputError(f"{file_name} holds no PEM certificate", hint="give the TSA's root certificate (PEM)") from None
    return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certs)


def describe(key: str, value: str | None) -> str:
    """A setting's value as a person reads it (a PEM as a count of certificates)."""
    if value is None:
        return "(not set)"
    if key == "tsa.root":
        return f"({value.count('BEGIN CERTIFICATE')} certificate(s))"
    return value
