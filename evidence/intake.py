"""The one way evidence enters the store.

Import, capture and redaction all call :func:`ingest`, which

1. checks the case is open and the signer's key is registered,
2. copies every artifact into the content-addressed folder, hashing while copying,
   and sniffs its media type from its bytes (and reads image facts with Pillow),
3. builds the record, validates it against its schema, canonicalises, hashes and signs it,
4. in one short transaction: re-checks the case, inserts the item, its artifacts
   and the signed custody entry.

A process killed at any point leaves either the whole item or nothing (artifact
files copied before the transaction belong to no item until it commits; verify
reports them as unreferenced, not as damage).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import custody
from .errors import CaseClosed, InputError, KeyNotRegistered, UnknownCase
from .ids import new_ulid
from .imaging import image_info
from .keys import Signer
from .records import KINDS, build_record, sign_record
from .sniff import sniff
from .store import Store

__all__ = ["ArtifactSource", "Ingested", "ingest", "require_open_case", "require_registered"]


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


def require_registered(store: Store, signer: Signer) -> None:
    if store.key(signer.fingerprint) is None:
        raise KeyNotRegistered(f"key {signer.fingerprint} ({signer.name}) is not registered in this store",
                               hint="register it with `evidence key register`")


def ingest(store: Store, signer: Signer, *, case_ref: str, kind: str, artifacts: list[ArtifactSource],
           source: dict, action: str, metadata: dict | None = None, note: str | None = None,
           derived_from: dict | None = None, flags: list[str] | None = None,
           details: dict | None = None, before_commit: Callable[[Any], None] | None = None) -> Ingested:
    """Hash, record, sign and log one evidence item. See the module docstring."""
    if kind not in KINDS:
        raise ValueError(f"unknown item kind {kind!r}")
    if not artifacts:
        raise InputError("an item needs at least one artifact")
    roles = [a.role for a in artifacts]
    if len(set(roles)) != len(roles):
        raise ValueError(f"artifact roles must be unique: {roles}")
    case = require_open_case(store, case_ref)
    case_ref = case["ref"]
    require_registered(store, signer)

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

    with store.write() as tx:
        require_open_case(store, case_ref)  # again, under the write lock
        tx.insert_item({
            "id": item_id, "case_ref": case_ref, "kind": kind, "record": signed.data,
            "record_hash": signed.hash, "signature": signed.signature, "signer": signer.fingerprint,
            "created_utc": record["created"]["utc"],
            "derived_from": (derived_from or {}).get("item"),
        })
        for e in entries:
            tx.insert_artifact({"item_id": item_id, "role": e["role"], "sha256": e["sha256"], "size": e["size"],
                                "media_type": e["media_type"]})
        row = tx.append_custody(custody.builder(
            store.store_id, signer, action, subject={"type": "item", "id": item_id}, case=case_ref,
            item_id=item_id, details=log_details))
        if before_commit is not None:
            before_commit(tx)
    return Ingested(item_id=item_id, record=record, record_hash=signed.hash, custody_seq=row.seq)


def file_facts(path: Path) -> dict:
    """Facts about a supplied file as it lay on disk when taken in."""
    st = os.stat(path)
    from datetime import datetime, timezone

    from .timeutil import utc_string

    return {"file_modified_utc": utc_string(datetime.fromtimestamp(st.st_mtime, timezone.utc))}
