"""HTML plumbing shared by the page extractor and the platform modules.

Everything here is pure and tolerant: functions take whatever a real (or broken) page gives
them and return ``None`` / empty values instead of raising.

Decoding (:func:`decode_html`)
    ``str`` input is used as is.  ``bytes`` input is decoded with, in this order: a byte-order
    mark; a ``<meta charset=...>`` or ``<meta http-equiv="Content-Type" content="...;
    charset=...">`` declaration within the first 8 KiB; UTF-8.  Labels are mapped the way
    browsers map them (WHATWG): ``iso-8859-1``, ``latin1`` and ``us-ascii`` mean
    ``windows-1252``, and a declared UTF-16/32 without a BOM means UTF-8.  Undecodable bytes
    become U+FFFD (``errors="replace"``).

Parsing (:func:`parse_html`)
    The decoded text is re-encoded as UTF-8 and parsed by lxml's recovering HTML parser with that
    encoding forced, so a ``<meta charset>`` in the text cannot make libxml2 decode it a second
    time.  ``huge_tree`` is on so multi-megabyte inline scripts are not truncated.  Input lxml
    cannot make a document of (empty, whitespace only) yields an empty ``<html>`` document.

Text (:func:`node_text`, :func:`clean_text`, :func:`norm_space`)
    ``node_text`` renders an element the way a reader sees it (rules in its docstring: browser
    normal flow by default, or ``pre=True`` for pre-wrapped text such as X's).  ``clean_text``
    then normalises line ends, trims trailing spaces of each line, collapses runs of blank lines
    to one and trims the whole; spaces inside a line are kept.
"""

from __future__ import annotations

import codecs
import html as html_lib
import json
import re
import weakref
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

__all__ = [
    "absolute_url",
    "background_image_url",
    "class_xpath",
    "clean_text",
    "decode_html",
    "first",
    "host_matches",
    "iter_json_nodes",
    "loads_lenient",
    "meta_content",
    "meta_contents",
    "meta_key",
    "node_text",
    "norm_space",
    "page_urls",
    "parse_html",
    "reject_json_constant",
    "strip_bidi",
    "unescape_entities",
]

# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 8192
# WHATWG "Encoding" label mapping for the labels that differ from Python's codecs.
_WHATWG_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}


def _declared_encoding(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):  # an ASCII-readable declaration cannot be UTF-16/32
        return "utf-8"
    return name


def decode_html(data: str | bytes | bytearray | memoryview | None) -> str:
    """Return the page as text; see the module docstring for the rules. Never raises."""
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        return ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    encoding = _declared_encoding(data) or "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except (LookupError, ValueError):
        return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- parsing


def _empty_document() -> HtmlElement:
    return lxml.html.document_fromstring(b"<html><head></head><body></body></html>")


def parse_html(text: str) -> HtmlElement:
    """Parse page text into an lxml document (root ``<html>``). Never raises."""
    if not isinstance(text, str) or not text.strip():
        return _empty_document()
    data = text.replace("\x00", "\ufffd").encode("utf-8", errors="replace")
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.LxmlError, ValueError, TypeError):
        return _empty_document()
    if root is None:
        return _empty_document()
    return root


# --------------------------------------------------------------------------- text

_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody "
    "thead tfoot tr ul".split()
)
_PARAGRAPH_TAGS = frozenset({"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIP_TAGS = frozenset({"script", "style", "template", "svg"})
_COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")
_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"


class _TextBuilder:
    """Accumulates rendered text: collapsible whitespace, and line breaks that are only
    written between pieces of content (never leading, trailing or doubled)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0  # line breaks owed before the next content

    def _ends(self, suffix: str) -> bool:
        return bool(self.parts) and self.parts[-1].endswith(suffix)

    def block(self, breaks: int) -> None:
        self.pending = max(self.pending, breaks)

    def _trailing_newlines(self) -> int:
        count = 0
        for part in reversed(self.parts):
            kept = part.rstrip("\n")
            count += len(part) - len(kept)
            if kept:
                break
        return count

    def add(self, text: str, *, preserve: bool) -> None:
        if not preserve:
            text = _COLLAPSIBLE.sub(" ", text)
            if not self.parts or self.pending or self._ends("\n") or self._ends(" "):
                text = text.lstrip(" ")
        if not text:
            return
        if self.pending and self.parts:
            self.parts[-1] = self.parts[-1].rstrip(" ")
            missing = self.pending - self._trailing_newlines()
            if missing > 0:
                self.parts.append("\n" * missing)
        self.pending = 0
        self.parts.append(text)

    def result(self) -> str:
        return "".join(self.parts)


def node_text(el: HtmlElement | None, *, pre: bool = False) -> str:
    """Text of ``el`` as a reader sees it (pass the result through :func:`clean_text`).

    ``pre=False`` (normal flow, like a browser's ``innerText``): whitespace runs collapse to one
    space, block elements start a new line, paragraphs are separated by a blank line, ``<br>`` is
    a newline, ``<pre>`` keeps its whitespace.  ``pre=True`` (for text styled
    ``white-space: pre-wrap`` whose "divs" are inline, as on X): text is kept exactly and only
    ``<br>`` adds a newline.  Either way ``<img alt>`` gives its alt text (emoji drawn as images)
    and scripts, styles, templates and SVG give nothing.
    """
    if el is None:
        return ""
    out = _TextBuilder()
    pre_depth = 0
    walker = lxml.etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag.lower() if isinstance(node.tag, str) else None
        if event == "start":
            if tag is None:  # comment / processing instruction: no text of its own
                continue
            if tag in _SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag == "pre":
                pre_depth += 1
            if not pre and tag in _BLOCK_TAGS:
                out.block(2 if tag in _PARAGRAPH_TAGS else 1)
            if tag == "br":
                out.add("\n", preserve=True)
            elif tag == "img" and node.get("alt"):
                out.add(node.get("alt"), preserve=True)
            if node.text:
                out.add(node.text, preserve=pre or pre_depth > 0)
        else:
            if tag == "pre":
                pre_depth -= 1
            if tag is not None and not pre and tag in _BLOCK_TAGS:
                out.block(2 if tag in _PARAGRAPH_TAGS else 1)
            if node is not el and node.tail:
                out.add(node.tail, preserve=pre or pre_depth > 0)
    return out.result()


_BLANK_RUNS = re.compile(r"\n{3,}")


def clean_text(text: str | None) -> str | None:
    """Normalise line ends and blank lines, trim line ends and the whole; ``None`` if empty."""
    if not isinstance(text, str):
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    return text or None


def norm_space(text: str | None) -> str | None:
    """Collapse every whitespace run to one space and trim; ``None`` if empty."""
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    return text or None


def strip_bidi(text: str | None) -> str | None:
    """Drop bidi isolation/embedding marks (sites wrap names in them) and trim."""
    if not isinstance(text, str):
        return None
    text = text.translate({ord(c): None for c in _BIDI}).strip()
    return text or None


_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape_entities(text: str | None) -> str | None:
    """Decode HTML character references some servers leave inside JSON-LD strings."""
    if not isinstance(text, str):
        return None
    return html_lib.unescape(text) if _ENTITY.search(text) else text


# --------------------------------------------------------------------------- meta tags


def meta_key(el: HtmlElement) -> list[str]:
    """The lower-cased names a ``<meta>`` is known by (``property``, ``name``), de-duplicated."""
    keys: list[str] = []
    for attr in ("property", "name"):
        value = el.get(attr)
        if value:
            key = value.strip().lower()
            if key and key not in keys:
                keys.append(key)
    return keys


_META_INDEX: weakref.WeakKeyDictionary[HtmlElement, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def _meta_index(doc: HtmlElement) -> dict[str, list[str]]:
    """Non-empty meta contents by lower-cased key, built once per document (documents are
    never modified during extraction) -- platform modules look meta tags up dozens of times."""
    try:
        return _META_INDEX[doc]
    except (KeyError, TypeError):
        pass
    index: dict[str, list[str]] = {}
    for el in doc.iter("meta"):
        value = el.get("content")
        if value is None:
            value = el.get("value")
        if value is None or not value.strip():
            continue
        for key in meta_key(el):
            index.setdefault(key, []).append(value)
    try:
        _META_INDEX[doc] = index
    except TypeError:
        pass
    return index


def meta_contents(doc: HtmlElement, key: str) -> list[str]:
    """Every non-empty ``content`` of ``<meta property|name=key>`` in page order."""
    return list(_meta_index(doc).get(key.lower(), ()))


def meta_content(doc: HtmlElement, *keys: str) -> str | None:
    """The first non-empty content among ``keys`` (tried in order), stripped."""
    for key in keys:
        values = meta_contents(doc, key)
        if values:
            return values[0].strip()
    return None


# --------------------------------------------------------------------------- URLs


def absolute_url(base: str | None, href: str | None) -> str | None:
    """``href`` resolved against ``base``; only http(s) results are returned."""
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href:
        return None
    try:
        url = urljoin(base or "", href)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _host(url: str | None) -> str:
    if not isinstance(url, str):
        return ""
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def host_matches(url: str | None, domains: Iterable[str]) -> bool:
    """True when the host of ``url`` is one of ``domains`` or a subdomain of one."""
    host = _host(url)
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def page_urls(doc: HtmlElement, url: str | None) -> list[str]:
    """Absolute URLs the page says it is: canonical link, og:url, twitter:url, then ``url``."""
    out: list[str] = []
    for el in doc.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        if "canonical" in rel:
            found = absolute_url(url, el.get("href"))
            if found:
                out.append(found)
            break
    for key in ("og:url", "twitter:url"):
        found = absolute_url(url, meta_content(doc, key))
        if found:
            out.append(found)
    if isinstance(url, str) and url.strip():
        out.append(url.strip())
    seen: set[str] = set()
    return [u for u in out if not (u in seen or seen.add(u))]


_BG_URL = re.compile(r"""background-image\s*:\s*url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE)


def background_image_url(style: str | None) -> str | None:
    """The URL of a CSS ``background-image:url(...)`` declaration, if any."""
    if not style:
        return None
    match = _BG_URL.search(style)
    if not match:
        return None
    return match.group(2).strip() or None


def class_xpath(name: str) -> str:
    """An XPath predicate matching elements whose class list contains ``name`` exactly."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# --------------------------------------------------------------------------- JSON


def loads_lenient(raw: str | None) -> Any:
    """Parse JSON the way a forgiving reader would: allow raw control characters in strings,
    strip HTML-comment / CDATA wrappers and a trailing semicolon. ``None`` if still invalid."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    for prefix, suffix in (("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>")):
        if text.startswith(prefix) and text.endswith(suffix):
            text = text[len(prefix): -len(suffix)].strip()
    text = text.rstrip(";").strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False, parse_constant=reject_json_constant)
    except (ValueError, RecursionError):
        return None


def reject_json_constant(name: str) -> Any:
    """``parse_constant`` hook refusing ``NaN``/``Infinity``, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def iter_json_nodes(value: Any, *, depth: int = 0, max_depth: int = 6) -> Iterator[dict[str, Any]]:
    """Every JSON-LD node (dict) in ``value``: top-level lists, ``@graph`` members and
    ``mainEntity`` / ``itemListElement`` children, parents before children."""
    if depth > max_depth:
        return
    if isinstance(value, list):
        for item in value:
            yield from iter_json_nodes(item, depth=depth + 1, max_depth=max_depth)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity", "itemListElement", "item"):
            child = value.get(key)
            if isinstance(child, (list, dict)):
                yield from iter_json_nodes(child, depth=depth + 1, max_depth=max_depth)


def first(*values: Any) -> Any:
    """The first value that is not ``None`` and not an empty string/list."""
    for value in values:
        if value is None:
            continue
        if isinstance(value, (str, list, tuple)) and not value:
            continue
        return value
    return None
