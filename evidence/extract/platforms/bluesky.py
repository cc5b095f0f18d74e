"""Bluesky post pages: ``bsky.app/profile/<handle-or-did>/post/<rkey>``.

Matching
    Host ``bsky.app`` (and subdomains).  Page markers (:func:`detect`): ``<meta name=generator
    content=bskyweb>``, or ``og:site_name`` ``Bluesky``/``Bluesky Social``.

Sources, best first
    bskyweb serves every post page with a server-rendered summary inside ``<noscript>``
    (``#bsky_post_summary``: ``#bsky_display_name``, ``#bsky_handle``, ``#bsky_post_text``,
    ``#bsky_post_indexedat``), a ``DiscussionForumPosting`` JSON-LD block, and og/article meta
    tags; a browser capture adds the rendered thread (``[data-testid=postThreadItem-by-<handle>]``).

    The summary is preferred: it carries the record's full text with its line breaks.  The JSON-LD
    is not always valid JSON -- bskyweb writes the text unescaped, so a post with a line break
    yields a raw newline inside a JSON string -- and its strings carry HTML character references
    (``It&#39;s``); it is read leniently and unescaped, as a fallback.  The rendered text is not
    used for ``text``: the app hides a trailing link that became a link card.

Fields
    author_name: summary display name, JSON-LD ``author.name``, ``og:title`` ``"Name (@handle)"``.
    author_handle: ``@`` + summary handle, JSON-LD ``author.alternateName``, ``og:title``,
    ``profile:username``, the handle in the post URL.
    author_url: JSON-LD ``author.url``, else ``https://bsky.app/profile/<handle>``.
    published: ``article:published_time``, JSON-LD ``datePublished``, the summary's timestamp
    (bskyweb fills all three from the post's indexedAt).
    text: summary text, JSON-LD ``text``, ``og:description``.
    title: generic (``og:title``, e.g. ``"Stephen King (@stephenking.bsky.social)"``).
    media_urls: the post's images and video/link-card thumbnails in the rendered post
    (``/img/feed_fullsize/``, ``/img/feed_thumbnail/``, video posters), then ``og:image`` unless it
    is the author's avatar (``/img/avatar/``), which bskyweb uses when a post has no image.
    url: generic (canonical link).
    post_id: the record key; id_time: the time the record key (a TID) encodes (``bluesky-tid``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..dom import (
    absolute_url,
    clean_text,
    host_matches,
    meta_content,
    meta_contents,
    norm_space,
    page_urls,
    strip_bidi,
    unescape_entities,
)
from ..page import post_json_ld
from ..dates import parse_datetime
from ..idtime import bluesky_tid

NAME = "bluesky"
DOMAINS = ("bsky.app",)
BASE = "https://bsky.app"

_POST_PATH = re.compile(r"^/profile/(?P<actor>[^/]+)/post/(?P<rkey>[^/?#]+)")
_OG_TITLE = re.compile(r"^(?P<name>.*?)\s*\(@(?P<handle>[^()\s]+)\)$", re.S)
_MEDIA_PARTS = ("/img/feed_fullsize/", "/img/feed_thumbnail/", "video.bsky.app", "/watch/")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    generator = (meta_content(doc, "generator") or "").lower()
    site = meta_content(doc, "og:site_name")
    return generator == "bskyweb" or site in ("Bluesky", "Bluesky Social")


def _summary(doc: HtmlElement) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for field in ("display_name", "handle", "post_text", "post_indexedat"):
        found = doc.xpath(f'//*[@id="bsky_{field}"]')
        out[field] = found[0].text_content() if found else None
    return out


def _url_actor(doc: HtmlElement, url: str) -> str | None:
    for candidate in page_urls(doc, url):
        try:
            match = _POST_PATH.match(urlsplit(candidate).path)
        except ValueError:
            continue
        if match and not match.group("actor").startswith("did:"):
            return match.group("actor")
    return None


def _rkey(doc: HtmlElement, url: str) -> str | None:
    for candidate in page_urls(doc, url):
        try:
            match = _POST_PATH.match(urlsplit(candidate).path)
        except ValueError:
            continue
        if match:
            return match.group("rkey")
    return None


def _media(doc: HtmlElement, handle: str | None) -> list[str]:
    raw: list[str] = []
    safe = handle is not None and re.fullmatch(r"[A-Za-z0-9.:_-]+", handle) is not None
    items = doc.xpath(f'//*[@data-testid="postThreadItem-by-{handle}"]') if safe else []
    if items:
        item = items[0]
        raw += item.xpath(".//img/@src | .//video/@poster | .//video/@src | .//video/source/@src")
    raw = [u for u in raw if any(part in u for part in _MEDIA_PARTS)]
    for key in ("og:image", "twitter:image"):
        raw += [u for u in meta_contents(doc, key) if "/img/avatar" not in u]
    out: list[str] = []
    for value in raw:
        url = absolute_url(BASE, value)
        if url and url not in out:
            out.append(url)
    return out


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    summary = _summary(doc)
    node = post_json_ld(doc) or {}
    author = node.get("author") if isinstance(node.get("author"), dict) else {}
    og = _OG_TITLE.match(meta_content(doc, "og:title") or "")

    name = strip_bidi(
        norm_space(summary["display_name"])
        or (unescape_entities(author.get("name")) if isinstance(author.get("name"), str) else None)
        or (og.group("name") if og else None)
    )
    alternate = author.get("alternateName") if isinstance(author.get("alternateName"), str) else None
    handle = (
        norm_space(summary["handle"])
        or (alternate.strip() if alternate else None)
        or (og.group("handle") if og else None)
        or meta_content(doc, "profile:username")
        or _url_actor(doc, url)
    )
    handle = handle.lstrip("@") if handle else None
    ld_text = node.get("text") if isinstance(node.get("text"), str) else None
    author_url = author.get("url") if isinstance(author.get("url"), str) else None
    rkey = _rkey(doc, url)
    return {
        "author_name": name,
        "author_handle": f"@{handle}" if handle else None,
        "author_url": absolute_url(BASE, author_url) or (f"{BASE}/profile/{handle}" if handle else None),
        "published": (
            parse_datetime(meta_content(doc, "article:published_time"))
            or parse_datetime(node.get("datePublished"))
            or parse_datetime(summary["post_indexedat"])
        ),
        "text": clean_text(summary["post_text"]) or clean_text(unescape_entities(ld_text)),
        "media_urls": _media(doc, handle),
        "post_id": rkey,
        "page_kind": "post" if rkey else None,
        "id_time": bluesky_tid(rkey),
    }
