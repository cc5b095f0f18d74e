"""Real saved post pages of X, Bluesky, Reddit, TikTok and Telegram, served at paths like their original URLs,
captured by real Chromium: author, handle, published time, text and title come out right, platform by platform.

Expected values are from each folder's metascraper-snapshot.md, or (where noted) from what the page itself shows.
"""

from __future__ import annotations

import json

import pytest

from conftest import CASE
from test_capture import LOOPBACK_ONLY
from webserver import TestSite

EXPECTED = {
    # snapshot "from a post"
    "/realDonaldTrump/status/1222907250383245320": dict(
        platform="x", author_name="Donald J. Trump", author_handle="@realDonaldTrump",
        published="2020-01-30T15:39:43Z", text="“Schiff blasted for not focusing on California homeless.”",
        title="Donald J. Trump on X"),
    # snapshot "from a post with an image from og:image"; the page shows no time (the status id's time is
    # only the post's id_time, never its published time)
    "/UaSmart/status/934106870834454529": dict(
        platform="x", author_name="SmartUA", author_handle="@UaSmart", published=None,
        text="Y terminamos el dia con Cultura de empresa con @patoroco", title="SmartUA"),
    "/profile/stephenking.bsky.social/post/3mddvy5bv6k27": dict(
        platform="bluesky", author_name="Stephen King", author_handle="@stephenking.bsky.social",
        published="2026-01-26T18:50:48.357Z", text="The rightwing response to the murder of Alex Pretti is predictable",
        title="Stephen King"),
    "/profile/forbes.com/post/3mdd7aj7pgs2x": dict(
        platform="bluesky", author_name="Forbes", author_handle="@forbes.com", published="2026-01-26T12:03:53.754Z",
        text="Windows PCs ‘Suddenly’ Fail After Microsoft’s New Update", title="Forbes"),
    "/profile/glendunlap.bsky.social/post/3mdegyw3ves2t": dict(
        platform="bluesky", author_name="Glen Dunlap", author_handle="@glendunlap.bsky.social",
        published="2026-01-26T23:55:44.454Z", text="Owliver decided to fly to another branch", title="Glen Dunlap"),
    # the page reveals no author or time (the snapshot agrees)
    "/r/lotus/comments/1pzbv0z/my_lotus_elise_72d_with_17_rays_volk_gtp/": dict(
        platform="reddit", author_name=None, author_handle=None, published=None,
        text="Just want to make a searchable Lotus Elise post", title="My Lotus Elise 72D"),
    # published: the page's createTime (15:36:28Z); the snapshot's 15:36:23Z is the time in the video id
    "/@illojuan/video/7571863205253778710": dict(
        platform="tiktok", author_name="IlloJuan", author_handle="@illojuan", published="2025-11-12T15:36:28Z",
        text="La nueva locurilla de fin de año", title="IlloJuan"),
    # saved Telegram pages hold no date (the snapshot's came from the embed page)
    "/chollometro/28542": dict(platform="telegram", author_name="Chollometro", author_handle="@chollometro",
                               published=None, text="CHOLLO COMPARTIDO", title="Chollometro"),
    "/teslahunt/15513": dict(platform="telegram", author_name="Tesla Hunt", author_handle="@teslahunt",
                             published=None, text="🔥 New on stock", title="Tesla Hunt"),
}


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    """Capture every page once (a batch at concurrency 2) into one store; yield {path: (record, metadata)}."""
    import os

    import cli

    tmp = tmp_path_factory.mktemp("platforms")
    old = {k: os.environ.get(k) for k in ("EVIDENCE_STORE", "EVIDENCE_CONFIG_DIR", "EVIDENCE_PASSPHRASE")}
    os.environ.update(EVIDENCE_STORE=str(tmp / "store"), EVIDENCE_CONFIG_DIR=str(tmp / "cfg"),
                      EVIDENCE_PASSPHRASE="platform passphrase")
    try:
        with TestSite(tmp, https=False) as site:
            assert cli.main(["init"]) == 0
            assert cli.main(["key", "create", "--name", "P", "--email", "p@uni.example"]) == 0
            assert cli.main(["case", "open", CASE, "--title", "platforms"]) == 0
            urls = [site.url(p) for p in EXPECTED]
            (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
            assert cli.main(["capture", "--from-file", str(tmp / "urls.txt"), "--case", CASE, "--concurrency", "2",
                             "--timeout", "20", LOOPBACK_ONLY]) == 0
            import evidence

            ev = evidence.Evidence.open()
            out = {}
            for it in ev.items(CASE):
                path = it.record["source"]["url"].split(str(site.http.server_address[1]), 1)[1]
                out[path] = (it.record, json.loads(it.path("metadata").read_bytes()), it)
            assert ev.verify(log=False).ok
            ev.close()
            yield out
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.parametrize("path", list(EXPECTED))
def test_post_fields(captured, path):
    want = EXPECTED[path]
    rec, meta, item = captured[path]
    post = meta["post"]
    assert post["platform"] == want["platform"]
    assert post["author_name"] == want["author_name"]
    assert post["author_handle"] == want["author_handle"]
    assert post["published"] == want["published"]
    assert (post["text"] or "").startswith(want["text"])
    assert (post["title"] or "").startswith(want["title"])
    if want["platform"] == "x":  # the id's time travels beside the page's, labelled with its method
        assert post["id_time"]["method"] == "x-snowflake" and post["page_kind"] == "post"
    # the signed record carries the same post summary
    assert rec["metadata"]["post"]["author_name"] == want["author_name"]
    assert rec["metadata"]["post"]["published"] == want["published"]


@pytest.mark.parametrize("path", list(EXPECTED))
def test_mhtml_contains_the_post_text(captured, path):
    rec, meta, item = captured[path]
    mhtml = item.path("mhtml").read_bytes()
    import quopri

    decoded = quopri.decodestring(mhtml).decode("utf-8", "replace")
    words = [w for w in EXPECTED[path]["text"].split() if len(w) > 4][:3]
    assert all(w in decoded for w in words), words
