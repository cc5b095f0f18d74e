"""The panel pack: one self-contained ZIP that a panel reads and anyone can verify offline.

:func:`build_pack` reads the case through the library's API (never the database), lays
the pack out as ``docs/pack-format.md`` describes, and writes a byte-identical ZIP for
the same case state (see :mod:`evidence.pack.archive`): no build time anywhere (the
report is dated by the newest custody entry it shows). Each pack built is written to the
custody log (the disclosure log) with its SHA-256 and who it was for.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..digest import sha256_tag
from ..errors import InputError, IntegrityError
from ..schemas import schema_id, validate
from .archive import PackFiles, extension, write_zip
from .proofs import custody_proofs, record_timestamps
from .redacted import image_places, names_term, pack_terms, scan_pack, scrub
from .webarchive import add_wacz
from .disclosure import approval_for_pack, pack_facts
from .investigation import ensure_matches, investigation_context
from .report import add_pdf, render_report

__all__ = ["build_pack", "AUDIENCES"]

AUDIENCES = ("panel", "respondent", "auditor", "other")
# the entries of earlier packs (bundle.built) are kept: a pack lists the disclosures made before it
LEFT_OUT_ACTIONS = {"verify.run"}
# entries about the keys (who created the store, who registered and approved each signer): they state the
# signers' names and roles, which a pack's reader checks against what its manifest and report show
KEY_ACTIONS = ("store.created", "key.registered", "key.trusted")
# artifacts whose content can name third parties: withheld from a redacted pack when the exhibit has a redaction
WITHHELD_WHEN_REDACTED = {"screenshot", "screenshot_viewport", "served", "dom", "mhtml", "har", "metadata", "original",
                          "warc", "layout"}


def merkle_leaf(entry: bytes) -> str:
    """The entry's Merkle leaf hash (RFC 6962: SHA-256 of 0x00 + its bytes), in hex."""
    return hashlib.sha256(b"\x00" + entry).hexdigest()


def _fp16(fp: str) -> str:
    return fp.split(":", 1)[1][:16]


def _as_of(entries) -> datetime:
    latest = max(e.entry["time"]["utc"] for e in entries)
    return datetime.strptime(latest[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def _shown(item, paths: dict[str, str], redaction: dict | None) -> str | None:
    """The image the report shows for an exhibit: its redacted copy, else a screenshot or the supplied image."""
    if redaction:
        return redaction["path"]
    for role in ("screenshot_viewport", "original", "screenshot"):
        a = next((x for x in item.artifacts if x["role"] == role), None)
        if a and a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml" and a["size"]:
            return paths[role]
    return None


def _exhibit_view(item, eid: str, paths: dict[str, str], withheld: list[dict], redaction: dict | None) -> dict:
    rec = item.record
    # a redacted pack shows only what the signed record says of the post (its text stays withheld)
    post = dict((rec.get("metadata") or {}).get("post") or {}) if withheld else item.post()
    return {
        "id": eid, "n": int(eid[1:]), "item": item.id, "kind": item.kind, "record": rec, "record_sha256": item.record_hash,
        "source": rec["source"], "post": post or {}, "shown": _shown(item, paths, redaction), "paths": paths,
        "withheld": withheld, "redaction": redaction, "flags": rec.get("flags", []),
        "warnings": (rec.get("metadata") or {}).get("warnings", []),
        "artifacts": [dict(a, path=paths.get(a["role"])) for a in item.artifacts],
        "full_screenshot": paths.get("screenshot"),
    }


def _require_verified(ev, case: str) -> None:
    """A pack is built only from a store whose tables agree with its signed log (the files are re-hashed as the
    pack is written)."""
    report = ev.verify(case=case, log=False, rehash=False)
    if not report.ok:
        first = report.problems[0]
        raise IntegrityError(f"the store does not verify ({len(report.problems)} problem(s), the first: {first}); "
                             "no pack was built", problems=report.problems, hint="run `evidence verify` to see them all")


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise InputError(f"{out} already exists; a pack is never overwritten", hint="choose another --out, or add --force")
    if out.exists() and out.is_dir():
        raise InputError(f"{out} is a folder", hint="give a file name ending in .zip")
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist")


class _Builder:
    """The pack of one case, assembled part by part (each method adds its files and manifest section)."""

    def __init__(self, ev, case: str, *, redacted: bool, policy: str | None):
        self.ev = ev
        self.case = ev.case(case)
        self.ref = self.case["ref"]
        self.signer = ev.log.signer()
        self.redacted = redacted
        self.policy = policy
        items = ev.items(self.ref)
        self.originals = [it for it in items if it.kind not in ("redaction", "analysis")]
        self.redactions: dict[str, list] = {}
        for it in items:
            if it.kind == "redaction" and it.derived_from:
                self.redactions.setdefault(it.derived_from, []).append(it)
        # a redacted pack: every term the case's redactions removed (see evidence.pack.redacted)
        self.terms = pack_terms([r for reds in self.redactions.values() for r in reds]) if redacted else []
        if not self.originals:
            raise InputError(f"case {self.ref} has no evidence yet", hint="import or capture evidence first")
        self.allegations = ev.allegations(self.ref)
        self.entries = [e for e in ev.custody(case=self.ref) if e.action not in LEFT_OUT_ACTIONS]
        self.as_of = _as_of(self.entries)
        self.entries = sorted(self.entries + self._key_entries(items), key=lambda e: e.seq)
        self.pack = PackFiles()
        self.keys: dict[str, dict] = {}
        self.need_key(self.signer.fingerprint)
        self.manifest: dict[str, Any] = {}

    def _key_entries(self, items) -> list:
        """The entries that state who each signer of this pack is (and who created the store and approved them)."""
        signers = {self.signer.fingerprint, *(e.actor for e in self.entries), *(it.signer for it in items),
                   *(r["signer"] for a in self.allegations for r in a["records"])}
        return [e for e in self.ev.custody(actions=KEY_ACTIONS)
                if e.action == "store.created" or e.entry["subject"]["id"] in signers]

    def need_key(self, fp: str) -> None:
        if fp not in self.keys:
            self.keys[fp] = self.ev.key(fp)

    # ---------------------------------------------------------------- exhibits
    def _redaction(self, eid: str, red_item) -> dict:
        self.need_key(red_item.signer)
        of_role = red_item.record["derived_from"].get("role")
        ra = red_item.artifact("redacted")
        rpath = f"exhibits/{eid}/redacted-{of_role}.png"
        self.pack.add_file(rpath, red_item.path("redacted"), ra["sha256"], ra["size"], ra["media_type"])
        self.pack.add(f"records/{eid}-redaction.json", red_item.record_bytes)
        self.pack.add(f"records/{eid}-redaction.sig", red_item.signature)
        extra = {}
        if any(a["role"] == "redacted_record" for a in red_item.artifacts):
            va = red_item.artifact("redacted_record")
            vpath = f"exhibits/{eid}/redacted-record.json"
            self.pack.add_file(vpath, red_item.path("redacted_record"), va["sha256"], va["size"], va["media_type"])
            extra = {"record_view": {"role": "redacted_record", "path": vpath, "sha256": va["sha256"],
                                     "size": va["size"], "media_type": va["media_type"]},
                     "terms": len(red_item.record["source"].get("terms") or [])}
        return {**extra, "item": red_item.id, "record": f"records/{eid}-redaction.json",
                "signature": f"records/{eid}-redaction.sig", "record_sha256": red_item.record_hash,
                "of_role": of_role, "path": rpath,
                "artifact": {"role": "redacted", "path": rpath, "sha256": ra["sha256"], "size": ra["size"],
                             "media_type": ra["media_type"]},
                "reason": red_item.record["source"]["reason"],
                "regions": len(red_item.record["source"]["regions"])}

    def _exhibit(self, eid: str, item) -> tuple[dict, dict]:
        self.need_key(item.signer)
        red_item = self.redactions.get(item.id, [None])[-1] if self.redacted else None
        # a record naming a redacted term is withheld, named by its hash (its redaction's record links to it)
        record_withheld = red_item is not None and names_term(item.record_bytes, self.terms)
        if not record_withheld:
            self.pack.add(f"records/{eid}.json", item.record_bytes)
            self.pack.add(f"records/{eid}.sig", item.signature)
        withheld: list[dict] = []
        paths: dict[str, str] = {}
        for art in item.artifacts:
            role = art["role"]
            if red_item is not None and (role in WITHHELD_WHEN_REDACTED or role.startswith("media-")):
                withheld.append({k: art[k] for k in ("role", "sha256", "size", "media_type")})
                continue
            path = f"exhibits/{eid}/{role}{extension(role, art['media_type'])}"
            self.pack.add_file(path, item.path(role), art["sha256"], art["size"], art["media_type"])
            paths[role] = path
        redaction = self._redaction(eid, red_item) if red_item is not None else None
        view = _exhibit_view(item, eid, paths, withheld, redaction)
        if red_item is not None:
            view = dict(scrub(view, self.terms), record_withheld=record_withheld)
        manifest = {
            "id": eid, "n": int(eid[1:]), "item": item.id, "kind": item.kind,
            "record": None if record_withheld else f"records/{eid}.json",
            "signature": None if record_withheld else f"records/{eid}.sig", "record_withheld": record_withheld,
            "record_sha256": item.record_hash, "signer": item.signer,
            "artifacts": [{"role": a["role"], "path": paths[a["role"]], "sha256": a["sha256"], "size": a["size"],
                           "media_type": a["media_type"]} for a in item.artifacts if a["role"] in paths],
            "withheld": withheld, "shown": view["shown"], "redaction": redaction}
        return view, manifest

    def add_exhibits(self) -> None:
        self.exhibits, manifest = [], []
        self.by_item: dict[str, str] = {}
        for n, item in enumerate(self.originals, 1):
            eid = f"E{n}"
            self.by_item[item.id] = eid
            view, entry = self._exhibit(eid, item)
            self.exhibits.append(view)
            manifest.append(entry)
        self.manifest["exhibits"] = manifest

    # ---------------------------------------------------------------- policy and allegations
    def add_policies(self) -> None:
        from ..policy.catalogue import catalogue_from_bytes, load_catalogue

        cats = {}
        for a in self.allegations:
            pol = a["policy"]["sha256"]
            if pol not in cats:
                cats[pol] = catalogue_from_bytes(self.ev.policy_bytes(pol), f"the policy catalogue {pol}")
        if not cats:
            cat = load_catalogue(self.policy)
            cats[cat.sha256] = cat
        self.policies_note = ("this case's allegations cite more than one policy catalogue; each is included"
                              if len(cats) > 1 else None)
        self.main_cat = next(iter(cats.values()))
        for cat in cats.values():
            self.pack.add(f"policy/{cat.policy_id}{'' if cat is self.main_cat else '-' + cat.sha256[7:19]}.json",
                          cat.raw)

    def add_allegations(self) -> None:
        manifest, self.allegation_views = [], []
        for n, a in enumerate(self.allegations, 1):
            aid = f"A{n}"
            recs = []
            for r in a["records"]:
                suffix = "" if r["event"] == "made" else "-withdrawn"
                self.pack.add(f"records/{aid}{suffix}.json", r["bytes"])
                self.pack.add(f"records/{aid}{suffix}.sig", r["signature"])
                self.need_key(r["signer"])
                recs.append({"path": f"records/{aid}{suffix}.json", "signature": f"records/{aid}{suffix}.sig",
                             "sha256": r["sha256"], "event": r["event"]})
            made = a["records"][0]["record"]
            ex_ids = [self.by_item[i] for i in a["evidence"] if i in self.by_item]
            manifest.append({"id": aid, "allegation": a["id"], "clause": a["clause"], "status": a["status"],
                             "exhibits": ex_ids, "policy_sha256": a["policy"]["sha256"], "records": recs})
            self.allegation_views.append({
                "id": aid, "allegation": a["id"], "clause": made["clause"], "status": a["status"],
                "summary": made["summary"], "exhibits": [self.exhibits[int(e[1:]) - 1] for e in ex_ids],
                "made_by": made["signer"], "made_at": made["created"]["utc"],
                "withdrawn_reason": a["withdrawn_reason"], "policy": made["policy"]})
        self.manifest["allegations"] = manifest

    # ---------------------------------------------------------------- custody and timestamps
    def _exhibit_of(self, item_id: str | None) -> str | None:
        eid = self.by_item.get(item_id or "")
        if eid is None and item_id:
            # entries about a redacted copy belong to the exhibit it was made from
            parent = next((o for o, reds in self.redactions.items() if any(r.id == item_id for r in reds)), None)
            eid = self.by_item.get(parent or "")
        return eid

    def add_custody(self) -> None:
        entries = []
        self.custody_by_exhibit: dict[str, list] = {e["id"]: [] for e in self.exhibits}
        self.case_entries: list[dict] = []
        withheld = []
        for e in self.entries:
            name = f"custody/{e.seq:08d}"
            if names_term(e.entry_bytes, self.terms):  # named by its hash and Merkle leaf, proved like the others
                withheld.append({"seq": e.seq, "hash": e.entry_hash, "leaf": merkle_leaf(e.entry_bytes)})
            else:
                self.pack.add(f"{name}.json", e.entry_bytes)
                self.pack.add(f"{name}.sig", e.signature)
                entries.append({"seq": e.seq, "path": f"{name}.json", "signature": f"{name}.sig",
                                "hash": e.entry_hash})
            self.need_key(e.actor)
            view = {"seq": e.seq, "time": e.entry["time"]["utc"], "action": e.action, "actor": e.entry["actor"],
                    "details": e.entry["details"], "hash": e.entry_hash, "subject": e.entry["subject"]}
            view = dict(scrub(view, self.terms), withheld=bool(withheld and withheld[-1]["seq"] == e.seq))
            if e.action in KEY_ACTIONS:
                continue  # in the pack for checking; the report shows the keys in its own table
            eid = self._exhibit_of(e.item_id)
            (self.custody_by_exhibit[eid] if eid else self.case_entries).append(view)
        custody: dict[str, Any] = {"entries": entries, **({"withheld": withheld} if withheld else {})}
        files, note_signer = custody_proofs(self.ev.log, [e.seq for e in self.entries])
        names = {"checkpoint.txt": "checkpoint", "proofs.json": "proofs", "checkpoint.tsr": "checkpoint_timestamp"}
        for path, data in files.items():
            self.pack.add(path, data)
            custody[names[path.rsplit("/", 1)[1]]] = path
        self.note_signer = note_signer
        if note_signer:
            self.need_key(note_signer)
        self.manifest["custody"] = custody
        shown = {e["id"]: e["item"] for e in self.exhibits if not e.get("record_withheld")}
        for path, data in sorted(record_timestamps(self.ev.log, shown).items()):
            self.pack.add(path, data)

    def add_keys(self) -> None:
        manifest = []
        for fp in sorted(self.keys):
            k = self.keys[fp]
            path = f"keys/{_fp16(fp)}.pub.pem"
            self.pack.add(path, k["public_pem"].encode("ascii"))
            manifest.append({"fingerprint": fp, "path": path, "name": k["name"], "role": k["role"], "email": k["email"]})
        self.manifest["keys"] = manifest

    # ---------------------------------------------------------------- report, manifest, sums
    def report_context(self, pdf: bool, pack_name: str = "pack.zip") -> dict:
        views = self.allegation_views
        has_checkpoint = self.manifest["custody"].get("checkpoint") is not None
        has_timestamp = self.ev.log.timestamps.configured()
        note = _fp16(self.note_signer) if self.note_signer else ""
        return {
            "pack_name": pack_name, "pack_dir": pack_name[:-4] if pack_name.endswith(".zip") else pack_name + ".d",
            "last_step": 8 + (2 if has_checkpoint else 0) + (1 if self.redacted else 0) + (1 if has_timestamp else 0),
            "redaction_step": 8 + (2 if has_checkpoint else 0) + 1,
            "note_key": f"keys/{note}.pub.pem", "note_key_name": f"evidence-{note}",
            "case": self.case, "as_of": self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), "signer": self.signer.actor(),
            "signer_key": f"keys/{_fp16(self.signer.fingerprint)}.pub.pem", "policy": self.main_cat,
            "policies_note": self.policies_note, "policy_path": f"policy/{self.main_cat.policy_id}.json",
            "exhibits": self.exhibits, "allegations": [a for a in views if a["status"] != "withdrawn"],
            "withdrawn": [a for a in views if a["status"] == "withdrawn"],
            "custody_by_exhibit": self.custody_by_exhibit, "case_entries": self.case_entries,
            "redacted": self.redacted, "tool": {"name": "evidence", "version": __version__}, "has_pdf": pdf,
            "has_checkpoint": has_checkpoint, "keys": self.manifest["keys"], "has_timestamp": has_timestamp,
        }

    def add_manifest(self, ctx: dict) -> None:
        pack, case, cat = self.pack, self.case, self.main_cat
        manifest = {
            "schema": schema_id("pack-manifest"),
            "case": {"ref": self.ref, "title": case["title"], "subject": case["subject"],
                     "complainant": case["complainant"], "status": case["status"], "opened": case["opened_utc"]},
            "as_of": ctx["as_of"], "redacted": self.redacted, "signer": dict(self.signer.actor(), key=ctx["signer_key"]),
            "tool": ctx["tool"],
            "policy": {"id": cat.policy_id, "title": cat.title, "version": cat.version, "sha256": cat.sha256,
                       "path": ctx["policy_path"]},
            **self.manifest,
            "files": [{"path": p, "size": pack.digest(p)[1], "sha256": pack.digest(p)[0]} for p in pack.paths()],
        }
        validate(manifest, "pack-manifest", what="the pack manifest")
        pack.add("manifest.json",
                 json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")

    def add_sums(self) -> bytes:
        pack = self.pack
        sums = "".join(f"{pack.digest(p)[0][7:]}  {p}\n" for p in pack.paths()).encode("ascii")
        pack.add("SHA256SUMS", sums)
        pack.add("SHA256SUMS.sig", self.signer.sign(sums))
        tsr = self.ev.log.timestamps.for_pack_sums(sums)
        if tsr:
            pack.add("SHA256SUMS.tsr", tsr)
        elif self.ev.log.timestamps.configured():
            self.ev.warnings.append("the pack has no SHA256SUMS.tsr (the timestamp authority did not answer); run "
                                    "`evidence timestamp --pending` and build the pack again to add it")
        return sums


def build_pack(ev, *, case: str, out: str | os.PathLike, audience: str = "panel", redacted: bool = False,
               pdf: bool = True, policy: str | None = None, force: bool = False,
               browser_path: str | None = None, with_wacz: bool = False, recipient: str | None = None,
               require_approval: bool = False) -> dict:
    """Build the pack of ``case`` at ``out``. Returns ``{"path", "sha256", "size", "exhibits", "files", ...}``."""
    if audience not in AUDIENCES:
        raise InputError(f"unknown audience {audience!r}", hint="use --for " + ", --for ".join(AUDIENCES))
    out = Path(out)
    _check_out(out, force)
    _require_verified(ev, case)
    recipient = " ".join(recipient.split()) if recipient and recipient.strip() else None
    approval = approval_for_pack(ev, ev.case(case)["ref"], require_approval)
    unmatched = ensure_matches(ev, case)  # signed before the pack's entries are gathered (analysis, not approved)
    b = _Builder(ev, case, redacted=redacted, policy=policy)
    b.add_exhibits()
    b.add_policies()
    b.add_allegations()
    b.add_custody()
    b.add_keys()
    wacz_tmp = add_wacz(b.pack, b.manifest, [(e["id"], b.ev.item(e["item"])) for e in b.exhibits], b.ref,
                        b.as_of) if with_wacz else None  # issue 13: the exhibits' WACZ, web/<case>.wacz
    try:
        ctx = b.report_context(pdf, out.name)
        ctx["investigation"] = investigation_context(ev, b, unmatched)
        ctx.update(pack_facts(b, approval, audience, recipient))  # approval, disclosures, declaration, policy in force
        render_report(b.pack, ctx)
        if pdf:
            add_pdf(b.pack, b.as_of, browser_path)  # streamed to a file, never held whole in memory
        b.add_manifest(ctx)
        sums = b.add_sums()
        if redacted:
            # refuses (RedactionLeak), naming every place, if a term is left anywhere: in any file's text, or
            # shown in a supplied or media image that is not itself redacted (read by OCR)
            scan_pack(b.pack, b.terms, image_places(ev, b.manifest["exhibits"], b.terms))
        digest, size = write_zip(b.pack, out, force=force)
    finally:
        b.pack.close()  # the PDF made for the pack, gone whether or not the pack was written
        if wacz_tmp:
            shutil.rmtree(wacz_tmp, ignore_errors=True)
    live = [a for a in b.allegations if a["status"] != "withdrawn"]
    details = {"sha256": digest, "for": audience, "redacted": redacted, "size": size, "path": str(out.resolve()),
               "exhibits": len(b.exhibits), "allegations": len(live), "as_of": ctx["as_of"],
               "sums_sha256": sha256_tag(sums), "recipient": recipient}
    if with_wacz:
        details["wacz_sha256"] = b.manifest["wacz"]["sha256"]
    if ev.read_only:
        ev.warnings.append(f"the store is read-only, so this disclosure ({digest}, for the {audience}) is not in its "
                           "custody log: record it when the store is writable again")
    else:
        ev.log.write("bundle.built", subject={"type": "bundle", "id": digest}, case=b.ref, details=details)
    return {"path": str(out), "sha256": digest, "size": size, "exhibits": len(b.exhibits),
            "files": len(b.pack.paths()), "allegations": len(live), "withdrawn": len(b.allegations) - len(live),
            "as_of": ctx["as_of"], "recipient": recipient, "disclosed_before": len(ctx["disclosures"]),
            "approval": _approval_line(ctx["approval"])}


def _approval_line(approval: dict | None) -> str | None:
    if not approval:
        return None
    by = approval["by"]
    if approval["current"]:
        return f"Approved by {by['name']} ({by['role']}) at {approval['time']} (custody entry {approval['seq']})"
    return (f"Not approved as packed: the approval by {by['name']} at {approval['time']} covers an earlier state "
            f"({'; '.join(approval['changed'])})")
