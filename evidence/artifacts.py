"""The content-addressed folder of artifacts.

Layout: ``<store>/artifacts/sha256/<first two hex>/<64 hex>``. A file is written
once: streamed into ``<store>/tmp/`` while it is hashed, fsynced, made read-only,
then renamed into place (atomic on one file system), and the folder fsynced. If
the same content is already there, the new copy is dropped. Nothing ever
rewrites or deletes a file here.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from .digest import CHUNK, TAG, sha256_tag, tag_hex

__all__ = ["ArtifactFolder", "artifact_relpath"]


def artifact_relpath(tag: str) -> str:
    hx = tag_hex(tag)
    return f"artifacts/sha256/{hx[:2]}/{hx}"


class ArtifactFolder:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, tag: str) -> Path:
        return self.root / artifact_relpath(tag)

    def exists(self, tag: str) -> bool:
        return self.path(tag).is_file()

    def _commit(self, tmp_path: str, tag: str) -> Path:
        dest = self.path(tag)
        if dest.exists():
            os.unlink(tmp_path)
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_path, 0o444)
        os.replace(tmp_path, dest)
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return dest

    def put_stream(self, src: BinaryIO, *, head_bytes: int = 4096) -> tuple[str, int, bytes]:
        """Copy ``src`` in, hashing while copying. Returns (tag, size, first ``head_bytes`` bytes)."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=self.tmp, prefix="in-")
        h = hashlib.sha256()
        size = 0
        head = b""
        try:
            with os.fdopen(fd, "wb") as out:
                buf = bytearray(CHUNK)
                view = memoryview(buf)
                while True:
                    n = src.readinto(buf)
                    if not n:
                        break
                    chunk = view[:n]
                    if len(head) < head_bytes:
                        head += bytes(chunk[: head_bytes - len(head)])
                    h.update(chunk)
                    out.write(chunk)
                    size += n
                out.flush()
                os.fsync(out.fileno())
            tag = TAG + h.hexdigest()
            self._commit(tmp_path, tag)
            return tag, size, head
        except BaseException as exc:
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                from .errors import DiskFull

                raise DiskFull(f"the disk holding the store is full; nothing was written ({exc.strerror})",
                               hint="free some space and run the command again (what was stored before is intact)"
                               ) from None
            raise

    def put_file(self, path: str | os.PathLike) -> tuple[str, int, bytes]:
        with open(path, "rb", buffering=0) as fh:
            return self.put_stream(fh)

    def put_bytes(self, data: bytes) -> tuple[str, int, bytes]:
        import io

        return self.put_stream(io.BytesIO(data))

    def read_verified(self, tag: str) -> bytes:
        """The bytes of a (small) artifact, checked against its name."""
        from .errors import IntegrityError

        data = self.path(tag).read_bytes()
        if sha256_tag(data) != tag:
            raise IntegrityError(f"the stored file {tag} is damaged (its bytes hash to {sha256_tag(data)})",
                                 hint="run `evidence verify`")
        return data

    def copy_out(self, tag: str, dest: Path) -> None:
        """Copy an artifact out (the copy is writable; the original stays read-only)."""
        shutil.copyfile(self.path(tag), dest)

    def clean_tmp(self) -> None:
        """Remove temporary files left by a process that was killed mid-copy (they belong to no item)."""
        if not self.tmp.is_dir():
            return
        for p in self.tmp.iterdir():
            try:
                # only files older than a minute: another process may be copying right now
                import time

                if time.time() - p.stat().st_mtime > 60:
                    p.unlink()
            except OSError:
                pass
