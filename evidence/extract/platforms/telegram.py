"""Telegram public channel posts: ``t.me/<channel>/<id>``, ``t.me/s/<channel>/<id>`` and the
embed widget (``t.me/<channel>/<id>?embed=1``).

Matching
    Hosts ``t.me``, ``telegram.me`` and their subdomains.  Page markers (:func:`detect`):
    ``al:android:package`` ``org.telegram.messenger``, ``og:site_name`` ``Telegram`` with
    ``twitter:site`` ``@Telegram``, or a ``.tgme_widget_message`` element.

Which post
    Channel and post id come from the page's ``tg://resolve?domain=<channel>&post=<id>`` app
    links (``al:*:url``, ``twitter:app:url:*``), else the page's URLs.

Sources, best first
    * the message widget (embed and ``/s/`` pages): the ``.tgme_widget_message`` whose
      ``data-post`` is ``<channel>/<id>`` (else the first): ``.tgme_widget_message_owner_name``,
      ``.tgme_widget_message_text`` (outside a replied-to message), the ``<time datetime>`` of
      ``.tgme_widget_message_date``, photo/video/link-preview images;
    * the plain post page (``t.me/<channel>/<id>``, the test fixtures): it holds the message only in
      an ``<iframe>`` to the embed, so what it shows is ``og:title`` (the channel's title),
      ``og:description`` (the message text) and ``og:image``.  It carries **no date**: published
      stays ``None`` (a date needs the embed page, which is a separate fetch).

Fields
    author_name: the channel title (owner name, else ``og:title``); author_handle ``@<channel>``;
    author_url ``https://t.me/<channel>``.
    text: the widget text (``<br>`` as newlines, emoji images as their characters), else
    ``og:description`` (else ``twitter:description``).
    title: generic (``og:title``).
    media_urls: widget photos/videos/link-preview images; on the plain page ``og:image``, which is
    the message's photo when it has one and otherwise the channel's photo -- the page does not say
    which, so it is kept.
    url: the widget's date link, else ``https://t.me/<channel>/<id>``.
    post_id: ``<channel>/<message number>`` (message numbers are per channel).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..dom import (
    absolute_url,
    background_image_url,
    class_xpath,
    clean_text,
    host_matches,
    meta_content,
    meta_contents,
    node_text,
    norm_space,
    page_urls,
    strip_bidi,
)
from ..dates import parse_datetime

NAME = "telegram"
DOMAINS = ("t.me", "telegram.me")
BASE = "https://t.me"

_RESOLVE = re.compile(r"^tg://resolve\?(?:.*&)?domain=(?P<channel>[A-Za-z0-9_]{1,64})(?:&.*?post=(?P<post>\d+))?")
_PATH = re.compile(r"^/(?:s/)?(?P<channel>[A-Za-z0-9_]{3,64})/(?P<post>\d{1,12})(?:/|$)")
_APP_LINKS = ("al:android:url", "al:ios:url", "twitter:app:url:googleplay", "twitter:app:url:iphone")
_TITLE_HANDLE = re.compile(r"^Telegram: (?:Contact|View) @(?P<channel>[A-Za-z0-9_]{1,64})$")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "al:android:package") == "org.telegram.messenger"
        or (meta_content(doc, "og:site_name") == "Telegram" and meta_content(doc, "twitter:site") == "@Telegram")
        or bool(doc.xpath(f"//*[@data-post][{class_xpath('tgme_widget_message')}]"))
    )


def _channel_post(doc: HtmlElement, url: str) -> tuple[str | None, str | None]:
    for key in _APP_LINKS:
        for value in meta_contents(doc, key):
            match = _RESOLVE.match(value.strip())
            if match:
                return match.group("channel"), match.group("post")
            if matches(value):
                found = _PATH.match(urlsplit(value.strip()).path)
                if found:
                    return found.group("channel"), found.group("post")
    for candidate in page_urls(doc, url):
        try:
            found = _PATH.match(urlsplit(candidate).path)
        except ValueError:
            continue
        if found:
            return found.group("channel"), found.group("post")
    return None, None


def _message(doc: HtmlElement, channel: str | None, post: str | None) -> HtmlElement | None:
    messages = doc.xpath(f"//*[@data-post][{class_xpath('tgme_widget_message')}]")
    if not messages:
        return None
    if channel and post:
        wanted = f"{channel}/{post}".lower()
        for message in messages:
            if (message.get("data-post") or "").lower() == wanted:
                return message
    return messages[0]


def _outside_reply(el: HtmlElement, message: HtmlElement) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is message:
            return True
        if "tgme_widget_message_reply" in (ancestor.get("class") or "").split():
            return False
    return True


def _widget(message: HtmlElement) -> dict[str, Any]:
    owners = message.xpath(f".//*[{class_xpath('tgme_widget_message_owner_name')}]")
    texts = [
        el
        for el in message.xpath(f".//*[{class_xpath('tgme_widget_message_text')}]")
        if _outside_reply(el, message)
    ]
    times = message.xpath(f".//*[{class_xpath('tgme_widget_message_date')}]//time/@datetime")
    dates = message.xpath(f".//a[{class_xpath('tgme_widget_message_date')}]/@href")
    media: list[str | None] = []
    for cls in (
        "tgme_widget_message_photo_wrap",
        "tgme_widget_message_video_thumb",
        "link_preview_image",
        "link_preview_right_image",
    ):
        for el in message.xpath(f".//*[{class_xpath(cls)}]"):
            media.append(background_image_url(el.get("style")))
    media += message.xpath(".//video/@src")
    return {
        "name": strip_bidi(norm_space(owners[0].text_content())) if owners else None,
        "author_url": owners[0].get("href") if owners else None,
        "text": clean_text(node_text(texts[0])) if texts else None,
        "published": next((t for t in map(parse_datetime, times) if t), None),
        "url": dates[0] if dates else None,
        "media": media,
    }


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    channel, post = _channel_post(doc, url)
    message = _message(doc, channel, post)
    widget = _widget(message) if message is not None else {}
    if message is not None and not channel:
        found = re.match(r"^([A-Za-z0-9_]+)/(\d+)$", message.get("data-post") or "")
        channel, post = (found.group(1), found.group(2)) if found else (None, None)
    if not channel:
        title = _TITLE_HANDLE.match(norm_space(doc.findtext(".//title") or "") or "")
        channel = title.group("channel") if title else None

    raw_media = widget.get("media") if message is not None else meta_contents(doc, "og:image")
    media: list[str] = []
    for value in raw_media or []:
        found_url = absolute_url(BASE, value)
        if found_url and found_url not in media:
            media.append(found_url)

    own_url = absolute_url(BASE, widget.get("url"))
    if own_url is None and channel and post:
        own_url = f"{BASE}/{channel}/{post}"
    return {
        "author_name": widget.get("name") or norm_space(meta_content(doc, "og:title", "twitter:title")),
        "author_handle": f"@{channel}" if channel else None,
        "author_url": absolute_url(BASE, widget.get("author_url")) or (f"{BASE}/{channel}" if channel else None),
        "published": widget.get("published"),
        "text": widget.get("text") or clean_text(meta_content(doc, "og:description", "twitter:description")),
        "media_urls": media,
        "url": own_url,
        "post_id": f"{channel}/{post}" if channel and post else None,
        "page_kind": "post" if post else None,
    }
