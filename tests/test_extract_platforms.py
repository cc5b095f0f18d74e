"""Post fields of real Instagram, YouTube, X/Twitter, LinkedIn, Facebook, Mastodon, Medium, Substack and
Vimeo pages (tests/data/fixtures/platform-pages), scored against the values INDEX.md says each page shows.

EXPECTED is typed in from INDEX.md (one entry per row; the comment names the INDEX column or note). It is
the ground truth, not a record of this extractor's output.  "-" in INDEX.md is ``None`` here and means
the field must be absent.  Scoring rules (``score_page``):

* author name: exact.  handle: exact after dropping a leading "@" on both sides.
* published: ``("instant", s)`` -- ``published`` is that instant; ``("date", d)`` -- ``published`` is
  absent and ``published_local`` starts with the date (a time without zone may follow it, never a
  midnight in UTC); ``("shown", s)`` -- ``published_text`` is the displayed time; ``None`` -- nothing.
* text / title: INDEX gives the first ~80 characters: the field starts with them (whitespace runs
  compared as one space, a trailing "…" dropped).  For videos INDEX's text is the title.
* media: the number of ``media_urls``; ``avatar`` where INDEX counts a profile picture or logo as the
  page's only image (it must be ``author_avatar``, and not in ``media_urls``).
* page kind, flags and the quoted post where INDEX's notes say what the page is.

``python bench/extract_accuracy.py`` prints the same per-platform table.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from evidence.extract import extract_page
from evidence.extract.idtime import instagram_shortcode_id, x_snowflake

PAGES = Path(__file__).parent / "data" / "fixtures" / "platform-pages"
SOCIAL = Path(__file__).parent / "data" / "fixtures" / "social-pages"
LOOPBACK = "http://127.0.0.1:8000"

# file -> INDEX.md row: url (original URL), then the values the page shows
EXPECTED: dict[str, dict[str, Any]] = {
    "instagram/ms-post-with-photo.html": dict(
        url="https://www.instagram.com/p/CPeC-Eenc8l/", platform="instagram", post_id="CPeC-Eenc8l",
        author_name="Willyrex", handle="willyrex", published=("date", "2021-05-29"),
        text="Una de mis nuevas sudaderas top!! Per ardua ad astra 🚀🚀🚀", media=1,
        flags=["js-shell", "date-only"]),  # note: logged-out JS shell; date only "on May 29, 2021"
    "instagram/ms-post-with-multi-photo.html": dict(
        url="https://www.instagram.com/p/COn3M4TnRi1/", platform="instagram", post_id="COn3M4TnRi1",
        author_name="Willyrex", handle="willyrex", published=("date", "2021-05-08"),
        text="¿Listos? Nuevo #SORTEO en mi perfil 📱 Una vez más os traigo lo nuevo de OPPO, os presento…",
        media=1),
    "instagram/ms-post-with-video.html": dict(
        url="https://www.instagram.com/p/CPQjO5RIIO9/", platform="instagram", post_id="CPQjO5RIIO9",
        author_name="Jaime Lorente", handle="jaimelorentelo", published=("date", "2021-05-24"),
        text="Llega el final....🔥🔥🔥🔥 Volumen 1 -3 de Septiembre Volumen 2 -3 de Diciembre @netflixes…",
        media=2),  # 1 video (og:video mp4) + 1 poster image
    "instagram/ms-post-with-clip.html": dict(
        url="https://www.instagram.com/p/CN2VQ1yI_MA/", platform="instagram", post_id="CN2VQ1yI_MA",
        author_name="Jaime Lorente", handle="jaimelorentelo",
        published=("date", "2021-04-19"),  # description date only; <title> "6:18 AM" without zone
        text=None,  # "the page has no caption"
        media=1, page_kind="video"),  # reel; 1 poster image, no video URL in the page
    "instagram/ms-post-with-igtv.html": dict(
        url="https://www.instagram.com/p/CIoLRFIIL50/", platform="instagram", post_id="CIoLRFIIL50",
        author_name="Jaime Lorente", handle="jaimelorentelo", published=("date", "2020-12-10"),
        text="@primevideoes #romanceelcid", media=2, page_kind="video"),  # IGTV; video + poster
    "instagram/ms-profile.html": dict(
        url="https://www.instagram.com/pluto__travel/", platform="instagram", post_id=None,
        author_name="Pluto", handle="pluto__travel", published=None, text=None, media=0, avatar=True,
        page_kind="profile", flags=["not-a-post"]),  # "profile page, not a post"; 1 image (avatar)
    "instagram/ms-story.html": dict(
        url="https://www.instagram.com/stories/jaimelorentelo/2591639087680304855/", platform="instagram",
        post_id="2591639087680304855", author_name="Jaime Lorente", handle="jaimelorentelo", published=None,
        text=None, media=0, avatar=True, page_kind="story",
        flags=["login-wall"]),  # "story behind a login wall", 1 image (avatar)
    "instagram/xray-p-BsdjKytBZyx.html": dict(
        url="https://www.instagram.com/p/BsdjKytBZyx/", platform="instagram", post_id="BsdjKytBZyx",
        author_name=None,  # "full_name is empty"
        handle="pk_spam", published=("instant", "2019-01-10T17:02:52Z"),  # taken_at_timestamp 1547139772
        text="This photo has alt text", media=1),
    "youtube/ms-youtube-video.html": dict(
        url="https://www.youtube.com/watch?v=hwMkbaS_M_c", platform="youtube", post_id="hwMkbaS_M_c",
        author_name="ONE Media", handle="@OneMedia.", published=("instant", "2017-04-14T09:02:38-07:00"),
        title="Star Wars 8 THE LAST JEDI Official TRAILER (2017) Daisy Ridley, Disney Movie HD", media=2),
    "youtube/ms-youtube-video-old.html": dict(
        url="https://www.youtube.com/watch?v=GDRd-BFTYIg", platform="youtube", post_id="GDRd-BFTYIg",
        author_name="Andrewjrt", handle="@Andrewjrt", published=("instant", "2017-07-07T09:05:11-07:00"),
        title="Overwatch - Huge Massive Fist Punch Man", media=2),
    "youtube/ms-youtube-channel.html": dict(
        url="https://www.youtube.com/channel/UCzcRQ3vRNr6fJ1A9rqFn7QA", platform="youtube", post_id=None,
        author_name="ONE Media", handle="@OneMedia.", published=None, text=None, media=0, avatar=True,
        page_kind="channel", flags=["not-a-post"]),  # "channel page, not a post"
    "youtube/postlight-srtMWzyqdp8.html": dict(
        url="https://www.youtube.com/watch?v=srtMWzyqdp8", platform="youtube", post_id="srtMWzyqdp8",
        author_name="Confreaks", handle="user/Confreaks", published=("date", "2016-09-27"),
        title="ElixirConf 2016 - Keynote by José Valim", text="Keynote by José Valim", media=2),
    "twitter/ms-x-tweet-1222907250383245320.html": dict(
        url="https://twitter.com/realDonaldTrump/status/1222907250383245320", platform="x",
        post_id="1222907250383245320", author_name="Donald J. Trump", handle="realDonaldTrump",
        published=None,  # "no date in the page"
        text="“Schiff blasted for not focusing on California homeless.” @foxandfriends His District is in…",
        media=0, flags=["js-shell"]),  # "X shell with meta tags only"; og:image is the profile picture
    "twitter/ms-x-tweet-934482867480121345.html": dict(
        url="https://twitter.com/k4rliky/status/934482867480121345", platform="x", post_id="934482867480121345",
        author_name="I don’t know, but I’ll find out. - Marty Sklar", handle="k4rliky",
        published=("instant", "2017-11-25T18:04:12.000Z"),
        text="Lo mejor de @codemotion_es #codemotionMadrid es estar con la gente que quieres 😍@ladyCircus",
        media=1),
    "twitter/postlight-745276948213968896.html": dict(
        url="https://twitter.com/KingBeyonceStan/status/745276948213968896", platform="x",
        post_id="745276948213968896", author_name="Lina Morgana", handle="KingBeyonceStan",
        published=("instant", "2016-06-21T15:27:25Z"),  # data-time="1466522845"
        text="Now before you write me off as bias I'm going to start out with one of my all time favorites…",
        media=0),
    "twitter/onebox-363116819147538433.html": dict(
        url="https://twitter.com/vyki_e/status/363116819147538433", platform="x", post_id="363116819147538433",
        author_name="Vyki Englert", handle="vyki_e", published=("instant", "2013-08-02T01:59:30Z"),
        text="I'm a sucker for pledges. @Peers Pledge #sharingeconomy http://t.co/T4Sc47KAzh", media=0),
    "twitter/onebox-quoted-1128068672289890305.html": dict(
        url="https://twitter.com/Metallica/status/1128068672289890305", platform="x",
        post_id="1128068672289890305", author_name="Metallica", handle="Metallica",
        published=("instant", "2019-05-13T22:45:04Z"),
        text="Thank you to everyone who came out for #MetInParis last night for helping us support @EMMA…",
        media=0, quoted=("1127646016931487744", 2)),  # quoted AWMHFoundation/status/1127646016931487744, 2 images
    "linkedin/ms-linkedin-company-audiense.html": dict(
        url="https://www.linkedin.com/company/10529043/", platform="linkedin", post_id=None,
        author_name="Audiense", handle="company/audiense", published=None, text=None, media=0, avatar=True,
        page_kind="company-page", flags=["not-a-post"]),  # "company page, not a post"; 1 image (logo)
    "linkedin/postlight-pulse-ellyn-shook.html": dict(
        url="https://www.linkedin.com/pulse/what-set-your-soul-fire-2017-ellyn-shook", platform="linkedin",
        post_id="what-set-your-soul-fire-2017-ellyn-shook", author_name="Ellyn Shook", handle="ellyn-shook-1b51127",
        published=("date", "2016-12-19"),  # "Published Dec 19, 2016" (visible, date only)
        text="This article was originally published on The Huffington Post and can be read here. I…",
        media=1, page_kind="article"),  # "Pulse article"
    "facebook/fbscraper-nintendo-3065154550235644.html": dict(
        url="https://m.facebook.com/story.php?story_fbid=3065154550235644&id=119240841493711",
        platform="facebook", post_id="3065154550235644", author_name="Nintendo", handle="Nintendo",
        published=("instant", "2020-05-12T18:01:18-07:00"),  # JSON-LD dateCreated; data-ft 1589331678
        text="Check out these themed wallpapers and many more at the link below for your personal use!…",
        media=4),
    "facebook/fbscraper-group-1629606003787605.html": dict(
        url="https://m.facebook.com/groups/southamericansincomputing/permalink/1629606003787605/",
        platform="facebook", post_id="1629606003787605", author_name="Omar U. Florez", handle="omarflorez",
        published=("instant", "2018-04-03T20:02:42Z"),  # data-ft publish_time 1522785762
        text="Hola!, This group is aimed to create opportunities for South American students in Com…",
        media=0, page_kind="group-post"),
    "facebook/fbscraper-nintendo-video-4193752747375813.html": dict(
        url="https://m.facebook.com/story.php?story_fbid=4193752747375813&id=119240841493711",
        platform="facebook", post_id="4193752747375813", author_name="Nintendo", handle="Nintendo",
        published=("instant", "2021-06-04T08:11:22-07:00"),  # JSON-LD dateCreated
        text="May 2021 is in the books! Take a look back at just a few of the past month's announcem…",
        media=2),  # 1 video (mp4 contentUrl) + 1 thumbnail
    "facebook/fbscraper-nintendo-photo-4188053201279101.html": dict(
        url="https://m.facebook.com/Nintendo/posts/4188053201279101", platform="facebook",
        post_id="4188053201279101", author_name="Nintendo", handle="Nintendo",
        published=("shown", "Jun 3 at 6:00 AM"),  # visible only (no year, no zone)
        text="Tune into the Nintendo Power Podcast’s Summer Games Preview for discussion on the epic…",
        media=1),
    "facebook/htmldate-visitaustria-page.html": dict(
        url="https://www.facebook.com/visitaustria/", platform="facebook", post_id=None,
        author_name="Visit Austria", handle="visitaustria", published=None, text=None, media=0,
        page_kind="profile", flags=["not-a-post"]),  # "Facebook Page timeline, not a single post"
    "mastodon/sherlock-benpate-109596019301374311.html": dict(
        url="https://mastodon.social/@benpate/109596019301374311", platform="mastodon",
        post_id="109596019301374311", author_name="Ben Pate 🤘", handle="benpate@mastodon.social",
        published=("instant", "2022-12-29T08:29:00Z"),
        text="Hey #IndieWeb -- I'm so close to getting #WebSub working in Emissary. I started on it…",
        media=0, flags=["js-shell"]),  # "Mastodon 4.2.0 JS shell"
    "medium/ms-medium-webpack3.html": dict(
        url="https://medium.com/webpack/webpack-3-official-release-15fd2dd8f07b", platform="medium",
        post_id="15fd2dd8f07b", author_name="Sean T. Larkin", handle="@TheLarkInn",
        published=("instant", "2017-06-19T17:23:28.613Z"),  # JSON-LD datePublished
        title="🍾🚀 webpack 3: Official Release!! 🚀🍾",
        text="After we released webpack v2, we made some promises to the community…", media=1,
        page_kind="article"),  # "blog post"
    "substack/ms-substack-agency.html": dict(
        url="https://simonsarris.substack.com/p/the-most-precious-resource-is-agency", platform="substack",
        post_id="the-most-precious-resource-is-agency", author_name="Simon Sarris", handle="simonsarris",
        published=("instant", "2021-07-01T02:26:54+02:00"),
        text="The world is a very malleable place. When I read biographies, early lives leap out the…",
        media=1, page_kind="article"),  # "newsletter post"
    "vimeo/ms-vimeo-311983548.html": dict(
        url="https://vimeo.com/311983548", platform="vimeo", post_id="311983548", author_name="Vimeo Curation",
        handle="vimeocuration", published=("instant", "2019-01-17T21:34:21+00:00"),
        title="Vimeo Best of the Year 2018: Winners",
        text="The results are in! After much deliberation, our panel of judges…", media=2),
}

SCORED = ("platform", "post_id", "author_name", "handle", "published", "title", "text", "media", "page_kind",
          "flags", "quoted")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _starts(actual: str | None, expected: str) -> bool:
    want = _norm(expected).rstrip("…").rstrip()
    return actual is not None and _norm(actual).startswith(want)


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _published_ok(post: dict[str, Any], want: tuple[str, str] | None) -> bool:
    if want is None:
        return post["published"] is None and post["published_local"] is None
    kind, value = want
    if kind == "instant":
        return post["published"] is not None and _instant(post["published"]) == _instant(value)
    if kind == "date":
        local = post["published_local"] or ""
        return post["published"] is None and (local == value or local.startswith(value + "T"))
    return post["published_text"] == value  # "shown"


def _media_ok(post: dict[str, Any], want: dict[str, Any]) -> bool:
    if len(post["media_urls"]) != want["media"]:
        return False
    if want.get("avatar"):
        return post["author_avatar"] is not None and post["author_avatar"] not in post["media_urls"]
    return True


def _check(post: dict[str, Any], key: str, want: dict[str, Any]) -> bool:
    if key == "handle":
        handle = post["author_handle"]
        return (handle or "").lstrip("@") == (want["handle"] or "").lstrip("@") if want["handle"] else handle is None
    if key == "published":
        return _published_ok(post, want["published"])
    if key in ("text", "title"):
        return _starts(post[key], want[key]) if want[key] is not None else post[key] is None
    if key == "media":
        return _media_ok(post, want)
    if key == "flags":
        return set(want["flags"]) <= set(post["flags"])
    if key == "quoted":
        quoted = post["quoted"] or {}
        return (quoted.get("id"), len(quoted.get("media_urls") or [])) == want["quoted"]
    return post[key] == want[key]


def score_page(name: str, url: str | None = None) -> dict[str, bool]:
    """{field: right?} for every value INDEX.md gives for the page."""
    want = EXPECTED[name]
    post = extract_page((PAGES / name).read_bytes(), url or want["url"])["post"]
    return {key: _check(post, key, want) for key in SCORED if key in want}


def accuracy_table(url_of=lambda name, url: url) -> tuple[dict[str, list[int]], list[str]]:
    """Per platform [right, total], and the "file: field" of every miss."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for name, want in EXPECTED.items():
        for key, ok in score_page(name, url_of(name, want["url"])).items():
            table[want["platform"]][0] += ok
            table[want["platform"]][1] += 1
            if not ok:
                misses.append(f"{name}: {key}")
    return dict(table), misses


def format_table(table: dict[str, list[int]]) -> str:
    lines = ["| platform | values right | of | accuracy |", "|---|---:|---:|---:|"]
    for platform, (right, total) in sorted(table.items()):
        lines.append(f"| {platform} | {right} | {total} | {100 * right / total:.1f}% |")
    right, total = (sum(v[i] for v in table.values()) for i in (0, 1))
    lines.append(f"| **all** | {right} | {total} | {100 * right / total:.1f}% |")
    return "\n".join(lines)


def loopback(name: str, url: str) -> str:
    parts = urlsplit(url)
    return LOOPBACK + parts.path + (f"?{parts.query}" if parts.query else "")


# --------------------------------------------------------------------------- accuracy


@pytest.mark.parametrize("served", ["original", "loopback"])
def test_accuracy_at_least_95_percent(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    table, misses = accuracy_table(loopback if served == "loopback" else (lambda name, url: url))
    with capsys.disabled():
        print(f"\nfields right on tests/data/fixtures/platform-pages ({served} URLs)\n{format_table(table)}")
        print("misses:", misses or "none")
    right, total = (sum(v[i] for v in table.values()) for i in (0, 1))
    assert total >= 200  # every page of INDEX.md is scored (28 pages, 5 to 10 values each)
    assert right / total >= 0.95, misses


def test_every_index_row_is_scored() -> None:
    rows = re.findall(r"^\| (\S+\.html) \(", (PAGES / "INDEX.md").read_text(encoding="utf-8"), re.M)
    assert sorted(rows) == sorted(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_absent_values_are_absent(name: str) -> None:
    """Right or absent, never invented: what INDEX.md says the page lacks is None/empty."""
    want = EXPECTED[name]
    post = extract_page((PAGES / name).read_bytes(), want["url"])["post"]
    if want["published"] is None:
        assert post["published"] is None and post["published_local"] is None
    if want["published"] and want["published"][0] == "date":
        assert post["published"] is None  # no midnight (or any time) invented for a date
        assert "date-only" in post["flags"] or "no-time-zone" in post["flags"]
    if want.get("text", "") is None:
        assert post["text"] is None
    if want.get("author_name", "") is None:
        assert post["author_name"] is None
    if want.get("avatar"):
        assert post["author_avatar"] not in post["media_urls"]


# --------------------------------------------------------------------------- flags


def test_non_posts_and_walls_are_named() -> None:
    kinds = {}
    for name, want in EXPECTED.items():
        post = extract_page((PAGES / name).read_bytes(), want["url"])["post"]
        kinds[name] = (post["page_kind"], post["flags"])
    assert kinds["youtube/ms-youtube-channel.html"] == ("channel", ["not-a-post"])
    assert kinds["instagram/ms-story.html"][0] == "story" and "login-wall" in kinds["instagram/ms-story.html"][1]
    for name in ("youtube/ms-youtube-video.html", "twitter/onebox-quoted-1128068672289890305.html",
                 "facebook/fbscraper-nintendo-3065154550235644.html", "vimeo/ms-vimeo-311983548.html"):
        assert not {"login-wall", "consent-wall", "not-a-post", "js-shell"} & set(kinds[name][1]), name


@pytest.mark.parametrize(
    ("url", "html", "flag"),
    [
        ("https://www.instagram.com/accounts/login/?next=/p/CPeC-Eenc8l/",
         "<html><body><form><input name=username><input type=password name=password></form></body></html>",
         "login-wall"),
        ("https://www.linkedin.com/authwall?trk=gf&sessionRedirect=x", "<html><body><h1>Join LinkedIn</h1></body></html>",
         "login-wall"),
        ("http://127.0.0.1:8000/signin", "<html><body><p>Sign in to continue</p></body></html>", "login-wall"),
        ("https://consent.youtube.com/m?continue=https://www.youtube.com/watch?v=hwMkbaS_M_c",
         "<html><body><h1>Before you continue to YouTube</h1></body></html>", "consent-wall"),
        ("http://127.0.0.1:8000/p/1",
         '<html><body><form action="https://consent.example.org/save"><button>Accept all</button></form></body></html>',
         "consent-wall"),
        ("http://127.0.0.1:8000/p/1", '<html><head><script src="/app.js"></script></head><body><div id=root></div>'
         "<noscript>You need to enable JavaScript to run this app.</noscript></body></html>", "js-shell"),
    ],
)
def test_walls_and_shells(url: str, html: str, flag: str) -> None:
    assert flag in extract_page(html, url)["post"]["flags"]


def test_a_page_with_a_sign_in_box_is_not_a_wall() -> None:
    body = "<p>" + "A public post that anyone can read. " * 60 + "</p>"
    html = f"<html><body><form><input type=password></form>{body}</body></html>"
    assert extract_page(html, "http://127.0.0.1:8000/post/1")["post"]["flags"] == []


def test_local_times_are_not_made_instants() -> None:
    html = '<html><head><meta property="article:published_time" content="2024-03-01T10:00:00"></head><body></body></html>'
    post = extract_page(html, "http://127.0.0.1:8000/a")["post"]
    assert post["published"] is None
    assert post["published_local"] == "2024-03-01T10:00:00" and "no-time-zone" in post["flags"]


# --------------------------------------------------------------------------- times from ids

# (page, served URL) of every real page that shows both a post id and the post's own time
_BOTH = [
    (PAGES / "instagram/xray-p-BsdjKytBZyx.html", "https://www.instagram.com/p/BsdjKytBZyx/"),
    (PAGES / "mastodon/sherlock-benpate-109596019301374311.html", "https://mastodon.social/@benpate/109596019301374311"),
    (PAGES / "twitter/ms-x-tweet-934482867480121345.html", "https://twitter.com/k4rliky/status/934482867480121345"),
    (PAGES / "twitter/postlight-745276948213968896.html", "https://twitter.com/KingBeyonceStan/status/745276948213968896"),
    (PAGES / "twitter/onebox-363116819147538433.html", "https://twitter.com/vyki_e/status/363116819147538433"),
    (PAGES / "twitter/onebox-quoted-1128068672289890305.html", "https://twitter.com/Metallica/status/1128068672289890305"),
    (SOCIAL / "x/post.html", "https://x.com/realDonaldTrump/status/1222907250383245320"),
    (SOCIAL / "bluesky/post.html", "https://bsky.app/profile/stephenking.bsky.social/post/3mddvy5bv6k27"),
    (SOCIAL / "bluesky/post-link.html", "https://bsky.app/profile/forbes.com/post/3mdd7aj7pgs2x"),
    (SOCIAL / "bluesky/post-image.html", "https://bsky.app/profile/glendunlap.bsky.social/post/3mdegyw3ves2t"),
    (SOCIAL / "tiktok/video.html", "https://www.tiktok.com/@illojuan/video/7571863205253778710"),
]
# How far the page's time may be after the id's (seconds): ids whose time is the server's creation time
# agree to the second (the page shows it floored, the id has milliseconds); a Bluesky TID is the client's createdAt and the page shows when the
# server indexed it (the fixtures: 0.6 s to 17 s later); a TikTok id is allocated before createTime
# (the fixture: 5 s).
_TOLERANCE = {"x-snowflake": (-1, 0), "instagram-id": (-1, 0), "mastodon-id": (-1, 0),
              "bluesky-tid": (0, 60), "tiktok-id": (0, 60)}


@pytest.mark.parametrize(("path", "url"), _BOTH, ids=[f"{p.parent.name}/{p.name}" for p, _ in _BOTH])
def test_id_time_agrees_with_the_page_and_is_kept_apart(path: Path, url: str) -> None:
    post = extract_page(path.read_bytes(), url)["post"]
    assert post["published"] is not None and post["id_time"] is not None
    lo, hi = _TOLERANCE[post["id_time"]["method"]]
    gap = _instant(post["published"]) - _instant(post["id_time"]["utc"])
    assert timedelta(seconds=lo) <= gap <= timedelta(seconds=hi), (post["published"], post["id_time"])


def test_id_time_is_never_the_published_time() -> None:
    """A page that shows no time keeps published None; the id's time is only id_time."""
    for path, url in [(SOCIAL / "x/post-og.html", "https://x.com/realDonaldTrump/status/1222907250383245320"),
                      (PAGES / "twitter/ms-x-tweet-1222907250383245320.html",
                       "https://twitter.com/realDonaldTrump/status/1222907250383245320")]:
        post = extract_page(path.read_bytes(), url)["post"]
        assert post["published"] is None
        assert post["id_time"] == {"utc": "2020-01-30T15:39:43.666Z", "method": "x-snowflake"}


def test_id_decoders() -> None:
    assert instagram_shortcode_id("BsdjKytBZyx") == 1953872486613753009  # xray page's graphql "id"
    assert x_snowflake("1234567890") is None  # a sequential pre-2010 id carries no time
    assert x_snowflake("not a number") is None
    page = extract_page((PAGES / "instagram/ms-post-with-clip.html").read_bytes(),
                        "https://www.instagram.com/p/CN2VQ1yI_MA/")["post"]
    # the page's <title> says "Apr 19, 2021 at 6:18 AM" without zone; the id's 13:18:23Z is 6:18 at UTC-7
    assert page["published_local"] == "2021-04-19T06:18" and page["id_time"]["utc"].startswith("2021-04-19T13:18")


# --------------------------------------------------------------------------- counts, replies, quotes

# values typed in from the pages themselves (INDEX.md does not list counts)
_COUNTS = [
    (SOCIAL / "x/post.html", "https://x.com/realDonaldTrump/status/1222907250383245320",
     {"comments": "18151", "shares": "15635", "likes": "76091"}),  # aria-label "18151 replies, 15635 reposts, ..."
    (PAGES / "twitter/onebox-quoted-1128068672289890305.html", "https://twitter.com/Metallica/status/1128068672289890305",
     {"comments": "23", "shares": "201", "likes": "1664"}),  # data-tweet-stat-count of the permalink tweet
    (PAGES / "instagram/ms-post-with-photo.html", "https://www.instagram.com/p/CPeC-Eenc8l/",
     {"likes": "298K", "comments": "553"}),  # og:description "298K likes, 553 comments - ..."
    (PAGES / "youtube/ms-youtube-video.html", "https://www.youtube.com/watch?v=hwMkbaS_M_c",
     {"views": "1077715"}),  # itemprop interactionCount
    (PAGES / "facebook/fbscraper-nintendo-3065154550235644.html",
     "https://m.facebook.com/story.php?story_fbid=3065154550235644&id=119240841493711",
     {"comments": "149", "likes": "2117", "shares": "281"}),  # JSON-LD interactionStatistic
]


@pytest.mark.parametrize(("path", "url", "counts"), _COUNTS, ids=[p.name for p, _, _ in _COUNTS])
def test_counts_as_stated(path: Path, url: str, counts: dict[str, str]) -> None:
    assert extract_page(path.read_bytes(), url)["post"]["counts"] == counts


def test_reply_and_quote_of_legacy_tweets() -> None:
    reply = extract_page((PAGES / "twitter/postlight-745276948213968896.html").read_bytes(),
                         "https://twitter.com/KingBeyonceStan/status/745276948213968896")["post"]
    assert reply["reply_to"] == {"id": "745085351287455744", "author_handle": "@KingBeyonceStan",
                                 "url": "https://twitter.com/KingBeyonceStan/status/745085351287455744"}
    quote = extract_page((PAGES / "twitter/onebox-quoted-1128068672289890305.html").read_bytes(),
                         "https://twitter.com/Metallica/status/1128068672289890305")["post"]
    assert quote["reply_to"] is None
    assert quote["quoted"]["author_handle"] == "@AWMHFoundation"
    assert quote["quoted"]["url"] == "https://twitter.com/AWMHFoundation/status/1127646016931487744"
    assert not set(quote["quoted"]["media_urls"]) & set(quote["media_urls"])


# --------------------------------------------------------------------------- small rules


def test_shown_and_local_dates() -> None:
    from evidence.extract.dates import local_datetime, shown_date

    assert shown_date("Published Dec 19, 2016") == "2016-12-19"
    assert shown_date("3 April 2018 at 20:02") == "2018-04-03"
    assert shown_date("on May 8, 2021") == "2021-05-08"
    assert shown_date("June 5 at 3:11 AM") is None  # no year: not a date
    assert shown_date("Feb 30, 2021") is None
    assert local_datetime("2016-09-27") == "2016-09-27"
    assert local_datetime("2019-01-10T17:02:52") == "2019-01-10T17:02:52"
    assert local_datetime("2019-01-10T17:02:52Z") is None  # an instant, not a local time


def test_any_activitypub_server_is_recognised_from_the_page() -> None:
    html = (
        '<html><head><meta property="og:title" content="Ada (@ada@social.example.org)">'
        '<meta property="og:description" content="Hello fediverse">'
        '<meta property="og:published_time" content="2024-05-01T10:00:00Z">'
        '<link rel="alternate" type="application/activity+json" href="https://social.example.org/objects/9f8e">'
        "</head><body><p>Hello fediverse</p></body></html>"
    )
    post = extract_page(html, "http://127.0.0.1:8000/notice/9f8e")["post"]
    assert post["platform"] == "activitypub"  # the page does not say Mastodon
    assert (post["author_name"], post["author_handle"]) == ("Ada", "@ada@social.example.org")
    assert post["published"] == "2024-05-01T10:00:00Z" and post["id_time"] is None
