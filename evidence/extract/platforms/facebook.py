"""Facebook posts, group posts, photos, videos and Pages (``www.`` and ``m.facebook.com``).

Matching
    Hosts ``facebook.com``, ``fb.com``, ``fb.watch`` (and subdomains).  Page markers
    (:func:`detect`): ``og:site_name`` ``Facebook``, ``al:android:package`` ``com.facebook.katana``,
    ``twitter:site`` ``@facebookapp``, or scripts and styles from Facebook's static CDN
    (``static.xx.fbcdn.net``) -- m.facebook.com photo pages carry no meta tags at all.

Which page
    The post id comes from the page's URLs: ``story_fbid=<id>``, ``/posts/<id>``, ``/permalink/<id>``,
    ``/videos/<id>``, ``/photos/.../<id>``, ``fbid=<id>``.  ``/groups/<g>/permalink/<id>`` is a
    ``group-post``; a one-segment path (``/visitaustria/``) without a post id is a Page's timeline
    (``profile``, flagged ``not-a-post``); anything else with an id is a ``post``.

Sources, best first
    * the story element: the element whose ``data-ft`` JSON names the post as
      ``top_level_post_id`` (m.facebook.com).  Its header link (``h3 strong a``) is the author and
      the author's URL; the block marked ``"tn":"*s"`` is the text; its ``data-ft``
      ``page_insights.*.post_context.publish_time`` (epoch seconds) the time; photo links
      (``/photos/``) and video ``data-store`` ``src`` its media.
    * the photo viewer (content sent inside HTML comments in ``<code>`` of ``hidden_elem``, which a
      browser renders later): ``a.actor-link`` the author, ``abbr[data-sigil=timestamp]``
      ``data-store`` ``time`` (epoch seconds) the time, ``photo-stage`` ``imgsrc`` the photo.
    * JSON-LD ``SocialMediaPosting`` (``dateCreated`` with offset, ``articleBody``, counts) and
      ``VideoObject`` (``contentUrl``, ``thumbnailUrl``).
    The displayed time (``"Jun 3 at 6:00 AM"``: often no year, in the viewer's zone) is kept as
    ``published_text`` beside the instant.

Fields
    author_handle: the first path segment of the author's URL (``Nintendo``, ``omarflorez``), or
    ``profile.php?id=<n>``'s number.  Profile pictures (``alt`` "..., profile picture") are never
    media; a Page's ``og:image`` is its ``author_avatar``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from ..dates import from_epoch_seconds, parse_datetime
from ..dom import class_xpath, clean_text, host_matches, iter_json_nodes, meta_content, node_text, norm_space
from ..page import parse_json_ld
from .common import dig, path_match, unique_urls

NAME = "facebook"
DOMAINS = ("facebook.com", "fb.com", "fb.watch")
BASE = "https://www.facebook.com"

_POST = re.compile(
    r"^/(?:story\.php\?(?:.*&)?story_fbid=(?P<story>\d+)|(?:groups/(?P<group>[^/]+)/permalink/(?P<gid>\d+))"
    r"|[^/?]+/(?:posts|videos|permalink)/(?:[^/?]+/)*?(?P<post>\d{6,})|[^/?]+/photos/(?:[^/?]+/)*?(?P<photo>\d{6,})"
    r"|photo\.php\?(?:.*&)?fbid=(?P<fbid>\d+)|watch/?\?(?:.*&)?v=(?P<watch>\d+))"
)
_PAGE = re.compile(r"^/(?P<name>[A-Za-z0-9.\-]{2,80})/?$")
_NOT_PAGES = frozenset({"login", "login.php", "checkpoint", "home.php", "watch", "groups", "events", "marketplace",
                        "gaming", "pages", "help", "policies", "privacy", "settings", "recover"})


def matches(url: str) -> bool:
    return host_matches(url, DOMAINS)


def detect(doc: HtmlElement) -> bool:
    return (
        meta_content(doc, "og:site_name") == "Facebook"
        or meta_content(doc, "al:android:package") == "com.facebook.katana"
        or meta_content(doc, "twitter:site") == "@facebookapp"
        or bool(doc.xpath('//link[contains(@href, "//static.xx.fbcdn.net/")] | //script[contains(@src, "//static.xx.fbcdn.net/")]'))
    )


def _hidden_fragments(doc: HtmlElement) -> list[HtmlElement]:
    """Markup Facebook ships inside comments (``<code><!-- ... --></code>``), parsed."""
    out: list[HtmlElement] = []
    for code in doc.xpath(f"//*[{class_xpath('hidden_elem')}]/code"):
        for comment in code:
            if isinstance(comment, lxml.html.HtmlComment) and comment.text and "<" in comment.text:
                try:
                    out.append(lxml.html.fragment_fromstring(comment.text, create_parent="div"))
                except (lxml.etree.LxmlError, ValueError):
                    continue
    return out


def _data_ft(el: HtmlElement) -> dict[str, Any]:
    try:
        value = json.loads(el.get("data-ft") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _story(doc: HtmlElement, post_id: str | None) -> tuple[HtmlElement | None, dict[str, Any]]:
    stories = [(el, _data_ft(el)) for el in doc.xpath('//*[contains(@data-ft, "top_level_post_id")]')]
    for el, ft in stories:
        if post_id and str(ft.get("top_level_post_id")) == post_id:
            return el, ft
    return stories[0] if stories else (None, {})


def _publish_time(ft: dict[str, Any]) -> str | None:
    insights = ft.get("page_insights")
    for entry in insights.values() if isinstance(insights, dict) else []:
        found = from_epoch_seconds(dig(entry, "post_context", "publish_time"))
        if found:
            return found
    return None


def _handle(href: str | None) -> str | None:
    if not href:
        return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.path.rstrip("/") == "/profile.php":
        return (parse_qs(parts.query).get("id") or [None])[0]
    segments = [s for s in parts.path.split("/") if s]
    return segments[0] if segments and segments[0] not in ("groups", "pages", "people") else None


def _author_link(root: HtmlElement) -> HtmlElement | None:
    links = root.xpath(".//header//h3//strong//a[@href] | .//a[@href][" + class_xpath("actor-link") + "]")
    return links[0] if links else None


def _ld_nodes(doc: HtmlElement) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for script in doc.xpath('//script[@type="application/ld+json"]'):
        nodes.extend(iter_json_nodes(parse_json_ld(script.text or "")["parsed"]))
    return nodes


def _story_fields(story: HtmlElement, ft: dict[str, Any]) -> dict[str, Any]:
    link = _author_link(story)
    texts = story.xpath('.//*[contains(@data-ft, \'"tn":"*s"\')]')
    photos = story.xpath('.//a[contains(@href, "/photos/")]//img/@src')
    videos = []
    for store in story.xpath(".//*[contains(@data-store, '\"src\"')]/@data-store"):
        try:
            videos.append(json.loads(store).get("src"))
        except (ValueError, AttributeError):
            continue
    shown = story.xpath(".//header//abbr")
    return {
        "name": norm_space(node_text(link)) if link is not None else None,
        "href": link.get("href") if link is not None else None,
        "published": _publish_time(ft),
        "shown": norm_space(node_text(shown[0])) if shown else None,
        "text": clean_text(node_text(texts[0])) if texts else None,
        "media": videos + photos,
    }


def _viewer_fields(fragments: list[HtmlElement]) -> dict[str, Any]:
    out: dict[str, Any] = {"media": []}
    for frag in fragments:
        link = _author_link(frag)
        if link is not None and "name" not in out:
            out["name"], out["href"] = norm_space(node_text(link)), link.get("href")
            msg = link.xpath(f"ancestor::*[{class_xpath('msg')}][1]/div")
            out["text"] = clean_text(node_text(msg[0])) if msg else None
        for stamp in frag.xpath('.//abbr[@data-sigil="timestamp"]'):
            try:
                out.setdefault("published", from_epoch_seconds(json.loads(stamp.get("data-store") or "{}").get("time")))
            except (ValueError, AttributeError):
                pass
            out.setdefault("shown", norm_space(node_text(stamp)))
    return out


def _photo_stage(roots: list[HtmlElement]) -> list[str]:
    """The photo viewer's image (``imgsrc`` in the stage's ``data-store``, its slashes escaped twice
    when the markup came inside a comment)."""
    urls = []
    for root in roots:
        for store in root.xpath('.//*[contains(@data-sigil, "photo-stage")]//*[@data-store]/@data-store'):
            try:
                src = json.loads(store).get("imgsrc")
            except (ValueError, AttributeError):
                continue
            if isinstance(src, str):
                urls.append(src.replace("\\/", "/"))
    return urls


def extract(doc: HtmlElement, url: str) -> dict[str, Any]:
    own_url, match = path_match(doc, url, _POST)
    if match is None:
        page_url, page = path_match(doc, url, _PAGE)
        if page is None or page.group("name").lower() in _NOT_PAGES:
            return {}
        return {"author_name": norm_space(meta_content(doc, "og:title")), "author_handle": page.group("name"),
                "author_url": f"{BASE}/{page.group('name')}/", "author_avatar": meta_content(doc, "og:image"),
                "page_kind": "profile", "published": "", "text": "", "media_urls": [], "url": page_url}
    post_id = next(g for g in (match.group(k) for k in ("story", "gid", "post", "photo", "fbid", "watch")) if g)
    story, ft = _story(doc, post_id)
    fragments = _hidden_fragments(doc) if story is None else []
    found = _story_fields(story, ft) if story is not None else _viewer_fields(fragments)
    nodes = _ld_nodes(doc)
    ld_time = next((parse_datetime(n.get("dateCreated")) for n in nodes if parse_datetime(n.get("dateCreated"))), None)
    videos = [n for n in nodes if n.get("@type") == "VideoObject"]
    media = found.get("media") or []
    if not media:
        media = _photo_stage([doc, *fragments])
    for video in videos:
        media = [video.get("contentUrl"), *media, video.get("thumbnailUrl")]
    published = ld_time or found.get("published")
    handle = _handle(found.get("href"))
    return {
        "author_name": found.get("name"),
        "author_handle": handle,
        "author_url": f"{BASE}/{handle}" if handle else None,
        "published": published,
        "published_text": found.get("shown"),
        "text": found.get("text"),
        "media_urls": unique_urls(BASE, media),
        "post_id": post_id,
        "page_kind": "group-post" if match.group("gid") else "post",
        "url": own_url,
    }
