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

Partial times (:func:`local_datetime`, :func:`shown_date`)
    What a page shows without a zone is kept as the page shows it, never completed: a date alone
    stays ``YYYY-MM-DD`` (no midnight is added) and a local time stays ``YYYY-MM-DDTHH:MM[:SS]``
    without an offset.  The post records it as ``published_local`` with the flag ``date-only`` or
    ``no-time-zone`` (see :mod:`evidence.extract.page`).
"""

from __future__ import annotations

import email.utils
import math
import re
from datetime import datetime, timedelta, timezone

__all__ = [
    "format_utc",
    "from_epoch_millis",
    "from_epoch_seconds",
    "local_datetime",
    "parse_datetime",
    "shown_date",
]

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


_LOCAL_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4})\b")


def local_datetime(value: object) -> str | None:
    """An ISO date or date-time *without* a UTC offset, as written (fraction dropped), else ``None``.

    ``"2016-09-27"`` -> ``"2016-09-27"``; ``"2019-01-10T17:02:52"`` -> ``"2019-01-10T17:02:52"``.
    A value that has an offset is an instant: use :func:`parse_datetime`.
    """
    if not isinstance(value, str):
        return None
    match = _LOCAL_ISO.match(value.strip())
    if not match:
        return None
    day, clock = match.groups()
    try:
        datetime.fromisoformat(day)
    except ValueError:
        return None
    return f"{day}T{clock}" if clock else day


def _ymd(year: str, month: str, day: str) -> str | None:
    number = _MONTHS.get(month.lower())
    if number is None:
        return None
    try:
        return datetime(int(year), number, int(day)).strftime("%Y-%m-%d")
    except ValueError:
        return None


def shown_date(text: object) -> str | None:
    """The first English calendar date in visible text ("May 29, 2021", "Published Dec 19, 2016",
    "3 April 2018") as ``YYYY-MM-DD``; ``None`` when there is none (a date without a year is none)."""
    if not isinstance(text, str):
        return None
    match = _MONTH_DAY_YEAR.search(text)
    if match:
        found = _ymd(match.group(3), match.group(1), match.group(2))
        if found:
            return found
    match = _DAY_MONTH_YEAR.search(text)
    if match:
        return _ymd(match.group(3), match.group(2), match.group(1))
    return None
