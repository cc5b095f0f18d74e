"""Vimeo videos: ``vimeo.com/<id>`` (and ``/channels/<c>/<id>``, ``/groups/<g>/videos/<id>``).

Matching
    Host ``vimeo.com`` (and subdomains).  Page markers (:func:`detect`): ``og:site_name`` ``Vimeo``.

Fields (the rest is the generic reader: JSON-LD ``VideoObject`` author, ``uploadDate``, name,
description, thumbnail and the ``og:video:url`` player)
    author_handle: the path of the JSON-LD author's URL (``https://vimeo.com/vimeocuration``).
    ``og:updated_time`` and JSON-LD ``dateModified`` are when the page changed, not when the video
    was published, and are never used.  post_id: the numeric video id.  page_kind ``video``.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from ..dom import host_matches, meta_content
from ..page import post_json_ld
from .common import path_match, url_path_handle

NAME = "vimeo"
DOMAINS = ("vimeo.com",)
_VIDEO = re.compile(r"^/(?:channels/[^/]+/|groups/[^/]+/videos/)?(?P<id>\d{3,12})/?$")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return meta_content(doc, "og:site_name") == "Vimeo"


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, match = path_match(doc, url, _VIDEO)
    node = post_json_ld(doc) or {}
    author = node.get("author")
    author = author[0] if isinstance(author, list) and author else author
    author_url = author.get("url") if isinstance(author, dict) else None
    return {
        "author_handle": url_path_handle(author_url) if isinstance(author_url, str) else None,
        "post_id": match.group("id") if match else None,
        "page_kind": "video" if match else None,
    }
