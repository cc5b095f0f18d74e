"""Package WARC files as a WACZ 1.1.1 file that ReplayWeb.page opens and ``wacz validate`` accepts.

Layout of the ZIP (WARCs stored, not deflated, as the spec requires, so a replay can read
records by offset; the small text files are deflated)::

    archive/<name>.warc.gz        the WARC files, as given
    indexes/index.cdxj            sorted CDXJ index of the replayable records
    pages/pages.jsonl             header line, then one line per page (id, url, title, ts)
    datapackage.json              profile "data-package", wacz_version "1.1.1", each file's
                                  name, path, hash ("sha256:<hex>") and bytes
    datapackage-digest.json       {"path": "datapackage.json", "hash": "sha256:<hex>"}

``datapackage-digest.json`` carries no ``signedData``: the WACZ signing spec signs with an
ECDSA P-256 key (optionally with a domain certificate and an RFC 3161 timestamp) and the project's
keys are Ed25519, so the project's own signed records travel beside the WACZ instead.

Given the same WARC files, pages and ``created`` time, the output is byte for byte the same.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import InputError
from .cdxj import index_warcs
from .warc import SOFTWARE, warc_date

__all__ = ["Page", "WaczResult", "write_wacz", "WACZ_VERSION"]

WACZ_VERSION = "1.1.1"
_PAGE_NAMESPACE = uuid.UUID("0b6f7c1e-4d55-5a43-9d1e-6a7f2f0c9e21")
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Page:
    """A page of the archive: a captured post (its URL, title and capture time)."""

    url: str
    ts: _dt.datetime
    title: str | None = None
    id: str | None = None

    def to_json(self) -> dict:
        ident = self.id or uuid.uuid5(_PAGE_NAMESPACE, f"{self.url} {warc_date(self.ts)}").hex
        line = {"id": ident, "url": self.url, "ts": warc_date(self.ts)}
        if self.title:
            line["title"] = self.title
        return line


@dataclass(frozen=True)
class WaczResult:
    path: Path
    bytes: int
    resources: list[dict] = field(default_factory=list)
    datapackage_hash: str = ""


def _zip_time(created: _dt.datetime) -> tuple[int, int, int, int, int, int]:
    t = created.astimezone(_dt.timezone.utc)
    return (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)


def _info(name: str, when: tuple, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, when)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, whatever system writes it: same bytes everywhere
    return info


def _resource(path: str, digest: str, size: int) -> dict:
    return {"name": os.path.basename(path).lower(), "path": path, "hash": f"sha256:{digest}", "bytes": size}


def _add_file(zf: zipfile.ZipFile, src: Path, name: str, when: tuple) -> dict:
    """Copy ``src`` into the ZIP stored (not deflated), hashing it on the way: one read."""
    size = src.stat().st_size
    info = _info(name, when, zipfile.ZIP_STORED)
    info.file_size = size
    sha = hashlib.sha256()
    with open(src, "rb") as fh, zf.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as out:
        while chunk := fh.read(_COPY_CHUNK):
            sha.update(chunk)
            out.write(chunk)
    return _resource(name, sha.hexdigest(), size)


def _add_bytes(zf: zipfile.ZipFile, data: bytes, name: str, when: tuple,
               compress: int = zipfile.ZIP_DEFLATED) -> dict:
    zf.writestr(_info(name, when, compress), data)
    return _resource(name, hashlib.sha256(data).hexdigest(), len(data))


def pages_jsonl(pages: Iterable[Page], title: str = "All Pages") -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": title}]
    lines += [p.to_json() for p in pages]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def _datapackage(resources: list[dict], created: _dt.datetime, title: str | None, description: str | None,
                 main_page: Page | None) -> bytes:
    package = {"profile": "data-package", "resources": resources}
    if title:
        package["title"] = title
    if description:
        package["description"] = description
    if main_page is not None:
        package["mainPageURL"] = main_page.url
        package["mainPageDate"] = warc_date(main_page.ts)
    package["created"] = created.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    package["wacz_version"] = WACZ_VERSION
    package["software"] = SOFTWARE
    return json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")


def write_wacz(out: str | os.PathLike, warcs: Sequence[str | os.PathLike], pages: Sequence[Page], *,
               created: _dt.datetime, title: str | None = None, description: str | None = None,
               main_page: Page | None = None) -> WaczResult:
    """Write a WACZ 1.1.1 file at ``out`` from ``warcs`` and ``pages``.

    ``created`` is the package's creation time (``datapackage.json``'s ``created`` and the ZIP
    entries' dates). ``main_page`` defaults to the first page. The file is written next to
    ``out`` under a temporary name and moved into place when complete.
    """
    warcs = [Path(w) for w in warcs]
    if not warcs:
        raise InputError("a WACZ needs at least one WARC file", hint="capture the item first, or pick items with captures")
    missing = [str(w) for w in warcs if not w.is_file()]
    if missing:
        raise InputError(f"WARC file not found: {missing[0]}", hint="check the capture's files (evidence verify)")
    out = Path(out)
    when = _zip_time(created)
    index = index_warcs(warcs)
    tmp = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            resources = [_add_file(zf, w, f"archive/{w.name}", when) for w in warcs]
            resources.append(_add_bytes(zf, index, "indexes/index.cdxj", when))
            resources.append(_add_bytes(zf, pages_jsonl(pages), "pages/pages.jsonl", when))
            package = _datapackage(resources, created, title, description,
                                   main_page or (pages[0] if pages else None))
            _add_bytes(zf, package, "datapackage.json", when)
            digest = {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(package).hexdigest()}"}
            _add_bytes(zf, json.dumps(digest, indent=2).encode("utf-8"), "datapackage-digest.json", when)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return WaczResult(path=out, bytes=out.stat().st_size, resources=resources, datapackage_hash=digest["hash"])
