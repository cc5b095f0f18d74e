"""Copies out of the store: an item's artifacts and signed record, or one artifact's bytes. Both are logged."""

from __future__ import annotations

import mimetypes
import os
import shutil
from pathlib import Path
from typing import Iterable

from .digest import hash_file
from .errors import IntegrityError, InputError

__all__ = ["export_item", "read_artifact", "extension"]


def extension(media_type: str) -> str:
    special = {"text/html": ".html", "application/json": ".json", "multipart/related": ".mhtml",
               "image/jpeg": ".jpg", "text/plain": ".txt", "application/octet-stream": ".bin",
               "application/warc": ".warc.gz"}
    if media_type in special:
        return special[media_type]
    return mimetypes.guess_extension(media_type) or ".bin"


def export_item(ev, item_id: str, out: str | os.PathLike, *, roles: Iterable[str] | None = None) -> list[Path]:
    """Copy an item's artifacts (and its signed record) into folder ``out``/<item id>. Each copy is re-hashed."""
    item = ev.item(item_id)
    dest = Path(out)
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest} is not a folder", hint="give a folder for --out")
    wanted = list(roles) if roles else [a["role"] for a in item.artifacts]
    for r in wanted:
        item.artifact(r)
    target = dest / item.id
    if target.exists():
        raise InputError(f"{target} already exists; export never overwrites", hint="choose another --out")
    signer = ev.log.signer()
    target.mkdir(parents=True)
    written = []
    for r in wanted:
        art = item.artifact(r)
        copy = target / f"{r}{extension(art['media_type'])}"
        shutil.copyfile(item.path(r), copy)
        tag, _ = hash_file(copy)
        if tag != art["sha256"]:
            raise IntegrityError(f"the copy of {r} does not match its recorded hash",
                                 hint="run `evidence verify`: the stored artifact may be damaged")
        written.append(copy)
    (target / "record.json").write_bytes(item.record_bytes)
    (target / "record.sig").write_bytes(item.signature)
    written += [target / "record.json", target / "record.sig"]
    ev.log.write("artifact.exported", subject={"type": "item", "id": item.id}, case=item.case_ref, item_id=item.id,
                 signer=signer, details={"to": str(target.resolve()),
                                         "artifacts": [{"role": r, "sha256": item.artifact(r)["sha256"]}
                                                       for r in wanted]})
    return written


def read_artifact(ev, item_id: str, role: str | None = None) -> tuple[dict, bytes]:
    """The bytes of one artifact, read through the tool (logged as viewed)."""
    item = ev.item(item_id)
    art = item.artifact(role) if role else item.artifacts[0]
    data = item.path(art["role"]).read_bytes()
    ev.log.write("artifact.viewed", subject={"type": "item", "id": item.id}, case=item.case_ref, item_id=item.id,
                 details={"role": art["role"], "sha256": art["sha256"]})
    return art, data
