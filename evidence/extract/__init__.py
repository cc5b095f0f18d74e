"""Pure extraction of page metadata and the social-media post a saved page shows.

::

    from evidence.extract import extract_page, extract_post, PLATFORMS

    page = extract_page(html_bytes, "https://x.com/realDonaldTrump/status/1222907250383245320")
    page["post"]["author_handle"]   # "@realDonaldTrump"

``extract_page(html, url)`` returns a JSON-serialisable dict::

    title, lang, canonical_url      str | None
    meta                            {key: str | [str, ...]}   og:*, twitter:*, article:*, description
    json_ld                         [{"raw": str, "parsed": JSON | None, "error": str | None}, ...]
    post                            platform, author_name, author_handle, author_url, published,
                                    text, title, url (str | None) and media_urls ([str, ...]);
                                    post_id, page_kind, published_local, published_text,
                                    author_avatar (str | None), flags ([str, ...]), id_time,
                                    reply_to, quoted (dict | None) and counts (dict)

``extract_post(html, url)`` is ``extract_page(html, url)["post"]``.

* ``html`` is the page as ``str`` or ``bytes`` (bytes are decoded by BOM, then ``<meta charset>``,
  else UTF-8 with replacement -- see :mod:`evidence.extract.dom`); ``url`` is the final URL it was
  fetched from, used to resolve relative URLs and, with the URLs the page declares for itself, to
  pick the platform module (:mod:`evidence.extract.platforms`).
* No network, no browser, no clock: the same bytes and URL always give the same result.
* Never raises for any input (empty, binary junk, JSON, huge or malformed HTML): what cannot be
  found is ``None`` / empty.
* The ``post`` values are only strings, ``None``, lists of strings and dicts of strings -- never
  numbers -- so the post can be signed as canonical JSON.  ``published`` is RFC 3339 UTC
  (:mod:`evidence.extract.dates`), and only what the page states: a date or a time without zone is
  ``published_local``; the time a post id encodes is ``id_time`` (:mod:`evidence.extract.idtime`).
* ``flags`` name login walls, consent walls, JavaScript shells, non-posts and partial times
  (:mod:`evidence.extract.walls`).

Field rules: generic page and post in :mod:`evidence.extract.page`; per platform in the docstring of
each module of :mod:`evidence.extract.platforms` (x, bluesky, reddit, tiktok, telegram, instagram,
youtube, facebook, linkedin, medium, substack, vimeo, mastodon).  Overview: docs/extraction.md.
"""

from __future__ import annotations

import logging
from typing import Any

from .dom import decode_html, parse_html
from .page import empty_post, page_metadata
from .platforms import PLATFORMS, extract_post_fields

__all__ = ["PLATFORMS", "extract_page", "extract_post"]

log = logging.getLogger(__name__)


def _empty_page() -> dict[str, Any]:
    return {"title": None, "lang": None, "canonical_url": None, "meta": {}, "json_ld": [], "post": empty_post()}


def extract_page(html: str | bytes, url: str) -> dict[str, Any]:
    """Page metadata and the post the page shows (see the module docstring). Never raises."""
    url = url.strip() if isinstance(url, str) else ""
    try:
        doc = parse_html(decode_html(html))
        page = page_metadata(doc, url)
        page["post"] = extract_post_fields(doc, url, page)
    except Exception:  # last resort: the contract is "never raises"
        log.warning("page extraction failed for %s", url, exc_info=True)
        return _empty_page()
    return page


def extract_post(html: str | bytes, url: str) -> dict[str, Any]:
    """The ``post`` part of :func:`extract_page`."""
    return extract_page(html, url)["post"]
