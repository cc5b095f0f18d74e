"""The built-in demo: a whole investigation on fictional posts, offline.

It makes a fresh store and a demo key in its own folder (nothing of yours is
touched), serves the demo posts shipped in ``evidence/data/demo/site`` on a
loopback port, imports the complainant's screenshot, captures the posts (one of
them deleted: HTTP 404), maps them to clauses of the Leeds policy, builds the
panel pack, checks it the way a panel member would, and verifies the store.
"""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

from .errors import InputError
from .resources import data_dir

__all__ = ["run_demo", "demo_site", "DEMO_CASE", "DEMO_PASSPHRASE"]

DEMO_CASE = "SMP-2026-014"
DEMO_PASSPHRASE = b"demo passphrase (not secret)"
MARKER = ".evidence-demo"

PAGES = {
    "/jdoe_phys/status/1859912345678901234": "post-1.html",
    "/jdoe_phys/status/1860105550000000001": "post-2.html",
    "/r/leedsphysics/comments/9xk2/fake_results_in_the_smith_lab/": "thread.html",
}
MEDIA_HOST = b"https://media.chirp.example"
MEDIA = {"/letter-photo.jpg": ("letter-photo.jpg", "image/jpeg")}
DELETED = "/jdoe_phys/status/1860200000000000000"
DELETED_PAGE = (b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Post not found / Chirp</title></head>"
                b"<body style='font:16px system-ui;margin:3em'><h1>This post has been deleted.</h1>"
                b"<p>It was removed by its author.</p></body></html>")


class _DemoHandler(BaseHTTPRequestHandler):
    server_version = "EvidenceDemo/1.0"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        name, ctype = PAGES.get(path), "text/html; charset=utf-8"
        media = MEDIA.get(path)
        if name:
            # the pages name their media at media.chirp.example: served here, from the same loopback server
            base = f"http://127.0.0.1:{self.server.server_address[1]}".encode()
            body = (data_dir() / "demo" / "site" / name).read_bytes().replace(MEDIA_HOST, base)
            status = 200
        elif media:
            body, status, ctype = (data_dir() / "demo" / "site" / "media" / media[0]).read_bytes(), 200, media[1]
        else:
            body, status = DELETED_PAGE, 404
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def demo_site() -> Iterator[str]:
    """Serve the demo posts on 127.0.0.1 (a free port); yields the base URL."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _DemoHandler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _fresh_dir(workdir: Path) -> None:
    if workdir.exists():
        if not (workdir / MARKER).exists():
            if any(workdir.iterdir()):
                raise InputError(f"{workdir} exists and is not a demo folder; the demo will not touch it",
                                 hint="choose another --out")
        else:
            # a previous demo's store: its artifacts are read-only; make them removable
            for p in workdir.rglob("*"):
                try:
                    p.chmod(0o700 if p.is_dir() else 0o600)
                except OSError:
                    pass
            shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by `evidence demo`; safe to delete\n")


def run_demo(workdir: str | Path, *, echo: Callable[[str], None] = print, with_pdf: bool = True) -> dict:
    """Run the demo in ``workdir`` (created; a previous demo there is replaced). Returns what it made."""
    from .api import Evidence
    from .capture.options import CaptureOptions
    from .keys import create_key

    workdir = Path(workdir).resolve()
    _fresh_dir(workdir)
    store_path = workdir / "store"
    Evidence.init(store_path).close()
    # the demo key stays in the demo folder and never becomes your default key
    signer = create_key("Demo Investigator", "investigator@uni.example", "investigator", DEMO_PASSPHRASE,
                        key_file=workdir / "demo.key.pem", make_default=False)
    ev = Evidence.open(store_path, signer_factory=lambda: signer)
    ev.register_key()
    echo(f"1. Store {store_path} and demo key {signer.fingerprint}")
    ev.open_case(DEMO_CASE, title="Posts by a PhD student about a member of staff", subject="J. Doe (PhD student)",
                 complainant="Dr K. Smith")
    echo(f"2. Opened case {DEMO_CASE}")
    shot = ev.import_files([data_dir() / "demo" / "complainant-screenshot.png"], case=DEMO_CASE,
                           received_from="Dr K. Smith (complainant), by email", received_at="2026-11-19T09:14:00Z",
                           note="Screenshot attached to the complaint email")[0]
    echo(f"3. Imported the complainant's screenshot as {shot.id}")
    options = CaptureOptions(timeout=20, browser_args=("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",))
    with demo_site() as base:
        urls = [base + p for p in PAGES] + [base + DELETED]
        outcomes = ev.capture_many(urls, case=DEMO_CASE, options=options, concurrency=2)
    captured = {}
    for out, path in zip(outcomes, list(PAGES) + [DELETED]):
        if not out.ok:
            raise InputError(f"demo capture of {out.url} failed: {out.error}", hint="run `evidence doctor`")
        captured[path] = out.item
        post = out.item.post()
        echo(f"4. Captured {out.url} as {out.item.id}: HTTP {out.item.record['source']['http_status']}, "
             f"author {post.get('author_name')!r}")
    result = {"workdir": str(workdir), "store": str(store_path), "case": DEMO_CASE, "screenshot": shot.id,
              "captures": {p: it.id for p, it in captured.items()}, "key": signer.fingerprint,
              "key_file": str(workdir / "demo.key.pem"), "passphrase": DEMO_PASSPHRASE.decode()}
    _demo_pack(ev, captured, shot, result, echo, with_pdf=with_pdf)
    report = ev.verify(log=True)
    if not report.ok:
        raise InputError("the demo store does not verify: " + "; ".join(map(str, report.problems[:3])))
    echo(f"8. Verified the store: {report.counts['items']} items, {report.counts['artifacts']} artifacts, "
         f"{report.counts['custody_entries']} custody entries: OK")
    result["verified"] = True
    ev.close()
    return result


def _demo_pack(ev, captured, shot, result, echo, *, with_pdf: bool) -> None:
    """Allegations and the panel pack (see evidence.policy.allegations and evidence.pack)."""
    from .api import verify_pack

    p1, p2, thread, deleted = (captured[p] for p in list(PAGES) + [DELETED])
    a1 = ev.allege(case=DEMO_CASE, clause="6.1", evidence=[p1.id, shot.id, deleted.id],
                summary="The post calls a named member of staff 'an incompetent fraud' and tells her to 'watch your "
                        "back' (still online when captured); the complainant's screenshot shows the same post; a later "
                        "post of the same account has since been deleted (its address answers HTTP 404).")
    a2 = ev.allege(case=DEMO_CASE, clause="6.5", evidence=[p2.id],
                summary="The post announces an ongoing disciplinary investigation and invites others to share "
                        "the confidential letter naming panel members.")
    a3 = ev.allege(case=DEMO_CASE, clause="6.4", evidence=[thread.id],
                summary="The forum account presents itself as 'the official Physics Society account'.")
    echo(f"5. Alleged breaches of clauses 6.1, 6.5 and 6.4 ({a1['id']}, {a2['id']}, {a3['id']})")
    pack = Path(result["workdir"]) / "panel-pack.zip"
    built = ev.build_pack(case=DEMO_CASE, out=pack, audience="panel", pdf=with_pdf)
    echo(f"6. Built the panel pack {pack} (sha256 {built['sha256']})")
    check = verify_pack(pack)
    if not check.ok:
        raise InputError("the demo pack does not verify: " + "; ".join(map(str, check.problems[:3])))
    echo(f"7. Checked the pack as a panel member would: {len(check.files)} files, signature by "
         f"{check.signer}: OK")
    result["pack"] = str(pack)
    result["pack_sha256"] = built["sha256"]
