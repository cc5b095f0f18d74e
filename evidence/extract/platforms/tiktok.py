"""TikTok video and photo posts: ``www.tiktok.com/@<handle>/video/<id>`` (and ``/photo/<id>``).

Matching
    Host ``tiktok.com`` and subdomains (``www``, ``m``, ``vm``).  Page markers (:func:`detect`):
    ``og:site_name`` ``TikTok``, ``al:android:package`` ``com.zhiliaoapp.musically``, or TikTok's
    data island ``<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">``.

Sources, best first
    * the data island ``__UNIVERSAL_DATA_FOR_REHYDRATION__`` →
      ``__DEFAULT_SCOPE__["webapp.video-detail"].itemInfo.itemStruct`` (current pages), or the
      older ``SIGI_STATE`` → ``ItemModule[<id>]`` (+ ``UserModule.users``);
    * meta tags: ``og:title`` ``"<name> on TikTok"``, ``<meta name=description>`` ``"... TikTok
      video from <name> (@<handle>): ..."``, the handle in the post URL, ``og:description``
      (truncated by TikTok).

Fields
    author_name: ``author.nickname``; author_handle ``@`` + ``author.uniqueId``; author_url
    ``https://www.tiktok.com/@<handle>``.
    published: the item's ``createTime`` (epoch seconds).  The time TikTok encodes in the video
    id (``id >> 32``) is *not* used for it: it is when the id was allocated and can differ from
    ``createTime`` by seconds (the fixture: 15:36:23 in the id, 15:36:28 in ``createTime``); it is
    kept apart as ``id_time`` (method ``tiktok-id``).
    text: the item's ``desc`` (the caption as written), else ``og:description``.
    title: generic (``og:title``).
    media_urls: ``video.playAddr`` (else ``downloadAddr``), the cover (``originCover``, else
    ``cover``), photo-mode images (``imagePost.images[].imageURL.urlList[0]``), then non-empty
    ``og:image``.  TikTok signs these URLs and they expire within hours of the capture.
    url: generic (canonical link), else ``https://www.tiktok.com/@<handle>/video/<id>``.
"""

from __future__ import annotations

import json
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
)
from ..dates import from_epoch_seconds
from ..idtime import tiktok_id

NAME = "tiktok"
DOMAINS = ("tiktok.com",)
BASE = "https://www.tiktok.com"

_POST_PATH = re.compile(r"^/@(?P<handle>[A-Za-z0-9_.]{1,64})/(?:video|photo)/(?P<id>\d{1,25})")
_OG_TITLE = re.compile(r"^(?P<name>.+?) on TikTok$", re.S)
_DESCRIPTION = re.compile(r"TikTok video from (?P<name>.+?) \(@(?P<handle>[A-Za-z0-9_.]{1,64})\)", re.S)


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "og:site_name") == "TikTok"
        or meta_content(doc, "al:android:package") == "com.zhiliaoapp.musically"
        or bool(doc.xpath('//script[@id="__UNIVERSAL_DATA_FOR_REHYDRATION__" or @id="SIGI_STATE"]'))
    )


def _script_json(doc: HtmlElement, script_id: str) -> Any:
    for el in doc.xpath(f'//script[@id="{script_id}"]'):
        try:
            return json.loads(el.text or "")
        except (ValueError, RecursionError):
            return None
    return None


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _item(doc: HtmlElement, post_id: str | None) -> dict[str, Any]:
    """The post's item struct with ``author`` as a dict, or ``{}``."""
    universal = _script_json(doc, "__UNIVERSAL_DATA_FOR_REHYDRATION__")
    item = _dig(universal, "__DEFAULT_SCOPE__", "webapp.video-detail", "itemInfo", "itemStruct")
    if isinstance(item, dict):
        return item
    sigi = _script_json(doc, "SIGI_STATE")
    items = _dig(sigi, "ItemModule")
    if not isinstance(items, dict) or not items:
        return {}
    item = items.get(post_id) if post_id else None
    item = item if isinstance(item, dict) else next((v for v in items.values() if isinstance(v, dict)), {})
    author = item.get("author")
    if isinstance(author, str):
        user = _dig(sigi, "UserModule", "users", author)
        user = user if isinstance(user, dict) else {}
        item = {**item, "author": {"uniqueId": author, "nickname": item.get("nickname") or user.get("nickname")}}
    return item


def _url_post(doc: HtmlElement, url: str) -> tuple[str | None, str | None]:
    for candidate in page_urls(doc, url):
        try:
            match = _POST_PATH.match(urlsplit(candidate).path)
        except ValueError:
            continue
        if match:
            return match.group("handle"), match.group("id")
    return None, None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _media(doc: HtmlElement, item: dict[str, Any]) -> list[str]:
    video = item.get("video") if isinstance(item.get("video"), dict) else {}
    raw = [
        _str(video.get("playAddr")) or _str(video.get("downloadAddr")),
        _str(video.get("originCover")) or _str(video.get("cover")),
    ]
    images = _dig(item, "imagePost", "images")
    for image in images if isinstance(images, list) else []:
        urls = _dig(image, "imageURL", "urlList")
        if isinstance(urls, list) and urls:
            raw.append(_str(urls[0]))
    raw += meta_contents(doc, "og:image")
    out: list[str] = []
    for value in raw:
        url = absolute_url(BASE, value)
        if url and url not in out:
            out.append(url)
    return out


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    url_handle, post_id = _url_post(doc, url)
    item = _item(doc, post_id)
    author = item.get("author") if isinstance(item.get("author"), dict) else {}
    og_title = _OG_TITLE.match(meta_content(doc, "og:title") or "")
    described = _DESCRIPTION.search(meta_content(doc, "description") or "")

    name = norm_space(
        _str(author.get("nickname"))
        or (og_title.group("name") if og_title else None)
        or (described.group("name") if described else None)
    )
    handle = _str(author.get("uniqueId")) or url_handle or (described.group("handle") if described else None)
    post_id = _str(item.get("id")) or post_id
    text = item.get("desc") if isinstance(item.get("desc"), str) else None
    own_url = None
    if handle and post_id and not page_urls(doc, ""):  # the page declares no URL of its own
        kind = "photo" if isinstance(item.get("imagePost"), dict) else "video"
        own_url = f"{BASE}/@{handle}/{kind}/{post_id}"
    return {
        "author_name": name,
        "author_handle": f"@{handle}" if handle else None,
        "author_url": f"{BASE}/@{handle}" if handle else None,
        "published": from_epoch_seconds(item.get("createTime")),
        "text": clean_text(text) or clean_text(meta_content(doc, "og:description")),
        "media_urls": _media(doc, item),
        "url": own_url,
        "post_id": post_id,
        "page_kind": ("video" if not isinstance(item.get("imagePost"), dict) else "post") if post_id else None,
        "id_time": tiktok_id(post_id),
    }
