"""Small helpers shared by the platform modules (not a platform module: it has no ``NAME``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from ..dom import absolute_url, page_urls

__all__ = ["assigned_json", "dig", "path_match", "text_or_none", "unique_urls", "url_path_handle"]


def path_match(doc: HtmlElement, url: str, pattern: re.Pattern[str]) -> tuple[str | None, re.Match[str] | None]:
    """The first of the page's own URLs (canonical, og:url, twitter:url, the URL) whose path
    matches ``pattern``, with the match; ``(None, None)`` when none does."""
    for candidate in page_urls(doc, url):
        try:
            parts = urlsplit(candidate)
        except ValueError:
            continue
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        match = pattern.match(target)
        if match:
            return candidate, match
    return None, None


def unique_urls(base: str | None, raw: Iterable[Any], skip: Iterable[str] = ()) -> list[str]:
    """Absolute http(s) URLs from ``raw`` in order, without duplicates or any containing a ``skip`` part."""
    parts = tuple(skip)
    out: list[str] = []
    for value in raw:
        url = absolute_url(base, value) if isinstance(value, str) else None
        if url and url not in out and not any(part in url for part in parts):
            out.append(url)
    return out


def assigned_json(doc: HtmlElement, name: str) -> Any:
    """The JSON object a page script assigns to ``name`` (``var ytInitialPlayerResponse = {...};``),
    read with a JSON decoder from the ``{`` on, so code after it does not matter."""
    pattern = re.compile(rf"{re.escape(name)}\s*=\s*(?=\{{)")
    decoder = json.JSONDecoder(strict=False)
    for script in doc.iter("script"):
        text = script.text or ""
        if name not in text:
            continue
        match = pattern.search(text)
        if not match:
            continue
        try:
            value, _end = decoder.raw_decode(text, match.end())
        except (ValueError, RecursionError):
            continue
        return value
    return None


def dig(value: Any, *keys: Any) -> Any:
    """``value[k1][k2]...`` through dicts and lists, ``None`` when any step is missing."""
    for key in keys:
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def text_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def url_path_handle(url: str | None, prefix: str = "") -> str | None:
    """The first path segment of ``url`` after ``prefix`` (``/@TheLarkInn`` -> ``@TheLarkInn``)."""
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    if prefix and not path.startswith(prefix):
        return None
    segments = [s for s in path[len(prefix):].split("/") if s]
    return segments[0] if segments else None
