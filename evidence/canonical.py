"""Canonical JSON (RFC 8785, JCS): the exact bytes every record and custody entry is signed over.

This module and :mod:`evidence.digest` are the only code the writing side and the
verifying side share.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from .errors import InputError

__all__ = ["canonical_json", "parse_json"]


def _reject_floats(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise InputError(f"floats are not allowed in signed JSON (at {path}); use an integer or a string")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError(f"JSON object keys must be strings (at {path})")
            _reject_floats(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _reject_floats(v, f"{path}[{i}]")


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` as RFC 8785 canonical JSON bytes (UTF-8). Floats are refused."""
    _reject_floats(value)
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise InputError(f"cannot canonicalise JSON: {exc}") from exc


def parse_json(data: bytes) -> Any:
    """Parse JSON bytes, refusing duplicate keys (which canonical JSON never has)."""

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    return json.loads(data.decode("utf-8"), object_pairs_hook=pairs)
