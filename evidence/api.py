"""The Python API: everything the command line does is a method of :class:`Evidence`.

Example::

    import evidence
    ev = evidence.Evidence.open("/srv/evidence-store", passphrase=b"...")
    ev.open_case("SMP-2026-014", title="Posts about a colleague", subject="J. Doe")
    items = ev.import_files(["shot.png"], case="SMP-2026-014", received_from="complainant",
                            received_at="2026-11-20T09:14Z")
    ev.allege(case="SMP-2026-014", clause="6.1", evidence=[items[0].id], summary="...")
    ev.build_pack(case="SMP-2026-014", out="pack.zip")
    report = ev.verify()
    assert report.ok, report.problems

    evidence.verify_pack("pack.zip", key="sha256:...")   # no store needed

The signing key is unlocked only when something is written (``signer_factory`` is called
once, on first need), so read-only use never asks for a passphrase. Every write goes
through ``ev.log`` (:class:`evidence.log.writer.Log`): one signed custody entry, the Merkle
tree, timestamps and a checkpoint.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .capture.options import CaptureOptions, parse_viewport
from .config import resolve_key_file, resolve_store_path
from .errors import InputError, KeyNotRegistered, KeyNotTrusted, NoKey, UnknownCase, UnknownItem
from .ingest import require_open_case
from .keys import ROLES, Signer, load_signer
from .log.writer import Log
from .settings import SETTINGS
from .standalone import clauses, doctor, read_input, read_trust_list, record_session, run_demo, verify_pack  # noqa: F401
from .store import Store
from .views import CaptureOutcome, CustodyEntry, Item, custody_from_row, item_from_row

__all__ = ["Evidence", "Item", "CustodyEntry", "CaptureOutcome", "CaptureOptions", "KeyCreated", "CASE_REF_RE",
           "validate_case_ref", "parse_viewport", "verify_pack", "clauses", "run_demo", "doctor", "record_session",
           "SETTINGS", "ROLES"]

APPROVER_ROLES = ("supervisor", "administrator")
CASE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,62}$")


def validate_case_ref(ref: str) -> str:
    if not isinstance(ref, str) or not CASE_REF_RE.match(ref) or ".." in ref:
        raise InputError(f"invalid case reference {ref!r}",
                         hint="use 2-63 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. SMP-2026-014")
    return ref


@dataclass(frozen=True)
class KeyCreated:
    """A new key, and the store it was registered in (or why it was not)."""

    signer: Signer
    store: Path | None
    not_registered: str | None = None


class Evidence:
    """An open store and (lazily) the investigator's signing key."""

    def __init__(self, store: Store, signer: Signer | None = None,
                 signer_factory: Callable[[], Signer] | None = None, read_passphrase: Callable[[], None] | None = None):
        self.store = store
        self._signer = signer
        self._signer_factory = signer_factory
        self._read_passphrase = read_passphrase  # asks for the passphrase without unlocking (see read_passphrase)
        self.warnings: list[str] = []  # things the user should be told (e.g. a timestamp left pending)
        self.log = Log(store, signer=lambda: self.signer, has_signer=self.has_signer, warnings=self.warnings)

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, store: str | os.PathLike | None = None, *, key_file: str | os.PathLike | None = None,
             passphrase: bytes | Callable[[], bytes] | None = None,
             signer_factory: Callable[[], Signer] | None = None) -> "Evidence":
        """Open the store at ``store`` (or EVIDENCE_STORE, or the default).

        ``passphrase`` may be bytes or a callable returning bytes (called only when a key is needed).
        """
        st = Store.open(resolve_store_path(store))
        asked: dict = {}

        def read_passphrase() -> None:
            if "pw" not in asked:
                asked["kf"] = resolve_key_file(key_file)
                asked["pw"] = passphrase() if callable(passphrase) else passphrase

        own_factory = signer_factory is None
        if own_factory:
            def signer_factory() -> Signer:
                read_passphrase()
                try:
                    return load_signer(asked["kf"], asked["pw"])
                finally:
                    asked.clear()  # not kept beyond the unlock (a wrong one is asked for again)
        return cls(st, signer_factory=signer_factory, read_passphrase=read_passphrase if own_factory else None)

    @classmethod
    def init(cls, store: str | os.PathLike | None = None) -> "Evidence":
        """Create a new, empty store and open it."""
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

    def read_passphrase(self) -> None:
        """Ask for the passphrase now (or read it from the environment) without unlocking the key yet.

        Unlocking (PBKDF2, about 0.1 s) holds the interpreter; a capture asks first, starts the browser,
        and unlocks while Chromium starts, with the passphrase out of the environment the driver copies."""
        if self._signer is None and self._read_passphrase is not None:
            self._read_passphrase()

    @property
    def read_only(self) -> bool:
        """True when the store cannot be written (a read-only mount, no permission): reading still works."""
        return self.store.read_only

    # ------------------------------------------------------------ keys
    @staticmethod
    def create_key(name: str, email: str, role: str, passphrase: bytes, *, key_file: str | os.PathLike | None = None,
                   store: str | os.PathLike | None = None, register: bool = True, new: bool = False) -> KeyCreated:
        """Make an Ed25519 key pair (the default key unless ``key_file`` is given) and register it in ``store``.

        Refuses when a key with the same name and e-mail is already in the config folder or the store,
        unless ``new`` is true (an investigator is meant to keep one key)."""
        from .errors import StoreError
        from .keys import create_key

        if not new:
            _refuse_second_key(name, email, store if register else None)
        signer = create_key(name, email, role, passphrase, key_file=key_file, make_default=key_file is None)
        if not register:
            return KeyCreated(signer, None, "not asked to register it")
        try:
            ev = Evidence.open(store, signer_factory=lambda: signer)
        except StoreError as exc:
            return KeyCreated(signer, None, exc.message)
        with ev:
            ev.register_key(signer)
            return KeyCreated(signer, ev.store.path)

    def register_key(self, signer: Signer | None = None) -> dict:
        """Register ``signer``'s public key in this store (idempotent).

        The first key registered in a store seals it (``store.created``) and is trusted; any other key may
        write only once a trusted supervisor or administrator approves it (:meth:`approve_key`)."""
        signer = signer or self.signer
        existing = self.store.key(signer.fingerprint)
        if existing:
            return existing
        ident = signer.identity
        key = {"name": ident.name, "email": ident.email, "role": ident.role, "public_key": ident.public_pem}
        first = self.store.custody_size() == 0
        if first:
            meta = self.store.meta
            self.log.write("store.created", subject={"type": "store", "id": self.store.store_id}, signer=signer,
                           details={"format": meta["format"], "version": int(meta["version"]),
                                    "created_utc": meta["created_utc"], "creator": dict(key, fingerprint=ident.fingerprint)},
                           checkpoint=False)
        self.log.write("key.registered", subject={"type": "key", "id": ident.fingerprint}, signer=signer,
                       details=key, attach={"creator": first})
        return self.store.key(signer.fingerprint)

    def approve_key(self, fp_or_prefix: str) -> dict:
        """Approve a registered key to write in this store (by a trusted supervisor, administrator or the creator)."""
        k = self.key(fp_or_prefix)
        if k["trusted"]:
            raise InputError(f"key {k['fingerprint']} ({k['name']}) is already trusted in this store")
        signer = self.log.signer()
        if signer.identity.role not in APPROVER_ROLES and not self._is_creator(signer.fingerprint):
            raise KeyNotTrusted(f"your key ({signer.name}, {signer.identity.role}) may not approve keys",
                                hint="a supervisor or administrator, or whoever created the store, approves keys")
        self.log.write("key.trusted", subject={"type": "key", "id": k["fingerprint"]}, signer=signer,
                       details={"fingerprint": k["fingerprint"], "name": k["name"], "email": k["email"],
                                "role": k["role"]})
        return self.store.key(k["fingerprint"])

    def _is_creator(self, fingerprint: str) -> bool:
        first = self.store.custody_entry(1)
        return first is not None and first["action"] == "store.created" and first["actor"] == fingerprint

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

    def export_key(self, fp_or_prefix: str, out: str | os.PathLike) -> dict:
        """Write a registered public key (PEM) to a new file ``out``. Returns the key."""
        k = self.key(fp_or_prefix)
        out = Path(out)
        if out.exists():
            raise InputError(f"{out} already exists", hint="choose another --out")
        out.write_text(k["public_pem"], encoding="ascii")
        return k

    # ------------------------------------------------------------ cases
    def open_case(self, ref: str, *, title: str, subject: str | None = None,
                  complainant: str | None = None) -> dict:
        validate_case_ref(ref)
        if not title or not title.strip():
            raise InputError("a case needs a title", hint='e.g. --title "Posts about a colleague"')
        if self.store.case(ref) is not None:
            from .errors import DuplicateCase

            raise DuplicateCase(f"case {ref} already exists", hint="choose another reference, or use that case")
        self.log.write("case.opened", subject={"type": "case", "id": ref}, case=ref,
                       details={"title": title.strip(), "subject": subject, "complainant": complainant})
        return self.case(ref)

    def update_case(self, ref: str, *, title: str | None = None, subject: str | None = None,
                    complainant: str | None = None) -> dict:
        """Change a case's title or parties (the change and its author are in the signed log)."""
        case = require_open_case(self.store, ref)
        changes = {k: (v.strip() if k == "title" else v) for k, v in
                   (("title", title), ("subject", subject), ("complainant", complainant)) if v is not None}
        if "title" in changes and not changes["title"]:
            raise InputError("a case needs a title")
        changes = {k: v for k, v in changes.items() if v != case[k]}
        if not changes:
            raise InputError("nothing to change", hint="give --title, --subject or --complainant with a new value")
        self.log.write("case.updated", subject={"type": "case", "id": case["ref"]}, case=case["ref"],
                       details={"changes": changes, "before": {k: case[k] for k in changes}},
                       check=lambda: require_open_case(self.store, case["ref"]))
        return self.case(case["ref"])

    def close_case(self, ref: str, *, reason: str) -> dict:
        if not reason or not reason.strip():
            raise InputError("closing a case needs a reason", hint='e.g. --reason "panel decided 2026-12-01"')
        case = require_open_case(self.store, ref)
        self.log.write("case.closed", subject={"type": "case", "id": case["ref"]}, case=case["ref"],
                       details={"reason": reason.strip()}, check=lambda: require_open_case(self.store, case["ref"]))
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
        from .ingest import import_files

        ids = import_files(self.log, list(paths), case=case, received_from=received_from, received_at=received_at,
                           note=note)
        return [self.item(i) for i in ids]

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
        return item_from_row(row, self.store.path)

    def items(self, case: str | None = None) -> list[Item]:
        if case is not None:
            case = self.case(case)["ref"]
        return [item_from_row(r, self.store.path) for r in self.store.items(case)]

    def timestamps(self, item_id: str) -> list[dict]:
        """The trusted timestamps of an item's record (granted or pending), without the DER bytes."""
        return self.log.timestamps.of(f"item:{self.item(item_id).id}")

    def derived(self, item_id: str) -> list[Item]:
        return [item_from_row(r, self.store.path) for r in self.store.derived_items(item_id)]

    def export(self, item_id: str, out: str | os.PathLike, *, roles: Iterable[str] | None = None) -> list[Path]:
        """Copy an item's artifacts (and its signed record) into folder ``out``; logged. Each copy is re-hashed."""
        from .export import export_item

        return export_item(self, item_id, out, roles=roles)

    def read_artifact(self, item_id: str, role: str | None = None) -> tuple[dict, bytes]:
        """The bytes of one artifact, read through the tool (logged as viewed)."""
        from .export import read_artifact

        return read_artifact(self, item_id, role)

    def redact(self, item_id: str, *, regions: list, reason: str, role: str | None = None,
               terms: list | None = None) -> Item:
        """Make a redacted copy of an item (regions: ``(x, y, w, h)`` or ``"x,y,w,h"``; terms: words removed from
        its image and every text of it a redacted pack carries)."""
        from .redaction import redact

        return self.item(redact(self, item_id, regions=regions, reason=reason, role=role, terms=terms))

    # ------------------------------------------------------------ capture
    def capture(self, url: str, *, case: str, options: CaptureOptions | None = None, note: str | None = None,
                capturer=None) -> Item:
        """Capture the page at ``url`` into ``case``: screenshots, served HTML, DOM, MHTML, HAR, metadata.

        ``capturer`` may be a running :class:`evidence.capture.page.SyncCapturer` (a warm browser);
        otherwise one is started for this capture. A failure is written to the custody log, then raised.
        """
        from .capture.record import capture_one

        return capture_one(self, url, case=case, options=options, note=note, capturer=capturer)

    def capture_many(self, urls: list[str], *, case: str, options: CaptureOptions | None = None,
                     concurrency: int = 2, note: str | None = None,
                     on_result: Callable[[CaptureOutcome], None] | None = None) -> list[CaptureOutcome]:
        """Capture many URLs with one warm browser, ``concurrency`` pages at a time (see capture.record)."""
        from .capture.record import capture_many

        return capture_many(self, urls, case=case, options=options, concurrency=concurrency, note=note,
                            on_result=on_result)

    def search(self, query: str, *, case: str | None = None, limit: int = 20) -> list[dict]:
        """Posts, notes and allegation summaries whose text has every word of ``query`` (stemmed), best first."""
        terms = re.findall(r"\w+", query or "")
        if not terms:
            raise InputError("give words to search for", hint='e.g. evidence search "watch your back"')
        if not 1 <= limit <= 1000:
            raise InputError("limit must be 1 to 1000")
        ref = self.case(case)["ref"] if case else None
        return [dict(r, rank=round(r["rank"], 4)) for r in self.store.search(terms, case_ref=ref, limit=limit)]

    def timeline(self, case: str) -> list[dict]:
        """The case's events in order: published (and how that is known), captured, alleged, withdrawn,
        redacted, approved, disclosed (see :mod:`evidence.timeline`)."""
        from .timeline import timeline

        return timeline(self, case)

    def posts(self, case: str | None = None) -> list[dict]:
        """The post each capture shows (author, time, text), as an index over the capture's metadata."""
        return self.store.posts(self.case(case)["ref"] if case else None)

    def match(self, item_id: str, *, lang: str = "eng", limit: int = 5) -> dict:
        """Compare a supplied image (an imported item) with every capture of its case: OCR text against each
        post's text, perceptual hashes against each capture's screenshots (see :mod:`evidence.analysis.match`).

        Records a signed ``match.recorded`` custody entry (the ranked captures, scores, method, label, the OCR
        engine and the SHA-256 of the text it read) and returns the result."""
        from .analysis.match import match_candidates_of_case

        return match_candidates_of_case(self, item_id, lang=lang, limit=limit)

    # ------------------------------------------------------------ recapture and text layers (issue 12)
    def recapture(self, item_id: str, *, options: CaptureOptions | None = None) -> dict:
        """Capture the URL of capture ``item_id`` again, compare, and log a signed ``recapture.compared``
        (verdict: still there / edited / media changed / gone; see :mod:`evidence.recapture`)."""
        from .recapture import recapture

        return recapture(self, item_id, options=options)

    def recapture_case(self, case: str, *, options: CaptureOptions | None = None) -> list[dict]:
        """Recapture the latest capture of every URL of ``case`` (one warm browser); one comparison each."""
        from .recapture import recapture_case

        return recapture_case(self, case, options=options)

    def schedule_recapture(self, case: str, every: str) -> dict:
        """Remember, as a signed entry, how often ``case`` is due for recapture (``6h``, ``1d``; ``off``)."""
        from .recapture import schedule

        return schedule(self, case, every)

    def recapture_due(self, *, options: CaptureOptions | None = None) -> dict:
        """Recapture what is due in every case with a schedule (safe to run repeatedly, e.g. from cron)."""
        from .recapture import recapture_due

        return recapture_due(self, options=options)

    def ocr(self, item_id: str, *, lang: str = "eng") -> dict:
        """The OCR text layer of an imported image or a capture's screenshot: made once through ingest (a derived
        ``analysis`` item, words with boxes in image pixels), reused after (see :mod:`evidence.textlayer`)."""
        from .textlayer import ocr_item

        return ocr_item(self, item_id, lang=lang)

    def ocr_case(self, case: str, *, lang: str = "eng") -> list[dict]:
        """An OCR text layer for every imported image and capture screenshot of ``case``."""
        from .textlayer import ocr_case

        return ocr_case(self, case, lang=lang)

    def ocr_layer(self, item_id: str) -> dict | None:
        """The newest OCR layer dict of an item (``urn:evidence:ocr-layer:1``), or None when it has none."""
        from .textlayer import layer_items, read_layer

        layers = layer_items(self, self.item(item_id).id)
        return read_layer(layers[-1]) if layers else None

    def recaptures(self, case: str) -> list[dict]:
        """The signed comparisons of a case's recaptures, oldest first."""
        from .recapture import comparisons

        return comparisons(self, self.case(case)["ref"])


    # ------------------------------------------------------------ policy and allegations
    def suggest(self, item_id: str, *, policy: str | None = None) -> dict:
        """Clauses a captured post's words may touch: an aid to the investigator, never an allegation."""
        from .policy.suggest import suggest_view

        return suggest_view(self.item(item_id), policy, ocr_text=(self.ocr_layer(item_id) or {}).get("text"))

    def allege(self, *, case: str, clause: str, evidence: list[str], summary: str,
               policy: str | None = None) -> dict:
        """Link exhibits (item ids or unique prefixes) to the policy clause they allegedly breach."""
        from .policy.allegations import allege

        return allege(self, case=case, clause=clause, evidence=evidence, summary=summary, policy=policy)

    def withdraw_allegation(self, allegation_id: str, *, reason: str) -> dict:
        """Withdraw an allegation: it is kept, marked withdrawn, with the reason."""
        from .policy.allegations import withdraw

        return withdraw(self, allegation_id, reason=reason)

    def allegation(self, allegation_id: str) -> dict:
        from .policy.allegations import get_allegation

        return get_allegation(self, allegation_id)

    def allegations(self, case: str) -> list[dict]:
        """The allegations of a case, withdrawn ones included."""
        from .policy.allegations import list_allegations

        return list_allegations(self, case)

    def policy_bytes(self, sha256: str) -> bytes:
        """The exact bytes of a policy catalogue an allegation cited (kept in the store)."""
        return self.store.artifacts.read_verified(sha256)

    # ------------------------------------------------------------ packs
    def build_pack(self, *, case: str, out: str | os.PathLike, audience: str = "panel", redacted: bool = False,
                   pdf: bool = True, policy: str | None = None, force: bool = False,
                   browser_path: str | None = None, with_wacz: bool = False, recipient: str | None = None,
                   require_approval: bool = False) -> dict:
        """Build the pack of ``case`` at ``out`` (see :mod:`evidence.pack.build`); the disclosure is logged, naming
        ``audience`` and ``recipient``. ``require_approval``: refuse unless a supervisor's approval covers the
        case's contents as they are now. ``with_wacz``: the exhibits' web archives go in the pack as one WACZ."""
        from .pack.build import build_pack

        return build_pack(self, case=case, out=out, audience=audience, redacted=redacted, pdf=pdf, policy=policy,
                          force=force, browser_path=browser_path, with_wacz=with_wacz, recipient=recipient,
                          require_approval=require_approval)

    # ------------------------------------------------------------ approval and disclosure (issue 10)
    def approve_case(self, case: str, *, note: str | None = None) -> dict:
        """Approve the case's current contents with your (supervisor's) key: a signed ``case.approved`` entry
        naming every item's record hash and every allegation's status (see :mod:`evidence.approval`)."""
        from .approval import approve_case

        return approve_case(self, case, note=note)

    def approval(self, case: str) -> dict:
        """The newest approval of ``case`` and whether it still covers the case's contents."""
        from .approval import approval_state

        return approval_state(self, self.case(case)["ref"])

    # ------------------------------------------------------------ custody, checkpoints, timestamps, settings
    def custody(self, *, case: str | None = None, item: str | None = None,
                actions: tuple[str, ...] = ()) -> list[CustodyEntry]:
        """Custody entries of an item, of a case, or of the whole store (only ``actions``, if given)."""
        if item is not None:
            rows = self.store.custody(item_id=self.item(item).id, actions=actions)
        elif case is not None:
            rows = self.store.custody(case_ref=self.case(case)["ref"], actions=actions)
        elif actions:
            rows = self.store.custody(actions=actions)
        else:
            rows = list(self.store.iter_custody())
        return [custody_from_row(r) for r in rows]

    def custody_entry(self, seq: int) -> CustodyEntry:
        row = self.store.custody_entry(seq)
        if row is None:
            raise UnknownItem(f"no custody entry {seq}")
        return custody_from_row(row)

    def latest_checkpoint(self) -> bytes | None:
        """The latest signed checkpoint note, or None while the log is empty."""
        cp = self.log.latest_checkpoint()
        return bytes(cp["note"]) if cp else None

    def export_checkpoint(self, out: str | os.PathLike) -> dict:
        """Log the export, sign a checkpoint covering it and write the note to a new file ``out``."""
        out = Path(out)
        if out.exists():
            raise InputError(f"{out} already exists", hint="choose another --out")
        note = self.log.export_checkpoint()
        out.write_bytes(note)
        lines = note.decode().splitlines()
        return {"path": str(out), "size": int(lines[1]), "root": lines[2]}

    def retry_timestamps(self) -> dict:
        """Retry every trusted timestamp a TSA did not give before."""
        return self.log.timestamps.retry_pending()

    # ------------------------------------------------------------ web archives and browsing (issue 13)
    def export_wacz(self, *, out: str | os.PathLike, case: str | None = None, item: str | None = None) -> dict:
        """The WACZ of a case's captures (or one item's) at ``out``, signed records beside it; logged."""
        from .webarchive.caseexport import export_wacz

        return export_wacz(self, out=out, case=case, item=item)

    def browse(self, *, port: int = 8001, on_start: Callable[[str], None] | None = None) -> int:
        """Datasette on the store, read-only, on 127.0.0.1:``port``, until stopped (see :mod:`evidence.browse`)."""
        from .browse import browse

        return browse(self, port=port, on_start=on_start)

    def settings(self) -> dict[str, str]:
        return self.store.settings()

    def set_setting(self, key: str, value: str | None) -> str | None:
        """Set (or with None, unset) a store setting; ``tsa.root`` takes a file name and stores its PEM."""
        from .digest import sha256_tag
        from .settings import check

        stored = check(key, value)
        details = {"key": key, "value": stored}
        if key == "tsa.root" and stored:
            details["sha256"] = sha256_tag(stored.encode())
        self.log.write("config.set", subject={"type": "setting", "id": key}, details=details)
        return stored

    # ------------------------------------------------------------ verify
    def verify(self, *, case: str | None = None, item: str | None = None,
               progress: Callable[[int, int], None] | None = None, log: bool = True,
               since: bytes | str | os.PathLike | None = None, workers: int | None = None,
               trust: str | os.PathLike | set[str] | None = None, rehash: bool = True):
        """Check everything (or one case, or one item). Returns a report listing every problem.

        It reads one consistent snapshot of the store, replays the signed log against every table, and
        checks that the log still extends the newest checkpoint witnessed outside the store. ``since`` is
        a checkpoint note (bytes) or a file holding one; ``trust`` a file of trusted key fingerprints (or a
        set of them). When ``log`` is true and a signing key is at hand, the run is written to the log.
        """
        from .log.witness import path_for
        from .verify.store import verify_store

        scope_case = self.case(case)["ref"] if case else None
        scope_item = self.item(item).id if item else None
        if since is not None and not isinstance(since, bytes):
            since = read_input(since, "checkpoint")
        trusted = read_trust_list(trust) if trust is not None and not isinstance(trust, set) else trust
        wpath = path_for(self.store.store_id)
        witness = (str(wpath), wpath.read_bytes()) if wpath.is_file() else None
        with self.store.snapshot():
            since_proof = self.log.consistency_from(since) if since is not None else None
            report = verify_store(self.store, case=scope_case, item=scope_item, progress=progress, since=since,
                                  since_proof=since_proof, workers=workers, witness=witness, trust=trusted,
                                  rehash=rehash)
        if log and self.store.read_only:
            report.notes.append("this run was not logged: the store is read-only")
        elif log and self.has_signer():
            try:
                signer = self.log.signer()
            except (NoKey, KeyNotRegistered, KeyNotTrusted) as exc:
                report.notes.append(f"this run was not logged: {exc}")
            else:
                report.logged_as = self.log.write(
                    "verify.run", subject={"type": "store", "id": self.store.store_id}, case=scope_case,
                    item_id=scope_item, signer=signer,
                    details={"scope": report.scope, "ok": report.ok, "problems": len(report.problems),
                             "items": report.counts.get("items", 0), "artifacts": report.counts.get("artifacts", 0)})
        return report


def _refuse_second_key(name: str, email: str, store: str | os.PathLike | None) -> None:
    """Raise if a key for ``name`` <``email``> is already in the config folder or in ``store``."""
    import json

    from .config import config_dir
    from .errors import DuplicateKey, StoreError

    want = (name.strip().casefold(), email.strip().casefold())
    found = []
    kdir = config_dir() / "keys"
    for sidecar in sorted(kdir.glob("*.json")) if kdir.is_dir() else []:
        try:
            ident = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(ident, dict) and (str(ident.get("name", "")).casefold(), str(ident.get("email", "")).casefold()) == want:
            found.append(f"{ident.get('fingerprint')} in {kdir}")
    if not found and store is not None:
        try:
            ev = Evidence.open(store)
        except StoreError:
            ev = None
        if ev is not None:
            with ev:
                found = [f"{k['fingerprint']} in store {ev.store.path}" for k in ev.keys()
                         if (k["name"].casefold(), k["email"].casefold()) == want]
    if found:
        raise DuplicateKey(f"a key for {name} <{email}> already exists ({found[0]})",
                           hint="use that key (--key-file), or pass --new to make another one")
