"""WACZ of a case's (or one item's) captures, out of the store: ``evidence export --wacz``, ``bundle --with-wacz``.

Each capture kept since WARCs were recorded has an artifact of role ``warc``. The WACZ holds them
as ``archive/<item id>.warc.gz`` (each copy re-hashed against the signed record first), a CDXJ
index, a pages list (each captured post a page: its URL, title and capture time) and the
datapackage files (see docs/webarchive.md). The WACZ signing spec signs with ECDSA keys, not the
project's Ed25519 keys, so the export writes the signed records and custody entries of the
exported items beside the WACZ, in ``<name>.evidence/``, with the signers' public keys and a
``SHA256SUMS`` naming the WACZ. The export is a custody entry (``wacz.exported``).
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..digest import hash_file
from ..errors import IntegrityError, InputError
from .wacz import Page, WaczResult, write_wacz

__all__ = ["export_wacz", "build_wacz", "WaczSource", "sources_of"]

README = """Beside {wacz}: what proves where its web archives came from.

The WACZ cannot carry the project's signatures (the WACZ signing spec provides for ECDSA keys; the
project signs with Ed25519), so the signed records and custody entries travel here instead.

records/<item>.json, .sig   each capture's signed record (Ed25519 over the exact bytes); its artifact of
                            role "warc" has the SHA-256 of archive/<item>.warc.gz inside the WACZ
custody/<seq>.json, .sig    the custody entries of those items, and the entry of this export
keys/<fp16>.pub.pem         the public keys that signed them
SHA256SUMS                  the SHA-256 of the WACZ and of every file here

Check a signature:  openssl pkeyutl -verify -pubin -inkey keys/<fp16>.pub.pem -rawin \\
                        -in records/<item>.json -sigfile records/<item>.sig
Check the WARCs:    unzip -p {wacz} archive/<item>.warc.gz | sha256sum   (compare with the record)
"""


@dataclass(frozen=True)
class WaczSource:
    """One capture's WARC to package: the item, its file in the store, the name inside the WACZ, its page."""

    item: object
    path: Path
    name: str
    sha256: str
    page: Page


def _utc(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(_dt.timezone.utc)


def source_of(item, name: str | None = None) -> WaczSource:
    art = item.artifact("warc")
    rec = item.record
    src = rec.get("source") or {}
    meta = rec.get("metadata") or {}
    title = meta.get("title") or (meta.get("post") or {}).get("title")  # the page title a replay shows
    url = src.get("final_url") or src.get("url")
    page = Page(url=url, ts=_utc(src["started"]["utc"]), title=title or None)
    return WaczSource(item, item.path("warc"), name or f"{item.id}.warc.gz", art["sha256"], page)


def sources_of(items) -> list[WaczSource]:
    """The captures among ``items`` that kept a WARC."""
    return [source_of(it) for it in items if it.kind == "capture" and it.has("warc")]


def build_wacz(sources: list[WaczSource], out: Path, *, created: _dt.datetime, title: str,
               description: str | None = None) -> WaczResult:
    """Write the WACZ of ``sources`` at ``out``. Each WARC is hashed as it is copied in and checked against its
    signed record's hash; on a mismatch nothing is left at ``out`` (IntegrityError)."""
    with tempfile.TemporaryDirectory(prefix="evidence-wacz-", dir=out.parent) as tmp:
        links = []
        for s in sources:  # the name the WACZ gives it, pointing at the store's file (no copy)
            link = Path(tmp) / s.name
            try:
                link.symlink_to(s.path.resolve())
            except OSError:
                shutil.copyfile(s.path, link)
            links.append(link)
        result = write_wacz(out, links, [s.page for s in sources], created=created, title=title,
                            description=description)
    got = {r["path"]: r["hash"] for r in result.resources}
    for s in sources:
        if got.get(f"archive/{s.name}") != s.sha256:
            out.unlink(missing_ok=True)
            raise IntegrityError(f"the WARC of item {s.item.id} does not match its recorded hash; no WACZ was written",
                                 hint="run `evidence verify`: the stored artifact may be damaged")
    return result


def _check_out(out: Path) -> Path:
    out = Path(out)
    if out.exists():
        raise InputError(f"{out} already exists; an export never overwrites", hint="choose another --out")
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist", hint="create it, or choose another --out")
    side = out.with_name(out.name + ".evidence")
    if side.exists():
        raise InputError(f"{side} already exists; an export never overwrites", hint="choose another --out")
    return side


def _sidecar(ev, side: Path, wacz: Path, digest: str, sources: list[WaczSource], seq: int) -> None:
    from ..digest import sha256_tag

    (side / "records").mkdir(parents=True)
    (side / "custody").mkdir()
    (side / "keys").mkdir()
    signers = set()
    for s in sources:
        (side / "records" / f"{s.item.id}.json").write_bytes(s.item.record_bytes)
        (side / "records" / f"{s.item.id}.sig").write_bytes(s.item.signature)
        signers.add(s.item.signer)
    ids = {s.item.id for s in sources}
    entries = [e for e in ev.custody(case=sources[0].item.case_ref) if e.item_id in ids or e.seq == seq]
    for e in entries:
        (side / "custody" / f"{e.seq:08d}.json").write_bytes(e.entry_bytes)
        (side / "custody" / f"{e.seq:08d}.sig").write_bytes(e.signature)
        signers.add(e.actor)
    for fp in sorted(signers):
        (side / "keys" / f"{fp.split(':', 1)[1][:16]}.pub.pem").write_bytes(ev.key(fp)["public_pem"].encode("ascii"))
    (side / "README.txt").write_text(README.format(wacz=wacz.name), encoding="utf-8")
    lines = [f"{digest[7:]}  ../{wacz.name}"]
    for p in sorted(side.rglob("*")):
        if p.is_file():
            lines.append(f"{sha256_tag(p.read_bytes())[7:]}  {p.relative_to(side).as_posix()}")
    (side / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="ascii")


def export_wacz(ev, *, out: str | os.PathLike, case: str | None = None, item: str | None = None) -> dict:
    """Write the WACZ of ``case``'s captures (or of ``item``) at ``out``, the signed records beside it; logged."""
    if (case is None) == (item is None):
        raise InputError("give either an item or --case for a WACZ export",
                         hint="e.g. evidence export --wacz --case SMP-2026-014 --out case.wacz")
    out = Path(out)
    side = _check_out(out)
    if item is not None:
        it = ev.item(item)
        if not (it.kind == "capture" and it.has("warc")):
            raise InputError(f"item {it.id} has no WARC (only captures made since WARCs are kept have one)",
                             hint="capture the post again to get a WARC of it")
        sources, ref = [source_of(it)], it.case_ref
    else:
        ref = ev.case(case)["ref"]
        sources = sources_of(ev.items(ref))
        if not sources:
            raise InputError(f"case {ref} has no capture with a WARC",
                             hint="capture the posts (captures made since WARCs are kept have one)")
    signer = ev.log.signer()
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    result = build_wacz(sources, out, created=created, title=f"Case {ref}",
                        description=f"{len(sources)} capture(s) of case {ref}, exported by evidence")
    digest, size = hash_file(out)
    details = {"to": str(out.resolve()), "sha256": digest, "size": size, "wacz_version": "1.1.1",
               "datapackage_sha256": result.datapackage_hash,
               "warcs": [{"item": s.item.id, "name": f"archive/{s.name}", "sha256": s.sha256} for s in sources]}
    subject = {"type": "item", "id": sources[0].item.id} if item is not None else {"type": "case", "id": ref}
    try:
        seq = ev.log.write("wacz.exported", subject=subject, case=ref, signer=signer,
                           item_id=sources[0].item.id if item is not None else None, details=details)
    except BaseException:
        out.unlink(missing_ok=True)  # not logged, so not left behind
        raise
    _sidecar(ev, side, out, digest, sources, seq)
    return {"path": str(out), "sha256": digest, "size": size, "captures": len(sources), "sidecar": str(side),
            "custody_seq": seq, "pages": [s.page.to_json() for s in sources]}
