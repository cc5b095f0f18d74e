"""Substack posts: ``<name>.substack.com/p/<slug>`` and publications on their own domains.

Matching
    Host ``substack.com`` (and subdomains).  Page markers (:func:`detect`): resources on
    ``substackcdn.com`` in ``<link>`` or meta tags (custom domains such as ``map.simonsarris.com``).

Fields (the rest is the generic reader: JSON-LD ``NewsArticle`` author, ``datePublished`` with
offset, description)
    author_handle: ``@`` + the path of the JSON-LD author's ``substack.com/@<name>`` URL.
    media_urls: ``og:image`` only -- ``twitter:image`` is a generated share card
    (``/post_preview/.../twitter.jpg``), not the post's picture.  post_id: the ``/p/<slug>``.
    page_kind ``article``.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from ..dom import host_matches, meta_contents
from ..page import post_json_ld
from .common import path_match, url_path_handle

NAME = "substack"
DOMAINS = ("substack.com",)
_POST = re.compile(r"^/p/(?P<slug>[^/?#]+)")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return bool(doc.xpath('//link[contains(@href, "substackcdn.com")] | //meta[contains(@content, "substackcdn.com")]'))


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, match = path_match(doc, url, _POST)
    node = post_json_ld(doc) or {}
    author = node.get("author")
    author = author[0] if isinstance(author, list) and author else author
    author_url = author.get("url") if isinstance(author, dict) else None
    handle = url_path_handle(author_url) if isinstance(author_url, str) and "substack.com/@" in author_url else None
    return {
        "author_handle": handle,
        "media_urls": meta_contents(doc, "og:image")[:1],
        "post_id": match.group("slug") if match else None,
        "page_kind": "article" if match else None,
    }
