"""YouTube videos, shorts and channels: ``www.youtube.com/watch?v=<id>``, ``/shorts/<id>``, ``/@handle``.

Matching
    Hosts ``youtube.com``, ``youtu.be`` (and subdomains).  Page markers (:func:`detect`):
    ``og:site_name`` ``YouTube``.

Which page
    ``/watch?v=<id>``, ``/shorts/<id>``, ``/live/<id>`` (from canonical, ``og:url``, the URL) is a
    ``video``; ``/channel/<id>``, ``/@handle``, ``/c/<name>``, ``/user/<name>`` a ``channel``
    (flagged ``not-a-post``).

Sources, best first
    * microdata the watch page carries for crawlers: ``itemprop=author`` (``url``, ``name``),
      ``datePublished`` (an instant with offset, or on older pages a date only -> ``date-only``),
      ``interactionCount`` (views), ``identifier``/``videoId``;
    * ``ytInitialPlayerResponse``: ``videoDetails`` (``author``, ``shortDescription`` -- the whole
      description -- ``viewCount``) and ``microformat.playerMicroformatRenderer`` (``publishDate``,
      ``ownerProfileUrl``);
    * meta tags: ``og:title`` (the video title), ``og:description`` (cut by YouTube),
      ``og:video:url`` (the embed player) and ``og:image`` (the thumbnail).

Fields
    author_handle: the path of the author's URL -- ``@OneMedia.`` for ``/@OneMedia.``, else
    ``user/Confreaks`` / ``c/name`` / ``channel/<id>`` as the page links it.  text: the
    description; title: the video title.  media_urls: the embed player URL and the thumbnail.
    counts: ``views`` as stated.  A channel page has no text or media of a post; its picture is
    ``author_avatar`` and its ``vanityChannelUrl`` gives the handle.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement

from ..dates import local_datetime, parse_datetime
from ..dom import clean_text, first, host_matches, meta_content, meta_contents, norm_space
from .common import assigned_json, dig, path_match, text_or_none, unique_urls

NAME = "youtube"
DOMAINS = ("youtube.com", "youtu.be", "youtube-nocookie.com")
BASE = "https://www.youtube.com"

_VIDEO = re.compile(r"^/(?:watch\?(?:.*&)?v=|shorts/|live/|embed/)(?P<id>[A-Za-z0-9_-]{11})")
_CHANNEL = re.compile(r"^/(?:(?P<kind>channel|c|user)/(?P<name>[^/?#]+)|(?P<at>@[^/?#]+))")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return meta_content(doc, "og:site_name") == "YouTube"


def _itemprop(doc: HtmlElement, name: str, scope: str = "//") -> str | None:
    for el in doc.xpath(f'{scope}*[@itemprop="{name}"]'):
        value = first(el.get("content"), el.get("href"), el.text)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _handle(author_url: str | None) -> str | None:
    if not author_url:
        return None
    try:
        path = urlsplit(author_url).path
    except ValueError:
        return None
    match = _CHANNEL.match(path)
    if not match:
        return None
    return match.group("at") or f"{match.group('kind')}/{match.group('name')}"


def _author(doc: HtmlElement, player: dict[str, Any]) -> tuple[str | None, str | None]:
    spans = doc.xpath('//*[@itemprop="author"]')
    name = url = None
    if spans:
        name = _itemprop(spans[0], "name", ".//")
        url = _itemprop(spans[0], "url", ".//")
    micro = dig(player, "microformat", "playerMicroformatRenderer")
    name = name or text_or_none(dig(player, "videoDetails", "author")) or text_or_none(dig(micro, "ownerChannelName"))
    url = url or text_or_none(dig(micro, "ownerProfileUrl"))
    return name, url


def _video(doc: HtmlElement, url: str, video_id: str, own_url: str | None) -> dict[str, Any]:
    player = assigned_json(doc, "ytInitialPlayerResponse") or {}
    name, author_url = _author(doc, player)
    dates = [_itemprop(doc, "datePublished"), dig(player, "microformat", "playerMicroformatRenderer", "publishDate")]
    published = next((parse_datetime(d) for d in dates if parse_datetime(d)), None)
    local = None if published else next((local_datetime(d) for d in dates if local_datetime(d)), None)
    views = _itemprop(doc, "interactionCount") or text_or_none(dig(player, "videoDetails", "viewCount"))
    description = dig(player, "videoDetails", "shortDescription")
    text = description if isinstance(description, str) else first(
        _itemprop(doc, "description"), meta_content(doc, "og:description", "description")
    )
    raw = meta_contents(doc, "og:video:url") + meta_contents(doc, "og:video:secure_url")
    raw += [_itemprop(doc, "embedUrl")] + meta_contents(doc, "og:image") + [_itemprop(doc, "thumbnailUrl")]
    handle = _handle(author_url)
    return {
        "author_name": norm_space(name),
        "author_handle": handle,
        "author_url": author_url.replace("http://", "https://", 1) if author_url else None,
        "published": published or "",
        "published_local": local,
        "text": clean_text(text),
        "title": norm_space(meta_content(doc, "og:title", "twitter:title") or _itemprop(doc, "name")),
        "media_urls": unique_urls(BASE, raw),
        "post_id": video_id,
        "page_kind": "video",
        "counts": {"views": views} if views and views.isdigit() else {},
        "url": f"{BASE}/watch?v={video_id}",
    }


def _channel(doc: HtmlElement, own_url: str | None, match: re.Match[str]) -> dict[str, Any]:
    initial = assigned_json(doc, "ytInitialData") or {}
    meta = dig(initial, "metadata", "channelMetadataRenderer") or {}
    vanity = text_or_none(dig(meta, "vanityChannelUrl"))
    handle = _handle(vanity) or match.group("at") or f"{match.group('kind')}/{match.group('name')}"
    avatar = first(meta_contents(doc, "og:image"), [None])[0]
    return {
        "author_name": norm_space(meta_content(doc, "og:title") or dig(meta, "title")),
        "author_handle": handle,
        "author_url": own_url,
        "published": "",
        "text": "",
        "media_urls": [],
        "author_avatar": avatar,
        "page_kind": "channel",
        "url": own_url,
    }


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, match = path_match(doc, url, _VIDEO)
    if match:
        return _video(doc, url, match.group("id"), own_url)
    try:
        short = urlsplit(url)
        if short.hostname == "youtu.be" and re.fullmatch(r"/[A-Za-z0-9_-]{11}", short.path):
            return _video(doc, url, short.path[1:], None)
        query_id = parse_qs(short.query).get("v", [None])[0]
    except ValueError:
        query_id = None
    own_url, match = path_match(doc, url, _CHANNEL)
    if match:
        return _channel(doc, own_url, match)
    return {"post_id": query_id}
