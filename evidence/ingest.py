"""The one way evidence enters the store.

Import, capture and redaction all call :func:`ingest`, which

1. checks the case is open and the signer's key is registered,
2. copies every artifact into the content-addressed folder, hashing while copying,
   and sniffs its media type from its bytes (and reads image facts with Pillow),
3. builds the record, validates it against its schema, canonicalises, hashes and signs it,
4. through :meth:`evidence.log.writer.Log.write`, in one short transaction: re-checks the
   case, inserts the item and its artifacts and appends the signed custody entry; then
   timestamps the record (when a TSA is configured) and signs a checkpoint.

A process killed at any point leaves either the whole item or nothing (artifact
files copied before the transaction belong to no item until it commits; verify
reports them as unreferenced, not as damage).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime, timezone
from typing import Any

from . import clock
from .machine import host_facts
from .errors import CaseClosed, InputError, UnknownCase
from .ids import new_ulid
from .records import KINDS, build_record, sign_record
from .sniff import sniff
from .store import Store

__all__ = ["ArtifactSource", "Ingested", "ingest", "import_files", "require_open_case"]


@dataclass
class ArtifactSource:
    """One artifact to take in: from a file (``path``) or from bytes (``data``)."""

    role: str
    path: Path | None = None
    data: bytes | None = None
    media_type: str | None = None  # None: sniffed from the bytes
    name: str | None = None  # the name it had when received, recorded as a fact
    inspect_image: bool = True
    extra: dict = field(default_factory=dict)  # more facts recorded with the artifact


@dataclass(frozen=True)
class Ingested:
    item_id: str
    record: dict
    record_hash: str
    custody_seq: int


def require_open_case(store: Store, case_ref: str) -> dict:
    case = store.case(case_ref)
    if case is None:
        raise UnknownCase(f"no case {case_ref}", hint="list cases with `evidence case list`, or open one with `evidence case open`")
    if case["status"] != "open":
        raise CaseClosed(f"case {case['ref']} is closed; nothing can be added to it",
                         hint="evidence for a closed case needs a new case")
    return case


def ingest(log, *, case_ref: str, kind: str, artifacts: list[ArtifactSource],
           source: dict, action: str, metadata: dict | None = None, note: str | None = None,
           derived_from: dict | None = None, flags: list[str] | None = None,
           details: dict | None = None, post: dict | None = None, ocr_text: str | None = None) -> Ingested:
    """Hash, record, sign and log one evidence item. See the module docstring.

    ``post`` (captures): the post as the metadata artifact states it, for the ``posts`` and search indexes;
    ``ocr_text`` (OCR layers): the layer's text, for the search index."""
    if kind not in KINDS:
        raise ValueError(f"unknown item kind {kind!r}")
    if not artifacts:
        raise InputError("an item needs at least one artifact")
    roles = [a.role for a in artifacts]
    if len(set(roles)) != len(roles):
        raise ValueError(f"artifact roles must be unique: {roles}")
    store: Store = log.store
    case = require_open_case(store, case_ref)
    case_ref = case["ref"]
    signer = log.signer()

    entries: list[dict] = []
    for art in artifacts:
        if art.path is not None:
            tag, size, head = store.artifacts.put_file(art.path)
        elif art.data is not None:
            tag, size, head = store.artifacts.put_bytes(art.data)
        else:
            raise ValueError(f"artifact {art.role} has neither path nor data")
        sniffed = sniff(head)
        mtype = art.media_type or sniffed
        entry: dict[str, Any] = {"role": art.role, "sha256": tag, "size": size, "media_type": mtype}
        if art.media_type and sniffed not in (art.media_type, "application/octet-stream", "text/plain"):
            entry["sniffed_media_type"] = sniffed
        if art.name:
            entry["name"] = art.name
        if art.inspect_image and mtype.startswith("image/") and mtype != "image/svg+xml" and size:
            from .imaging import image_info  # Pillow, loaded when an image is first taken in

            info = image_info(store.artifacts.path(tag))
            if info:
                entry["image"] = info
        entry.update(art.extra)
        entries.append(entry)

    item_id = new_ulid()
    record = build_record(item_id=item_id, store_id=store.store_id, case_ref=case_ref, kind=kind,
                          artifacts=entries, source=source, signer=signer, metadata=metadata, note=note,
                          derived_from=derived_from, flags=flags)
    signed = sign_record(record, signer)
    log_details = {"record_hash": signed.hash, "kind": kind,
                   "artifacts": [{"role": e["role"], "sha256": e["sha256"]} for e in entries]}
    if details:
        log_details.update(details)

    seq = log.write(action, subject={"type": "item", "id": item_id}, case=case_ref, item_id=item_id,
                    details=log_details, attach={"record": signed, "post": post, "ocr_text": ocr_text}, signer=signer,
                    check=lambda: require_open_case(store, case_ref),  # again, under the write lock
                    timestamp=[(f"item:{item_id}", signed.data)])
    return Ingested(item_id=item_id, record=record, record_hash=signed.hash, custody_seq=seq)


def _check_readable(paths: list[Path]) -> None:
    if not paths:
        raise InputError("no files to import", hint="name one or more files")
    for p in paths:
        if not p.exists():
            raise InputError(f"no such file: {p}", hint="check the path")
        if p.is_dir():
            raise InputError(f"{p} is a directory, not a file", hint=f"name the files in it, e.g. {p}/*")
        if not p.is_file():
            raise InputError(f"{p} is not a regular file")
        if not os.access(p, os.R_OK):
            raise InputError(f"cannot read {p}: permission denied", hint="check the file's permissions")
        try:
            with open(p, "rb"):
                pass
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror}") from None


def import_files(log, paths: list[str | os.PathLike], *, case: str, received_from: str, received_at: str,
                 note: str | None = None) -> list[str]:
    """Take in files someone else supplied: one item per file. All files are checked before any is taken in.

    Returns the new items' ids."""
    if not received_from or not received_from.strip():
        raise InputError("say who supplied the files", hint='e.g. --received-from "complainant"')
    received = clock.parse_time_stamp(received_at, what="--received-at")
    require_open_case(log.store, case)
    paths = [Path(p) for p in paths]
    _check_readable(paths)
    log.signer()
    out = []
    for p in paths:
        source = {"type": "supplied", "received_from": received_from.strip(), "received_at": received,
                  "original_filename": p.name, **file_facts(p), "host": host_facts()}
        got = ingest(log, case_ref=case, kind="import", action="item.imported",
                     artifacts=[ArtifactSource(role="original", path=p, name=p.name)], source=source,
                     note=note, flags=["empty-file"] if p.stat().st_size == 0 else None)
        out.append(got.item_id)
    return out


def file_facts(path: Path) -> dict:
    """Facts about a supplied file as it lay on disk when taken in."""
    st = os.stat(path)
    return {"file_modified_utc": clock.utc_string(datetime.fromtimestamp(st.st_mtime, timezone.utc))}
