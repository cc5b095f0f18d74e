"""Creation times encoded in post ids -- recorded beside the page's own time, never as it.

A post's ``id_time`` is ``{"utc": RFC 3339 UTC, "method": name}`` (or ``None``).  It says when the
platform *allocated the id*, which is normally within a second of publication but is not what the
page states: ``published`` stays the page's own value (or ``None``), and a reader can compare both.

Methods (each checked in the tests against real pages that show both an id and a time)
    ``x-snowflake``      X/Twitter status ids since Nov 2010: milliseconds since
                         2010-11-04T01:42:54.657Z in bits 22 and up (smaller, sequential ids: none).
    ``bluesky-tid``      AT Protocol record keys (TIDs): 13 base32-sortable characters, bits 10-62
                         are microseconds since the Unix epoch.
    ``mastodon-id``      Mastodon status ids (since 2.0, 2017): milliseconds since the Unix epoch
                         in bits 16 and up.
    ``instagram-id``     Instagram media ids (and the shortcode in ``/p/<code>/``, the same number
                         in URL-safe base 64): milliseconds since 2011-08-24T21:07:01.721Z in bits
                         23 and up.
    ``tiktok-id``        TikTok video/photo ids: seconds since the Unix epoch in bits 32 and up.

Ids whose decoded time falls outside 2006..2100 are not time-bearing (e.g. sequential ids from
before a scheme existed) and give ``None``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .dates import format_utc

__all__ = ["bluesky_tid", "id_time", "instagram_id", "instagram_shortcode_id", "mastodon_id", "tiktok_id", "x_snowflake"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LOW = datetime(2006, 1, 1, tzinfo=timezone.utc)
_HIGH = datetime(2100, 1, 1, tzinfo=timezone.utc)
_TWEPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 1 << 22 << 27  # ~1.5 days after the Snowflake epoch; sequential ids were far below
_INSTAGRAM_EPOCH_MS = 1314220021721
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _stamp(micros: int, method: str) -> dict[str, str] | None:
    try:
        moment = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    if not _LOW <= moment < _HIGH:
        return None
    return {"utc": format_utc(moment), "method": method}


def _number(value: object, max_digits: int = 20) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= max_digits:
        return int(value)
    return None


def x_snowflake(status_id: object) -> dict[str, str] | None:
    number = _number(status_id)
    if not number or number < _FIRST_SNOWFLAKE:  # sequential ids from before Nov 2010 carry no time
        return None
    return _stamp(((number >> 22) + _TWEPOCH_MS) * 1000, "x-snowflake")


def mastodon_id(status_id: object) -> dict[str, str] | None:
    number = _number(status_id)
    return _stamp((number >> 16) * 1000, "mastodon-id") if number else None


def instagram_id(media_id: object) -> dict[str, str] | None:
    number = _number(media_id)
    return _stamp(((number >> 23) + _INSTAGRAM_EPOCH_MS) * 1000, "instagram-id") if number else None


def instagram_shortcode_id(shortcode: object) -> int | None:
    """The numeric media id a ``/p/<shortcode>/`` URL encodes (URL-safe base 64), else ``None``."""
    if not isinstance(shortcode, str) or not 1 <= len(shortcode) <= 12:
        return None
    number = 0
    for char in shortcode:
        index = _SHORTCODE_ALPHABET.find(char)
        if index < 0:
            return None
        number = number * 64 + index
    return number


def tiktok_id(video_id: object) -> dict[str, str] | None:
    number = _number(video_id, 25)
    return _stamp((number >> 32) * 1_000_000, "tiktok-id") if number else None


def bluesky_tid(rkey: object) -> dict[str, str] | None:
    if not isinstance(rkey, str) or len(rkey) != 13:
        return None
    number = 0
    for char in rkey:
        index = _TID_ALPHABET.find(char)
        if index < 0:
            return None
        number = number * 32 + index
    if number >> 63:  # the top bit of a TID is always 0
        return None
    return _stamp(number >> 10, "bluesky-tid")


_METHODS = {
    "x-snowflake": x_snowflake,
    "mastodon-id": mastodon_id,
    "instagram-id": instagram_id,
    "tiktok-id": tiktok_id,
    "bluesky-tid": bluesky_tid,
}


def id_time(method: str, value: object) -> dict[str, str] | None:
    """``{"utc", "method"}`` for an id under a named method (see the module docstring), else ``None``."""
    decode = _METHODS.get(method)
    return decode(value) if decode else None
