"""Reddit post pages: ``www.reddit.com/r/<sub>/comments/<id>/<slug>/`` (new, old, sh.reddit).

Matching
    Host ``reddit.com`` and subdomains (``www``, ``old``, ``new``, ``np``, ``sh``...).  Page
    markers (:func:`detect`): ``og:site_name`` ``Reddit``, ``twitter:site`` ``@reddit``, or a
    ``<shreddit-post>`` element.

Sources, best first
    * new Reddit ("shreddit"): the ``<shreddit-post>`` element's attributes ``author``,
      ``created-timestamp``, ``post-title``, ``permalink``, ``content-href``, its
      ``[slot=text-body]`` for the body, its ``<img>``/``<shreddit-player>`` for media;
    * old Reddit: the link ``div.thing[data-type=link]`` (``data-author``, ``data-timestamp`` in
      milliseconds, ``data-permalink``), its ``a.title``, ``time[datetime]`` and ``.usertext-body``;
    * JSON-LD (``DiscussionForumPosting``; author names written ``u/<name>``);
    * meta tags only -- what a logged-out crawler page such as the test fixture shows: the title
      and a truncated body (``<meta name=description>``, ending in "…"), no author and no date.
      Those stay ``None``: the page does not reveal them, and the post id is not a timestamp.
      Reddit's ``og:description`` ("Explore this post and more from the <sub> community") is
      boilerplate and is never used as the text.

Fields
    author_name: the username as Reddit shows it; author_handle ``u/<name>``; author_url
    ``https://www.reddit.com/user/<name>/``.  ``[deleted]``/``[removed]`` authors keep the name
    and get no handle.
    title: the post's own title (``post-title``, ``a.title``, ``og:title``/``twitter:title`` without
    the "From the <sub> community on Reddit: " prefix, ``<title>`` without " : r/<sub>").
    media_urls: the post's images/videos; ``og:image`` unless it is Reddit's generated share card
    (``share.redd.it/preview/...``) or the Reddit logo.
    post_id: the base-36 id in ``/comments/<id>/`` (not a timestamp: no id_time).
    url: the permalink on ``https://www.reddit.com`` without query (``og:url`` carries tracking
    parameters such as ``?seeker-session=true``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lxml.html import HtmlElement

from ..dom import (
    absolute_url,
    class_xpath,
    clean_text,
    first,
    host_matches,
    meta_content,
    meta_contents,
    node_text,
    norm_space,
    page_urls,
)
from ..page import page_title, post_json_ld
from ..dates import from_epoch_millis, parse_datetime

NAME = "reddit"
DOMAINS = ("reddit.com",)
BASE = "https://www.reddit.com"

_OG_PREFIX = re.compile(r"^From the \S+ community on Reddit:\s*", re.I)
_TITLE_SUFFIX = re.compile(r"\s+:\s+r/[A-Za-z0-9_]+$")
_POST_PATH = re.compile(r"^/r/[^/]+/comments/[a-z0-9]+(?:/[^/?#]*)?/?", re.I)
_BOILERPLATE = re.compile(r"^Explore this post and more from the .* community$", re.I | re.S)
_SKIP_MEDIA = ("share.redd.it/preview", "redditstatic.com", "styles.redditmedia.com", "/avatars/")
_MEDIA_HOSTS = ("i.redd.it", "v.redd.it", "preview.redd.it", "external-preview.redd.it", "i.imgur.com")
_GONE = ("[deleted]", "[removed]")


def _post_id(url: str | None) -> str | None:
    """The base-36 id in ``/comments/<id>/`` (it is not a timestamp)."""
    try:
        match = re.search(r"/comments/([a-z0-9]+)", urlsplit(url).path, re.I) if url else None
    except ValueError:
        return None
    return match.group(1) if match else None


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "og:site_name") == "Reddit"
        or (meta_content(doc, "twitter:site") or "").lower() == "@reddit"
        or bool(doc.xpath("//shreddit-post"))
    )


def _permalink(path_or_url: str | None) -> str | None:
    """``https://www.reddit.com/r/.../comments/<id>/<slug>/`` for a Reddit post path/URL."""
    url = absolute_url(BASE, path_or_url)
    if not url or not matches(url):
        return None
    parts = urlsplit(url)
    if not _POST_PATH.match(parts.path):
        return None
    return urlunsplit(("https", "www.reddit.com", parts.path, "", ""))


def _shreddit(doc: HtmlElement) -> dict[str, Any]:
    posts = doc.xpath("//shreddit-post")
    if not posts:
        return {}
    post = posts[0]
    body = post.xpath('.//*[@slot="text-body"]')
    media = [post.get("content-href")]
    media += post.xpath(".//img/@src | .//shreddit-player/@src | .//shreddit-player/@poster")
    media += post.xpath(".//shreddit-player-2/@src | .//shreddit-player-2/@poster")
    return {
        "author": post.get("author"),
        "published": parse_datetime(post.get("created-timestamp")),
        "title": post.get("post-title"),
        "text": clean_text(node_text(body[0])) if body else None,
        "url": _permalink(post.get("permalink")),
        "media": media,
    }


def _old_reddit(doc: HtmlElement) -> dict[str, Any]:
    things = doc.xpath(f'//div[{class_xpath("thing")} and @data-type="link"]')
    if not things:
        return {}
    thing = things[0]
    titles = thing.xpath(f'.//a[{class_xpath("title")}]')
    times = thing.xpath(f'.//*[{class_xpath("tagline")}]//time/@datetime')
    body = thing.xpath(f'.//*[{class_xpath("usertext-body")}]//*[{class_xpath("md")}]')
    data_url = thing.get("data-url")
    return {
        "author": thing.get("data-author"),
        "published": from_epoch_millis(thing.get("data-timestamp")) or (parse_datetime(times[0]) if times else None),
        "title": norm_space(titles[0].text_content()) if titles else None,
        "text": clean_text(node_text(body[0])) if body else None,
        "url": _permalink(thing.get("data-permalink")),
        "media": [data_url],
    }


def _json_ld(doc: HtmlElement) -> dict[str, Any]:
    node = post_json_ld(doc)
    if not node:
        return {}
    author = node.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    name = author.get("name") if isinstance(author, dict) else author
    if isinstance(name, str):
        name = re.sub(r"^/?u/", "", name.strip())
    return {"author": name if isinstance(name, str) else None}


def _title(doc: HtmlElement) -> str | None:
    for key in ("og:title", "twitter:title"):
        value = meta_content(doc, key)
        if value and _OG_PREFIX.match(value):
            return _OG_PREFIX.sub("", value)
    title = page_title(doc)
    return _TITLE_SUFFIX.sub("", title) if title else None


def _media(doc: HtmlElement, found: list[str | None]) -> list[str]:
    """Post media found in the post element (media hosts only: a link post's ``content-href``
    is the linked article), then og/twitter images."""
    raw = [u for u in found if isinstance(u, str) and host_matches(absolute_url(BASE, u), _MEDIA_HOSTS)]
    raw += meta_contents(doc, "og:image") + meta_contents(doc, "twitter:image")
    out: list[str] = []
    for value in raw:
        url = absolute_url(BASE, value)
        if url and not any(part in url for part in _SKIP_MEDIA) and url not in out:
            out.append(url)
    return out


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    found = _shreddit(doc) or _old_reddit(doc)
    author = norm_space(first(found.get("author"), _json_ld(doc).get("author")))
    handle = None if author is None or author in _GONE else f"u/{author}"
    description = meta_content(doc, "description")
    og_description = meta_content(doc, "og:description")
    fallback_text = first(
        description,
        None if og_description is None or _BOILERPLATE.match(og_description) else og_description,
    )
    url_out = found.get("url")
    if url_out is None:
        for candidate in page_urls(doc, url):
            url_out = _permalink(candidate)
            if url_out:
                break
    return {
        "author_name": author,
        "author_handle": handle,
        "author_url": f"{BASE}/user/{author}/" if handle else None,
        "published": found.get("published"),
        "text": found.get("text") or clean_text(fallback_text) or "",
        "title": norm_space(found.get("title") or _title(doc)),
        "media_urls": _media(doc, found.get("media", [])),
        "url": url_out,
        "post_id": _post_id(url_out),
        "page_kind": "post" if _post_id(url_out) else None,
    }
