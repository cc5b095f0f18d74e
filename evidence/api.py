"""The Python API: everything the command line does, as methods of :class:`Evidence`.

Example::

    import evidence
    ev = evidence.Evidence.open("/srv/evidence-store", key_file=None, passphrase=b"...")
    ev.open_case("SMP-2026-014", title="Posts about a colleague", subject="J. Doe")
    items = ev.import_files(["shot.png"], case="SMP-2026-014", received_from="complainant",
                            received_at="2026-11-20T09:14Z")
    report = ev.verify()
    assert report.ok, report.problems

The signing key is unlocked only when something is written (``signer_factory`` is
called once, on first need), so read-only use never asks for a passphrase.
"""

from __future__ import annotations

import mimetypes
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import custody, timeutil
from .canonical import parse_json
from .config import resolve_key_file, resolve_store_path
from .digest import hash_file
from .errors import (EvidenceError, InputError, KeyNotRegistered, NoKey, UnknownCase, UnknownItem)
from .intake import ArtifactSource, file_facts, ingest, require_open_case, require_registered
from .keys import Signer, load_signer
from .store import Store

__all__ = ["Evidence", "Item", "CustodyEntry", "CaptureOutcome", "CASE_REF_RE", "validate_case_ref"]

CASE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,62}$")


def validate_case_ref(ref: str) -> str:
    if not isinstance(ref, str) or not CASE_REF_RE.match(ref) or ".." in ref:
        raise InputError(f"invalid case reference {ref!r}",
                         hint="use 2-63 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. SMP-2026-014")
    return ref


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
        from .artifacts import artifact_relpath

        return self.store_path / artifact_relpath(self.artifact(role)["sha256"])

    def post(self) -> dict:
        """The post as the capture found it (author, time, text, media), read from the metadata artifact."""
        if self.kind != "capture" or not self.has("metadata"):
            return {}
        import json as _json

        try:
            return _json.loads(self.path("metadata").read_bytes()).get("post") or {}
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


def _item_from_row(row: dict, store_path: Path) -> Item:
    data = bytes(row["record"])
    return Item(id=row["id"], case_ref=row["case_ref"], kind=row["kind"], created_utc=row["created_utc"],
                record=parse_json(data), record_bytes=data, record_hash=row["record_hash"],
                signature=bytes(row["signature"]), signer=row["signer"], derived_from=row["derived_from"],
                store_path=store_path)


def _custody_from_row(row: dict) -> CustodyEntry:
    data = bytes(row["entry"])
    return CustodyEntry(seq=row["seq"], entry=parse_json(data), entry_bytes=data, entry_hash=row["entry_hash"],
                        signature=bytes(row["signature"]), actor=row["actor"], action=row["action"],
                        case_ref=row["case_ref"], item_id=row["item_id"], time_utc=row["time_utc"])


class Evidence:
    """An open store and (lazily) the investigator's signing key."""

    def __init__(self, store: Store, signer: Signer | None = None,
                 signer_factory: Callable[[], Signer] | None = None):
        self.store = store
        self._signer = signer
        self._signer_factory = signer_factory
        self.warnings: list[str] = []  # things the user should be told (e.g. a timestamp left pending)
        from . import ledger

        ledger.install(self)

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, store: str | os.PathLike | None = None, *, key_file: str | os.PathLike | None = None,
             passphrase: bytes | Callable[[], bytes] | None = None,
             signer_factory: Callable[[], Signer] | None = None) -> "Evidence":
        """Open the store at ``store`` (or EVIDENCE_STORE, or the default).

        ``passphrase`` may be bytes or a callable returning bytes (called only when a key is needed).
        """
        st = Store.open(resolve_store_path(store))
        if signer_factory is None:
            def signer_factory() -> Signer:
                kf = resolve_key_file(key_file)
                pw = passphrase() if callable(passphrase) else passphrase
                return load_signer(kf, pw)
        return cls(st, signer_factory=signer_factory)

    @classmethod
    def init(cls, store: str | os.PathLike | None = None) -> "Evidence":
        return cls(Store.init(resolve_store_path(store)))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Evidence":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def signer(self) -> Signer:
        if self._signer is None:
            if self._signer_factory is None:
                raise NoKey("no signing key given", hint="make one with `evidence key create`")
            self._signer = self._signer_factory()
        return self._signer

    def has_signer(self) -> bool:
        return self._signer is not None or self._signer_factory is not None

    def _registered_signer(self) -> Signer:
        signer = self.signer
        require_registered(self.store, signer)
        return signer

    def _log(self, action: str, *, subject: dict, case: str | None = None, item_id: str | None = None,
             details: dict | None = None, signer: Signer | None = None, after: bool = True) -> CustodyEntry:
        signer = signer or self._registered_signer()
        with self.store.write() as tx:
            row = tx.append_custody(custody.builder(self.store.store_id, signer, action, subject=subject, case=case,
                                                    item_id=item_id, details=details))
        if after:
            self.after_append()
        return self.custody_entry(row.seq)

    def after_append(self, records: list[tuple[str, bytes]] | None = None) -> None:
        """Run after every command that appended to the log: timestamps ``records`` (subject, bytes) when a
        timestamp authority is configured, and signs a checkpoint (see :mod:`evidence.ledger`)."""
        from . import ledger

        ledger.after_append(self, records)

    # ------------------------------------------------------------ keys
    def register_key(self, signer: Signer | None = None) -> dict:
        """Register ``signer``'s public key in this store (idempotent)."""
        signer = signer or self.signer
        existing = self.store.key(signer.fingerprint)
        if existing:
            return existing
        ident = signer.identity
        now = timeutil.stamp()
        with self.store.write() as tx:
            tx.insert_key({"fingerprint": ident.fingerprint, "name": ident.name, "email": ident.email,
                           "role": ident.role, "public_pem": ident.public_pem, "registered_utc": now["utc"]})
            tx.append_custody(custody.builder(
                self.store.store_id, signer, "key.registered", subject={"type": "key", "id": ident.fingerprint},
                details={"name": ident.name, "email": ident.email, "role": ident.role,
                         "public_key": ident.public_pem}))
        self.after_append()
        return self.store.key(signer.fingerprint)

    def keys(self) -> list[dict]:
        return self.store.keys()

    def key(self, fp_or_prefix: str) -> dict:
        want = fp_or_prefix if fp_or_prefix.startswith("sha256:") else "sha256:" + fp_or_prefix
        matches = [k for k in self.store.keys() if k["fingerprint"].startswith(want)]
        if not matches:
            raise KeyNotRegistered(f"no key {fp_or_prefix} in this store", hint="list them with `evidence key list`")
        if len(matches) > 1:
            raise InputError(f"{fp_or_prefix} matches {len(matches)} keys", hint="give more of the fingerprint")
        return matches[0]

    # ------------------------------------------------------------ cases
    def open_case(self, ref: str, *, title: str, subject: str | None = None,
                  complainant: str | None = None) -> dict:
        validate_case_ref(ref)
        if not title or not title.strip():
            raise InputError("a case needs a title", hint='e.g. --title "Posts about a colleague"')
        signer = self._registered_signer()
        now = timeutil.stamp()
        with self.store.write() as tx:
            tx.insert_case({"ref": ref, "title": title.strip(), "subject": subject, "complainant": complainant,
                            "status": "open", "opened_utc": now["utc"], "opened_by": signer.fingerprint})
            tx.append_custody(custody.builder(
                self.store.store_id, signer, "case.opened", subject={"type": "case", "id": ref}, case=ref,
                details={"title": title.strip(), "subject": subject, "complainant": complainant}))
        self.after_append()
        return self.case(ref)

    def close_case(self, ref: str, *, reason: str) -> dict:
        if not reason or not reason.strip():
            raise InputError("closing a case needs a reason", hint='e.g. --reason "panel decided 2026-12-01"')
        case = require_open_case(self.store, ref)
        signer = self._registered_signer()
        now = timeutil.stamp()
        with self.store.write() as tx:
            require_open_case(self.store, case["ref"])
            tx.close_case(case["ref"], now["utc"], signer.fingerprint, reason.strip())
            tx.append_custody(custody.builder(
                self.store.store_id, signer, "case.closed", subject={"type": "case", "id": case["ref"]},
                case=case["ref"], details={"reason": reason.strip()}))
        self.after_append()
        return self.case(case["ref"])

    def case(self, ref: str) -> dict:
        case = self.store.case(ref)
        if case is None:
            raise UnknownCase(f"no case {ref}", hint="list cases with `evidence case list`")
        case = dict(case)
        case["items"] = self.store.item_counts().get(case["ref"], 0)
        return case

    def cases(self) -> list[dict]:
        counts = self.store.item_counts()
        return [dict(c, items=counts.get(c["ref"], 0)) for c in self.store.cases()]

    # ------------------------------------------------------------ items
    def import_files(self, paths: Iterable[str | os.PathLike], *, case: str, received_from: str,
                     received_at: str, note: str | None = None) -> list[Item]:
        """Take in files someone else supplied: one item per file. All files are checked before any is taken in."""
        if not received_from or not received_from.strip():
            raise InputError("say who supplied the files", hint='e.g. --received-from "complainant"')
        received = timeutil.parse_time_stamp(received_at, what="--received-at")
        require_open_case(self.store, case)
        paths = [Path(p) for p in paths]
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
        signer = self._registered_signer()
        out = []
        for p in paths:
            facts = file_facts(p)
            size = p.stat().st_size
            source = {"type": "supplied", "received_from": received_from.strip(), "received_at": received,
                      "original_filename": p.name, **facts}
            got = ingest(self.store, signer, case_ref=case, kind="import", action="item.imported",
                         artifacts=[ArtifactSource(role="original", path=p, name=p.name)], source=source,
                         note=note, flags=["empty-file"] if size == 0 else None)
            item = self.item(got.item_id)
            out.append(item)
            self.after_append([(f"item:{item.id}", item.record_bytes)])
        return out

    def item(self, item_id: str) -> Item:
        """An item by its id or a unique prefix of it (at least 6 characters)."""
        row = self.store.item(item_id)
        if row is None:
            matches = self.store.items_by_prefix(item_id) if len(item_id) >= 6 else []
            if len(matches) == 1:
                row = self.store.item(matches[0]["id"])
            elif len(matches) > 1:
                raise UnknownItem(f"{item_id} matches several items", hint="give more of the id")
        if row is None:
            raise UnknownItem(f"no item {item_id}", hint="list items with `evidence items --case REF`")
        return _item_from_row(row, self.store.path)

    def items(self, case: str | None = None) -> list[Item]:
        if case is not None:
            case = self.case(case)["ref"]
        return [_item_from_row(r, self.store.path) for r in self.store.items(case)]

    def timestamps(self, item_id: str) -> list[dict]:
        """The trusted timestamps of an item's record (granted or pending), without the DER bytes."""
        it = self.item(item_id)
        return [{k: v for k, v in r.items() if k != "response"} for r in self.store.timestamps(subject=f"item:{it.id}")]

    def derived(self, item_id: str) -> list[Item]:
        return [_item_from_row(r, self.store.path) for r in self.store.derived_items(item_id)]

    def export(self, item_id: str, to: str | os.PathLike, *, roles: Iterable[str] | None = None) -> list[Path]:
        """Copy an item's artifacts (and its signed record) into folder ``to``; logged. Each copy is re-hashed."""
        item = self.item(item_id)
        dest = Path(to)
        if dest.exists() and not dest.is_dir():
            raise InputError(f"{dest} is not a folder", hint="give a folder for --to")
        wanted = list(roles) if roles else [a["role"] for a in item.artifacts]
        for r in wanted:
            item.artifact(r)
        target = dest / item.id
        if target.exists():
            raise InputError(f"{target} already exists; export never overwrites", hint="choose another --to")
        signer = self._registered_signer()
        target.mkdir(parents=True)
        written = []
        for r in wanted:
            art = item.artifact(r)
            ext = _extension(art["media_type"])
            out = target / f"{r}{ext}"
            shutil.copyfile(item.path(r), out)
            tag, _ = hash_file(out)
            if tag != art["sha256"]:
                raise EvidenceError(f"the copy of {r} does not match its recorded hash",
                                    hint="run `evidence verify`: the stored artifact may be damaged")
            written.append(out)
        (target / "record.json").write_bytes(item.record_bytes)
        (target / "record.sig").write_bytes(item.signature)
        written += [target / "record.json", target / "record.sig"]
        self._log("artifact.exported", subject={"type": "item", "id": item.id}, case=item.case_ref, item_id=item.id,
                  signer=signer, details={"to": str(target.resolve()),
                                          "artifacts": [{"role": r, "sha256": item.artifact(r)["sha256"]}
                                                        for r in wanted]})
        return written

    def read_artifact(self, item_id: str, role: str | None = None) -> tuple[dict, bytes]:
        """The bytes of one artifact, read through the tool (logged as viewed)."""
        item = self.item(item_id)
        art = item.artifact(role) if role else item.artifacts[0]
        data = item.path(art["role"]).read_bytes()
        self._log("artifact.viewed", subject={"type": "item", "id": item.id}, case=item.case_ref, item_id=item.id,
                  details={"role": art["role"], "sha256": art["sha256"]})
        return art, data

    # ------------------------------------------------------------ capture
    def capture(self, url: str, *, case: str, options=None, note: str | None = None, capturer=None) -> Item:
        """Capture the page at ``url`` into ``case``: screenshots, served HTML, DOM, MHTML, HAR, metadata.

        ``capturer`` may be a running :class:`evidence.capture.SyncCapturer` (a warm browser); otherwise
        one is started for this capture. A failure is written to the custody log, then raised.
        """
        from .capture.page import CaptureOptions, SyncCapturer
        from .capture.urls import validate_url
        from .errors import CaptureError

        url = validate_url(url)
        options = (options or CaptureOptions()).check()
        case_ref = require_open_case(self.store, case)["ref"]
        self._registered_signer()
        own = capturer is None
        try:
            if own:
                capturer = SyncCapturer(options)
                capturer.start()
            try:
                pc = capturer.capture(url, options)
            except CaptureError as exc:
                self._log_capture_failure(case_ref, url, exc)
                raise
        finally:
            if own and capturer is not None:
                capturer.close()
        return self._store_capture(pc, case_ref, note)

    def capture_many(self, urls: list[str], *, case: str, options=None, concurrency: int = 2,
                     note: str | None = None, on_result: Callable[[CaptureOutcome], None] | None = None
                     ) -> list[CaptureOutcome]:
        """Capture many URLs with one warm browser, ``concurrency`` pages at a time.

        All URLs are checked first (a malformed one stops the batch before anything is captured);
        then a failing URL is logged and reported and the others go on.
        """
        import asyncio

        from .capture.page import Capturer, CaptureOptions
        from .capture.urls import validate_url
        from .errors import CaptureError

        bad = []
        for i, u in enumerate(urls, 1):
            try:
                validate_url(u)
            except InputError as exc:
                bad.append(f"#{i} {exc}")
        if bad:
            raise InputError(f"{len(bad)} of {len(urls)} URLs cannot be captured: " + "; ".join(bad[:5]),
                             hint="fix or remove them; nothing was captured")
        if not urls:
            raise InputError("no URLs to capture", hint="the file holds no URLs (blank lines and # comments are skipped)")
        if not 1 <= concurrency <= 16:
            raise InputError("concurrency must be 1 to 16")
        options = (options or CaptureOptions()).check()
        case_ref = require_open_case(self.store, case)["ref"]
        self._registered_signer()

        import threading

        store_lock = threading.Lock()  # one writer at a time on the store's connection

        def store(pc):
            with store_lock:
                return self._store_capture(pc, case_ref, note)

        async def run() -> list[CaptureOutcome]:
            async with Capturer(options, spares=concurrency) as cap:
                sem = asyncio.Semaphore(concurrency)

                async def one(u: str) -> CaptureOutcome:
                    async with sem:
                        try:
                            pc = await cap.capture(u, options)
                            # storing (copy, hash, sign, SQL) runs in a thread: other pages keep loading
                            item = await asyncio.to_thread(store, pc)
                            out = CaptureOutcome(u, item=item, warnings=pc.warnings)
                        except CaptureError as exc:
                            with store_lock:
                                self._log_capture_failure(case_ref, u, exc)
                            out = CaptureOutcome(u, error=str(exc))
                        except EvidenceError as exc:
                            out = CaptureOutcome(u, error=str(exc))
                        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the batch
                            err = CaptureError(f"could not capture {u}: {type(exc).__name__}: {exc}")
                            with store_lock:
                                self._log_capture_failure(case_ref, u, err)
                            out = CaptureOutcome(u, error=str(err))
                    if on_result:
                        on_result(out)
                    return out

                return list(await asyncio.gather(*(one(u) for u in urls)))

        return asyncio.run(run())

    def _log_capture_failure(self, case_ref: str, url: str, exc: Exception) -> None:
        self._log("capture.failed", subject={"type": "url", "id": url}, case=case_ref,
                  details={"url": url, "error": str(exc), "reason": getattr(exc, "reason", None)})

    def _store_capture(self, pc, case_ref: str, note: str | None) -> Item:
        import json as _json

        from .records import tool_info
        from .schemas import schema_id, validate

        signer = self._registered_signer()
        meta = dict(pc.metadata)
        meta["schema"] = schema_id("capture-metadata")
        meta["tool"] = tool_info()
        meta["investigator"] = signer.actor()
        meta["flags"] = pc.flags
        validate(meta, "capture-metadata", what="the capture metadata")
        meta_bytes = _json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
        arts = [
            ArtifactSource("screenshot", data=pc.screenshot, media_type="image/png"),
            ArtifactSource("screenshot_viewport", data=pc.screenshot_viewport, media_type="image/png"),
        ]
        if pc.served is not None:
            extra = {"declared_media_type": pc.served_media_type} if pc.served_media_type else {}
            arts.append(ArtifactSource("served", data=pc.served, inspect_image=True, extra=extra))
        arts.append(ArtifactSource("dom", data=pc.dom, media_type="text/html", inspect_image=False))
        if pc.mhtml is not None:
            arts.append(ArtifactSource("mhtml", data=pc.mhtml, media_type="multipart/related", inspect_image=False))
        if pc.har is not None:
            arts.append(ArtifactSource("har", data=pc.har, media_type="application/json", inspect_image=False))
        arts.append(ArtifactSource("metadata", data=meta_bytes, media_type="application/json", inspect_image=False))
        post = meta.get("post") or {}
        source = {"type": "web", "url": pc.url, "final_url": pc.final_url, "http_status": pc.status,
                  "started": meta["capture"]["started"], "finished": meta["capture"]["finished"],
                  "browser": f"chromium {meta['browser']['version']}", "session": meta["session"].get("label")
                  if meta["session"].get("used") else None, "session_sha256": meta["session"].get("sha256")}
        # the record names the post's author and time; its text (which may name third parties) stays in
        # the metadata artifact, so a redacted pack can withhold it and still carry the signed record
        metadata = {"post": {k: post.get(k) for k in ("platform", "author_name", "author_handle", "author_url",
                                                      "published", "title", "url")},
                    "title": meta["page"].get("title"), "http_status": pc.status, "warnings": list(pc.warnings)}
        got = ingest(self.store, signer, case_ref=case_ref, kind="capture", action="item.captured", artifacts=arts,
                     source=source, metadata=metadata, note=note, flags=pc.flags,
                     details={"url": pc.url, "final_url": pc.final_url, "http_status": pc.status})
        item = self.item(got.item_id)
        self.after_append([(f"item:{item.id}", item.record_bytes)])
        return item

    # ------------------------------------------------------------ custody
    def custody(self, *, case: str | None = None, item: str | None = None) -> list[CustodyEntry]:
        if item is not None:
            it = self.item(item)
            rows = self.store.custody(item_id=it.id)
        elif case is not None:
            rows = self.store.custody(case_ref=self.case(case)["ref"])
        else:
            rows = list(self.store.iter_custody())
        return [_custody_from_row(r) for r in rows]

    def custody_entry(self, seq: int) -> CustodyEntry:
        row = self.store.custody_entry(seq)
        if row is None:
            raise EvidenceError(f"no custody entry {seq}")
        return _custody_from_row(row)

    # ------------------------------------------------------------ verify
    def verify(self, *, case: str | None = None, item: str | None = None,
               progress: Callable[[int, int], None] | None = None, log: bool = True, since: bytes | None = None,
               workers: int | None = None):
        """Check everything (or one case, or one item). Returns a report listing every problem.

        When ``log`` is true and a signing key is at hand, the run is written to the custody log.
        """
        from .verify.store import verify_store

        scope_case = self.case(case)["ref"] if case else None
        scope_item = self.item(item).id if item else None
        since_proof = None
        if since is not None:
            from . import ledger

            since_proof = ledger.consistency_from(self, since)
        report = verify_store(self.store, case=scope_case, item=scope_item, progress=progress, since=since,
                              since_proof=since_proof, workers=workers)
        if log and self.has_signer():
            try:
                signer = self._registered_signer()
            except (NoKey, KeyNotRegistered) as exc:
                report.notes.append(f"this run was not logged: {exc}")
            else:
                entry = self._log("verify.run", subject={"type": "store", "id": self.store.store_id},
                                  case=scope_case, item_id=scope_item, signer=signer,
                                  details={"scope": report.scope, "ok": report.ok,
                                           "problems": len(report.problems), "items": report.counts.get("items", 0),
                                           "artifacts": report.counts.get("artifacts", 0)})
                report.logged_as = entry.seq
        return report


def _extension(media_type: str) -> str:
    special = {"text/html": ".html", "application/json": ".json", "multipart/related": ".mhtml",
               "image/jpeg": ".jpg", "text/plain": ".txt", "application/octet-stream": ".bin"}
    if media_type in special:
        return special[media_type]
    return mimetypes.guess_extension(media_type) or ".bin"
