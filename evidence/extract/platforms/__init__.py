"""Platform registry: which module reads a page, and how its answer is merged.

A platform module is a small file in this package exposing::

    NAME: str                                   # "x", "bluesky", ... (the post's "platform")
    def matches(url: str) -> bool               # True for the platform's own hosts
    def extract(doc, url: str) -> dict          # post fields it found (doc: lxml <html> root)
    def detect(doc) -> bool                     # optional: the platform's own page markers

and is registered by adding its file name to ``_MODULE_NAMES`` below (order = priority).

Detection rule (:func:`detect_platform`)
    1. ``matches(url)`` on the final URL the page was fetched from, for every module in order;
    2. else ``matches()`` on the URLs the page declares for itself -- ``<link rel=canonical>``,
       ``og:url``, ``twitter:url`` -- so a page saved from X and served again from
       ``http://127.0.0.1:8000/...`` is still recognised as X;
    3. else ``detect(doc)``: markers the platform puts in its own pages (``og:site_name``,
       app-link packages, generator, inline data islands).  Each module documents its markers.
    No match: the post is the generic one with ``platform`` ``None``.

Merge rule (:func:`extract_post_fields`)
    The generic post (:func:`evidence.extract.page.generic_post`) is computed first; every key the
    module returns with a value other than ``None`` replaces the generic value.  A module returns
    ``""`` to say "known to be absent, do not fall back" (e.g. Reddit's boilerplate og:description)
    and a list for ``media_urls`` (even empty) to replace the generic list.  A module that raises
    is logged and ignored: the generic post is kept, ``platform`` is still set.  Finally every
    field is coerced to ``str``/``None`` (``media_urls`` to a list of unique absolute http(s)
    URLs) so the post can go into signed canonical JSON.  A module may name a more precise
    ``platform`` than its ``NAME`` (the ActivityPub reader says ``activitypub`` for servers that
    are not Mastodon).  ``flags`` are the union of the module's
    and those read from any page (:func:`evidence.extract.walls.page_flags`); ``id_time``,
    ``counts``, ``reply_to`` and ``quoted`` are dicts of strings (``quoted.media_urls`` a list).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib import import_module
from types import MappingProxyType, ModuleType
from typing import Any

from lxml.html import HtmlElement

from ..dom import absolute_url, clean_text, page_urls
from ..page import DICT_KEYS, POST_KEYS, empty_post, generic_post
from ..walls import page_flags

__all__ = ["PLATFORMS", "detect_platform", "extract_post_fields", "sanitise_post"]

log = logging.getLogger(__name__)

# Registration: one name per platform module of this package, in priority order.
_MODULE_NAMES: tuple[str, ...] = (
    "x",
    "bluesky",
    "reddit",
    "tiktok",
    "telegram",
    "instagram",
    "youtube",
    "facebook",
    "linkedin",
    "medium",
    "substack",
    "vimeo",
    "mastodon",  # last: it also claims any ActivityPub server by its page markers
)


def _load() -> Mapping[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for name in _MODULE_NAMES:
        module = import_module(f"{__name__}.{name}")
        modules[module.NAME] = module
    return MappingProxyType(modules)


PLATFORMS: Mapping[str, ModuleType] = _load()
"""Registered platform modules by ``NAME``, in detection order (read-only)."""


def _safe(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except Exception:  # a platform module must never break extraction
        log.warning("platform hook %r failed", call, exc_info=True)
        return None


def detect_platform(doc: HtmlElement, url: str) -> ModuleType | None:
    """The module that should read this page (rule in the module docstring), or ``None``."""
    declared = [u for u in page_urls(doc, url) if u != url]
    for candidate in [url, *declared]:
        for module in PLATFORMS.values():
            if _safe(module.matches, candidate):
                return module
    for module in PLATFORMS.values():
        detect = getattr(module, "detect", None)
        if detect is not None and _safe(detect, doc):
            return module
    return None


def _clean_str(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _urls(values: Any) -> list[str]:
    urls: list[str] = []
    for value in values if isinstance(values, list) else []:
        url = absolute_url(None, value) if isinstance(value, str) else None
        if url and url not in urls:
            urls.append(url)
    return urls


def _str_dict(value: Any) -> dict[str, Any] | None:
    """A dict of non-empty strings (``media_urls``: a list of URLs), or ``None`` when empty."""
    if not isinstance(value, dict):
        return None
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        if key == "media_urls":
            out[key] = _urls(item)
        elif key == "text":
            cleaned = clean_text(item)
            if cleaned:
                out[key] = cleaned
        else:
            cleaned = _clean_str(item)
            if cleaned:
                out[key] = cleaned
    return out if any(v for v in out.values()) else None


def sanitise_post(post: dict[str, Any]) -> dict[str, Any]:
    """Every key present; strings or ``None``; ``media_urls`` unique absolute http(s) URLs;
    ``flags`` unique strings; dict fields dicts of strings or ``None`` (``counts`` ``{}``)."""
    out = empty_post()
    for key in POST_KEYS:
        if key == "media_urls":
            out[key] = _urls(post.get(key))
        elif key == "flags":
            flags = post.get(key) if isinstance(post.get(key), list) else []
            out[key] = [f for i, f in enumerate(flags) if isinstance(f, str) and f and f not in flags[:i]]
        elif key in DICT_KEYS:
            value = _str_dict(post.get(key))
            out[key] = value if value is not None or key != "counts" else {}
        elif key == "text":
            out[key] = clean_text(post.get(key))
        else:
            out[key] = _clean_str(post.get(key))
    return out


def extract_post_fields(doc: HtmlElement, url: str, page: dict[str, Any]) -> dict[str, Any]:
    """The ``post`` part of :func:`evidence.extract.extract_page` for a parsed page."""
    post = _safe(generic_post, doc, url, page) or empty_post()
    module = _safe(detect_platform, doc, url)
    if module is not None:
        found = _safe(module.extract, doc, url)
        if isinstance(found, dict):
            for key in POST_KEYS:
                value = found.get(key)
                if key == "platform":
                    continue
                if key == "flags" and isinstance(value, list):
                    post[key] = list(post.get(key) or []) + value
                elif value is not None:
                    post[key] = value
        refined = found.get("platform") if isinstance(found, dict) else None
        post["platform"] = refined if isinstance(refined, str) and refined else module.NAME
    post = sanitise_post(post)
    post["flags"] = sanitise_post({"flags": post["flags"] + (_safe(page_flags, doc, url, post) or [])})["flags"]
    return post
