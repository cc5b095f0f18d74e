"""Verify a store: every artifact, record, signature, key and custody entry.

Independent of the code that writes: it reads the raw rows the store holds
(through the store's read methods), and recomputes everything from bytes with
its own key loading, signature checks and file-layout knowledge. It shares only
:mod:`evidence.digest` and :mod:`evidence.canonical` with the writing side.

It never stops at the first problem: every problem found is listed, each naming
the item, artifact, key or entry and what is wrong.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..canonical import canonical_json
from ..canonical import parse_json as _parse
from ..digest import hash_file, is_tag, sha256_tag
from .indexes import artifact_path, check_indexes, note_orphans
from .replay import compare, replay

__all__ = ["Problem", "VerifyReport", "verify_store", "KeyRing"]

INTAKE_ACTIONS = {"item.imported", "item.captured", "item.redacted", "item.derived"}


@dataclass(frozen=True)
class Problem:
    where: str  # "item 01J…", "artifact screenshot of item 01J…", "custody entry 17", "key sha256:…"
    what: str
    code: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"

    def as_dict(self) -> dict:
        return {"where": self.where, "what": self.what, "code": self.code}


@dataclass
class VerifyReport:
    scope: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    logged_as: int | None = None
    checkpoint: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, what: str, code: str) -> None:
        self.problems.append(Problem(where, what, code))

    def as_dict(self) -> dict:
        return {"ok": self.ok, "scope": self.scope, "counts": self.counts,
                "problems": [p.as_dict() for p in self.problems], "notes": self.notes,
                "logged_as": self.logged_as, "checkpoint": self.checkpoint}


class KeyRing:
    """Public keys by fingerprint, each checked against its fingerprint when loaded."""

    def __init__(self):
        self.keys: dict[str, Ed25519PublicKey] = {}
        self.pems: dict[str, str] = {}

    def add_pem(self, fp: str, pem: str) -> str | None:
        """Load a PEM public key claimed to have fingerprint ``fp``. Returns a problem text, or None."""
        try:
            key = serialization.load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            return f"public key cannot be read: {exc}"
        if not isinstance(key, Ed25519PublicKey):
            return "public key is not Ed25519"
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if sha256_tag(der) != fp:
            return f"fingerprint does not match its public key (the key's is {sha256_tag(der)})"
        self.keys[fp] = key
        self.pems[fp] = pem if isinstance(pem, str) else pem.decode("ascii")
        return None

    def check(self, fp: str, signature: bytes, data: bytes) -> str | None:
        key = self.keys.get(fp)
        if key is None:
            return f"signed by {fp}, which is not a registered key"
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return f"signature does not verify with key {fp}"
        return None


def _check_canonical(report: VerifyReport, where: str, data: bytes, parsed) -> None:
    try:
        again = canonical_json(parsed)
    except Exception as exc:  # noqa: BLE001 - anything that cannot be canonicalised is a problem to report
        report.add(where, f"is not canonical JSON ({exc})", "not-canonical")
        return
    if again != data:
        report.add(where, "bytes are not in RFC 8785 canonical form", "not-canonical")


@dataclass
class _Log:
    """What the walk of the custody log found, for the checks that follow it."""

    intake: dict[str, list[tuple[int, dict, str | None]]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    cases: dict[str, dict] = field(default_factory=dict)
    allegations: dict[str, list[dict]] = field(default_factory=dict)
    entries: list[bytes] = field(default_factory=list)
    parsed: list[tuple[int, dict]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def verify_store(store, *, case: str | None = None, item: str | None = None,
                 progress: Callable[[int, int], None] | None = None, since: bytes | None = None,
                 since_proof: dict | None = None, workers: int | None = None,
                 witness: tuple[str, bytes] | None = None, trust: set[str] | None = None,
                 rehash: bool = True) -> VerifyReport:
    """Verify ``store`` (an open :class:`evidence.store.Store`), or only one case or item of it.

    ``witness`` is (where it was kept, the newest checkpoint note witnessed outside the store): the log must
    still extend it. ``trust`` is the set of key fingerprints the reader trusts. ``rehash=False`` checks
    everything but the artifact files' bytes."""
    report = VerifyReport(scope=f"item {item}" if item else f"case {case}" if case else "store")
    ring = KeyRing()
    key_rows = store.keys()
    for k in key_rows:
        problem = ring.add_pem(k["fingerprint"], k["public_pem"])
        if problem:
            report.add(f"key {k['fingerprint']}", problem, "key-bad")
    log = _walk_custody(store, report, ring)
    _check_keys(report, key_rows, log)
    if not item:
        _check_cases(store, report, log, case)
    compare(store, report, replay(log.parsed), case=case, trust=trust)
    to_hash = _check_items(store, report, ring, log, case=case, item=item)
    if rehash:
        _rehash(Path(store.path), report, to_hash, progress, workers)
    _verify_allegations(store, report, ring, log.allegations, case=case, item=item)
    if not item and not case:
        check_indexes(store, report)
    from .log import verify_log

    verify_log(store, report, ring, log.entries, since=since, since_proof=since_proof, witness=witness)
    if not item and not case:
        note_orphans(store, report)
    return report


def _check_entry_row(report: VerifyReport, ring: KeyRing, row: dict, data: bytes, entry: dict, log: _Log) -> bool:
    """An entry's columns, its signature, and what it says for the checks that follow. True if it is signed."""
    seq, where = row["seq"], f"custody entry {row['seq']}"
    actor = (entry.get("actor") or {}).get("fingerprint")
    action = entry.get("action")
    subject = entry.get("subject") or {}
    details = entry.get("details") or {}
    item_col = subject.get("id") if subject.get("type") == "item" else None
    if (row["actor"] != actor or row["action"] != action or row["case_ref"] != entry.get("case")
            or row["time_utc"] != (entry.get("time") or {}).get("utc") or row["item_id"] != item_col):
        report.add(where, "its indexed columns (actor/action/case/item/time) disagree with its signed content",
                   "custody-columns")
    if action == "key.registered":
        # a key registers itself: check it with the key named in the entry
        fp = subject.get("id")
        if fp and details.get("public_key"):
            log.keys[fp] = details["public_key"]
            if fp not in ring.keys:
                tmp = KeyRing()
                if tmp.add_pem(fp, details["public_key"]) is None:
                    ring.keys.setdefault(fp, tmp.keys[fp])
    sig_problem = ring.check(actor, bytes(row["signature"]), data) if actor else "names no actor"
    if sig_problem:
        report.add(where, sig_problem, "custody-signature")
    if action in INTAKE_ACTIONS and subject.get("type") == "item":
        log.intake.setdefault(subject.get("id"), []).append((seq, details, entry.get("case")))
    if action == "store.created":
        _check_store_created(report, where, details, log.meta)
    elif action in ("case.opened", "case.closed"):
        log.cases.setdefault(subject.get("id"), {})[action] = details
    elif action in ("allegation.made", "allegation.withdrawn"):
        log.allegations.setdefault(subject.get("id"), []).append({"action": action, "details": details, "seq": seq})
    return sig_problem is None


def _check_store_created(report: VerifyReport, where: str, details: dict, meta: dict) -> None:
    for k in ("format", "created_utc"):
        if details.get(k) != meta.get(k):
            report.add("store meta", f"{k} is {meta.get(k)!r} but {where} (store.created) says {details.get(k)!r}",
                       "replay-mismatch")
    if str(details.get("version")) != str(meta.get("version")):
        report.add("store meta", f"version is {meta.get('version')!r} but {where} (store.created) says "
                                 f"{details.get('version')!r}", "replay-mismatch")


def _walk_custody(store, report: VerifyReport, ring: KeyRing) -> _Log:
    """The custody log, always walked whole: sequence, hashes, chain, canonical form, signatures."""
    log = _Log(meta=store.meta)
    store_id = store.meta.get("store_id")
    expected_seq, prev_hash = 1, None
    for row in store.iter_custody():
        seq = row["seq"]
        where = f"custody entry {seq}"
        if seq != expected_seq:
            if seq > expected_seq:
                gap = f"{expected_seq}" if seq - expected_seq == 1 else f"{expected_seq}..{seq - 1}"
                report.add(f"custody entries {gap}", "missing: the sequence has a gap (entries deleted?)", "custody-gap")
            else:
                report.add(where, f"out of order (expected {expected_seq})", "custody-gap")
            prev_hash = None  # the link across a gap cannot be checked
        expected_seq = seq + 1
        data = bytes(row["entry"])
        log.entries.append(data)
        actual = sha256_tag(data)
        if row["entry_hash"] != actual:
            report.add(where, "stored hash does not match the entry's bytes (entry altered)", "custody-hash")
        try:
            entry = _parse(data)
            if not isinstance(entry, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            report.add(where, f"is not valid JSON ({exc})", "custody-json")
            problem = ring.check(row["actor"], bytes(row["signature"]), data)
            if problem:
                report.add(where, problem, "custody-signature")
            prev_hash = actual
            continue
        _check_canonical(report, where, data, entry)
        if entry.get("seq") != seq:
            report.add(where, f"says it is entry {entry.get('seq')}", "custody-seq")
        if entry.get("store") != store_id:
            report.add(where, "belongs to another store", "custody-store")
        if seq == 1 and entry.get("prev") is not None:
            report.add(where, "is the first entry but names a previous one", "custody-chain")
        elif prev_hash is not None and entry.get("prev") != prev_hash:
            report.add(where, f"does not follow entry {seq - 1} (prev is {entry.get('prev')}, entry {seq - 1} "
                              f"hashes to {prev_hash})", "custody-chain")
        prev_hash = actual
        _check_entry_row(report, ring, row, data, entry, log)
        if row["entry_hash"] == actual:
            log.parsed.append((seq, entry))  # an entry whose bytes changed since written is named, not replayed
    report.counts["custody_entries"] = len(log.entries)
    return log


def _check_keys(report: VerifyReport, key_rows: list[dict], log: _Log) -> None:
    for k in key_rows:
        fp = k["fingerprint"]
        if fp not in log.keys:
            report.add(f"key {fp}", "is in the store but no custody entry registers it (added behind the tool's back?)",
                       "key-unlogged")
        elif log.keys[fp].strip() != (k["public_pem"] or "").strip():
            report.add(f"key {fp}", "differs from the public key its custody entry registered", "key-mismatch")
    for fp in sorted(set(log.keys) - {k["fingerprint"] for k in key_rows}):
        report.add(f"key {fp}", "was registered in the custody log but is missing from the store", "key-missing")


def _check_cases(store, report: VerifyReport, log: _Log, case: str | None) -> None:
    case_rows = store.cases()
    for c in case_rows:
        if case and c["ref"] != case:
            continue
        logged = log.cases.get(c["ref"], {})
        if "case.opened" not in logged:
            report.add(f"case {c['ref']}", "no custody entry opened it", "case-unlogged")
        if c["status"] == "closed" and "case.closed" not in logged:
            report.add(f"case {c['ref']}", "is closed but no custody entry closed it", "case-unlogged")
        if c["status"] == "open" and "case.closed" in logged:
            report.add(f"case {c['ref']}", "was closed in the custody log but the store shows it open", "case-reopened")
    known_refs = {c["ref"].lower() for c in case_rows}
    for ref in log.cases:
        if case and ref != case:
            continue
        if ref and ref.lower() not in known_refs:
            report.add(f"case {ref}", "was opened in the custody log but is missing from the store", "case-missing")


def _check_record(report: VerifyReport, ring: KeyRing, r: dict, store_id: str | None, log: _Log) -> dict | None:
    """An item's signed record against its row and the custody log. Returns the record, or None if unreadable."""
    iid = r["id"]
    where = f"item {iid}"
    data = bytes(r["record"])
    actual = sha256_tag(data)
    if r["record_hash"] != actual:
        report.add(where, "record does not match its stored hash (record edited in the database?)", "record-hash")
    try:
        rec = _parse(data)
        if not isinstance(rec, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        report.add(where, f"record is not valid JSON ({exc})", "record-json")
        problem = ring.check(r["signer"], bytes(r["signature"]), data)
        if problem:
            report.add(where, f"record {problem}", "record-signature")
        return None
    _check_canonical(report, f"{where} record", data, rec)
    signer = (rec.get("signer") or {}).get("fingerprint")
    if signer != r["signer"]:
        report.add(where, "the signer column disagrees with the signer the record names", "record-columns")
    problem = ring.check(signer, bytes(r["signature"]), data) if signer else "record names no signer"
    if problem:
        report.add(where, f"record {problem}", "record-signature")
    if rec.get("id") != iid:
        report.add(where, f"record is for item {rec.get('id')}", "record-columns")
    if rec.get("case") != r["case_ref"] or rec.get("kind") != r["kind"]:
        report.add(where, "case or kind column disagrees with the signed record", "record-columns")
    created = (rec.get("created") or {}).get("utc")
    derived = (rec.get("derived_from") or {}).get("item")
    if r["created_utc"] != created or r["derived_from"] != derived:
        report.add(where, "created or derived-from column disagrees with the signed record", "record-columns")
    if rec.get("store") != store_id:
        report.add(where, "record belongs to another store", "record-store")
    # the custody log must record this very record
    logged = log.intake.get(iid, [])
    if not logged:
        report.add(where, "no custody entry records its intake", "record-unlogged")
    elif not any(d.get("record_hash") == actual for _, d, _ in logged):
        report.add(where, f"custody entry {logged[0][0]} records a different record hash", "record-unlogged")
    return rec


def _check_artifact_rows(report: VerifyReport, iid: str, rec: dict, rows: dict[str, dict],
                         to_hash: dict[str, list[tuple[str, int]]]) -> None:
    rec_arts = rec.get("artifacts") if isinstance(rec.get("artifacts"), list) else []
    rec_roles = set()
    for art in rec_arts:
        role = art.get("role")
        rec_roles.add(role)
        tag = art.get("sha256")
        awhere = f"artifact {role} of item {iid}"
        if not is_tag(tag):
            report.add(awhere, f"record names a malformed hash {tag!r}", "artifact-record")
            continue
        row_a = rows.get(role)
        if row_a is None:
            report.add(awhere, "is in the record but missing from the artifact table", "artifact-row")
        elif (row_a["sha256"], row_a["size"], row_a["media_type"]) != (tag, art.get("size"), art.get("media_type")):
            report.add(awhere, "artifact table row disagrees with the signed record", "artifact-row")
        to_hash.setdefault(tag, []).append((awhere, art.get("size")))
    for role in set(rows) - rec_roles:
        report.add(f"artifact {role} of item {iid}", "is in the artifact table but not in the signed record",
                   "artifact-row")


def _check_items(store, report: VerifyReport, ring: KeyRing, log: _Log, *, case: str | None,
                 item: str | None) -> dict[str, list[tuple[str, int]]]:
    """Records and artifact rows; returns the files to re-hash (tag -> [(where, size)])."""
    if item:
        row = store.item(item)
        item_rows = [row] if row else []
    else:
        item_rows = store.items(case)
    artifacts_by_item: dict[str, list[dict]] = {}
    for a in store.all_artifacts():
        artifacts_by_item.setdefault(a["item_id"], []).append(a)
    to_hash: dict[str, list[tuple[str, int]]] = {}
    store_id = store.meta.get("store_id")
    for r in item_rows:
        rec = _check_record(report, ring, r, store_id, log)
        if rec is not None:
            rows = {a["role"]: a for a in artifacts_by_item.get(r["id"], [])}
            _check_artifact_rows(report, r["id"], rec, rows, to_hash)
    if not item:
        seen = {r["id"] for r in item_rows}
        for iid, entries in log.intake.items():
            if iid in seen or (case and all(c != case for _, _, c in entries)):
                continue
            report.add(f"item {iid}", f"was logged (custody entry {entries[0][0]}) but is missing from the store",
                       "item-missing")
    report.counts["items"] = len(item_rows)
    return to_hash


def _rehash(root: Path, report: VerifyReport, to_hash: dict[str, list[tuple[str, int]]],
            progress: Callable[[int, int], None] | None, workers: int | None) -> None:
    """Re-hash every artifact file, in parallel, and compare with the signed records."""
    total = sum(max(0, sizes[0][1] or 0) for sizes in to_hash.values())
    report.counts["artifacts"] = sum(len(v) for v in to_hash.values())
    report.counts["artifact_files"] = len(to_hash)
    report.counts["bytes"] = total
    done = 0

    def check(tag: str):
        try:
            got, size = hash_file(artifact_path(root, tag))
        except FileNotFoundError:
            return tag, None, None, "missing"
        except OSError as exc:
            return tag, None, None, f"unreadable ({exc.strerror})"
        return tag, got, size, None

    if progress:
        progress(0, total)
    with ThreadPoolExecutor(max_workers=max(1, workers or min(4, (os.cpu_count() or 1)))) as pool:
        for tag, got, size, err in pool.map(check, list(to_hash)):
            for awhere, want_size in to_hash[tag]:
                if err == "missing":
                    report.add(awhere, f"file {tag} is missing from the store (deleted behind the tool's back?)",
                               "artifact-missing")
                elif err:
                    report.add(awhere, f"file {tag} is {err}", "artifact-unreadable")
                elif got != tag:
                    report.add(awhere, f"file content changed: it now hashes to {got}, the record says {tag}",
                               "artifact-altered")
                elif want_size is not None and size != want_size:
                    report.add(awhere, f"size is {size}, the record says {want_size}", "artifact-size")
            done += to_hash[tag][0][1] or 0
            if progress:
                progress(done, total)


def _verify_allegations(store, report: VerifyReport, ring: KeyRing, log: dict, *, case, item) -> None:
    if item:
        return
    events = store.allegation_events()
    by_alleg: dict[str, list[dict]] = {}
    for ev in events:
        by_alleg.setdefault(ev["allegation_id"], []).append(ev)
    rows = {a["id"]: a for a in store.allegations(case)}
    for aid, arow in rows.items():
        where = f"allegation {aid}"
        evs = by_alleg.get(aid, [])
        if not evs:
            report.add(where, "has no signed record", "allegation-record")
            continue
        logged = log.get(aid, [])
        status = "open"
        for ev in evs:
            data = bytes(ev["record"])
            actual = sha256_tag(data)
            if ev["record_hash"] != actual:
                report.add(where, f"{ev['event']} record does not match its stored hash", "allegation-hash")
            try:
                rec = _parse(data)
            except (ValueError, UnicodeDecodeError):
                report.add(where, f"{ev['event']} record is not valid JSON", "allegation-json")
                continue
            _check_canonical(report, f"{where} {ev['event']} record", data, rec)
            signer = (rec.get("signer") or {}).get("fingerprint")
            problem = ring.check(signer, bytes(ev["signature"]), data) if signer else "names no signer"
            if problem:
                report.add(where, f"{ev['event']} record {problem}", "allegation-signature")
            if rec.get("allegation") != aid:
                report.add(where, f"{ev['event']} record is for allegation {rec.get('allegation')}", "allegation-record")
            if (ev["id"] != f"{aid}:{ev['event']}" or ev["event"] != rec.get("event") or signer != ev["signer"]
                    or ev["created_utc"] != (rec.get("created") or {}).get("utc")):
                report.add(where, f"{ev['event']} record's columns (id/event/signer/created) disagree with the signed "
                                  "record", "allegation-columns")
            for cited in rec.get("evidence") or []:
                irow = store.item(cited.get("item"))
                if irow is None:
                    report.add(where, f"cites item {cited.get('item')}, which is missing from the store", "allegation-item")
                elif sha256_tag(bytes(irow["record"])) != cited.get("record_sha256"):
                    report.add(where, f"cites item {cited.get('item')} by a record hash its record no longer has",
                               "allegation-item")
            if ev["event"] == "made" and arow["created_utc"] != (rec.get("created") or {}).get("utc"):
                report.add(where, "created column disagrees with the signed record", "allegation-columns")
            pol = (rec.get("policy") or {}).get("sha256")
            if pol != arow.get("policy_sha256"):
                report.add(where, "policy column disagrees with the signed record", "allegation-columns")
            want_action = "allegation.made" if ev["event"] == "made" else "allegation.withdrawn"
            if not any(e["action"] == want_action and e["details"].get("record_hash") == actual for e in logged):
                report.add(where, f"no custody entry records its {ev['event']} record", "allegation-unlogged")
            if ev["event"] == "withdrawn":
                status = "withdrawn"
        if arow["status"] != status:
            report.add(where, f"store shows it {arow['status']} but its signed records say {status}", "allegation-status")
    if not case:
        for aid in log:
            if aid not in rows:
                report.add(f"allegation {aid}", "was logged but is missing from the store", "allegation-missing")
    # the policy catalogues allegations cite are kept, byte for byte, in the artifact folder
    for tag in sorted({a["policy_sha256"] for a in rows.values()}):
        path = artifact_path(Path(store.path), tag)
        try:
            got, _ = hash_file(path)
        except OSError:
            report.add(f"policy catalogue {tag}", "is missing from the artifact folder", "policy-missing")
            continue
        if got != tag:
            report.add(f"policy catalogue {tag}", f"content changed: it now hashes to {got}", "policy-altered")
