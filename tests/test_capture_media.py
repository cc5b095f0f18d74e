"""The post's media kept at capture, and the conditions each capture states (issue 11 item 5, issue 10 item 4).

Real Chromium captures a real Bluesky post page (tests/data) served on loopback with its photo and
avatars, and a page with an HLS video; every other host is unreachable (host-resolver rule).
"""

from __future__ import annotations

import hashlib
import json

from conftest import CASE
from evidence.capture.media import host_allowed, manifest_links, manifest_urls
from evidence.capture.options import CaptureOptions
from mediasite import MASTER, MEMBER_PHOTO, PHOTO, PLAYLIST, POST_PATH, SEGMENTS, MediaSite

RULES = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",)


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _capture(ev, url, **opts):
    item = ev.capture(url, case=CASE, options=CaptureOptions(browser_args=RULES, timeout=30, **opts))
    meta = json.loads(item.path("metadata").read_bytes())
    return item, meta


def _media(item) -> list[dict]:
    return [a for a in item.artifacts if a["role"].startswith("media-")]


def test_post_photo_kept_with_hash_and_source_not_avatars(ev):
    with MediaSite() as site:
        item, meta = _capture(ev, site.url(POST_PATH))
    media = _media(item)
    assert len(media) == 1, media  # the post's photo; the avatars on the page are not the post's media
    photo = media[0]
    assert photo["sha256"] == _sha(PHOTO) and photo["size"] == len(PHOTO)
    assert photo["media_type"] == "image/jpeg" and photo["source_url"].startswith(site.url("/img/feed_thumbnail/"))
    assert item.path(photo["role"]).read_bytes() == PHOTO
    assert "media-missing" not in item.flags
    assert meta["media"]["kept"] == 1 and meta["media"]["files"][0]["sha256"] == _sha(PHOTO)
    cond = item.record["metadata"]["conditions"]
    assert cond["post_media_loaded"] is True and cond["headless"] is True and cond["logged_in"] is False
    assert cond["host_rules"] == ["MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"]
    assert cond["clock_sync"] in ("yes", "no", "unknown")
    assert cond["server_date"] and abs(cond["clock_skew_seconds"]) <= 2  # the test server shares this clock
    assert cond["blank_screenshot"] is False
    assert meta["conditions"]["screenshot"]["blank"] is False


def test_missing_photo_is_a_flag_and_a_warning(ev):
    with MediaSite(missing=True) as site:
        item, meta = _capture(ev, site.url(POST_PATH))
    assert not _media(item)
    assert "media-missing" in item.flags
    assert any("could not be kept (HTTP 404)" in w for w in item.record["metadata"]["warnings"])
    failed = [f for f in meta["media"]["files"] if not f["kept"]]
    assert failed and failed[0]["status"] == 404
    # the browser met the same 404: the post's media did not load, and the exhibit says so
    assert item.record["metadata"]["conditions"]["post_media_loaded"] is False
    assert {"post-media-not-loaded", "requests-failed"} <= set(item.flags)


def test_hls_fetched_whole_and_limit_flagged(ev):
    with MediaSite() as site:
        item, meta = _capture(ev, site.url("/video"))
        kept = {a["source_url"]: a for a in _media(item)}
        assert kept[site.url("/hls/master.m3u8")]["sha256"] == _sha(MASTER)
        assert kept[site.url("/hls/low/index.m3u8")]["sha256"] == _sha(PLAYLIST)
        for path, data in SEGMENTS.items():
            assert kept[site.url(path)]["sha256"] == _sha(data) and kept[site.url(path)]["media_kind"] == "segment"
        assert meta["media"]["over_limit"] is False and "media-over-limit" not in item.flags
        assert meta["media"]["bytes"] == len(MASTER) + len(PLAYLIST) + sum(map(len, SEGMENTS.values()))


def test_media_limit_and_no_media(ev):
    with MediaSite() as site:
        item, meta = _capture(ev, site.url("/video"), media_limit_mb=1)
        assert meta["media"]["over_limit"] is False  # 28 KB fits in 1 MB
        item, meta = _capture(ev, site.url(POST_PATH), keep_media=False)
        assert not _media(item) and meta["media"]["files"] == []


def test_logged_in_session_applies_to_the_media(ev, tmp_path):
    state = {"cookies": [{"name": "sid", "value": "member", "domain": "127.0.0.1", "path": "/", "expires": -1,
                          "httpOnly": False, "secure": False, "sameSite": "Lax"}], "origins": []}
    session = tmp_path / "state.json"
    session.write_text(json.dumps(state))
    with MediaSite() as site:
        item, meta = _capture(ev, site.url("/members"), session=str(session), session_label="investigations account")
        anon, _ = _capture(ev, site.url("/members"))
    assert [a["sha256"] for a in _media(item)] == [_sha(MEMBER_PHOTO)]
    cond = item.record["metadata"]["conditions"]
    assert cond["logged_in"] is True and cond["session_label"] == "investigations account"
    assert cond["post_media_loaded"] is True and "media-missing" not in item.flags
    # without the session the same photo is refused (HTTP 403): said, not silent
    assert not _media(anon) and {"media-missing", "post-media-not-loaded"} <= set(anon.flags)
    assert anon.record["metadata"]["conditions"]["logged_in"] is False


def test_duplicate_screenshot_is_flagged(ev):
    with MediaSite() as site:
        first, _ = _capture(ev, site.url("/still"))
        second, meta = _capture(ev, site.url("/still"))
    assert "duplicate-screenshot" not in first.flags
    assert "duplicate-screenshot" in second.flags and meta["conditions"]["screenshot"]["duplicate_of_stored"] is True


def test_blank_screenshot_is_flagged(ev):
    with MediaSite() as site:
        blank, meta = _capture(ev, site.url("/blank"))
        painted, _ = _capture(ev, site.url("/still"))
    assert "blank-screenshot" in blank.flags and meta["conditions"]["screenshot"]["blank"] is True
    assert any("the screenshot is blank" in w for w in blank.record["metadata"]["warnings"])
    assert "blank-screenshot" not in painted.flags


def test_manifest_parsing_and_host_rules_pure():
    assert manifest_urls(b'<video src="/a/b.m3u8?x=1"></video>{"u":"https:\\/\\/v.example\\/m.mpd"}',
                         "http://h.example/p") == ["http://h.example/a/b.m3u8?x=1", "https://v.example/m.mpd"]
    # a long run without a delimiter before nothing, or before a manifest (found from its extension)
    assert manifest_urls(b"x" * 200_000, "http://h/") == []
    assert manifest_urls(b'"' + b"a/" * 50_000 + b'v.m3u8"', "http://h/") == ["http://h/" + "a/" * 50_000 + "v.m3u8"]
    assert manifest_urls(b"'a.m3u8x.m3u8' (/p.MPD?q=1)", "http://h/") == ["http://h/a.m3u8x.m3u8", "http://h/p.MPD?q=1"]
    assert manifest_links(MASTER, "http://h/hls/master.m3u8") == ["http://h/hls/low/index.m3u8"]
    assert manifest_links(b'#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k.bin"\ns1.ts\n', "http://h/x/p.m3u8") == [
        "http://h/x/k.bin", "http://h/x/s1.ts"]
    dash = b'<MPD><Period><BaseURL>v/</BaseURL><SegmentURL media="s1.m4s"/></Period></MPD>'
    assert manifest_links(dash, "http://h/d.mpd") == ["http://h/v/", "http://h/s1.m4s"]
    rules = ["MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"]
    assert host_allowed("http://127.0.0.1:8/x", rules) and not host_allowed("https://cdn.bsky.app/x", rules)
    assert host_allowed("https://cdn.bsky.app/x", [])
