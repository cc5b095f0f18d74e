"""X (Twitter) post pages: ``x.com/<handle>/status/<id>`` and the twitter.com forms.

Matching
    Hosts ``x.com``, ``twitter.com`` and their subdomains (``mobile.twitter.com``...).  Page
    markers (:func:`detect`): ``al:android:package`` ``com.twitter.android``, or ``og:site_name``
    ``X (formerly Twitter)``.

Which post
    The status id comes from the first status URL among canonical link, ``og:url``, the page URL.
    X pages come in two shapes and both are read:

    * rendered pages (a browser capture): ``article[data-testid=tweet]`` elements.  The post is the
      article linking to ``/status/<id>`` with a ``<time>``, else the focal article
      (``tabindex=-1``), else the first.  The rendered post wins over the page's meta tags (a
      page's og:title may disagree with what it shows; the screenshot shows the article).
    * crawler pages (``og:*`` only, no article): name and handle from ``og:title``
      ``"Name (@handle) on X"`` or ``'Name on X: "text" / X'`` (handle then from the status URL),
      text from ``og:description`` (else the quoted part of that title).

Fields
    author_name / author_handle: the article's ``User-Name`` block (display name with emoji
    images as their alt text; ``@handle``), else the title forms above.
    author_url: ``https://x.com/<handle>``.
    published: the article's ``<time datetime>`` (or the legacy page's ``data-time``), else ``None``
    -- never the id's time.  id_time: the time the status id encodes (a Snowflake: milliseconds
    since 2010-11-04T01:42:54.657Z in bits 22+; method ``x-snowflake``), kept apart from
    ``published``; ids from before Snowflake (Nov 2010) give none.
    text: the article's ``tweetText`` (outside any quoted post), inline (X styles its divs
    inline), emoji images as alt text; else ``og:description``.
    title: the document ``<title>``, else ``og:title`` / ``<meta name=title>``.
    media_urls: the article's photos, video posters/sources and card images, then ``og:image``/
    ``twitter:image`` -- excluding avatars (``/profile_images/``), emoji and X's generic
    ``abs.twimg.com`` share image.
    url: canonical / ``og:url`` when on an X host, else ``https://x.com/<handle>/status/<id>``.
    counts: the rendered article's action bar label (``"12 replies, 3 reposts, 45 likes, ...
    67 views"``) or the legacy page's stat counts.  quoted / reply_to: see :mod:`.x_legacy`.

Legacy twitter.com pages (server-rendered, 2013-2020, ``div.permalink-tweet``) are read by
:mod:`.x_legacy`; crawler pages with ``og:description`` in typographic quotes (``“...”``, the
pre-2020 form) have the quotes removed.
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
    node_text,
    norm_space,
    page_urls,
    strip_bidi,
)
from ..page import page_title
from ..dates import parse_datetime
from ..idtime import x_snowflake
from .x_legacy import read_legacy

NAME = "x"
DOMAINS = ("x.com", "twitter.com")
BASE = "https://x.com"

_STATUS_PATH = re.compile(r"^/(?:i/web/|(?P<handle>[A-Za-z0-9_]{1,15})/)status(?:es)?/(?P<id>\d{1,20})")
_HANDLE_TITLE = re.compile(r"^(?P<name>.*?)\s*\(@(?P<handle>[A-Za-z0-9_]{1,15})\) on (?:X|Twitter)$", re.S)
_QUOTE_TITLE = re.compile(r'^(?P<name>.+?) on (?:X|Twitter): [“"](?P<text>.*)[”"] / (?:X|Twitter)$', re.S)
_SKIP_MEDIA = ("/profile_images/", "/emoji/", "abs.twimg.com", "abs-0.twimg.com")
_COUNT_WORDS = {
    "repl": "comments", "comment": "comments", "repost": "shares", "retweet": "shares",
    "like": "likes", "view": "views",
}
_LABEL_COUNT = re.compile(r"([\d.,]+[KMB]?)\s+([A-Za-z]+)")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "al:android:package") == "com.twitter.android"
        or meta_content(doc, "og:site_name") == "X (formerly Twitter)"
    )


def _status(doc: HtmlElement, url: str) -> tuple[str | None, str | None, str | None]:
    """(declared post URL on an X host or None, handle, status id) from the page's URLs."""
    for candidate in page_urls(doc, url):
        try:
            match = _STATUS_PATH.match(urlsplit(candidate).path)
        except ValueError:
            continue
        if match:
            own = candidate if matches(candidate) else None
            return own, match.group("handle"), match.group("id")
    return None, None, None


def snowflake_time(status_id: str | None) -> str | None:
    """Creation time encoded in a Snowflake id, floored to the second; ``None`` before Snowflake."""
    found = x_snowflake(status_id)
    return found["utc"].split(".")[0].rstrip("Z") + "Z" if found else None


def parse_title(title: str | None) -> dict[str, str | None]:
    """Name, handle and text from X's two title forms (see module docstring)."""
    out: dict[str, str | None] = {"name": None, "handle": None, "text": None}
    if not title:
        return out
    title = title.strip()
    match = _HANDLE_TITLE.match(title)
    if match:
        out["name"] = strip_bidi(match.group("name"))
        out["handle"] = match.group("handle")
        return out
    match = _QUOTE_TITLE.match(title)
    if match:
        out["name"] = strip_bidi(match.group("name"))
        out["text"] = match.group("text")
    return out


def _focal_article(doc: HtmlElement, status_id: str | None) -> HtmlElement | None:
    articles = doc.xpath('//article[@data-testid="tweet"]')
    if not articles:
        return None
    if status_id:
        for article in articles:
            for link in article.xpath(".//a[@href][.//time]"):
                if re.search(rf"/status/{status_id}(?:[/?#]|$)", link.get("href", "")):
                    return article
    for article in articles:
        if article.get("tabindex") == "-1":
            return article
    return articles[0]


def _user(article: HtmlElement) -> tuple[str | None, str | None]:
    blocks = article.xpath('.//*[@data-testid="User-Name"]')
    if not blocks:
        return None, None
    links = blocks[0].xpath(".//a[@href]")
    name = strip_bidi(norm_space(node_text(links[0], pre=True))) if links else None
    handle = None
    for link in links:
        text = strip_bidi(norm_space(node_text(link, pre=True)))
        if text and text.startswith("@"):
            handle = text[1:]
            break
    if handle is None and links:
        href = links[0].get("href", "").strip("/")
        handle = href if re.fullmatch(r"[A-Za-z0-9_]{1,15}", href) else None
    if name and handle and name == "@" + handle:
        name = None
    return name, handle


def _in_quote(el: HtmlElement, article: HtmlElement) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is article:
            return False
        if ancestor.get("role") == "link":
            return True
    return False


def _article_text(article: HtmlElement) -> str | None:
    for el in article.xpath('.//*[@data-testid="tweetText"]'):
        if not _in_quote(el, article):
            return clean_text(node_text(el, pre=True))
    return None


def _article_time(article: HtmlElement, status_id: str | None) -> str | None:
    times = []
    if status_id:
        times = article.xpath(f'.//a[contains(@href, "/status/{status_id}")]//time/@datetime')
    times = times or article.xpath(".//time/@datetime")
    for value in times:
        found = parse_datetime(value)
        if found:
            return found
    return None


def _keep_media(url: str | None) -> bool:
    return bool(url) and not any(part in url for part in _SKIP_MEDIA)


def _media(doc: HtmlElement, article: HtmlElement | None) -> list[str]:
    raw: list[str] = []
    if article is not None:
        raw += article.xpath('.//*[@data-testid="tweetPhoto"]//img/@src')
        raw += article.xpath(".//video/@poster | .//video/@src | .//video/source/@src")
        raw += article.xpath('.//*[starts-with(@data-testid, "card.")]//img/@src')
    for key in ("og:image", "twitter:image", "twitter:image:src", "og:video", "og:video:url"):
        raw += meta_contents(doc, key)
    out: list[str] = []
    for value in raw:
        url = absolute_url(BASE, value)
        if _keep_media(url) and url not in out:
            out.append(url)
    return out


def _article_counts(article: HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for label in article.xpath('.//*[@role="group"]/@aria-label')[:1]:
        for number, word in _LABEL_COUNT.findall(label):
            for stem, name in _COUNT_WORDS.items():
                if word.lower().startswith(stem):
                    out.setdefault(name, number)
    return out


def _og_text(doc: HtmlElement, fallback: str | None) -> str | None:
    text = meta_content(doc, "og:description", "twitter:description")
    if text and len(text) > 1 and text[0] == "\u201c" and text[-1] == "\u201d":
        text = text[1:-1]  # the pre-2020 og:description wraps the tweet in typographic quotes
    return clean_text(text or fallback)


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, url_handle, status_id = _status(doc, url)
    article = _focal_article(doc, status_id)
    legacy = read_legacy(doc, status_id) if article is None else None
    og_title = meta_content(doc, "og:title", "twitter:title", "title")
    doc_title = page_title(doc)
    from_title = parse_title(og_title)
    if not from_title["name"]:
        from_title = parse_title(doc_title)

    name = handle = text = published = None
    counts: dict[str, str] = {}
    media = _media(doc, article)
    if article is not None:
        name, handle = _user(article)
        text = _article_text(article)
        published = _article_time(article, status_id)
        counts = _article_counts(article)
    elif legacy is not None:
        name, handle, text = legacy["name"], legacy["handle"], legacy["text"]
        published, counts, media = legacy["published"], legacy["counts"], legacy["media_urls"]
        status_id = status_id or legacy["id"]
    name = name or from_title["name"]
    handle = handle or from_title["handle"] or url_handle
    if text is None and article is None:
        text = _og_text(doc, from_title["text"])

    if own_url is None and handle and status_id:
        own_url = f"{BASE}/{handle}/status/{status_id}"
    return {
        "author_name": name,
        "author_handle": f"@{handle}" if handle else None,
        "author_url": f"{BASE}/{handle}" if handle else None,
        "published": published or "",
        "text": text,
        "title": norm_space(doc_title or og_title),
        "media_urls": media,
        "url": own_url,
        "post_id": status_id,
        "page_kind": "post" if status_id else None,
        "id_time": x_snowflake(status_id),
        "counts": counts,
        "quoted": legacy["quoted"] if legacy else None,
        "reply_to": legacy["reply_to"] if legacy else None,
    }
