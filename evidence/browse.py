"""``evidence browse``: the store's database in Datasette, read-only, on 127.0.0.1 (issue 13).

Datasette is an optional extra (``pip install 'evidence[browse]'``). It is started as its own
process on the store's ``evidence.db`` in **immutable** mode (``-i``: it cannot write, and SQLite
takes no locks), bound to 127.0.0.1 only, with metadata that titles and describes every table and
offers canned queries: a case's items, a post's custody, everything by one author. The store's
WAL is checkpointed first, so what Datasette shows is the store as it was when it started.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

from .errors import InputError, ToolMissing
from .store.browsing import metadata

__all__ = ["datasette_command", "browse", "HOST", "DEFAULT_PORT"]

HOST = "127.0.0.1"
DEFAULT_PORT = 8001

def _datasette() -> list[str]:
    if importlib.util.find_spec("datasette") is not None:
        return [sys.executable, "-m", "datasette"]
    found = shutil.which("datasette")
    if found:
        return [found]
    raise ToolMissing("Datasette is not installed, so the store cannot be browsed",
                      hint="install it with: pip install 'evidence[browse]'  (or pip install datasette)")


def datasette_command(db_path: Path, metadata_path: Path, port: int) -> list[str]:
    if not 1 <= port <= 65535:
        raise InputError(f"port {port} is not a TCP port", hint="give --port 1 to 65535, e.g. 8001")
    return [*_datasette(), "serve", "-i", str(db_path), "--host", HOST, "--port", str(port),
            "--metadata", str(metadata_path), "--setting", "truncate_cells_html", "300"]


def browse(ev, *, port: int = DEFAULT_PORT, on_start: Callable[[str], None] | None = None) -> int:
    """Run Datasette on the store until it stops (Ctrl-C, SIGTERM): 0. If Datasette fails, InputError."""
    _datasette()  # say it is missing before touching anything
    db_path = ev.store.checkpoint_wal()
    with tempfile.TemporaryDirectory(prefix="evidence-browse-") as tmp:
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(db_path.stem), indent=2), encoding="utf-8")
        cmd = datasette_command(db_path, meta, port)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        old = _on_sigterm()
        try:
            if on_start:
                on_start(f"http://{HOST}:{port}/{db_path.stem}")
            code = proc.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if proc.poll() is None:  # stopped by Ctrl-C or SIGTERM: Datasette stops with us
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if old is not None:
                signal.signal(signal.SIGTERM, old)
    if code:
        raise InputError(f"Datasette stopped with exit code {code} (its message is above; is port {port} in use?)",
                         hint="choose another --port")
    return code


def _on_sigterm():
    """While Datasette runs, SIGTERM stops it as Ctrl-C does (it is never left running on its own)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)
