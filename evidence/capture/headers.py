"""Secrets kept out of what a capture records: cookie and authorization values in headers and the HAR.

A logged-in investigator's session must not travel in a pack: the names of cookies and
headers are kept (they are facts about the page), their values are replaced by ``[redacted]``.
"""

from __future__ import annotations

import json

__all__ = ["SECRET_HEADERS", "REDACTED", "redact_headers", "redact_har"]

SECRET_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization"}
REDACTED = "[redacted]"


def _redact_value(name: str, value: str) -> str:
    """Keep cookie names, drop their values: ``a=1; b=2`` -> ``a=[redacted]; b=[redacted]``."""
    if name == "authorization" or name == "proxy-authorization":
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} {REDACTED}".strip()
    if name == "set-cookie":
        first, _, attrs = value.partition(";")
        cname = first.split("=", 1)[0].strip()
        return f"{cname}={REDACTED}" + (f";{attrs}" if attrs else "")
    parts = []
    for piece in value.split(";"):
        cname = piece.split("=", 1)[0].strip()
        if cname:
            parts.append(f"{cname}={REDACTED}")
    return "; ".join(parts)


def redact_headers(headers: list[dict]) -> list[dict]:
    out = []
    for h in headers:
        name = str(h.get("name", ""))
        if name.lower() in SECRET_HEADERS:
            out.append({"name": name, "value": _redact_value(name.lower(), str(h.get("value", "")))})
        else:
            out.append({"name": name, "value": str(h.get("value", ""))})
    return out


def redact_har(data: bytes) -> tuple[bytes, int]:
    """The HAR without cookie or authorization values (a logged-in investigator's session must not travel in a pack)."""
    try:
        har = json.loads(data)
        entries = har["log"]["entries"]
    except (ValueError, KeyError, TypeError):
        return data, 0
    count = 0
    for e in entries:
        for part in ("request", "response"):
            msg = e.get(part) or {}
            for h in msg.get("headers") or []:
                if str(h.get("name", "")).lower() in SECRET_HEADERS and h.get("value"):
                    h["value"] = _redact_value(str(h["name"]).lower(), str(h["value"]))
                    count += 1
            for c in msg.get("cookies") or []:
                if c.get("value"):
                    c["value"] = REDACTED
                    count += 1
    return json.dumps(har, ensure_ascii=False, indent=1).encode("utf-8"), count
