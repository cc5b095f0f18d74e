"""A loopback server for ReplayWeb.page and one WACZ (test support module).

Serves ReplayWeb.page's ``ui.js`` at ``/ui.js`` and its service worker ``sw.js`` at
``/replay/sw.js`` (the embed's default ``replayBase``), both from the copy ``make setup`` unpacked
from the npm registry into ``.cache/replaywebpage/<version>/``; a tiny ``/index.html`` embedding
``<replay-web-page>``; and the WACZ at ``/case.wacz``, with HTTP range requests, which the
replay uses to read records by offset. Nothing is fetched from anywhere else.
"""

from __future__ import annotations

import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RWP_DIR = ROOT / ".cache" / "replaywebpage"

INDEX = """<!doctype html><html><head><meta charset="utf-8"><title>replay</title>
<script src="/ui.js"></script></head><body style="margin:0">
<replay-web-page source="/case.wacz" url="{url}" embed="replayonly" style="display:block;height:100vh">
</replay-web-page></body></html>"""


def find_replaywebpage() -> Path | None:
    """The folder holding ReplayWeb.page's ui.js and sw.js (newest version), or None."""
    found = [d for d in RWP_DIR.glob("*") if (d / "ui.js").is_file() and (d / "sw.js").is_file()]
    return sorted(found)[-1] if found else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _files(self) -> dict[str, tuple[bytes, str]]:
        srv = self.server
        return {"/ui.js": (srv.ui_js, "application/javascript"),
                "/replay/sw.js": (srv.sw_js, "application/javascript"),
                "/index.html": (srv.index, "text/html; charset=utf-8"),
                "/case.wacz": (srv.wacz, "application/wacz+zip")}

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.hits.append(path)
        entry = self._files().get(path)
        if entry is None:
            return self._send(404, b"not found", "text/plain", {})
        body, ctype = entry
        status, headers = 200, {"Accept-Ranges": "bytes"}
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "") or "")
        if m and (m.group(1) or m.group(2)):
            start, end = m.group(1), m.group(2)
            if start:
                first, last = int(start), min(int(end) if end else len(body) - 1, len(body) - 1)
            else:
                first, last = max(len(body) - int(end), 0), len(body) - 1
            headers["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
            body, status = body[first:last + 1], 206
        self._send(status, body, ctype, headers)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a browser closing a socket early: quiet
        pass


class ReplayServer:
    """``with ReplayServer(rwp_dir, wacz_path, url) as srv:`` -> open ``srv.url("/index.html")``."""

    def __init__(self, rwp_dir: Path, wacz: Path, replay_url: str):
        self.srv = _Server(("127.0.0.1", 0), _Handler)
        self.srv.hits = []
        self.srv.ui_js = (rwp_dir / "ui.js").read_bytes()
        self.srv.sw_js = (rwp_dir / "sw.js").read_bytes()
        self.srv.wacz = Path(wacz).read_bytes()
        self.srv.index = INDEX.format(url=html.escape(replay_url, quote=True)).encode("utf-8")

    def __enter__(self) -> "ReplayServer":
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.srv.shutdown()
        self.srv.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.srv.server_address[1]}{path}"

    @property
    def hits(self) -> list[str]:
        return self.srv.hits
