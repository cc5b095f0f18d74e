"""What the API hands out: items, custody entries and capture outcomes, read from their signed bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .artifacts import artifact_relpath
from .canonical import parse_json
from .errors import UnknownItem

__all__ = ["Item", "CustodyEntry", "CaptureOutcome", "item_from_row", "custody_from_row"]


@dataclass(frozen=True)
class Item:
    """An evidence item as the API shows it (read from its signed record)."""

    id: str
    case_ref: str
    kind: str
    created_utc: str
    record: dict
    record_bytes: bytes
    record_hash: str
    signature: bytes
    signer: str
    derived_from: str | None
    store_path: Path

    @property
    def artifacts(self) -> list[dict]:
        return self.record["artifacts"]

    def artifact(self, role: str) -> dict:
        for a in self.artifacts:
            if a["role"] == role:
                return a
        raise UnknownItem(f"item {self.id} has no artifact {role!r}",
                          hint="its roles are: " + ", ".join(a["role"] for a in self.artifacts))

    def has(self, role: str) -> bool:
        return any(a["role"] == role for a in self.artifacts)

    def path(self, role: str) -> Path:
        return self.store_path / artifact_relpath(self.artifact(role)["sha256"])

    def post(self) -> dict:
        """The post as the capture found it (author, time, text, media), read from the metadata artifact."""
        if self.kind != "capture" or not self.has("metadata"):
            return {}
        try:
            return json.loads(self.path("metadata").read_bytes()).get("post") or {}
        except (OSError, ValueError):
            return dict((self.record.get("metadata") or {}).get("post") or {})

    @property
    def flags(self) -> list[str]:
        return list(self.record.get("flags", []))

    def summary(self) -> dict:
        rec = self.record
        src = rec["source"]
        out = {"id": self.id, "case": self.case_ref, "kind": self.kind, "created": rec["created"]["utc"],
               "signer": rec["signer"]["name"], "signer_fingerprint": rec["signer"]["fingerprint"],
               "record_hash": self.record_hash, "flags": self.flags,
               "artifacts": [{k: a[k] for k in ("role", "sha256", "size", "media_type")} for a in self.artifacts]}
        if src["type"] == "supplied":
            out["source"] = f"{src['original_filename']} from {src['received_from']}"
        elif src["type"] == "web":
            out["source"] = src.get("final_url") or src["url"]
        else:
            out["source"] = f"derived from {rec.get('derived_from', {}).get('item')}"
        post = self.post()
        if post:
            out["post"] = {k: post.get(k) for k in ("platform", "author_name", "author_handle", "author_url",
                                                    "published", "text", "title", "url")}
        return out


@dataclass(frozen=True)
class CustodyEntry:
    seq: int
    entry: dict
    entry_bytes: bytes
    entry_hash: str
    signature: bytes
    actor: str
    action: str
    case_ref: str | None
    item_id: str | None
    time_utc: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "time": self.entry["time"], "actor": self.entry["actor"], "action": self.action,
                "subject": self.entry["subject"], "case": self.case_ref, "details": self.entry["details"],
                "prev": self.entry["prev"], "hash": self.entry_hash, "signature": self.signature.hex()}


@dataclass
class CaptureOutcome:
    """The result of capturing one URL of a batch: an item, or the error that stopped it."""

    url: str
    item: Item | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.item is not None


def item_from_row(row: dict, store_path: Path) -> Item:
    data = bytes(row["record"])
    return Item(id=row["id"], case_ref=row["case_ref"], kind=row["kind"], created_utc=row["created_utc"],
                record=parse_json(data), record_bytes=data, record_hash=row["record_hash"],
                signature=bytes(row["signature"]), signer=row["signer"], derived_from=row["derived_from"],
                store_path=store_path)


def custody_from_row(row: dict) -> CustodyEntry:
    data = bytes(row["entry"])
    return CustodyEntry(seq=row["seq"], entry=parse_json(data), entry_bytes=data, entry_hash=row["entry_hash"],
                        signature=bytes(row["signature"]), actor=row["actor"], action=row["action"],
                        case_ref=row["case_ref"], item_id=row["item_id"], time_utc=row["time_utc"])
