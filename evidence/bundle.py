"""The panel pack: one self-contained ZIP that a panel reads and anyone can verify offline.

:func:`build_bundle` reads the case through the library's API (never the
database), lays the pack out as ``docs/pack-format.md`` describes, and writes a
byte-identical ZIP for the same case state: entries sorted, fixed entry times,
no build time anywhere (the report is dated by the newest custody entry it
shows). Every artifact is re-hashed while it is copied into the ZIP; a mismatch
with its signed record stops the build. Each pack built is written to the
custody log (the disclosure log) with its SHA-256 and who it was for.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .digest import CHUNK, sha256_tag
from .errors import InputError, IntegrityError
from .resources import reports_dir
from .schemas import schema_id, validate

__all__ = ["build_bundle", "AUDIENCES"]

AUDIENCES = ("panel", "respondent")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
LEFT_OUT_ACTIONS = {"bundle.built", "verify.run"}
STORED_TYPES = ("image/", "video/", "audio/", "application/pdf", "application/zip", "application/gzip")
# artifacts whose content can name third parties: withheld from a redacted pack when the exhibit has a redaction
WITHHELD_WHEN_REDACTED = {"screenshot", "screenshot_viewport", "served", "dom", "mhtml", "har", "metadata", "original"}


def _ext(role: str, media_type: str) -> str:
    if media_type in ("text/html", "application/xhtml+xml"):
        return ".html.txt"  # never opened as a page by a click: it would run the site's scripts
    special = {"application/json": ".json", "multipart/related": ".mhtml", "image/jpeg": ".jpg",
               "text/plain": ".txt", "application/octet-stream": ".bin", "image/png": ".png",
               "application/pdf": ".pdf"}
    if role == "har":
        return ".har"
    return special.get(media_type) or mimetypes.guess_extension(media_type) or ".bin"


def _fp16(fp: str) -> str:
    return fp.split(":", 1)[1][:16]


@dataclass
class _Pack:
    small: dict[str, bytes] = field(default_factory=dict)  # path -> bytes
    big: dict[str, tuple[Path, str, int, str]] = field(default_factory=dict)  # path -> (source, sha256, size, mtype)
    _digests: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add(self, path: str, data: bytes) -> None:
        if path in self.small or path in self.big:
            raise ValueError(f"duplicate pack path {path}")
        self.small[path] = data

    def add_file(self, path: str, src: Path, sha: str, size: int, mtype: str) -> None:
        if path in self.small or path in self.big:
            raise ValueError(f"duplicate pack path {path}")
        self.big[path] = (src, sha, size, mtype)

    def digest(self, path: str) -> tuple[str, int]:
        if path in self.small:
            if path not in self._digests:
                data = self.small[path]
                self._digests[path] = (sha256_tag(data), len(data))
            return self._digests[path]
        _, sha, size, _ = self.big[path]
        return sha, size


def _custody_for_pack(ev, case_ref: str) -> list:
    return [e for e in ev.custody(case=case_ref) if e.action not in LEFT_OUT_ACTIONS]


def _as_of(entries) -> datetime:
    latest = max(e.entry["time"]["utc"] for e in entries)
    return datetime.strptime(latest[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def _exhibit_view(item, eid: str, paths: dict[str, str], withheld: list[dict], redaction: dict | None) -> dict:
    rec = item.record
    src = rec["source"]
    # a redacted pack shows only what the signed record says of the post (its text stays withheld)
    post = dict((rec.get("metadata") or {}).get("post") or {}) if withheld else item.post()
    shown = None
    if redaction:
        shown = redaction["path"]
    else:
        for role in ("screenshot_viewport", "original", "screenshot"):
            a = next((x for x in item.artifacts if x["role"] == role), None)
            if a and a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml" and a["size"]:
                shown = paths[role]
                break
    return {
        "id": eid, "item": item.id, "kind": item.kind, "record": rec, "record_sha256": item.record_hash,
        "source": src, "post": post or {}, "shown": shown, "paths": paths, "withheld": withheld,
        "redaction": redaction, "flags": rec.get("flags", []),
        "warnings": (rec.get("metadata") or {}).get("warnings", []),
        "artifacts": [dict(a, path=paths.get(a["role"])) for a in item.artifacts],
        "full_screenshot": paths.get("screenshot"),
    }


def build_bundle(ev, *, case: str, out: str | os.PathLike, audience: str = "panel", redacted: bool = False,
                 pdf: bool = True, policy: str | None = None, force: bool = False,
                 browser_path: str | None = None) -> dict:
    """Build the pack of ``case`` at ``out``. Returns ``{"path", "sha256", "size", "exhibits", "files"}``."""
    from .allegations import list_allegations
    from .policy import load_catalogue

    if audience not in AUDIENCES:
        raise InputError(f"unknown audience {audience!r}", hint="use --for panel or --for respondent")
    out = Path(out)
    if out.exists() and not force:
        raise InputError(f"{out} already exists; a pack is never overwritten", hint="choose another --out, or add --force")
    if out.exists() and out.is_dir():
        raise InputError(f"{out} is a folder", hint="give a file name ending in .zip")
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist")
    case_row = ev.case(case)
    ref = case_row["ref"]
    signer = ev._registered_signer()
    items = ev.items(ref)
    originals = [it for it in items if it.kind != "redaction"]
    redactions = {}
    for it in items:
        if it.kind == "redaction" and it.derived_from:
            redactions.setdefault(it.derived_from, []).append(it)
    if not originals:
        raise InputError(f"case {ref} has no evidence yet", hint="import or capture evidence first")
    allegations = list_allegations(ev, ref)
    entries = _custody_for_pack(ev, ref)
    as_of = _as_of(entries)

    pack = _Pack()
    keys: dict[str, dict] = {}

    def need_key(fp: str) -> None:
        if fp not in keys:
            keys[fp] = ev.key(fp)

    need_key(signer.fingerprint)

    # ---------------------------------------------------------------- exhibits
    exhibits = []
    manifest_exhibits = []
    by_item = {}
    for n, item in enumerate(originals, 1):
        eid = f"E{n}"
        by_item[item.id] = eid
        need_key(item.signer)
        pack.add(f"records/{eid}.json", item.record_bytes)
        pack.add(f"records/{eid}.sig", item.signature)
        red_item = redactions.get(item.id, [None])[-1] if redacted else None
        redaction = None
        withheld: list[dict] = []
        paths: dict[str, str] = {}
        for art in item.artifacts:
            role = art["role"]
            if red_item is not None and role in WITHHELD_WHEN_REDACTED:
                withheld.append({k: art[k] for k in ("role", "sha256", "size", "media_type")})
                continue
            path = f"exhibits/{eid}/{role}{_ext(role, art['media_type'])}"
            pack.add_file(path, item.path(role), art["sha256"], art["size"], art["media_type"])
            paths[role] = path
        if red_item is not None:
            need_key(red_item.signer)
            of_role = red_item.record["derived_from"].get("role")
            ra = red_item.artifact("redacted")
            rpath = f"exhibits/{eid}/redacted-{of_role}.png"
            pack.add_file(rpath, red_item.path("redacted"), ra["sha256"], ra["size"], ra["media_type"])
            pack.add(f"records/{eid}-redaction.json", red_item.record_bytes)
            pack.add(f"records/{eid}-redaction.sig", red_item.signature)
            redaction = {"item": red_item.id, "record": f"records/{eid}-redaction.json",
                         "signature": f"records/{eid}-redaction.sig", "record_sha256": red_item.record_hash,
                         "of_role": of_role, "path": rpath,
                         "artifact": {"role": "redacted", "path": rpath, "sha256": ra["sha256"], "size": ra["size"],
                                      "media_type": ra["media_type"]},
                         "reason": red_item.record["source"]["reason"],
                         "regions": len(red_item.record["source"]["regions"])}
        view = _exhibit_view(item, eid, paths, withheld, redaction)
        exhibits.append(view)
        manifest_exhibits.append({
            "id": eid, "item": item.id, "kind": item.kind, "record": f"records/{eid}.json",
            "signature": f"records/{eid}.sig", "record_sha256": item.record_hash, "signer": item.signer,
            "artifacts": [{"role": a["role"], "path": paths[a["role"]], "sha256": a["sha256"], "size": a["size"],
                           "media_type": a["media_type"]} for a in item.artifacts if a["role"] in paths],
            "withheld": withheld, "shown": view["shown"], "redaction": redaction})

    # ---------------------------------------------------------------- policy and allegations
    cats = {}
    for a in allegations:
        pol = a["policy"]["sha256"]
        if pol not in cats:
            from .artifacts import artifact_relpath

            raw = (ev.store.path / artifact_relpath(pol)).read_bytes()
            if sha256_tag(raw) != pol:
                raise IntegrityError(f"the policy catalogue {pol} in the store is damaged", hint="run `evidence verify`")
            tmp_cat = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
            try:
                tmp_cat.write(raw)
                tmp_cat.close()
                cats[pol] = load_catalogue(tmp_cat.name)
            finally:
                os.unlink(tmp_cat.name)
    if not cats:
        cat = load_catalogue(policy)
        cats[cat.sha256] = cat
    if len(cats) > 1:
        policies_note = "this case's allegations cite more than one policy catalogue; each is included"
    else:
        policies_note = None
    main_cat = next(iter(cats.values()))
    for cat in cats.values():
        pack.add(f"policy/{cat.policy_id}{'' if cat is main_cat else '-' + cat.sha256[7:19]}.json", cat.raw)
    manifest_allegations = []
    allegation_views = []
    live = [a for a in allegations if a["status"] != "withdrawn"]
    withdrawn = [a for a in allegations if a["status"] == "withdrawn"]
    for n, a in enumerate(allegations, 1):
        aid = f"A{n}"
        recs = []
        for r in a["records"]:
            suffix = "" if r["event"] == "made" else "-withdrawn"
            pack.add(f"records/{aid}{suffix}.json", r["bytes"])
            pack.add(f"records/{aid}{suffix}.sig", r["signature"])
            need_key(r["signer"])
            recs.append({"path": f"records/{aid}{suffix}.json", "signature": f"records/{aid}{suffix}.sig",
                         "sha256": r["sha256"], "event": r["event"]})
        made = a["records"][0]["record"]
        ex_ids = [by_item[i] for i in a["evidence"] if i in by_item]
        manifest_allegations.append({"id": aid, "allegation": a["id"], "clause": a["clause"], "status": a["status"],
                                     "exhibits": ex_ids, "policy_sha256": a["policy"]["sha256"], "records": recs})
        allegation_views.append({"id": aid, "allegation": a["id"], "clause": made["clause"], "status": a["status"],
                                 "summary": made["summary"], "exhibits": [exhibits[int(e[1:]) - 1] for e in ex_ids],
                                 "made_by": made["signer"], "made_at": made["created"]["utc"],
                                 "withdrawn_reason": a["withdrawn_reason"], "policy": made["policy"]})

    # ---------------------------------------------------------------- custody
    manifest_entries = []
    custody_by_exhibit: dict[str, list] = {e["id"]: [] for e in exhibits}
    case_entries = []
    for e in entries:
        name = f"custody/{e.seq:08d}"
        pack.add(f"{name}.json", e.entry_bytes)
        pack.add(f"{name}.sig", e.signature)
        need_key(e.actor)
        manifest_entries.append({"seq": e.seq, "path": f"{name}.json", "signature": f"{name}.sig",
                                 "hash": e.entry_hash})
        eid = by_item.get(e.item_id or "")
        if eid is None and e.item_id:
            # entries about a redacted copy belong to the exhibit it was made from
            parent = next((o for o, reds in redactions.items() if any(r.id == e.item_id for r in reds)), None)
            eid = by_item.get(parent or "")
        view = {"seq": e.seq, "time": e.entry["time"]["utc"], "action": e.action, "actor": e.entry["actor"],
                "details": e.entry["details"], "hash": e.entry_hash, "subject": e.entry["subject"]}
        (custody_by_exhibit[eid] if eid else case_entries).append(view)
    from . import ledger

    proof_files = ledger.pack_proofs(ev, [e.seq for e in entries], [e.entry_bytes for e in entries])
    custody_manifest: dict[str, Any] = {"entries": manifest_entries}
    for path, data in proof_files.items():
        pack.add(path, data)
        if path.endswith("checkpoint.txt"):
            custody_manifest["checkpoint"] = path
        elif path.endswith("proofs.json"):
            custody_manifest["proofs"] = path
        elif path.endswith("checkpoint.tsr"):
            custody_manifest["checkpoint_timestamp"] = path
    if "custody/checkpoint.txt" in proof_files:
        fp = ledger.checkpoint_signer(ev, proof_files["custody/checkpoint.txt"])
        if fp:
            need_key(fp)

    # ---------------------------------------------------------------- timestamps of the exhibits' records
    ts_files = ledger.pack_record_timestamps(ev, {e["id"]: e["item"] for e in exhibits})
    if ledger.tsa_configured(ev):
        ts_files["timestamps/tsa-root.pem"] = ledger.tsa_roots(ev)  # for SHA256SUMS.tsr and checkpoint.tsr too
    for path, data in sorted(ts_files.items()):
        pack.add(path, data)

    # ---------------------------------------------------------------- keys
    manifest_keys = []
    for fp in sorted(keys):
        k = keys[fp]
        path = f"keys/{_fp16(fp)}.pub.pem"
        pack.add(path, k["public_pem"].encode("ascii"))
        manifest_keys.append({"fingerprint": fp, "path": path, "name": k["name"], "role": k["role"],
                              "email": k["email"]})

    # ---------------------------------------------------------------- the report
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(reports_dir())), autoescape=select_autoescape(["html", "j2", "txt"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short"] = lambda fp: (fp or "").replace("sha256:", "")[:16]
    env.filters["hexonly"] = lambda tag: (tag or "").replace("sha256:", "")
    ctx = {
        "case": case_row, "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"), "signer": signer.actor(),
        "signer_key": f"keys/{_fp16(signer.fingerprint)}.pub.pem", "policy": main_cat, "policies_note": policies_note,
        "policy_path": f"policy/{main_cat.policy_id}.json",
        "exhibits": exhibits, "allegations": [a for a in allegation_views if a["status"] != "withdrawn"],
        "withdrawn": [a for a in allegation_views if a["status"] == "withdrawn"],
        "custody_by_exhibit": custody_by_exhibit, "case_entries": case_entries, "redacted": redacted,
        "tool": {"name": "evidence", "version": __version__}, "has_pdf": pdf,
        "has_checkpoint": "checkpoint" in custody_manifest, "keys": manifest_keys,
        "has_timestamp": ledger.tsa_configured(ev),
    }
    pack.add("report.css", (reports_dir() / "report.css").read_bytes())
    pack.add("pages.css", env.get_template("pages.css.j2").render(**ctx).encode("utf-8"))
    pack.add("index.html", env.get_template("report.html.j2").render(**ctx).encode("utf-8"))
    pack.add("VERIFY.txt", env.get_template("VERIFY.txt.j2").render(**ctx).encode("utf-8"))
    if pdf:
        pack.add("report.pdf", _print_pdf(pack, as_of, browser_path))

    # ---------------------------------------------------------------- manifest, sums, signature
    files = [{"path": p, "size": pack.digest(p)[1], "sha256": pack.digest(p)[0]}
             for p in sorted([*pack.small, *pack.big])]
    manifest = {
        "schema": schema_id("pack-manifest"),
        "case": {"ref": ref, "title": case_row["title"], "subject": case_row["subject"],
                 "complainant": case_row["complainant"], "status": case_row["status"],
                 "opened": case_row["opened_utc"]},
        "as_of": ctx["as_of"],
        "redacted": redacted,
        "signer": dict(signer.actor(), key=ctx["signer_key"]),
        "tool": ctx["tool"],
        "policy": {"id": main_cat.policy_id, "title": main_cat.title, "version": main_cat.version,
                   "sha256": main_cat.sha256, "path": ctx["policy_path"]},
        "exhibits": manifest_exhibits,
        "allegations": manifest_allegations,
        "custody": custody_manifest,
        "keys": manifest_keys,
        "files": files,
    }
    validate(manifest, "pack-manifest", what="the pack manifest")
    pack.add("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
    sums = "".join(f"{pack.digest(p)[0][7:]}  {p}\n" for p in sorted([*pack.small, *pack.big])).encode("ascii")
    pack.add("SHA256SUMS", sums)
    pack.add("SHA256SUMS.sig", signer.sign(sums))
    tsr = ledger.pack_sums_timestamp(ev, sums)
    if tsr:
        pack.add("SHA256SUMS.tsr", tsr)
    elif ledger.tsa_configured(ev):
        ev.warnings.append("the pack has no SHA256SUMS.tsr (the timestamp authority did not answer); run "
                           "`evidence timestamp --pending` and build the pack again to add it")

    # ---------------------------------------------------------------- the ZIP
    digest, size = _write_zip(pack, out, force=force)
    ev._log("bundle.built", subject={"type": "bundle", "id": digest}, case=ref,
            details={"sha256": digest, "for": audience, "redacted": redacted, "size": size, "path": str(out.resolve()),
                     "exhibits": len(exhibits), "allegations": len(live), "as_of": ctx["as_of"],
                     "sums_sha256": sha256_tag(sums)})
    return {"path": str(out), "sha256": digest, "size": size, "exhibits": len(exhibits), "files": len(files) + 3,
            "allegations": len(live), "withdrawn": len(withdrawn), "as_of": ctx["as_of"]}


def _print_pdf(pack: _Pack, as_of: datetime, browser_path: str | None) -> bytes:
    """Lay out index.html with what it shows in a temporary folder and print it."""
    from .pdf import render_pdf

    import re

    with tempfile.TemporaryDirectory(prefix="evidence-report-") as tmp:
        root = Path(tmp)
        for path, data in pack.small.items():
            if path.endswith((".html", ".css")):
                dest = root / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                if path == "index.html":
                    # on paper, links to files would be absolute paths of this temporary folder: print them as
                    # plain text (links within the report stay links)
                    data = re.sub(rb'<a href="(?!#)[^"]*">(.*?)</a>', rb"\1", data, flags=re.S)
                dest.write_bytes(data)
        for path, (src, _, _, mtype) in pack.big.items():
            if mtype.startswith("image/"):
                dest = root / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(src, dest)
        return render_pdf(root / "index.html", when=as_of, browser_path=browser_path)


def _zinfo(path: str, mtype: str | None) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(path, date_time=ZIP_TIME)
    zi.create_system = 3
    zi.external_attr = (0o100644 & 0xFFFF) << 16
    stored = mtype is not None and mtype.startswith(STORED_TYPES)
    zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED  # zlib's default level
    return zi


def _write_zip(pack: _Pack, out: Path, *, force: bool) -> tuple[str, int]:
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for path in sorted([*pack.small, *pack.big]):
                if path in pack.small:
                    mtype = "application/pdf" if path.endswith(".pdf") else None
                    zf.writestr(_zinfo(path, mtype), pack.small[path])
                    continue
                src, want, size, mtype = pack.big[path]
                h = hashlib.sha256()
                n = 0
                with open(src, "rb") as fin, zf.open(_zinfo(path, mtype), "w", force_zip64=size > 2**31) as fout:
                    while True:
                        chunk = fin.read(CHUNK)
                        if not chunk:
                            break
                        h.update(chunk)
                        n += len(chunk)
                        fout.write(chunk)
                if "sha256:" + h.hexdigest() != want or n != size:
                    raise IntegrityError(f"{path}: the stored artifact no longer matches its signed record "
                                         f"(it hashes to sha256:{h.hexdigest()}); the pack was not built",
                                         hint="run `evidence verify` to see what is damaged")
        with open(tmp, "rb") as fh:
            h = hashlib.sha256()
            size = 0
            while chunk := fh.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
        os.replace(tmp, out)
        return "sha256:" + h.hexdigest(), size
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
