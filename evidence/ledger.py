"""Trusted time and an append-only proof around the custody log.

* **Merkle log.** Every custody entry is a leaf of an RFC 6962 / RFC 9162 Merkle
  tree (leaf hash SHA-256(0x00 || entry bytes)). Perfect-subtree hashes are kept in
  the store (``merkle_nodes``) as entries are appended, in the same transaction, so
  roots and proofs cost O(log n).
* **Checkpoints.** After each command that appends, the acting investigator signs a
  checkpoint (C2SP signed note: origin ``evidence.store/<store id>``, tree size,
  root, and an extension line ``time <RFC 3339 UTC>``) with the key named
  ``evidence-<first 16 hex of their fingerprint>``.
* **Timestamps.** With timestamp authorities configured (``tsa.url``, ``tsa.root``),
  every record taken in, every checkpoint and every pack's SHA256SUMS gets an
  RFC 3161 token. A TSA that is down or says no never loses evidence: the token is
  marked pending and ``evidence timestamp --pending`` retries; an answer that fails
  the checks is refused and written to the custody log.
"""

from __future__ import annotations

import base64
import json
from typing import Callable

from . import custody, merkle, timeutil
from .checkpoint import format_checkpoint, sign_note
from .digest import sha256_tag, tag_hex
from .errors import InputError, TimestampError

__all__ = ["install", "after_append", "origin", "key_name", "latest_checkpoint", "export_checkpoint",
           "tsa_configured", "tsa_urls", "tsa_roots", "timestamp_pending", "set_config", "CONFIG_KEYS",
           "pack_proofs", "checkpoint_signer", "pack_record_timestamps", "pack_sums_timestamp"]

CONFIG_KEYS = {
    "tsa.url": "timestamp authority URL(s), separated by spaces or commas",
    "tsa.root": "PEM root certificate(s) to trust for the TSA (give a file name; its content is stored)",
    "tsa.timeout": "seconds to wait for a TSA (default 10)",
}


def origin(store) -> str:
    return f"evidence.store/{store.store_id}"


def key_name(fingerprint: str) -> str:
    return "evidence-" + tag_hex(fingerprint)[:16]


class _Nodes:
    """A merkle.NodeSource over a lookup function."""

    def __init__(self, lookup: Callable[[int, int], bytes]):
        self.lookup = lookup

    def node(self, level: int, index: int) -> bytes:
        return self.lookup(level, index)


def _hook(size: int, entry: bytes, lookup: Callable[[int, int], bytes]) -> list:
    return merkle.append_nodes(size, merkle.leaf_hash(entry), _Nodes(lookup))


def install(ev) -> None:
    """Make appends to ``ev.store``'s custody log also grow its Merkle tree (backfilling an older store)."""
    store = ev.store
    have = store.merkle_size()
    total = store.custody_size()
    if have < total:
        with store.write() as tx:
            have = store.merkle_size()
            for row in store.custody(after=have):
                for level, idx, h in _hook(row["seq"] - 1, bytes(row["entry"]), store.merkle_node):
                    tx.insert_merkle_node(level, idx, h)
    store.merkle_hook = _hook


def root(store, size: int) -> bytes:
    return merkle.root(size, _Nodes(store.merkle_node))


def _sign_checkpoint(ev, signer) -> dict | None:
    store = ev.store
    size = store.custody_size()
    latest = store.latest_checkpoint()
    if size == 0 or (latest and latest["size"] >= size):
        return latest
    r = root(store, size)
    now = timeutil.stamp()
    body = format_checkpoint(origin(store), size, r, [f"time {now['utc']}"])
    note = sign_note(body, key_name(signer.fingerprint), signer.private_key)
    with store.write() as tx:
        tx.insert_checkpoint({"size": size, "note": note, "root": r, "created_utc": now["utc"],
                              "signer": signer.fingerprint})
    return store.latest_checkpoint()


def after_append(ev, records: list[tuple[str, bytes]] | None = None) -> None:
    """After a command appended: timestamp new records, then sign (and timestamp) a checkpoint."""
    if not ev.has_signer():
        return
    signer = ev.signer
    if tsa_configured(ev):
        for subject, data in records or []:
            _timestamp(ev, subject, data, signer)
    cp = _sign_checkpoint(ev, signer)
    if cp is not None and tsa_configured(ev):
        _timestamp(ev, f"checkpoint:{cp['size']}", bytes(cp["note"]), signer, log_failure=False)


def consistency_from(ev, note: bytes) -> dict | None:
    """An RFC 9162 consistency proof from the tree size a checkpoint note states to the latest checkpoint.

    Only the note's size line is read here (the verifier checks the note itself); None when the note is
    unreadable or claims more entries than the store holds (the verifier reports that).
    """
    try:
        lines = note.decode("utf-8").split("\n")
        old = int(lines[1])
    except (UnicodeDecodeError, IndexError, ValueError):
        return None
    latest = ev.store.latest_checkpoint()
    if latest is None or old < 1 or old > latest["size"]:
        return None
    new = latest["size"]
    path = merkle.consistency_proof(old, new, _Nodes(ev.store.merkle_node))
    return {"old_size": old, "new_size": new, "new_root": bytes(latest["root"]), "proof": path}


def latest_checkpoint(ev) -> dict | None:
    return ev.store.latest_checkpoint()


def export_checkpoint(ev) -> bytes:
    """Log the export, sign a checkpoint covering it, and return that signed note (to publish or send)."""
    ev._log("checkpoint.exported", subject={"type": "checkpoint", "id": origin(ev.store)},
            details={"size_before": ev.store.custody_size()})
    cp = ev.store.latest_checkpoint()
    return bytes(cp["note"])


# ---------------------------------------------------------------- configuration
def set_config(ev, key: str, value: str | None) -> str | None:
    """Set (or with None, unset) a store setting. ``tsa.root`` takes a file name and stores its PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if key not in CONFIG_KEYS:
        raise InputError(f"unknown setting {key!r}", hint="settings: " + ", ".join(CONFIG_KEYS))
    stored = value
    if value is not None:
        if key == "tsa.url":
            urls = _split_urls(value)
            if not urls:
                raise InputError("give at least one TSA URL")
            for u in urls:
                if not u.startswith(("http://", "https://")):
                    raise InputError(f"TSA URL {u!r} is not http(s)", hint="e.g. https://freetsa.org/tsr")
            stored = " ".join(urls)
        elif key == "tsa.root":
            from pathlib import Path

            try:
                pem = Path(value).read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {value}: {exc.strerror}", hint="give the TSA's root certificate file (PEM)") from None
            try:
                certs = x509.load_pem_x509_certificates(pem)
            except ValueError:
                raise InputError(f"{value} holds no PEM certificate", hint="give the TSA's root certificate (PEM)") from None
            stored = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certs)
        elif key == "tsa.timeout":
            try:
                t = float(value)
            except ValueError:
                raise InputError("tsa.timeout must be a number of seconds") from None
            if not 0 < t <= 300:
                raise InputError("tsa.timeout must be between 0 and 300 seconds")
    signer = ev._registered_signer()
    with ev.store.write() as tx:
        tx.set_setting(key, stored)
        tx.append_custody(custody.builder(
            ev.store.store_id, signer, "config.set", subject={"type": "setting", "id": key},
            details={"key": key, "value": stored if key != "tsa.root" else (sha256_tag(stored.encode()) if stored else None)}))
    ev.after_append()
    return stored


def _split_urls(value: str) -> list[str]:
    return [u for u in value.replace(",", " ").split() if u]


def tsa_urls(ev) -> list[str]:
    return _split_urls(ev.store.setting("tsa.url") or "")


def tsa_roots(ev) -> bytes | None:
    pem = ev.store.setting("tsa.root")
    return pem.encode("ascii") if pem else None


def tsa_configured(ev) -> bool:
    return bool(tsa_urls(ev) and tsa_roots(ev))


def _timestamp(ev, subject: str, data: bytes, signer, *, log_failure: bool = True) -> list[dict]:
    """Ask every configured TSA for a token over ``data``; store it, or mark it pending. Returns the rows."""
    from .timestamp import TSAInvalid, request_timestamp

    store = ev.store
    roots = tsa_roots(ev)
    timeout = float(store.setting("tsa.timeout") or 10)
    out = []
    for url in tsa_urls(ev):
        existing = [r for r in store.timestamps(subject=subject) if r["tsa_url"] == url]
        if existing and existing[0]["status"] == "granted":
            out.append(existing[0])
            continue
        attempts = (existing[0]["attempts"] if existing else 0) + 1
        now = timeutil.stamp()["utc"]
        row = {"subject": subject, "tsa_url": url, "data_hash": sha256_tag(data), "attempts": attempts,
               "requested_utc": existing[0]["requested_utc"] if existing else now, "updated_utc": now}
        try:
            got = request_timestamp(data, url, roots, timeout=timeout)
        except TimestampError as exc:
            row.update(status="pending", response=None, gen_time=None, serial=None, last_error=str(exc))
            with store.write() as tx:
                tx.upsert_timestamp(row)
            if isinstance(exc, TSAInvalid) and log_failure:
                ev._log("timestamp.failed", subject={"type": "timestamp", "id": subject},
                        details={"tsa": url, "error": str(exc), "data_hash": row["data_hash"]}, signer=signer,
                        after=False)
            ev.warnings.append(f"timestamp for {subject} from {url} is pending: {exc.message}")
        else:
            row.update(status="granted", response=got.response, gen_time=got.gen_time, serial=got.serial,
                       last_error=None)
            with store.write() as tx:
                tx.upsert_timestamp(row)
        out.append(row)
    return out


def subject_data(ev, subject: str) -> bytes | None:
    """The exact bytes a timestamp subject stands for."""
    kind, _, ident = subject.partition(":")
    if kind == "item":
        row = ev.store.item(ident)
        return bytes(row["record"]) if row else None
    if kind == "checkpoint":
        cp = next((c for c in ev.store.checkpoints() if c["size"] == int(ident)), None)
        return bytes(cp["note"]) if cp else None
    return None


def timestamp_pending(ev) -> dict:
    """Retry every pending token (records and checkpoints). Returns counts and what is still pending."""
    if not tsa_configured(ev):
        raise InputError("no timestamp authority is configured",
                         hint="evidence config set tsa.url URL; evidence config set tsa.root ROOT.pem")
    signer = ev._registered_signer()
    pending = ev.store.timestamps(status="pending")
    granted = 0
    for row in pending:
        data = subject_data(ev, row["subject"])
        if data is None:
            continue
        for r in _timestamp(ev, row["subject"], data, signer):
            granted += r["status"] == "granted"
    # records and checkpoints that never got a row (TSA configured later) are not back-filled here:
    # timestamps prove when a token was obtained, so a late token is honest but proves less.
    still = ev.store.timestamps(status="pending")
    return {"retried": len(pending), "granted": granted, "pending": [dict(r, response=None) for r in still]}


# ---------------------------------------------------------------- what packs carry
def pack_proofs(ev, seqs: list[int], entries: list[bytes]) -> dict[str, bytes]:
    """The checkpoint covering the pack's entries, an inclusion proof for each, and the checkpoint's token."""
    if not seqs:
        return {}
    need = max(seqs)
    cp = next((c for c in ev.store.checkpoints() if c["size"] >= need), None)
    if cp is None:
        if ev.has_signer():
            cp = _sign_checkpoint(ev, ev.signer)
        if cp is None or cp["size"] < need:
            return {}
    size = cp["size"]
    nodes = _Nodes(ev.store.merkle_node)
    proofs = []
    for seq in seqs:
        path = merkle.inclusion_proof(seq - 1, size, nodes)
        proofs.append({"seq": seq, "index": seq - 1, "path": [base64.b64encode(p).decode("ascii") for p in path]})
    doc = {"checkpoint_size": size, "root": base64.b64encode(bytes(cp["root"])).decode("ascii"), "proofs": proofs}
    from .schemas import validate

    validate(doc, "pack-proofs", what="the pack's inclusion proofs")
    files = {"custody/checkpoint.txt": bytes(cp["note"]),
             "custody/proofs.json": json.dumps(doc, indent=1, sort_keys=True).encode("utf-8") + b"\n"}
    tok = _granted(ev, f"checkpoint:{size}")
    if tok:
        files["custody/checkpoint.tsr"] = tok
    return files


def checkpoint_signer(ev, note: bytes) -> str | None:
    """The fingerprint of the store key whose key name signed ``note``."""
    text = note.decode("utf-8", "replace")
    for k in ev.store.keys():
        if f"\u2014 {key_name(k['fingerprint'])} " in text:
            return k["fingerprint"]
    return None


def _granted(ev, subject: str) -> bytes | None:
    for r in ev.store.timestamps(subject=subject):
        if r["status"] == "granted" and r["response"]:
            return bytes(r["response"])
    return None


def pack_record_timestamps(ev, exhibits: dict[str, str]) -> dict[str, bytes]:
    files = {}
    for eid, item_id in exhibits.items():
        tok = _granted(ev, f"item:{item_id}")
        if tok:
            files[f"timestamps/{eid}.tsr"] = tok
    return files


def pack_sums_timestamp(ev, sums: bytes) -> bytes | None:
    """A token over the pack's SHA256SUMS, reused when the same SHA256SUMS was timestamped before."""
    if not tsa_configured(ev):
        return None
    subject = f"sums:{sha256_tag(sums)}"
    tok = _granted(ev, subject)
    if tok:
        return tok
    _timestamp(ev, subject, sums, ev.signer)
    return _granted(ev, subject)
