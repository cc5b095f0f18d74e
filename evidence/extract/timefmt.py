"""Timestamps for the post summary: RFC 3339, UTC, ``YYYY-MM-DDTHH:MM:SS[.fff]Z``.

Rules
    * A fraction is written only when the source has a non-zero one: milliseconds
      (``.fff``) when the value is a whole number of milliseconds, else microseconds.
    * Accepted text forms: ISO 8601 / RFC 3339 (``Z``, ``+00:00``, ``+0000``, any number of
      fraction digits), RFC 2822 (``Thu, 30 Jan 2020 15:39:43 GMT``) and the legacy Twitter form
      (``Thu Jan 30 15:39:43 +0000 2020``).
    * A value without a UTC offset (a bare date, or a local time) is refused (``None``): turning
      it into UTC would be a guess, and a wrong time in evidence is worse than none.  The raw
      value stays visible in the page's ``meta`` / ``json_ld``.
    * Epoch values are only read where a platform module knows the unit
      (:func:`from_epoch_seconds`, :func:`from_epoch_millis`).
"""

from __future__ import annotations

import email.utils
import math
import re
from datetime import datetime, timedelta, timezone

__all__ = ["format_utc", "from_epoch_millis", "from_epoch_seconds", "parse_datetime"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LEGACY_TWITTER = "%a %b %d %H:%M:%S %z %Y"
_HAS_TIME = re.compile(r"\d[T ]\d|\d:\d")
_DIGITS = re.compile(r"[0-9]{1,18}")


def format_utc(dt: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with the fraction rule above."""
    dt = dt.astimezone(timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.year < 1000:  # strftime does not zero-pad years on every platform
        base = f"{dt.year:04d}" + base[base.index("-"):]
    micro = dt.microsecond
    if micro == 0:
        return base + "Z"
    if micro % 1000 == 0:
        return f"{base}.{micro // 1000:03d}Z"
    return f"{base}.{micro:06d}Z"


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None or dt.tzinfo is None or dt.utcoffset() is None:
        return None
    return dt


def parse_datetime(value: object) -> str | None:
    """Normalise a textual timestamp (or an aware ``datetime``) to RFC 3339 UTC, else ``None``."""
    if isinstance(value, datetime):
        dt = _aware(value)
        return format_utc(dt) if dt else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64 or not _HAS_TIME.search(text):
        return None
    candidates = (
        lambda: datetime.fromisoformat(text),
        lambda: datetime.strptime(text, _LEGACY_TWITTER),
        lambda: email.utils.parsedate_to_datetime(text),
    )
    for attempt in candidates:
        try:
            dt = _aware(attempt())
        except (ValueError, TypeError, OverflowError, IndexError):
            continue
        if dt is not None:
            try:
                return format_utc(dt)
            except (ValueError, OverflowError):
                return None
    return None


def _from_epoch(value: object, per_second: int) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            return None
        value = int(text)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        micros = round(value * 1_000_000 / per_second)
    elif isinstance(value, int):
        micros = value * (1_000_000 // per_second)
    else:
        return None
    if micros <= 0:
        return None
    try:
        return format_utc(_EPOCH + timedelta(microseconds=micros))
    except (OverflowError, ValueError):
        return None


def from_epoch_seconds(value: object) -> str | None:
    """Seconds since the Unix epoch (int or digit string) as RFC 3339 UTC, else ``None``."""
    return _from_epoch(value, 1)


def from_epoch_millis(value: object) -> str | None:
    """Milliseconds since the Unix epoch (int or digit string) as RFC 3339 UTC, else ``None``."""
    return _from_epoch(value, 1000)
