"""Evidence records: the signed statement of what an item is, where it came from, and when.

A record is RFC 8785 canonical JSON following ``schemas/record.schema.json``
(``urn:evidence:record:1``). Its exact bytes are stored verbatim, hashed
(``sha256:<hex>``) and signed (Ed25519, raw 64-byte signature) over those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import __version__, clock
from .canonical import canonical_json
from .digest import sha256_tag
from .keys import Signer
from .schemas import schema_id, validate

__all__ = ["SCHEMA", "KINDS", "SignedRecord", "build_record", "sign_record", "tool_info"]

SCHEMA = schema_id("record")
KINDS = ("import", "capture", "redaction", "analysis")


def tool_info() -> dict:
    return {"name": "evidence", "version": __version__}


@dataclass(frozen=True)
class SignedRecord:
    record: dict
    data: bytes
    hash: str
    signature: bytes


def build_record(*, item_id: str, store_id: str, case_ref: str, kind: str, artifacts: list[dict], source: dict,
                 signer: Signer, metadata: dict | None = None, note: str | None = None,
                 derived_from: dict | None = None, flags: list[str] | None = None,
                 created: dict | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "id": item_id,
        "store": store_id,
        "case": case_ref,
        "kind": kind,
        "artifacts": artifacts,
        "source": source,
        "created": created or clock.stamp(),
        "signer": signer.actor(),
        "tool": tool_info(),
    }
    if metadata:
        record["metadata"] = metadata
    if note:
        record["note"] = note
    if derived_from:
        record["derived_from"] = derived_from
    if flags:
        record["flags"] = sorted(set(flags))
    return record


def sign_record(record: dict, signer: Signer, *, schema: str = "record") -> SignedRecord:
    """Validate ``record`` against its schema, canonicalise it, hash and sign the exact bytes."""
    validate(record, schema, what="the record being written")
    data = canonical_json(record)
    return SignedRecord(record=record, data=data, hash=sha256_tag(data), signature=signer.sign(data))
