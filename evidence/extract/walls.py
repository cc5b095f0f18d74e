"""Flags any page can earn, whatever its platform: walls, shells, non-posts, partial times.

:func:`page_flags` adds to the flags a platform module sets itself (names in
:data:`evidence.extract.page.FLAG_NAMES`):

``login-wall``
    the final URL is a sign-in page (``/login``, ``/accounts/login``, ``/i/flow/login``,
    ``/authwall``, ``/checkpoint``, ``/signin``, ``/uas/login``...), or the page has a password
    field, no post text was found and the body shows under 1500 characters (a public page with a
    sign-in box in its header is not a wall).
``consent-wall``
    the final URL is a consent service (host ``consent.*``, path ``/consent`` or
    ``/privacy/consentstring``), or the page's form posts to one and no post text was found.
``js-shell``
    the page has scripts and its body shows (almost) no text: under 200 characters outside
    scripts, styles and ``<noscript>``.  Whatever the post fields say came from metadata the screenshot will not show.
``not-a-post``
    ``page_kind`` is ``profile``, ``channel`` or ``company-page``.
``date-only`` / ``no-time-zone``
    ``published_local`` is a date alone / a local time without zone (``published`` is ``None``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
from lxml.html import HtmlElement

from .dom import clean_text, node_text

__all__ = ["body_text_length", "page_flags"]

_LOGIN_PATH = re.compile(
    r"^/(?:accounts/login|login|i/flow/login|authwall|checkpoint|signin|uas/login|sign_in|auth/sign_in)(?:[/.?]|$)",
    re.I,
)
_CONSENT_PATH = re.compile(r"^/(?:consent|privacy/consentstring)(?:[/?]|$)", re.I)
_SHELL_CHARS = 200
_WALL_CHARS = 1500
_HIDDEN = frozenset({"script", "style", "template", "noscript"})
_NOT_POSTS = frozenset({"profile", "channel", "company-page"})


def _split(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url or "")
        return (parts.hostname or "").lower(), parts.path or "/"
    except ValueError:
        return "", "/"


def body_text_length(doc: HtmlElement, limit: int = 200) -> int:
    """Characters of visible body text (scripts, styles, templates and noscript left out), counted
    up to ``limit``."""
    total = 0
    for body in doc.iter("body"):
        walker = lxml.etree.iterwalk(body, events=("start",))
        for _event, el in walker:
            tag = el.tag.lower() if isinstance(el.tag, str) else None
            if tag in _HIDDEN:
                walker.skip_subtree()
            elif tag is not None and el.text:
                total += len(el.text.strip())
            if el is not body and el.tail:
                total += len(el.tail.strip())
            if total >= limit:
                return total
    return total


def _login_wall(doc: HtmlElement, host: str, path: str, post: dict[str, Any]) -> bool:
    if _LOGIN_PATH.match(path):
        return True
    if post.get("text") is not None or not doc.xpath('//input[@type="password"]'):
        return False
    return body_text_length(doc, _WALL_CHARS) < _WALL_CHARS


def _consent_wall(doc: HtmlElement, host: str, path: str, post: dict[str, Any]) -> bool:
    if host.startswith("consent.") or _CONSENT_PATH.match(path):
        return True
    if post.get("text") is not None:
        return False
    return any("consent" in (action or "").lower() for action in doc.xpath("//form/@action"))


def page_flags(doc: HtmlElement, url: str, post: dict[str, Any]) -> list[str]:
    """The generic flags of a page and its (sanitised) post; see the module docstring."""
    host, path = _split(url)
    flags: list[str] = []
    if _login_wall(doc, host, path, post):
        flags.append("login-wall")
    if _consent_wall(doc, host, path, post):
        flags.append("consent-wall")
    if body_text_length(doc, _SHELL_CHARS) < _SHELL_CHARS and doc.find(".//script") is not None:
        flags.append("js-shell")
    if post.get("page_kind") in _NOT_POSTS:
        flags.append("not-a-post")
    local = post.get("published_local")
    if post.get("published") is None and isinstance(local, str):
        flags.append("no-time-zone" if "T" in local else "date-only")
    return flags


def visible_text(el: HtmlElement | None) -> str | None:
    """Rendered text of an element, cleaned (a shortcut for the platform modules)."""
    return clean_text(node_text(el)) if el is not None else None
