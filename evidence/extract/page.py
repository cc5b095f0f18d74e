"""Generic page metadata, and the generic post every platform module refines.

Page metadata (:func:`page_metadata`)
    ``title``          ``<title>`` text (the document's, not an SVG's), whitespace collapsed.
    ``lang``           ``<html lang>``, stripped.
    ``canonical_url``  ``<link rel=canonical href>`` resolved against ``<base href>``/the URL.
    ``meta``           every ``og:*``, ``twitter:*``, ``article:*`` meta tag, whether named by
                       ``property=`` or ``name=``, and the ``description`` meta tag.  Keys are
                       lower-cased; values are the raw ``content`` strings, a list when a key occurs
                       more than once (page order).
    ``json_ld``        every ``<script type="application/ld+json">`` in page order as
                       ``{"raw", "parsed", "error"}``.  ``parsed`` is strict JSON (``NaN`` and
                       friends refused) or ``None``; ``error`` says why parsing failed.

Generic post (:func:`generic_post`) -- used alone for pages no platform module claims, and as the
fallback for every field a platform module leaves ``None``:
    * JSON-LD node: the first node typed SocialMediaPosting, DiscussionForumPosting, BlogPosting,
      LiveBlogPosting, NewsArticle, Article, Comment, VideoObject, ImageObject (in that order of
      preference).  Blocks that are invalid only because of raw control characters or comment
      wrappers are read leniently here (never in ``json_ld[].parsed``), and HTML character
      references servers leave inside JSON strings are decoded.
    * author_name: node ``author``/``creator`` name, ``<meta name=author>``, ``article:author``
      (when it is not a URL).  author_handle: the author's ``alternateName`` when it looks like a
      handle (``@x``, ``u/x``).  author_url: the author's ``url``, or ``article:author`` when it
      is a URL.
    * published: node ``datePublished``/``uploadDate``/``dateCreated``, ``article:published_time``,
      ``itemprop=datePublished`` (normalised by :mod:`evidence.extract.dates`).
    * text: node ``articleBody``/``text``, ``og:description``, ``twitter:description``,
      ``description``, node ``description``.
    * title: ``og:title``, ``twitter:title``, node ``headline``/``name``, ``<title>``.
    * media_urls: ``og:image``, ``og:video`` (and their ``:url``/``:secure_url`` forms),
      ``twitter:image``, ``twitter:player:stream``, node ``image``/``thumbnailUrl``/``contentUrl``/
      ``video``/``associatedMedia`` -- absolute http(s) URLs, de-duplicated, in that order.
    * url: canonical link, ``og:url``, node ``url``/``mainEntityOfPage``, the page URL.
    * published_local: when no instant was found, the node's or ``itemprop=datePublished``'s value
      if it is a date or a local time without offset (kept as written, see
      :mod:`evidence.extract.dates`).
    * counts: the node's ``interactionStatistic`` (LikeAction -> ``likes``, ShareAction ->
      ``shares``, CommentAction -> ``comments``, WatchAction -> ``views``) and ``commentCount``.

Post keys beyond the first nine (:data:`POST_KEYS`, every key always present)
    ``post_id``          the platform's id of the post (status id, shortcode, video id...).
    ``page_kind``        ``post``, ``video``, ``story``, ``article``, ``group-post``, ``profile``,
                         ``channel``, ``company-page`` -- what the page is, not what was asked for.
    ``flags``            named conditions (:data:`FLAG_NAMES`): the page is a login wall, a consent
                         wall, a JavaScript shell, not a post; its time is date-only or has no zone.
    ``published_local``  a date (``YYYY-MM-DD``) or local time (``YYYY-MM-DDTHH:MM[:SS]``) the page
                         shows without a zone, when it shows no instant; ``published`` stays ``None``.
    ``published_text``   the time as displayed when it cannot be made a date (``"Jun 3 at 6:00 AM"``).
    ``id_time``          ``{"utc", "method"}``: the creation time the post id encodes
                         (:mod:`evidence.extract.idtime`), never copied into ``published``.
    ``counts``           ``{"likes"|"shares"|"comments"|"views": str}`` as the page states them
                         (``"1664"``, ``"152K"``).
    ``reply_to``         ``{"url", "id", "author_handle"}`` of the post this one answers, if shown.
    ``quoted``           ``{"url", "id", "author_name", "author_handle", "text", "media_urls"}`` of a
                         quoted post, if shown (its media are not in the post's ``media_urls``).
    ``author_avatar``    the author's or profile's picture, kept out of ``media_urls``.
"""

from __future__ import annotations

import json
from typing import Any

from lxml.html import HtmlElement

from .dom import (
    absolute_url,
    clean_text,
    first,
    iter_json_nodes,
    loads_lenient,
    meta_content,
    meta_contents,
    meta_key,
    norm_space,
    reject_json_constant,
    unescape_entities,
)
from .dates import local_datetime, parse_datetime

__all__ = ["FLAG_NAMES", "PAGE_KINDS", "POST_KEYS", "empty_post", "generic_post", "ld_counts", "page_metadata", "post_json_ld"]

POST_KEYS: tuple[str, ...] = (
    "platform",
    "author_name",
    "author_handle",
    "author_url",
    "published",
    "text",
    "title",
    "media_urls",
    "url",
    "post_id",
    "page_kind",
    "flags",
    "published_local",
    "published_text",
    "id_time",
    "counts",
    "reply_to",
    "quoted",
    "author_avatar",
)
LIST_KEYS = frozenset({"media_urls", "flags"})
DICT_KEYS = frozenset({"id_time", "counts", "reply_to", "quoted"})
PAGE_KINDS = ("post", "video", "story", "article", "group-post", "profile", "channel", "company-page")
FLAG_NAMES = ("login-wall", "consent-wall", "js-shell", "not-a-post", "date-only", "no-time-zone")

_META_PREFIXES = ("og:", "twitter:", "article:")
_POST_TYPES = (
    "SocialMediaPosting",
    "DiscussionForumPosting",
    "BlogPosting",
    "LiveBlogPosting",
    "NewsArticle",
    "Article",
    "Comment",
    "VideoObject",
    "ImageObject",
)


def empty_post() -> dict[str, Any]:
    """A post dict with every key present and nothing found."""
    post: dict[str, Any] = {key: None for key in POST_KEYS}
    post["media_urls"] = []
    post["flags"] = []
    post["counts"] = {}
    return post


# --------------------------------------------------------------------------- page metadata


def _base_url(doc: HtmlElement, url: str) -> str:
    for el in doc.iter("base"):
        href = absolute_url(url, el.get("href"))
        if href:
            return href
        break
    return url


def page_title(doc: HtmlElement) -> str | None:
    for el in doc.iter("title"):
        if any(isinstance(a.tag, str) and a.tag.lower().endswith("svg") for a in el.iterancestors()):
            continue
        return norm_space(el.text_content())
    return None


def page_lang(doc: HtmlElement) -> str | None:
    lang = doc.get("lang")
    if not isinstance(lang, str):
        return None
    return lang.strip() or None


def canonical_url(doc: HtmlElement, url: str) -> str | None:
    for el in doc.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split():
            return absolute_url(_base_url(doc, url), el.get("href"))
    return None


def collect_meta(doc: HtmlElement) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for el in doc.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for key in meta_key(el):
            if not (key.startswith(_META_PREFIXES) or key == "description"):
                continue
            have = out.get(key)
            if have is None:
                out[key] = content
            elif isinstance(have, list):
                have.append(content)
            else:
                out[key] = [have, content]
    return out


def _json_ld_scripts(doc: HtmlElement) -> list[str]:
    raws: list[str] = []
    for el in doc.iter("script"):
        kind = (el.get("type") or "").split(";")[0].strip().lower()
        if kind == "application/ld+json":
            raws.append(el.text or "")
    return raws


def parse_json_ld(raw: str) -> dict[str, Any]:
    """One ``json_ld`` entry: the raw text, the strictly parsed value, and why parsing failed."""
    if not raw.strip():
        return {"raw": raw, "parsed": None, "error": "empty script"}
    try:
        parsed = json.loads(raw, parse_constant=reject_json_constant)
    except json.JSONDecodeError as exc:
        return {"raw": raw, "parsed": None, "error": f"invalid JSON: {exc}"}
    except (ValueError, RecursionError) as exc:
        return {"raw": raw, "parsed": None, "error": f"invalid JSON: {exc or type(exc).__name__}"}
    return {"raw": raw, "parsed": parsed, "error": None}


def page_metadata(doc: HtmlElement, url: str) -> dict[str, Any]:
    """Title, lang, canonical URL, meta tags and JSON-LD blocks of a parsed page."""
    return {
        "title": page_title(doc),
        "lang": page_lang(doc),
        "canonical_url": canonical_url(doc, url),
        "meta": collect_meta(doc),
        "json_ld": [parse_json_ld(raw) for raw in _json_ld_scripts(doc)],
    }


# --------------------------------------------------------------------------- JSON-LD post node


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    if isinstance(kind, str):
        return [kind.rsplit("/", 1)[-1]]
    if isinstance(kind, list):
        return [k.rsplit("/", 1)[-1] for k in kind if isinstance(k, str)]
    return []


def post_json_ld(doc: HtmlElement, json_ld: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The JSON-LD node that best describes a post (see module docstring), or ``None``."""
    entries = json_ld if json_ld is not None else [parse_json_ld(r) for r in _json_ld_scripts(doc)]
    nodes: list[dict[str, Any]] = []
    for entry in entries:
        value = entry["parsed"] if entry.get("error") is None else loads_lenient(entry.get("raw"))
        nodes.extend(iter_json_nodes(value))
    for wanted in _POST_TYPES:
        for node in nodes:
            if wanted in _types(node):
                return node
    return None


def _ld_str(value: Any) -> str | None:
    if isinstance(value, str):
        return unescape_entities(value)
    if isinstance(value, dict):
        return _ld_str(first(value.get("@value"), value.get("@id")))
    if isinstance(value, list):
        for item in value:
            found = _ld_str(item)
            if found:
                return found
    return None


def _ld_urls(value: Any, depth: int = 0) -> list[str]:
    if depth > 4 or value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [u for item in value for u in _ld_urls(item, depth + 1)]
    if isinstance(value, dict):
        return _ld_urls(first(value.get("contentUrl"), value.get("url"), value.get("@id")), depth + 1)
    return []


def _ld_author(node: dict[str, Any]) -> dict[str, Any]:
    author = first(node.get("author"), node.get("creator"))
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, str):
        return {"name": unescape_entities(author)}
    if isinstance(author, dict):
        return author
    return {}


def _looks_like_handle(value: str | None) -> bool:
    return bool(value) and value.startswith(("@", "u/", "/u/")) and " " not in value.strip()


def _is_url(value: str | None) -> bool:
    return bool(value) and value.strip().lower().startswith(("http://", "https://"))


# --------------------------------------------------------------------------- generic post


def _media(doc: HtmlElement, base: str, node: dict[str, Any] | None) -> list[str]:
    raw: list[str] = []
    for key in (
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "og:video",
        "og:video:url",
        "og:video:secure_url",
        "twitter:image",
        "twitter:image:src",
        "twitter:player:stream",
    ):
        raw.extend(meta_contents(doc, key))
    if node:
        for key in ("image", "thumbnailUrl", "contentUrl", "video", "associatedMedia"):
            raw.extend(_ld_urls(node.get(key)))
    out: list[str] = []
    for value in raw:
        url = absolute_url(base, value)
        if url and url not in out:
            out.append(url)
    return out


def _itemprop_date(doc: HtmlElement) -> str | None:
    for el in doc.xpath('//*[@itemprop="datePublished"]'):
        found = parse_datetime(first(el.get("content"), el.get("datetime"), el.text))
        if found:
            return found
    return None


_COUNT_ACTIONS = {"LikeAction": "likes", "ShareAction": "shares", "CommentAction": "comments", "WatchAction": "views"}


def ld_counts(node: dict[str, Any] | None) -> dict[str, str]:
    """Counts a JSON-LD node states (``interactionStatistic``, ``commentCount``) as digit strings."""
    out: dict[str, str] = {}
    if not isinstance(node, dict):
        return out
    stats = node.get("interactionStatistic")
    for stat in stats if isinstance(stats, list) else [stats]:
        if not isinstance(stat, dict):
            continue
        kind = stat.get("interactionType")
        if isinstance(kind, dict):
            kind = kind.get("@type")
        name = _COUNT_ACTIONS.get(kind.rsplit("/", 1)[-1]) if isinstance(kind, str) else None
        value = stat.get("userInteractionCount")
        if name and isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).isdigit():
            out.setdefault(name, str(value))
    comments = node.get("commentCount")
    if isinstance(comments, (int, str)) and not isinstance(comments, bool) and str(comments).isdigit():
        out.setdefault("comments", str(comments))
    return out


def _local_date(doc: HtmlElement, node: dict[str, Any] | None) -> str | None:
    values = [_ld_str(node.get(k)) for k in ("datePublished", "uploadDate", "dateCreated")] if node else []
    values.append(meta_content(doc, "article:published_time"))
    for el in doc.xpath('//*[@itemprop="datePublished"]'):
        values.append(first(el.get("content"), el.get("datetime"), el.text))
    for value in values:
        found = local_datetime(value)
        if found:
            return found
    return None


def generic_post(doc: HtmlElement, url: str, page: dict[str, Any] | None = None) -> dict[str, Any]:
    """Post fields read from meta tags and JSON-LD only (see module docstring)."""
    page = page if page is not None else page_metadata(doc, url)
    base = _base_url(doc, url)
    node = post_json_ld(doc, page.get("json_ld"))
    author = _ld_author(node) if node else {}
    article_author = meta_content(doc, "article:author")

    post = empty_post()
    post["author_name"] = norm_space(
        first(
            _ld_str(author.get("name")),
            meta_content(doc, "author"),
            None if _is_url(article_author) else article_author,
        )
    )
    handle = _ld_str(author.get("alternateName"))
    post["author_handle"] = handle.strip() if _looks_like_handle(handle) else None
    post["author_url"] = absolute_url(
        base, first(_ld_str(author.get("url")), article_author if _is_url(article_author) else None)
    )
    post["published"] = first(
        parse_datetime(_ld_str(node.get("datePublished"))) if node else None,
        parse_datetime(_ld_str(node.get("uploadDate"))) if node else None,
        parse_datetime(_ld_str(node.get("dateCreated"))) if node else None,
        parse_datetime(meta_content(doc, "article:published_time")),
        _itemprop_date(doc),
    )
    post["text"] = clean_text(
        first(
            _ld_str(node.get("articleBody")) if node else None,
            _ld_str(node.get("text")) if node else None,
            meta_content(doc, "og:description"),
            meta_content(doc, "twitter:description"),
            meta_content(doc, "description"),
            _ld_str(node.get("description")) if node else None,
        )
    )
    post["title"] = norm_space(
        first(
            meta_content(doc, "og:title"),
            meta_content(doc, "twitter:title"),
            _ld_str(node.get("headline")) if node else None,
            _ld_str(node.get("name")) if node else None,
            page.get("title"),
        )
    )
    if post["published"] is None:
        post["published_local"] = _local_date(doc, node)
    post["counts"] = ld_counts(node)
    post["media_urls"] = _media(doc, base, node)
    post["url"] = first(
        page.get("canonical_url"),
        absolute_url(base, meta_content(doc, "og:url")),
        absolute_url(base, _ld_str(node.get("url"))) if node else None,
        absolute_url(base, _ld_str(node.get("mainEntityOfPage"))) if node else None,
        absolute_url(None, url),
    )
    return post
