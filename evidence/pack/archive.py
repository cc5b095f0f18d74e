"""A pack's files and its ZIP: every file once, written byte for byte the same for the same case state.

Entries are sorted, every entry time is 1980-01-01, mode 0644; images, video, audio, PDF
and archives are stored, the rest deflated with zlib's default level. Every artifact is
re-hashed while it is copied in; a mismatch with its signed record stops the build.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..digest import CHUNK, sha256_tag
from ..errors import IntegrityError

__all__ = ["PackFiles", "write_zip", "extension", "ZIP_TIME"]

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
STORED_TYPES = ("image/", "video/", "audio/", "application/pdf", "application/zip", "application/gzip")


def extension(role: str, media_type: str) -> str:
    """The file name ending of an artifact in a pack (HTML is never given a name a click would open as a page)."""
    if media_type in ("text/html", "application/xhtml+xml"):
        return ".html.txt"  # opened as a page, it would run the site's scripts
    special = {"application/json": ".json", "multipart/related": ".mhtml", "image/jpeg": ".jpg",
               "text/plain": ".txt", "application/octet-stream": ".bin", "image/png": ".png",
               "application/pdf": ".pdf"}
    if role == "har":
        return ".har"
    if role == "warc":
        return ".warc.gz"
    return special.get(media_type) or mimetypes.guess_extension(media_type) or ".bin"


@dataclass
class PackFiles:
    small: dict[str, bytes] = field(default_factory=dict)  # path -> bytes
    big: dict[str, tuple[Path, str, int, str]] = field(default_factory=dict)  # path -> (source, sha256, size, mtype)
    _digests: dict[str, tuple[str, int]] = field(default_factory=dict)
    _tmp: Path | None = None

    def add(self, path: str, data: bytes) -> None:
        if path in self.small or path in self.big:
            raise ValueError(f"duplicate pack path {path}")
        self.small[path] = data

    def add_file(self, path: str, src: Path, sha: str, size: int, mtype: str) -> None:
        if path in self.small or path in self.big:
            raise ValueError(f"duplicate pack path {path}")
        self.big[path] = (src, sha, size, mtype)

    def temp_dir(self) -> Path:
        """A private folder for files made for this pack (e.g. its PDF), removed when the pack is dropped."""
        if self._tmp is None:
            import shutil
            import tempfile
            import weakref

            self._tmp = Path(tempfile.mkdtemp(prefix="evidence-pack-"))
            weakref.finalize(self, shutil.rmtree, self._tmp, True)
        return self._tmp

    def close(self) -> None:
        """Remove the private folder now (files in it, such as the PDF, are gone once the zip is written)."""
        if self._tmp is not None:
            import shutil

            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def paths(self) -> list[str]:
        return sorted([*self.small, *self.big])

    def digest(self, path: str) -> tuple[str, int]:
        if path in self.small:
            if path not in self._digests:
                data = self.small[path]
                self._digests[path] = (sha256_tag(data), len(data))
            return self._digests[path]
        _, sha, size, _ = self.big[path]
        return sha, size


def _zinfo(path: str, mtype: str | None) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(path, date_time=ZIP_TIME)
    zi.create_system = 3
    zi.external_attr = (0o100644 & 0xFFFF) << 16
    stored = mtype is not None and mtype.startswith(STORED_TYPES)
    zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED  # zlib's default level
    return zi


def write_zip(pack: PackFiles, out: Path, *, force: bool) -> tuple[str, int]:
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for path in pack.paths():
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
