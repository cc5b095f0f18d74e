"""The server-rendered twitter.com status page (2013-2020), read for :mod:`.x` (not a platform
module of its own).

The page shows a conversation: ``#ancestors`` (the tweets this one answers), the focal tweet
``div.tweet.permalink-tweet`` and ``#descendants`` (replies), each with its own time.  Only the
permalink tweet is the post:

* author: its ``data-name`` / ``data-screen-name``; time: ``._timestamp[data-time]`` (epoch
  seconds) of its own ``a.tweet-timestamp`` (the ``title`` beside it, ``"8:27 AM - 21 Jun 2016"``,
  has no zone and is not used);
* text: its ``p.tweet-text`` outside the quoted tweet, links written as the tweet has them
  (the ``t.co`` URL), hidden links (``u-hidden``: attached media and the quoted tweet's URL) left
  out, emoji images as their alt text;
* media: ``[data-image-url]`` photos and video posters outside the quoted tweet;
* quoted: ``.QuoteTweet`` -- its link, ``.QuoteTweet-fullname``, ``.username``, text and photos;
* reply_to: the last ``#ancestors`` tweet when the permalink tweet says ``data-has-parent-tweet``;
* counts: ``data-tweet-stat-count`` of its reply / retweet / favorite actions.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml.html import HtmlElement

from ..dates import from_epoch_seconds
from ..dom import class_xpath, clean_text, node_text, norm_space
from .common import unique_urls

__all__ = ["read_legacy"]

BASE = "https://twitter.com"
_QUOTE = class_xpath("QuoteTweet")


def _outside_quote(nodes: list[HtmlElement]) -> list[HtmlElement]:
    return [n for n in nodes if not n.xpath(f"ancestor::*[{_QUOTE}]")]


def _tweet_text(p: HtmlElement | None) -> str | None:
    if p is None:
        return None
    p = copy.deepcopy(p)
    for link in p.xpath(f".//a[{class_xpath('twitter-timeline-link')}]"):
        if "u-hidden" in (link.get("class") or "").split():
            link.drop_tree()
            continue
        href = link.get("href") or ""
        tail = link.tail
        link.clear()
        link.text, link.tail = href, tail
    return clean_text(node_text(p, pre=True))


def _counts(tweet: HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for action, name in (("reply", "comments"), ("retweet", "shares"), ("favorite", "likes")):
        found = tweet.xpath(
            f".//*[{class_xpath('ProfileTweet-action--' + action)}]//*[@data-tweet-stat-count]/@data-tweet-stat-count"
        )
        if found and found[0].strip().isdigit():
            out[name] = found[0].strip()
    return out


def _quoted(tweet: HtmlElement) -> dict[str, Any] | None:
    boxes = tweet.xpath(f".//*[{class_xpath('QuoteTweet')}]")
    if not boxes:
        return None
    box = boxes[0]
    href = (box.xpath(f".//a[{class_xpath('QuoteTweet-link')}]/@href") or [None])[0]
    name = box.xpath(f".//*[{class_xpath('QuoteTweet-fullname')}]")
    handle = box.xpath(f".//*[{class_xpath('username')}]")
    text = box.xpath(f".//*[{class_xpath('QuoteTweet-text')}]")
    quoted_id = href.rstrip("/").rsplit("/", 1)[-1] if href else None
    return {
        "url": unique_urls(BASE, [href])[0] if href else None,
        "id": quoted_id if quoted_id and quoted_id.isdigit() else None,
        "author_name": norm_space(node_text(name[0])) if name else None,
        "author_handle": norm_space(node_text(handle[0])) if handle else None,
        "text": clean_text(node_text(text[0])) if text else None,
        "media_urls": unique_urls(BASE, box.xpath(".//@data-image-url")),
    }


def _reply_to(doc: HtmlElement, tweet: HtmlElement) -> dict[str, Any] | None:
    if tweet.get("data-has-parent-tweet") != "true":
        return None
    parents = doc.xpath('//*[@id="ancestors"]//*[@data-tweet-id]')
    if not parents:
        return None
    parent = parents[-1]
    path = parent.get("data-permalink-path")
    handle = parent.get("data-screen-name")
    return {
        "id": parent.get("data-tweet-id"),
        "url": unique_urls(BASE, [path])[0] if path else None,
        "author_handle": f"@{handle}" if handle else None,
    }


def read_legacy(doc: HtmlElement, status_id: str | None) -> dict[str, Any] | None:
    """Post fields of a legacy permalink page, or ``None`` when the page is not one."""
    tweets = doc.xpath(f"//div[{class_xpath('permalink-tweet')}]")
    if not tweets:
        return None
    tweet = next((t for t in tweets if status_id and t.get("data-tweet-id") == status_id), tweets[0])
    stamps = _outside_quote(tweet.xpath(f".//a[{class_xpath('tweet-timestamp')}]//*[@data-time]"))
    texts = _outside_quote(tweet.xpath(f".//p[{class_xpath('tweet-text')}]"))
    media = _outside_quote(tweet.xpath(".//*[@data-image-url]"))
    handle = tweet.get("data-screen-name")
    return {
        "id": tweet.get("data-tweet-id"),
        "name": norm_space(tweet.get("data-name")),
        "handle": handle,
        "published": from_epoch_seconds(stamps[0].get("data-time")) if stamps else None,
        "text": _tweet_text(texts[0] if texts else None),
        "media_urls": unique_urls(BASE, [m.get("data-image-url") for m in media]),
        "quoted": _quoted(tweet),
        "reply_to": _reply_to(doc, tweet),
        "counts": _counts(tweet),
    }
