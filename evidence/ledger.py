"""Hooks run around appends to the custody log (Merkle tree nodes, signed checkpoints, timestamps)."""

from __future__ import annotations


def install(ev) -> None:
    """Prepare ``ev.store`` so that appends also maintain what the log needs."""


def after_append(ev) -> None:
    """Called after each command that appended to the custody log."""
