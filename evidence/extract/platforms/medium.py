"""Medium stories: ``medium.com/<publication>/<slug>-<id>``, ``medium.com/@user/...`` and custom domains.

Matching
    Host ``medium.com`` (and subdomains).  Page markers (:func:`detect`): ``og:site_name``
    ``Medium`` or ``al:android:package`` ``com.medium.reader`` (publications on their own domains).

Fields (the rest is the generic reader: JSON-LD ``NewsArticle`` ``datePublished``, author name)
    author_handle: the ``@name`` path of ``article:author`` (``https://medium.com/@TheLarkInn``),
    else ``twitter:creator``.  text: the story's lead as ``<meta name=description>`` gives it --
    ``og:description`` is the subtitle.  post_id: the hex id ending the slug.  page_kind ``article``.
    ``article:published_time`` can differ from JSON-LD ``datePublished`` (a later re-publication);
    the JSON-LD value, which the page shows under the title, is kept.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from ..dom import clean_text, host_matches, meta_content
from .common import path_match, url_path_handle

NAME = "medium"
DOMAINS = ("medium.com",)
_STORY = re.compile(r"^/(?:[^/]+/)?(?:[^/]*-)?(?P<id>[0-9a-f]{8,16})/?$")


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return meta_content(doc, "og:site_name") == "Medium" or meta_content(doc, "al:android:package") == "com.medium.reader"


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, match = path_match(doc, url, _STORY)
    handle = url_path_handle(meta_content(doc, "article:author"))
    handle = handle if handle and handle.startswith("@") else meta_content(doc, "twitter:creator")
    return {
        "author_handle": handle,
        "text": clean_text(meta_content(doc, "description")),
        "post_id": match.group("id") if match else None,
        "page_kind": "article" if match else None,
    }
