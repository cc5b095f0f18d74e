"""The witness: a copy of each store's newest checkpoint kept outside the store, in the user's state folder.

A store copied back over by an older copy (a rollback) still verifies on its own: its log
is intact, only shorter. The witness is what remembers the longer log. Every checkpoint the
tool signs is also written to ``<state dir>/witness/<store id>.checkpoint`` (only ever
replaced by a larger one), and ``evidence verify`` checks that the store still extends it.
The state folder is ``EVIDENCE_STATE_DIR``, else the user's state directory
(``~/.local/state/evidence`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config import state_dir

__all__ = ["path_for", "keep"]


def path_for(store_id: str) -> Path:
    return state_dir() / "witness" / f"{store_id}.checkpoint"


def _size(note: bytes) -> int:
    try:
        return int(note.split(b"\n")[1])
    except (IndexError, ValueError):
        return -1


def keep(store_id: str, size: int, note: bytes) -> None:
    """Remember ``note`` for the store unless a checkpoint at least as large is remembered already."""
    path = path_for(store_id)
    try:
        if path.exists() and _size(path.read_bytes()) >= size:
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(note)
        os.replace(tmp, path)
    except OSError:
        # the witness is a second line of defence; a read-only home folder must not stop the work
        pass
