"""SHA-256 hashing with tagged hex values (``sha256:<hex>``).

Files are hashed in chunks so a file of any size is never read into memory.
Shared by the writing and the verifying side (with :mod:`evidence.canonical`).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import BinaryIO

__all__ = ["CHUNK", "TAG", "sha256_tag", "tag_hex", "is_tag", "hash_file", "hash_stream"]

CHUNK = 1024 * 1024
TAG = "sha256:"
_TAG_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def sha256_tag(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return TAG + hashlib.sha256(data).hexdigest()


def is_tag(value: object) -> bool:
    return isinstance(value, str) and bool(_TAG_RE.match(value))


def tag_hex(tag: str) -> str:
    """The hex part of a ``sha256:<hex>`` tag (ValueError if it is not one)."""
    if not is_tag(tag):
        raise ValueError(f"not a sha256 tag: {tag!r}")
    return tag[len(TAG):]


def hash_stream(fh: BinaryIO) -> tuple[str, int]:
    """Hash an open binary stream to its end: (tag, size)."""
    h = hashlib.sha256()
    size = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while True:
        n = fh.readinto(buf)
        if not n:
            break
        h.update(view[:n])
        size += n
    return TAG + h.hexdigest(), size


def hash_file(path: str | os.PathLike) -> tuple[str, int]:
    """Hash the file at ``path``: (tag, size)."""
    with open(path, "rb", buffering=0) as fh:
        return hash_stream(fh)
