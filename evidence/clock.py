"""Times as evidence records them: RFC 3339 in UTC, with the local offset also kept.

A recorded moment is ``{"utc": "2026-11-20T09:14:00Z", "local": "2026-11-20T09:14:00+00:00"}``:
the UTC instant for comparison, and the same instant in the machine's local
time zone so a reader sees what the investigator's clock said.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .errors import InputError

__all__ = ["now", "stamp", "utc_string", "local_string", "parse_time", "parse_time_stamp"]


def now() -> datetime:
    return datetime.now(timezone.utc)


def utc_string(dt: datetime) -> str:
    """RFC 3339 UTC with a ``Z``; fractional seconds only when non-zero (milliseconds)."""
    dt = dt.astimezone(timezone.utc)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_string(dt: datetime) -> str:
    """The same instant in the machine's local time zone, RFC 3339 with its offset."""
    local = dt.astimezone()
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    if local.microsecond:
        base += f".{local.microsecond // 1000:03d}"
    off = local.strftime("%z")
    return f"{base}{off[:3]}:{off[3:]}"


def stamp(dt: datetime | None = None) -> dict:
    """``{"utc": ..., "local": ...}`` for ``dt`` (default: now)."""
    dt = dt or now()
    return {"utc": utc_string(dt), "local": local_string(dt)}


_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_time(text: str, *, what: str = "time", allow_future: bool = False) -> tuple[datetime, bool]:
    """Parse an RFC 3339-like time given by a user.

    Accepts ``2026-11-20T09:14Z``, ``2026-11-20T09:14:05+01:00``, ``2026-11-20 09:14``
    (no offset: taken as the machine's local time; the second value returned is
    ``False`` then, so the record can say so). Refuses anything else, and times
    in the future unless ``allow_future``.
    """
    m = _TIME_RE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise InputError(
            f"malformed {what} {text!r}",
            hint="use RFC 3339, e.g. 2026-11-20T09:14Z or 2026-11-20T09:14:00+01:00",
        )
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        naive = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)
    except ValueError as exc:
        raise InputError(f"malformed {what} {text!r}: {exc}", hint="check the date and time fields") from None
    explicit = zone is not None
    if zone in ("Z", "z"):
        dt = naive.replace(tzinfo=timezone.utc)
    elif zone:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise InputError(f"malformed {what} {text!r}: bad UTC offset", hint="e.g. +01:00")
        dt = naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    else:
        dt = naive.astimezone()  # local time of this machine
    if not allow_future and dt > now() + timedelta(minutes=5):
        raise InputError(f"{what} {text!r} is in the future", hint="check the date, and the time zone (Z = UTC)")
    return dt, explicit


def parse_time_stamp(text: str, *, what: str = "time") -> dict:
    """A user-given time as a record member: the UTC instant, the text as given, and whether a zone was given."""
    dt, explicit = parse_time(text, what=what)
    out = {"utc": utc_string(dt), "given": text}
    if not explicit:
        out["assumed_local_offset"] = local_string(dt)[-6:]
    return out
