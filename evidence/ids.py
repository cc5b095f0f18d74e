"""Identifiers: sortable, unique without coordination between processes.

Item ids are ULIDs (48-bit millisecond time + 80 random bits, Crockford base32,
26 characters), so ids sort by creation time and several processes can create
items in one store at once without asking each other.
"""

from __future__ import annotations

import os
import time
import uuid

__all__ = ["new_ulid", "new_uuid"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    out = []
    for _ in range(26):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_uuid() -> str:
    return str(uuid.uuid4())
