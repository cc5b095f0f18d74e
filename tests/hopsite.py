"""A loopback web server whose pages a test writes: redirects, meta refreshes, script navigations, Basic auth.

``with HopSite() as site:`` then ``site.route("/a", body=..., status=302, headers={"Location": ...})`` and
``site.url("/a")`` (http://127.0.0.1:PORT/a) or ``site.url("/a", host="localhost")`` -- the same server
under another loopback name, so a hop from one loopback host to another can be tested.
Binds 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["HopSite", "page"]


def page(title: str, body: str = "", head: str = "") -> bytes:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><h1>{title}</h1>{body}</body></html>").encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.hits.append((self.headers.get("Host"), path, self.headers.get("Authorization")))
        route = self.server.routes.get(path)
        if route is None:
            status, headers, body = 404, {}, page("not found")
        else:
            status, headers, body = route["status"], dict(route["headers"]), route["body"]
            need = route.get("basic")
            if need and self.headers.get("Authorization") != "Basic " + base64.b64encode(need.encode()).decode():
                status, headers, body = 401, {"WWW-Authenticate": 'Basic realm="members"'}, page("log in")
        self.send_response(status)
        headers.setdefault("Content-Type", "text/html; charset=utf-8")
        headers["Content-Length"] = str(len(body))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class HopSite:
    __test__ = False

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.routes, self.server.hits = {}, []
        self.port = self.server.server_address[1]

    def __enter__(self) -> "HopSite":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str, host: str = "127.0.0.1", userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}{host}:{self.port}{path}"

    def route(self, path: str, body: bytes = b"", status: int = 200, headers: dict | None = None,
              basic: str | None = None) -> None:
        """Serve ``path``; ``basic`` = "user:password" asks for HTTP Basic authentication first."""
        self.server.routes[path] = {"body": body, "status": status, "headers": headers or {}, "basic": basic}

    @property
    def hits(self) -> list:
        return self.server.hits
