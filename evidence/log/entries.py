"""Custody entries: one signed, hash-chained line per action.

An entry is RFC 8785 canonical JSON::

    {"schema": "urn:evidence:custody-entry:1", "store": <store id>, "seq": 17,
     "prev": "sha256:<hash of entry 16>" | null, "time": {"utc": ..., "local": ...},
     "actor": {"fingerprint": ..., "name": ..., "role": ...}, "action": "item.imported",
     "subject": {"type": "item", "id": ...}, "case": "SMP-2026-014" | null, "details": {...}}

Its hash is ``sha256:`` of those exact bytes; its signature is Ed25519 over the same bytes
by the actor's key. The store appends entries under a write lock, so the sequence has
no gaps and each ``prev`` names the entry before it.
"""

from __future__ import annotations

from ..canonical import canonical_json
from ..digest import sha256_tag
from ..keys import Signer
from ..schemas import schema_id
from ..store import CustodyRow
from .. import clock

__all__ = ["ACTIONS", "SCHEMA", "builder"]

SCHEMA = schema_id("custody-entry")

ACTIONS = {
    "store.created": "the store was sealed by its first key, which it trusts",
    "key.registered": "a public key was registered in the store",
    "key.trusted": "a registered key was approved to write by a trusted supervisor or administrator",
    "case.opened": "a case was opened",
    "case.updated": "a case's title or parties were changed",
    "case.closed": "a case was closed",
    "item.imported": "files supplied by someone else were taken in",
    "item.captured": "a web page was captured",
    "capture.failed": "a capture was attempted and failed (nothing stored)",
    "item.redacted": "a redacted copy of a screenshot was made",
    "artifact.exported": "artifacts were copied out of the store",
    "artifact.viewed": "an artifact was read through the tool",
    "verify.run": "the store was verified",
    "allegation.made": "exhibits were linked to a policy clause",
    "allegation.withdrawn": "an allegation was withdrawn",
    "bundle.built": "a panel pack was built and disclosed",
    "config.set": "a store setting was changed",
    "timestamp.added": "a trusted timestamp was obtained",
    "timestamp.failed": "a timestamp authority's answer was refused",
    "checkpoint.exported": "a checkpoint was exported for publication",
    "match.recorded": "a supplied image was compared with the captures of its case (OCR and perceptual hashes)",
    "wacz.exported": "the web archives (WARCs) of captures were exported as a WACZ package",
    "case.approved": "a supervisor approved the case's contents (its items' record hashes and its allegations)",
    "item.derived": "an analysis of an item was kept (an OCR text layer, a recapture's difference image)",
    "recapture.compared": "a post was captured again and compared with its earlier capture",
    "recapture.scheduled": "how often a case's posts are recaptured was set",
}


def builder(store_id: str, signer: Signer, action: str, *, subject: dict, case: str | None = None,
            item_id: str | None = None, details: dict | None = None):
    """A :data:`evidence.store.CustodyBuilder` for one entry (built and signed inside the write lock)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown custody action {action!r}")

    def build(seq: int, prev: str | None) -> CustodyRow:
        time = clock.stamp()
        entry = {
            "schema": SCHEMA,
            "store": store_id,
            "seq": seq,
            "prev": prev,
            "time": time,
            "actor": signer.actor(),
            "action": action,
            "subject": subject,
            "case": case,
            "details": details or {},
        }
        data = canonical_json(entry)
        return CustodyRow(seq=seq, entry=data, entry_hash=sha256_tag(data), signature=signer.sign(data),
                          actor=signer.fingerprint, action=action, case_ref=case, item_id=item_id,
                          time_utc=time["utc"])

    return build
