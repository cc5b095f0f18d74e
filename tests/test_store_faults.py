"""Faults named for what they are: a read-only store, a full disk, a renumbered custody row, and verify while
other processes write (it reads one snapshot, so it never reports a log that is only half read)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import CASE, PASSPHRASE, make_png

ROOT = Path(__file__).resolve().parents[1]


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def mounts():
    made: list[Path] = []
    yield made
    for m in reversed(made):
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


def _can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True).returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="mounting a read-only view or a small disk needs root")


@needs_mount
def test_read_only_store_lists_shows_verifies_and_bundles_elsewhere(ready, run, env, tmp_path, mounts):
    png = make_png(tmp_path / "a.png")
    r = run("import", png, "--case", CASE, "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z")
    assert r.code == 0, r
    item = r.out.split()[0]
    view = tmp_path / "ro-view"
    view.mkdir()
    _mount("--bind", str(env["store"]), str(view))
    mounts.append(view)
    _mount("-o", "remount,bind,ro", str(view))
    for args in (("case", "list"), ("items", "--case", CASE), ("show", item), ("custody", "--case", CASE)):
        r = run("--store", view, *args)
        assert r.code == 0, (args, r)
    r = run("--store", view, "verify")
    assert r.code == 0 and "OK: no problems found" in r.out and "read-only" in r.out, r
    r = run("--store", view, "bundle", "--case", CASE, "--out", tmp_path / "pack.zip", "--no-pdf")
    assert r.code == 0 and (tmp_path / "pack.zip").is_file(), r
    assert "read-only" in r.err and "not in its custody log" in r.err, r
    r = run("--store", view, "case", "open", "SMP-2026-300", "--title", "t")
    assert r.code == 3 and "read-only" in r.err and "Traceback" not in r.err, r


@needs_mount
def test_full_disk_is_named_and_nothing_is_lost(ready, run, env, tmp_path, mounts):
    small = tmp_path / "small"
    small.mkdir()
    _mount("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(small))
    mounts.append(small)
    store = small / "store"
    assert run("--store", store, "init").code == 0
    assert run("--store", store, "key", "register").code == 0
    assert run("--store", store, "case", "open", CASE, "--title", "t").code == 0
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(4 * 1024 * 1024))
    args = ("--store", store, "import", big, "--case", CASE, "--received-from", "c", "--received-at",
            "2026-11-20T09:14Z")
    r = run(*args)
    assert r.code == 11 and "disk" in r.err and "full" in r.err and "Traceback" not in r.err, r
    assert run("--store", store, "verify").code == 0
    _mount("-o", "remount,size=16m", str(small))
    r = run(*args)
    assert r.code == 0, r
    assert run("--store", store, "verify").code == 0


def test_a_renumbered_custody_row_locks_no_one_out(ready, run, env, tmp_path):
    png = make_png(tmp_path / "a.png")
    r = run("import", png, "--case", CASE, "--received-from", "c", "--received-at", "2026-11-20T09:14Z")
    item = r.out.split()[0]
    conn = sqlite3.connect(env["store"] / "evidence.db", isolation_level=None)
    conn.execute("DROP TRIGGER custody_no_update")
    conn.execute("UPDATE custody SET seq = seq + 1000 WHERE seq = 3")
    conn.close()
    for args in (("case", "list"), ("items", "--case", CASE), ("show", item), ("custody", "--case", CASE)):
        r = run(*args)
        assert r.code == 0, (args, r)
    r = run("verify", "--no-log")
    assert r.code == 8 and "custody entries 3: missing" in r.out, r


WRITER = textwrap.dedent("""
    import sys, evidence
    from PIL import Image
    store, kind, n, base, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    with evidence.Evidence.open(store, passphrase=sys.argv[6].encode()) as ev:
        for i in range(n):
            if kind == "import":
                p = f"{tmp}/{kind}-{i}.png"
                Image.new("RGB", (40 + i, 30), (i * 7 % 255, 80, 120)).save(p)
                ev.import_files([p], case=sys.argv[7], received_from="c", received_at="2026-11-20T09:14Z")
            else:
                ev.capture(base + f"/page?i={i}", case=sys.argv[7])
""")


def test_verify_while_three_processes_write_has_no_false_alarm(ready, env, tmp_path):
    """50 runs of verify while two processes import and one captures: every run sees one consistent log."""
    import evidence
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = b"<!doctype html><title>post</title><p>watch your back</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    envp = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, str(script), str(env["store"]), kind, str(n), base, str(tmp_path),
                               PASSPHRASE, CASE], env=envp, stderr=subprocess.PIPE)
             for kind, n in (("import", 40), ("import", 40), ("capture", 3))]
    try:
        false_alarms = []
        runs = while_writing = 0
        with evidence.Evidence.open(env["store"]) as ev:
            while runs < 50 or any(p.poll() is None for p in procs):
                writing = any(p.poll() is None for p in procs)
                report = ev.verify(log=False)
                runs += 1
                while_writing += writing
                if not report.ok:
                    false_alarms.append([str(p) for p in report.problems])
        for p in procs:
            assert p.wait(timeout=300) == 0, p.stderr.read().decode()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        srv.shutdown()
    assert false_alarms == [], false_alarms[:3]
    assert while_writing >= 20, (runs, while_writing)  # most runs overlap the writers
    with evidence.Evidence.open(env["store"]) as ev:
        final = ev.verify(log=False)
        assert final.ok and final.counts["items"] == 83, final.problems
