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
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError

__all__ = ["index_warcs", "parse_cdxj"]

INDEXED_RECORDS = "response,revisit,resource"


def index_warcs(warcs: Sequence[str | os.PathLike]) -> bytes:
    """Sorted CDXJ lines (UTF-8) for ``warcs``; ``filename`` is each WARC's base name."""
    names = [Path(w).name for w in warcs]
    if len(set(names)) != len(names):
        raise InputError("two WARC files have the same name, and a WACZ keeps them side by side in archive/",
                         hint="give each capture's WARC a distinct file name")
    for warc in warcs:
        _check_warc(Path(warc))
    out = io.StringIO()
    indexer = CDXJIndexer(out, [str(w) for w in warcs], sort=True, post_append=True,
                          records=INDEXED_RECORDS)
    try:
        indexer.process_all()
    except ArchiveLoadFailed as exc:
        raise InputError(f"not a readable WARC file among {', '.join(names)}: {exc}",
                         hint="check the capture's files (evidence verify); re-capture the item if one is damaged") from exc
    return out.getvalue().encode("utf-8")


def _check_warc(path: Path) -> None:
    """Refuse a file whose first record is not a WARC record (warcio would read on regardless)."""
    hint = "check the capture's files (evidence verify); re-capture the item if one is damaged"
    try:
        with open(path, "rb") as fh:
            first = next(iter(ArchiveIterator(fh)), None)
            ok = first is not None and first.format == "warc"
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        raise InputError(f"not a readable WARC file: {path.name}: {exc}", hint=hint) from exc
    if not ok:
        raise InputError(f"not a readable WARC file: {path.name} does not start with a WARC record", hint=hint)


def parse_cdxj(data: bytes) -> list[tuple[str, str, dict]]:
    """(key, timestamp, fields) for each line of a CDXJ index."""
    rows = []
    for line in data.decode("utf-8").splitlines():
        if not line.strip():
            continue
        key, ts, rest = line.split(" ", 2)
        rows.append((key, ts, json.loads(rest)))
    return rows
