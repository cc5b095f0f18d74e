"""A loopback server for the post-media tests (test support module).

Serves the real Bluesky post page of tests/data (``bluesky/post-image.html``) with its media host
``https://cdn.bsky.app`` rewritten to this server, so the post's photo and the avatars load from
loopback; and a small page with an HLS video (a master playlist, a media playlist, a key and segments).
``missing=True`` answers the post's photo with HTTP 404.
"""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

PAGE = Path(__file__).resolve().parent / "data" / "fixtures" / "social-pages" / "bluesky" / "post-image.html"
POST_PATH = "/profile/glendunlap.bsky.social/post/3mdegyw3ves2t"
PHOTO_PREFIX = "/img/feed_thumbnail/"
AVATAR_PREFIX = "/img/avatar_thumbnail/"


def jpeg(color, size=(320, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=85)
    return buf.getvalue()


PHOTO = jpeg((200, 30, 30))
AVATAR = jpeg((30, 30, 200), (40, 40))
SEGMENTS = {f"/hls/seg{i}.ts": bytes([0x47]) + bytes([i]) * (188 * 50 - 1) for i in range(3)}
MASTER = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow/index.m3u8\n"
PLAYLIST = (b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n"
            + b"".join(b"#EXTINF:4.0,\n../seg%d.ts\n" % i for i in range(3)) + b"#EXT-X-ENDLIST\n")
HLS_PAGE = (b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A video post</title>'
            b'<meta property="og:title" content="Jo Bloggs on Chirp"></head><body><article><p>Watch this</p>'
            b'<video controls width="320" height="180" src="/hls/master.m3u8"></video></article></body></html>')

MEMBER_PHOTO = jpeg((30, 160, 30))
MEMBERS_PAGE = (b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Members post</title>'
                b'<meta property="og:title" content="Members post"><meta property="og:image" content="/members/photo.jpg">'
                b'</head><body><article><p>Only for members</p><img src="/members/photo.jpg"></article></body></html>')


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: C901 - a routing table
        srv, path = self.server, self.path.split("?", 1)[0]
        srv.hits.append(path)
        if path == POST_PATH:
            base = f"http://127.0.0.1:{srv.server_address[1]}".encode()
            return self._send(200, PAGE.read_bytes().replace(b"https://cdn.bsky.app", base), "text/html; charset=utf-8")
        if path.startswith(PHOTO_PREFIX):
            return self._send(404, b"gone", "text/plain") if srv.missing else self._send(200, PHOTO, "image/jpeg")
        if path.startswith(AVATAR_PREFIX):
            return self._send(200, AVATAR, "image/jpeg")
        if path == "/members":
            return self._send(200, MEMBERS_PAGE, "text/html; charset=utf-8")
        if path == "/members/photo.jpg":  # only with the session's cookie
            ok = "sid=member" in (self.headers.get("Cookie") or "")
            return self._send(200, MEMBER_PHOTO, "image/jpeg") if ok else self._send(403, b"log in", "text/plain")
        if path == "/blank":  # a page that paints nothing: one colour
            return self._send(200, b"<!DOCTYPE html><title>Blank</title><body style='background:#fff'></body>", "text/html")
        if path == "/still":
            return self._send(200, b"<!DOCTYPE html><title>Still</title><h1>The same page twice</h1>", "text/html")
        if path == "/video":
            return self._send(200, HLS_PAGE, "text/html; charset=utf-8")
        if path == "/hls/master.m3u8":
            return self._send(200, MASTER, "application/vnd.apple.mpegurl")
        if path == "/hls/low/index.m3u8":
            return self._send(200, PLAYLIST, "application/vnd.apple.mpegurl")
        if path in SEGMENTS:
            return self._send(200, SEGMENTS[path], "video/mp2t")
        return self._send(404, b"not here", "text/plain")


class MediaSite:
    def __init__(self, missing: bool = False):
        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.srv.daemon_threads = True
        self.srv.hits, self.srv.missing = [], missing
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.srv.server_address[1]}{path}"

    @property
    def hits(self) -> list[str]:
        return self.srv.hits

    def __enter__(self) -> "MediaSite":
        return self

    def __exit__(self, *exc) -> None:
        self.srv.shutdown()
        self.srv.server_close()
