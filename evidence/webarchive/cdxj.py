"""A CDXJ index of WARC files, as WACZ and ReplayWeb.page read it, made with cdxj-indexer.

Each line is ``SURT-key timestamp {json}`` with ``url``, ``mime``, ``status``, ``digest``,
``length``, ``offset`` and ``filename`` (the WARC's name inside the WACZ's ``archive/``), sorted
as the spec requires. POST and PUT requests get their body appended to the key the way
Webrecorder's tools do (``__wb_method=post&...``), so a replay finds them.

Only ``response``, ``revisit`` and ``resource`` records are indexed: they are what a replay
serves. The ``metadata`` records that say a request got no response stay in the WARC (and say
so there) but are not replayable resources.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Sequence

from cdxj_indexer.main import CDXJIndexer

__all__ = ["index_warcs", "parse_cdxj"]

INDEXED_RECORDS = "response,revisit,resource"


def index_warcs(warcs: Sequence[str | os.PathLike]) -> bytes:
    """Sorted CDXJ lines (UTF-8) for ``warcs``; ``filename`` is each WARC's base name."""
    names = [Path(w).name for w in warcs]
    if len(set(names)) != len(names):
        raise ValueError("two WARC files have the same name; a WACZ keeps them side by side in archive/")
    out = io.StringIO()
    indexer = CDXJIndexer(out, [str(w) for w in warcs], sort=True, post_append=True,
                          records=INDEXED_RECORDS)
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def parse_cdxj(data: bytes) -> list[tuple[str, str, dict]]:
    """(key, timestamp, fields) for each line of a CDXJ index."""
    rows = []
    for line in data.decode("utf-8").splitlines():
        if not line.strip():
            continue
        key, ts, rest = line.split(" ", 2)
        rows.append((key, ts, json.loads(rest)))
    return rows
