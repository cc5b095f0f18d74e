"""LinkedIn feed posts, Pulse articles, company pages and profiles.

Matching
    Host ``linkedin.com`` and its country subdomains (``uk.linkedin.com``...).  Page markers
    (:func:`detect`): ``al:android:package`` ``com.linkedin.android`` or ``twitter:site``
    ``@linkedin`` / ``@LinkedInEditors``.  LinkedIn's guest pages write their meta tags with
    ``value=`` instead of ``content=``; :func:`evidence.extract.dom.meta_content` reads both.

Which page
    ``/pulse/<slug>`` is an ``article``; ``/posts/<slug>`` and ``/feed/update/urn:li:activity:<id>`` a
    ``post``; ``/company/<name>`` a ``company-page`` and ``/in/<name>`` a ``profile`` (both
    flagged ``not-a-post``: their "updates" lists show relative times only, and a
    ``<time datetime>`` there -- e.g. a funding round's -- is not a post's time).

Fields
    article: author_name from ``twitter:data1`` when ``twitter:label1`` is "Written by", else the
    main author card; author_url and author_handle from the author card's ``/in/<handle>`` link;
    published: the card's visible ``Published Dec 19, 2016`` -- a date only (``date-only``);
    text: ``og:description``; media: the cover image.
    company page: author_name from JSON-LD ``Organization.name`` (else ``og:title`` before
    " | LinkedIn"), author_handle ``company/<name>``, the logo as ``author_avatar``.
    post: the generic reader (JSON-LD ``SocialMediaPosting``/``DiscussionForumPosting``).
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from ..dates import shown_date
from ..dom import class_xpath, clean_text, host_matches, iter_json_nodes, meta_content, node_text, norm_space
from ..page import parse_json_ld
from .common import path_match, url_path_handle

NAME = "linkedin"
DOMAINS = ("linkedin.com",)
BASE = "https://www.linkedin.com"

_KIND = re.compile(r"^/(?P<kind>pulse|posts|feed/update|company|in|school|showcase)/(?P<slug>[^/?#]+)")
_KINDS = {"pulse": "article", "posts": "post", "feed/update": "post", "company": "company-page",
          "school": "company-page", "showcase": "company-page", "in": "profile"}


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "al:android:package") == "com.linkedin.android"
        or meta_content(doc, "twitter:site") in ("@linkedin", "@LinkedInEditors")
    )


def _article(doc: HtmlElement) -> dict[str, Any]:
    cards = doc.xpath(f"//*[{class_xpath('main-author-card')}]")
    card = cards[0] if cards else None
    link = card.xpath(".//a[contains(@href, '/in/')]/@href") if card is not None else []
    name = meta_content(doc, "twitter:data1") if meta_content(doc, "twitter:label1") == "Written by" else None
    if name is None and card is not None:
        titles = card.xpath(f".//*[{class_xpath('base-main-card__title')}]")
        name = norm_space(node_text(titles[0])) if titles else None
    shown = card.xpath(f".//*[{class_xpath('base-main-card__metadata')}]") if card is not None else []
    shown_text = norm_space(node_text(shown[0])) if shown else None
    handle = url_path_handle(link[0], "/in/") if link else None
    return {
        "author_name": norm_space(name),
        "author_handle": handle,
        "author_url": f"{BASE}/in/{handle}" if handle else None,
        "published": "",
        "published_local": shown_date(shown_text) if shown_text and "Published" in shown_text else None,
        "text": clean_text(meta_content(doc, "og:description", "description")),
        "page_kind": "article",
    }


def _company(doc: HtmlElement, kind: str, slug: str, own_url: str | None) -> dict[str, Any]:
    name = None
    for script in doc.xpath('//script[@type="application/ld+json"]'):
        for item in iter_json_nodes(parse_json_ld(script.text or "")["parsed"]):
            if item.get("@type") == "Organization" and isinstance(item.get("name"), str):
                name = name or item["name"]
    title = meta_content(doc, "og:title") or ""
    name = name or (title.rsplit(" | LinkedIn", 1)[0] if title.endswith(" | LinkedIn") else None)
    return {
        "author_name": norm_space(name),
        "author_handle": f"{kind}/{slug}",
        "author_url": own_url,
        "author_avatar": meta_content(doc, "og:image"),
        "published": "",
        "text": "",
        "media_urls": [],
        "page_kind": _KINDS[kind],
    }


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, match = path_match(doc, url, _KIND)
    if match is None:
        return {}
    kind, slug = match.group("kind"), match.group("slug")
    if kind == "pulse":
        return {**_article(doc), "post_id": slug, "url": own_url}
    if kind in ("company", "school", "showcase", "in"):
        return {**_company(doc, kind, slug, own_url), "url": own_url}
    return {"page_kind": "post", "post_id": slug.rsplit("-", 1)[-1] if kind == "posts" else slug, "url": own_url}
