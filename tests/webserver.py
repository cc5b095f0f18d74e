"""A real HTTP and HTTPS server on loopback with the pages capture must cope with (test support module).

Serves the real post pages of tests/data at paths like their original URLs, and hostile
or odd pages: error statuses, redirects and loops, pages that never finish,
servers that never answer, dialogs, pop-ups, downloads, infinite scroll, huge
pages, non-HTML bodies, a login cookie. HTTPS uses a self-signed certificate
made by the test with ``cryptography``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SOCIAL = Path(__file__).resolve().parent / "data" / "fixtures" / "social-pages"

# original path -> {variant: fixture file}
FIXTURES = {
    "/realDonaldTrump/status/1222907250383245320": {"": "x/post.html", "og": "x/post-og.html"},
    "/UaSmart/status/934106870834454529": {"": "x/post-image-og.html"},
    "/elonx/status/1234567890": {"": "x/post-on-x.html"},
    "/profile/stephenking.bsky.social/post/3mddvy5bv6k27": {"": "bluesky/post.html"},
    "/profile/forbes.com/post/3mdd7aj7pgs2x": {"": "bluesky/post-link.html"},
    "/profile/glendunlap.bsky.social/post/3mdegyw3ves2t": {"": "bluesky/post-image.html"},
    "/r/lotus/comments/1pzbv0z/my_lotus_elise_72d_with_17_rays_volk_gtp/": {"": "reddit/post.html"},
    "/@illojuan/video/7571863205253778710": {"": "tiktok/video.html"},
    "/chollometro/28542": {"": "telegram/post-full-image.html"},
    "/teslahunt/15513": {"": "telegram/post-link-image.html"},
}

POST_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{author} on Chirp"><meta property="og:description" content="{text}">
<meta property="article:published_time" content="{published}"><meta name="author" content="{author}">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"SocialMediaPosting",
"author":{{"@type":"Person","name":"{author}","alternateName":"@{handle}","url":"/u/{handle}"}},
"datePublished":"{published}","articleBody":"{text}","headline":"{title}"}}</script>
</head><body style="font:16px sans-serif;margin:2em"><article><h1>{author} <small>@{handle}</small></h1>
<p class="text">{text}</p><time datetime="{published}">{published}</time></article>{extra}</body></html>"""


def post_page(title="A post", author="Jo Bloggs", handle="jobloggs", text="Hello world", published="2026-11-19T22:41:07Z",
              extra="") -> bytes:
    return POST_PAGE.format(title=title, author=author, handle=handle, text=text, published=published,
                            extra=extra).encode("utf-8")


def png_bytes(w=40, h=30) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


class _Handler(BaseHTTPRequestHandler):
    server_version = "EvidenceTest/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:  # noqa: C901 - a routing table
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        self.server.hits.append(path)
        if path in FIXTURES:
            variant = query.get("variant", [""])[0]
            f = FIXTURES[path].get(variant)
            if f:
                return self._send(200, (SOCIAL / f).read_bytes())
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            return self._send(code, post_page(title=f"Error {code}", text=f"This post is gone ({code})"))
        if path == "/post":
            return self._send(200, post_page())
        if path == "/echo":
            extra = """<p id="ua"></p><p id="tz"></p><p id="lang"></p><script>
document.getElementById('ua').textContent = navigator.userAgent;
document.getElementById('tz').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
document.getElementById('lang').textContent = navigator.language;</script>"""
            return self._send(200, post_page(extra=extra))
        if path == "/late":
            extra = """<script>setTimeout(() => { const d = document.createElement('div'); d.id = 'late';
d.textContent = 'arrived late'; document.body.appendChild(d); }, 700);</script>"""
            return self._send(200, post_page(extra=extra))
        if path.startswith("/redirect/"):
            n = int(path.split("/")[2])
            target = f"/redirect/{n - 1}" if n > 1 else "/post"
            return self._send(301 if n % 2 else 302, b"", headers={"Location": target})
        if path == "/loop":
            return self._send(302, b"", headers={"Location": "/loop"})
        if path == "/hang":
            self.server.hanging.wait(60)
            return None
        if path == "/never-image.png":
            self.server.hanging.wait(60)
            return None
        if path == "/never":
            return self._send(200, post_page(text="Loading forever", extra='<img src="/never-image.png">'))
        if path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<html><body><p>partial body")
            self.wfile.flush()
            self.server.hanging.wait(60)
            return None
        if path == "/hostile-json":  # the page's own script breaks what a capture's in-page measuring uses
            extra = "<script>JSON.stringify = () => '{not json';</script>"
            return self._send(200, post_page(text="Hostile script", extra=extra))
        if path == "/dialogs":
            extra = """<script>
window.addEventListener('beforeunload', e => { e.preventDefault(); e.returnValue = 'stay'; });
alert('You are being watched'); const ok = confirm('Really?'); const p = prompt('Name?', 'anon');
document.body.insertAdjacentHTML('beforeend', '<p id=after>after dialogs ' + ok + ' ' + p + '</p>');
</script>"""
            return self._send(200, post_page(text="Dialogs everywhere", extra=extra))
        if path == "/popup":
            extra = "<script>window.open('/post', '_blank', 'popup'); window.open('/post?2');</script>"
            return self._send(200, post_page(text="Pop-ups", extra=extra))
        if path == "/download-page":
            extra = """<a id=dl href="/file.bin" download>file</a><script>document.getElementById('dl').click();</script>"""
            return self._send(200, post_page(text="Downloads", extra=extra))
        if path == "/file.bin":
            return self._send(200, b"\x00\x01secret-download" * 100, "application/octet-stream",
                              {"Content-Disposition": 'attachment; filename="file.bin"'})
        if path == "/attachment":
            return self._send(200, b"col1,col2\nposted,text\n", "text/csv",
                              {"Content-Disposition": 'attachment; filename="post.csv"'})
        if path == "/image.png":
            return self._send(200, self.server.png, "image/png")
        if path == "/doc.pdf":
            return self._send(200, PDF, "application/pdf")
        if path == "/data.json":
            return self._send(200, json.dumps({"post": {"text": "json body", "n": 1.5}}).encode(), "application/json")
        if path == "/infinite":
            extra = """<div id=feed></div><script>
let n = 0; function more() { for (let i = 0; i < 20; i++) { const p = document.createElement('p');
p.style.height = '120px'; p.textContent = 'item ' + (n++); document.getElementById('feed').appendChild(p); } }
more(); window.addEventListener('scroll', () => { if (innerHeight + scrollY > document.body.scrollHeight - 500) more(); });
</script>"""
            return self._send(200, post_page(text="Infinite feed", extra=extra))
        if path == "/big":
            rows = "".join(f"<p style='height:40px;margin:0'>row {i} {'x' * 60}</p>" for i in range(self.server.big_rows))
            return self._send(200, post_page(text="A very long page", extra=rows))
        if path == "/remote":
            extra = ('<img src="https://images.example.invalid/a.png"><img src="http://cdn.example.invalid/b.jpg">'
                     '<script src="https://scripts.example.invalid/x.js"></script>')
            return self._send(200, post_page(text="Remote resources", extra=extra))
        if path == "/login":
            return self._send(200, b"<html><body><h1>Welcome, logged in</h1></body></html>",
                              headers={"Set-Cookie": "sessionid=TOPSECRET-COOKIE-VALUE; Path=/; Max-Age=3600"})
        if path == "/members":
            cookie = self.headers.get("Cookie", "")
            who = "Logged in as investigator" if "sessionid=TOPSECRET-COOKIE-VALUE" in cookie else "Please log in"
            return self._send(200, post_page(text=who))
        return self._send(404, b"<html><body>not found</body></html>")


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "evidence test server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "server.crt", tmp / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class TestSite:
    """``with TestSite(tmp) as site:`` -> ``site.url("/post")``, ``site.https_url("/post")``."""

    __test__ = False

    def __init__(self, tmp: Path, https: bool = True, big_rows: int = 30_000):
        self.tmp = Path(tmp)
        self.https = https
        self.big_rows = big_rows
        self._servers: list[_Server] = []
        self.hanging = threading.Event()

    def _start(self, tls: bool) -> _Server:
        srv = _Server(("127.0.0.1", 0), _Handler)
        srv.hits = []
        srv.hanging = self.hanging
        srv.png = png_bytes()
        srv.big_rows = self.big_rows
        if tls:
            cert, key = make_self_signed(self.tmp)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self._servers.append(srv)
        return srv

    def __enter__(self) -> "TestSite":
        self.http = self._start(False)
        self.tls = self._start(True) if self.https else None
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.hanging.set()
        for s in self._servers:
            s.shutdown()
            s.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}{path}"

    def https_url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.tls.server_address[1]}{path}"

    @property
    def hits(self) -> list[str]:
        return self.http.hits


def closed_port() -> int:
    """A loopback port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
