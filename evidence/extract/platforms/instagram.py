"""Instagram posts, reels, IGTV, stories and profiles: ``www.instagram.com/p/<code>/`` and friends.

Matching
    Host ``instagram.com`` (and subdomains).  Page markers (:func:`detect`): ``og:site_name``
    ``Instagram`` or ``al:android:package`` ``com.instagram.android``.

Which page
    From the page's own URLs (canonical first): ``/p/<code>/`` (also ``/<user>/p/<code>/``) is a
    ``post``; ``/reel/<code>/`` and ``/tv/<code>/`` a ``video``; ``/stories/<user>/<id>/`` a
    ``story``; ``/<user>/`` (or ``og:type`` ``profile`` without a post path) a ``profile``.

Sources, best first
    * ``window._sharedData`` (logged-out pages until ~2020): ``entry_data.PostPage[0].graphql.
      shortcode_media`` -- ``owner.username``/``full_name``, ``taken_at_timestamp`` (epoch
      seconds), the caption edge, ``display_url``/``video_url``, like and comment counts.
    * meta tags (every logged-out page since): ``og:title`` ``Name on Instagram: "caption"``,
      ``twitter:title`` ``Name (@handle) • Instagram ...``, ``og:description`` ``298K likes, 553
      comments - handle on May 29, 2021: "caption".`` -- that date is a *date only*, kept as
      ``published_local`` (``date-only``); a ``<title>`` ``... • Apr 19, 2021 at 6:18 AM`` is a
      local time without zone, kept as ``published_local`` ``2021-04-19T06:18`` (``no-time-zone``).
      A ``taken_at`` epoch, where present, is the instant.

Fields
    author_avatar: profile pictures (CDN path ``/t51.2885-19/``, ``owner.profile_pic_url``) --
    never in media_urls.  media_urls: the video (``og:video``) then the image/poster
    (``og:image``) or the graphql ``video_url``/``display_url``.  counts: likes and comments as
    the description states them (``"298K"``, ``"5,064"``).  id_time: the media id the shortcode (or
    the story id) encodes (``instagram-id``).  A story page without the story (only the profile's
    meta tags, which is what a logged-out visitor gets) is flagged ``login-wall``.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from ..dates import from_epoch_seconds, shown_date
from ..dom import clean_text, host_matches, meta_content, meta_contents, norm_space, unescape_entities
from ..idtime import instagram_id, instagram_shortcode_id
from ..page import page_title
from .common import assigned_json, dig, path_match, text_or_none, unique_urls

NAME = "instagram"
DOMAINS = ("instagram.com",)
BASE = "https://www.instagram.com"

_POST = re.compile(r"^/(?:(?P<user>[A-Za-z0-9_.]{1,30})/)?(?P<kind>p|reel|reels|tv)/(?P<code>[A-Za-z0-9_-]{5,40})")
_STORY = re.compile(r"^/stories/(?P<user>[A-Za-z0-9_.]{1,30})/(?P<id>\d{5,25})")
_PROFILE = re.compile(r"^/(?P<user>[A-Za-z0-9_.]{1,30})/?$")
_NAME_HANDLE = re.compile(r"^(?P<name>.*?)\s*\(@(?P<handle>[A-Za-z0-9_.]{1,30})\)")
_ON_INSTAGRAM = re.compile(r"^(?P<name>.+?) on Instagram(?:: [\"“](?P<text>.*)[\"”])?\s*$", re.S)
_STORY_TITLE = re.compile(r"story by (?P<name>.+?) on Instagram", re.S)
_DESCRIPTION = re.compile(
    r"^(?:(?P<likes>[\d.,]+[KMB]?) likes?, (?P<comments>[\d.,]+[KMB]?) comments? - )?@?(?P<handle>[A-Za-z0-9_.]{1,30})"
    r"(?: on (?P<date>[A-Z][a-z]+ \d{1,2}, \d{4}))?(?:: [\"“](?P<text>.*?)(?:[\"”]\.?)?)?\s*$",
    re.S | re.I,
)
_DESCRIPTION_OLD = re.compile(r"^(?P<likes>[\d.,]+[KMB]?) Likes?, (?P<comments>[\d.,]+[KMB]?) Comments? - ", re.I)
_TITLE_TIME = re.compile(r"• (?P<mon>[A-Z][a-z]{2,8}) (?P<day>\d{1,2}), (?P<year>\d{4}) at (?P<h>\d{1,2}):(?P<m>\d{2}) (?P<ap>AM|PM)")
_AVATAR = "/t51.2885-19/"
_NOT_PROFILES = frozenset({"explore", "accounts", "direct", "reels", "stories", "about", "legal", "developer"})


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "og:site_name") == "Instagram"
        or meta_content(doc, "al:android:package") == "com.instagram.android"
    )


def _which(doc: HtmlElement, url: str) -> dict[str, Any]:
    own, match = path_match(doc, url, _POST)
    if match:
        kind = "post" if match.group("kind") == "p" else "video"
        return {"url": own, "kind": kind, "code": match.group("code"), "user": match.group("user")}
    own, match = path_match(doc, url, _STORY)
    if match:
        return {"url": own, "kind": "story", "id": match.group("id"), "user": match.group("user")}
    own, match = path_match(doc, url, _PROFILE)
    if match and match.group("user").lower() in _NOT_PROFILES:
        return {"url": None, "kind": None}
    if match or meta_content(doc, "og:type") == "profile":
        return {"url": own, "kind": "profile", "user": match.group("user") if match else None}
    return {"url": None, "kind": None}


def _graphql_media(doc: HtmlElement) -> dict[str, Any]:
    shared = assigned_json(doc, "window._sharedData")
    media = dig(shared, "entry_data", "PostPage", 0, "graphql", "shortcode_media")
    return media if isinstance(media, dict) else {}


def _title_time(doc: HtmlElement) -> str | None:
    """``... • Apr 19, 2021 at 6:18 AM`` in ``<title>``: a local time without zone."""
    match = _TITLE_TIME.search(page_title(doc) or "")
    if not match:
        return None
    day = shown_date(f"{match.group('mon')} {match.group('day')}, {match.group('year')}")
    if day is None:
        return None
    hour = int(match.group("h")) % 12 + (12 if match.group("ap") == "PM" else 0)
    return f"{day}T{hour:02d}:{match.group('m')}"


def _from_meta(doc: HtmlElement) -> dict[str, Any]:
    out: dict[str, Any] = {}
    twitter = _NAME_HANDLE.match(meta_content(doc, "twitter:title", "og:title") or "")
    if twitter:
        out["name"], out["handle"] = twitter.group("name"), twitter.group("handle")
    og = _ON_INSTAGRAM.match(meta_content(doc, "og:title") or "")
    if og and not og.group("name").startswith("@"):
        out["name"] = og.group("name")
    if og and og.group("text"):
        out["text"] = og.group("text")
    story = _STORY_TITLE.search(meta_content(doc, "og:title") or "")
    if story:
        out["name"] = story.group("name")
    described = _DESCRIPTION.match(meta_content(doc, "og:description", "description") or "")
    if described and (described.group("likes") or described.group("date")):
        out.setdefault("handle", described.group("handle"))
        out["date"] = shown_date(described.group("date"))
        if described.group("text") and len(described.group("text")) > len(out.get("text") or ""):
            out["text"] = described.group("text")
        out["counts"] = {"likes": described.group("likes"), "comments": described.group("comments")}
    old = _DESCRIPTION_OLD.match(meta_content(doc, "og:description", "description") or "")
    if old and "counts" not in out:
        out["counts"] = {"likes": old.group("likes"), "comments": old.group("comments")}
    return out


def _graphql_fields(media: dict[str, Any]) -> dict[str, Any]:
    owner = media.get("owner") if isinstance(media.get("owner"), dict) else {}
    caption = dig(media, "edge_media_to_caption", "edges", 0, "node", "text")
    likes = dig(media, "edge_media_preview_like", "count")
    comments = dig(media, "edge_media_to_comment", "count")
    counts = {k: str(v) for k, v in (("likes", likes), ("comments", comments)) if isinstance(v, int)}
    raw = [media.get("video_url") if media.get("is_video") else None, media.get("display_url")]
    return {
        "name": text_or_none(owner.get("full_name")),
        "handle": text_or_none(owner.get("username")),
        "avatar": text_or_none(owner.get("profile_pic_url")),
        "published": from_epoch_seconds(media.get("taken_at_timestamp")),
        "text": caption if isinstance(caption, str) else None,
        "counts": counts,
        "media": unique_urls(BASE, raw),
        "id": text_or_none(media.get("id")),
    }


def _media(doc: HtmlElement) -> tuple[list[str], str | None]:
    raw = meta_contents(doc, "og:video:secure_url") + meta_contents(doc, "og:video")
    raw += meta_contents(doc, "og:image") + meta_contents(doc, "twitter:image")
    urls = unique_urls(BASE, raw)
    avatar = next((u for u in urls if _AVATAR in u), None)
    media = [u for u in urls if _AVATAR not in u]
    videos = [u for u in media if ".mp4" in u.split("?")[0]]
    images = [u for u in media if u not in videos]
    return videos[:1] + images[:1], avatar


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    which = _which(doc, url)
    meta = _from_meta(doc)
    graph = _graphql_fields(_graphql_media(doc)) if which["kind"] in ("post", "video") else {}
    media, avatar = _media(doc)
    kind = which["kind"]
    handle = graph.get("handle") or meta.get("handle") or which.get("user")
    is_post = kind in ("post", "video")
    code_id = instagram_shortcode_id(which.get("code")) if which.get("code") else None
    post_id = which.get("code") or which.get("id")
    local = None
    if is_post and not graph.get("published"):
        local = _title_time(doc) or meta.get("date")
    out: dict[str, Any] = {
        "author_name": norm_space(graph.get("name") or meta.get("name")) or "",
        "author_handle": f"@{handle}" if handle else None,
        "author_url": f"{BASE}/{handle}/" if handle else None,
        "published": graph.get("published") or "",
        "published_local": local or "",
        "text": (clean_text(unescape_entities(graph.get("text") or meta.get("text"))) or "") if is_post else "",
        "media_urls": (graph.get("media") or media) if is_post else [],
        "author_avatar": graph.get("avatar") or avatar,
        "post_id": post_id,
        "page_kind": kind,
        "counts": (graph.get("counts") or meta.get("counts")) if is_post else {},
        "id_time": instagram_id(code_id or which.get("id")) if post_id else None,
        "url": which.get("url"),
        "flags": [],
    }
    if kind == "story" and not out["text"] and not media:
        out["flags"].append("login-wall")
    return out
