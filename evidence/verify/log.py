"""Checks of the custody log as a Merkle tree, and of its signed checkpoints (filled in with the Merkle log)."""

from __future__ import annotations


def verify_log(store, report, ring, entries, *, since=None) -> None:
    return None
