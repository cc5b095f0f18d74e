"""Mastodon statuses -- and any ActivityPub server's post pages -- recognised from the page itself.

Matching
    No host list (there are thousands of servers): :func:`matches` is always ``False`` and
    :func:`detect` looks for what the server software puts in its pages: a ``<link rel=alternate
    type="application/activity+json">`` (the ActivityPub object of the page), ``og:site_name``
    ``Mastodon``, or a ``generator`` naming Mastodon, Pleroma, Akkoma, Misskey, GoToSocial... .
    The platform is ``mastodon`` when the page says Mastodon (site name, generator, or a
    ``/@user/<numeric id>`` status URL), else ``activitypub``.

Sources
    Mastodon serves a JavaScript shell: the status is not in the body (flagged ``js-shell``);
    everything is in meta tags -- ``og:title`` ``"Name (@user@server)"``, ``profile:username``,
    ``og:published_time`` (an instant), ``og:description``/``description`` (the text), ``og:url``.
    ``og:image`` is the post's first attachment, or the author's avatar when it has none
    (``/accounts/avatars/``: kept as ``author_avatar``, not as media).

Fields
    post_id: the last path segment of ``/@user/<id>``, ``/users/<user>/statuses/<id>``,
    ``/notes/<id>``, ``/objects/<id>``, ``/p/<user>/<id>``.  id_time: for Mastodon's numeric ids
    (since 2.0), milliseconds since the Unix epoch in bits 16+ (``mastodon-id``).
    author_url: the ``/@user`` URL on the post's server.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..dates import parse_datetime
from ..dom import clean_text, meta_content, meta_contents, norm_space, strip_bidi
from ..idtime import mastodon_id
from .common import path_match, unique_urls

NAME = "mastodon"

_GENERATORS = ("mastodon", "pleroma", "akkoma", "misskey", "gotosocial", "firefish", "sharkey", "friendica")
_STATUS = re.compile(
    r"^/(?:@(?P<user>[^/@]+)(?:@[^/]+)?/(?P<id>[A-Za-z0-9]+)|users/(?P<user2>[^/]+)/statuses/(?P<id2>\d+)"
    r"|(?:notes|objects)/(?P<id3>[A-Za-z0-9-]+)|p/(?P<user4>[^/]+)/(?P<id4>[A-Za-z0-9]+))/?$"
)
_PROFILE = re.compile(r"^/@(?P<user>[^/@]+)(?:@[^/]+)?/?$")
_TITLE = re.compile(r"^(?P<name>.*?)\s*\(@(?P<handle>[^()\s]+@[^()\s]+)\)\s*$", re.S)


def matches(url: str) -> bool:
    return False


def _activity_link(doc: HtmlElement) -> bool:
    return bool(doc.xpath('//link[@rel="alternate"][contains(@type, "activity+json")]'))


def _says_mastodon(doc: HtmlElement) -> bool:
    generator = (meta_content(doc, "generator") or "").lower()
    return meta_content(doc, "og:site_name") == "Mastodon" or generator.startswith("mastodon")


def detect(doc: HtmlElement) -> bool:
    generator = (meta_content(doc, "generator") or "").lower()
    return _activity_link(doc) or _says_mastodon(doc) or generator.startswith(_GENERATORS)


def _status(doc: HtmlElement, url: str) -> tuple[str | None, str | None]:
    own, match = path_match(doc, url, _STATUS)
    if not match:
        return None, None
    status_id = next((g for g in (match.group(k) for k in ("id", "id2", "id3", "id4")) if g), None)
    return own, status_id


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, status_id = _status(doc, url)
    titled = _TITLE.match(meta_content(doc, "og:title") or "")
    handle = meta_content(doc, "profile:username") or (titled.group("handle") if titled else None)
    handle = handle.lstrip("@") if handle else None
    mastodon = _says_mastodon(doc) or bool(own_url and re.match(r"^/@[^/]+/\d+/?$", urlsplit(own_url).path))
    images = unique_urls(own_url or url, meta_contents(doc, "og:image"))
    avatar = next((u for u in images if "/avatars/" in u), None)
    profile_url, profile = path_match(doc, url, _PROFILE)
    author_url = None
    if handle and "@" in handle:
        user, server = handle.split("@", 1)
        author_url = f"https://{server}/@{user}"
    out: dict[str, Any] = {
        "platform": "mastodon" if mastodon else "activitypub",
        "author_name": strip_bidi(norm_space(titled.group("name"))) if titled else None,
        "author_handle": f"@{handle}" if handle else None,
        "author_url": author_url,
        "published": parse_datetime(meta_content(doc, "og:published_time", "article:published_time")),
        "text": clean_text(meta_content(doc, "og:description", "description")),
        "media_urls": [u for u in images if u != avatar],
        "author_avatar": avatar,
        "post_id": status_id,
        "page_kind": "post" if status_id else ("profile" if profile else None),
        "id_time": mastodon_id(status_id) if mastodon and status_id else None,
        "url": own_url or profile_url,
    }
    if out["page_kind"] == "profile":
        out.update(published="", text="", media_urls=[])
    return out
