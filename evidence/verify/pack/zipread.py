"""Step 1: read the ZIP defensively, entry by entry, never extracting."""

from __future__ import annotations

import hashlib
import stat
import struct
import unicodedata
import zipfile
import zlib

from ...digest import CHUNK, TAG
from .context import BOMB_MIN_SIZE, BOMB_RATIO, KEEP_MAX, _File, _LOCAL_HEADER, _LOCAL_SIG, _one_line, _path_problem


ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the builder's fixed entry time (evidence/pack/archive.py)
_EOCD_SIG = b"PK\x05\x06"
_EOCD_SEARCH = 22 + 0xFFFF + 1024


class ZipChecks:
    """Step 1 (a part of the pack checker; state lives in CheckerBase)."""

    # -- 1. the ZIP ------------------------------------------------------------------------------

    def read_zip(self, fh, zf: zipfile.ZipFile, max_total_bytes: int, max_files: int) -> bool:
        """Check and read every entry. False if nothing more can be checked."""
        infos = zf.infolist()
        if not infos:
            self.add("pack", "the ZIP holds no files: it is not a pack", "pack-empty")
            return False
        if len(infos) > max_files:
            self.add("pack", f"holds {len(infos)} entries, more than the limit of {max_files}; nothing was read",
                     "zip-unsafe")
            return False
        declared = sum(i.file_size for i in infos)
        if declared > max_total_bytes:
            self.add("pack", f"its entries declare {declared} bytes uncompressed, more than the limit of "
                     f"{max_total_bytes} (a zip bomb?); nothing was read", "zip-unsafe")
            return False

        self._strict(fh, zf, infos)
        candidates = self._screen(infos)
        located = self._locate(fh, zf, candidates)
        self._read_all(fh, located, max_total_bytes)
        return True

    def _strict(self, fh, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
        """What a pack built by the tool never has (evidence/pack/archive.py): a comment, bytes around the
        archive, entry modes other than a plain 0644 file, entry times other than 1980-01-01 00:00:00,
        directory entries. Each is named; the entries are still read (the signed list covers their bytes)."""
        if zf.comment:
            self.add("pack", f"the ZIP carries an archive comment of {len(zf.comment)} bytes "
                     f"({_one_line(zf.comment.decode('utf-8', 'replace'), 80)!r}); a pack has none", "zip-comment")
        first = min(i.header_offset for i in infos)
        if first > 0:
            self.add("pack", f"{first} bytes come before the archive's first entry (prepended data, e.g. a "
                     "self-extracting stub); a pack starts with its first entry", "zip-prefix")
        trailing = _trailing_bytes(fh)
        if trailing:
            self.add("pack", f"{trailing} bytes follow the end of the archive (appended data another tool might "
                     "read); a pack ends with its central directory", "zip-trailing")
        for info in infos:
            name = info.orig_filename
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind in (stat.S_IFLNK, stat.S_IFDIR) or name.endswith("/"):
                if kind != stat.S_IFLNK:
                    self.add(name, "is a directory entry; a pack holds only files", "zip-directory")
                continue  # a link is named (and not read) below
            if kind == stat.S_IFREG and mode & 0o7111:
                self.add(name, f"has mode {mode & 0o7777:04o}: executable or set-id bits, which a pack's files "
                         "never have (0644)", "zip-mode")
            elif kind != stat.S_IFREG and kind == 0:
                self.add(name, f"carries no Unix file mode (external attributes {info.external_attr:#x}); a pack's "
                         "files are regular files of mode 0644", "zip-mode")
            if info.date_time != ZIP_TIME:
                shown = "%04d-%02d-%02d %02d:%02d:%02d" % info.date_time
                self.add(name, f"has the entry time {shown}; a pack's entries all carry 1980-01-01 00:00:00 (the "
                         "entry was added or rewritten by another tool)", "zip-time")

    def _unsafe(self, name: str, what: str) -> None:
        self.add(name, what, "zip-unsafe")
        self.unsafe.add(name)

    def _screen(self, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
        """The entries that may be read: safe names, once each, regular files, stored or deflated."""
        counts: dict[str, int] = {}
        for info in infos:
            counts[info.orig_filename] = counts.get(info.orig_filename, 0) + 1
        candidates: list[zipfile.ZipInfo] = []
        dirs: set[str] = set()
        unsafe = self._unsafe
        for info in infos:
            name = info.orig_filename
            problem = _path_problem(name)
            if problem:
                unsafe(name, f"{problem}; not read")
                continue
            if counts[name] > 1:
                if name not in self.unsafe:
                    unsafe(name, f"appears {counts[name]} times in the ZIP (which copy would be unpacked?); not read")
                continue
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                unsafe(name, "is a symbolic link; not followed or read")
                continue
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                unsafe(name, f"is a special file (mode {mode:o}), not a regular file; not read")
                continue
            if info.flag_bits & 0x41:
                unsafe(name, "is encrypted; not read")
                continue
            if name.endswith("/") or kind == stat.S_IFDIR:
                if not name.endswith("/"):
                    unsafe(name, "is marked as a directory but named like a file; not read")
                elif info.file_size or info.compress_size > 2:
                    unsafe(name, f"is a directory entry that carries {info.file_size} bytes of data; not read")
                else:
                    dirs.add(name)
                continue
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                unsafe(name, f"uses compression method {info.compress_type}; a pack uses only stored or deflated entries")
                continue
            if info.file_size > BOMB_MIN_SIZE and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                unsafe(name, f"declares {info.file_size} bytes from {info.compress_size} compressed "
                       f"(ratio {ratio}:1, a zip bomb?); not read")
                continue
            candidates.append(info)

        names = {i.orig_filename for i in candidates}
        for info in list(candidates):
            parts = info.orig_filename.split("/")
            for n in range(1, len(parts)):
                prefix = "/".join(parts[:n])
                if prefix in names and prefix not in self.unsafe:
                    unsafe(prefix, f"is a file but also the folder of {info.orig_filename}; not read")
        candidates = [i for i in candidates if i.orig_filename not in self.unsafe]
        self._name_notes(candidates)
        return candidates

    def _name_notes(self, candidates: list[zipfile.ZipInfo]) -> None:

        folded: dict[str, set[str]] = {}
        for info in candidates:
            key = unicodedata.normalize("NFC", info.orig_filename).casefold()
            folded.setdefault(key, set()).add(info.orig_filename)
        for group in folded.values():
            if len(group) > 1:
                self.r.notes.append("these names differ only in letter case or Unicode normalisation, and would "
                                    "overwrite each other when unpacked on Windows or macOS: " + ", ".join(sorted(group)))
        if any(not i.orig_filename.isascii() for i in candidates):
            self.r.notes.append("some file names are not ASCII (a pack's own names always are)")

    def _locate(self, fh, zf: zipfile.ZipFile, candidates: list[zipfile.ZipInfo]) -> list[tuple[zipfile.ZipInfo, int]]:
        """Where each entry's data lies (from its local header); entries must not overlap."""
        unsafe = self._unsafe
        start_dir = getattr(zf, "start_dir", None)
        spans: list[tuple[int, int, str]] = []
        located: list[tuple[zipfile.ZipInfo, int]] = []
        for info in candidates:
            name = info.orig_filename
            data_start, problem = self._local_header(fh, info)
            if problem:
                unsafe(name, f"{problem}; not read")
                continue
            end = data_start + info.compress_size
            spans.append((info.header_offset, end, name))
            located.append((info, data_start))
        spans.sort()
        overlapping: set[str] = set()
        for (s1, e1, n1), (s2, _e2, n2) in zip(spans, spans[1:]):
            if e1 > s2:
                overlapping.update((n1, n2))
        if spans and start_dir is not None and spans[-1][1] > start_dir:
            overlapping.add(spans[-1][2])
        for name in sorted(overlapping):
            unsafe(name, "its data overlaps another entry or the central directory (a doctored ZIP or a zip bomb); "
                   "not read")
        if len(spans) == len(zf.infolist()) and not overlapping:
            self._gaps(spans, start_dir)
        return located

    def _gaps(self, spans: list[tuple[int, int, str]], start_dir: int | None) -> None:
        """Bytes between entries, or between the last entry and the central directory: the builder leaves none."""
        ends = [*(s for s, _e, _n in spans[1:]), start_dir if start_dir is not None else spans[-1][1]]
        for (_s, e, name), nxt in zip(spans, ends):
            if nxt > e:
                self.add(name, f"is followed by {nxt - e} bytes that belong to no entry (hidden data between "
                         "entries); a pack's entries follow one another", "zip-gap")

    def _read_all(self, fh, located: list[tuple[zipfile.ZipInfo, int]], max_total_bytes: int) -> None:
        budget = max_total_bytes
        for info, data_start in located:
            name = info.orig_filename
            if name in self.unsafe:
                continue
            keep = not (name.startswith("exhibits/") or name == "report.pdf") and info.file_size <= KEEP_MAX
            tag, size, data, problem, code = self._read_entry(fh, info, data_start, keep, budget)
            if problem:
                self.add(name, problem, code)
                self.unsafe.add(name)
                continue
            budget -= size
            self.files[name] = _File(name, size, tag, data)
        self.r.files = sorted(self.files)
        self.r.count("files", len(self.files))

    @staticmethod
    def _local_header(fh, info: zipfile.ZipInfo) -> tuple[int, str | None]:
        try:
            fh.seek(info.header_offset)
            head = fh.read(_LOCAL_HEADER.size)
        except (OSError, ValueError, OverflowError):
            return 0, "its local header cannot be read"
        if len(head) != _LOCAL_HEADER.size:
            return 0, "its local header lies beyond the end of the file"
        sig, _ver, flags, method, _t, _d, _crc, _cs, _us, nlen, xlen = _LOCAL_HEADER.unpack(head)
        if sig != _LOCAL_SIG:
            return 0, "has no local header where the central directory says it starts"
        raw_name = fh.read(nlen)
        want = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
        if raw_name != want:
            return 0, f"its local header names another file ({raw_name.decode('utf-8', 'replace')!r})"
        if method != info.compress_type:
            return 0, "its local header and the central directory disagree on the compression method"
        if flags & 0x41:
            return 0, "its local header says it is encrypted"
        return info.header_offset + _LOCAL_HEADER.size + nlen + xlen, None

    @staticmethod
    def _read_entry(fh, info: zipfile.ZipInfo, data_start: int, keep: bool, budget: int):
        """(tag, size, data|None, problem|None, code) for one entry, never producing more than declared + 1 bytes."""
        declared = info.file_size
        cap = declared + 1
        h = hashlib.sha256()
        crc = 0
        produced = 0
        parts: list[bytes] = [] if keep else None  # type: ignore[assignment]
        left = info.compress_size
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != declared:
            return None, 0, None, (f"is stored uncompressed with {info.compress_size} bytes of data but declares "
                                   f"{declared} bytes"), "zip-unsafe"
        dec = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None

        def emit(chunk: bytes) -> None:
            nonlocal produced, crc
            produced += len(chunk)
            h.update(chunk)
            crc = zlib.crc32(chunk, crc)
            if parts is not None:
                parts.append(chunk)

        try:
            fh.seek(data_start)
            while left > 0 and produced < cap:
                raw = fh.read(min(CHUNK, left))
                if not raw:
                    return None, 0, None, "its data is cut short (the ZIP is truncated)", "zip-corrupt"
                left -= len(raw)
                if dec is None:
                    emit(raw[: cap - produced])
                    continue
                pending = raw
                while pending and produced < cap:
                    out = dec.decompress(pending, cap - produced)
                    emit(out)
                    if dec.eof:
                        if dec.unused_data or left > 0:
                            return None, 0, None, ("carries data after the end of its compressed stream "
                                                   "(hidden bytes another unzip tool might show)"), "zip-unsafe"
                        pending = b""
                        break
                    if not out and dec.unconsumed_tail == pending:
                        break
                    pending = dec.unconsumed_tail
                if produced > declared:
                    break
            if dec is not None and produced <= declared and not dec.eof:
                tail = dec.flush()
                emit(tail[: cap - produced])
                if not dec.eof and produced <= declared:
                    return None, 0, None, "its compressed stream is incomplete (the ZIP is damaged)", "zip-corrupt"
        except zlib.error as exc:
            return None, 0, None, f"its compressed data is damaged ({_one_line(exc, 100)})", "zip-corrupt"
        except (OSError, ValueError, OverflowError) as exc:
            return None, 0, None, f"cannot be read ({_one_line(exc, 100)})", "zip-corrupt"
        if produced > declared:
            return None, 0, None, (f"declares {declared} bytes but its data holds more (stopped after {produced}): "
                                   "the ZIP lies about its size; not used"), "zip-unsafe"
        if produced < declared:
            return None, 0, None, f"declares {declared} bytes but its data holds only {produced}", "zip-corrupt"
        if produced > budget:
            return None, 0, None, "would exceed the total size limit; not read", "zip-unsafe"
        if (crc & 0xFFFFFFFF) != info.CRC:
            return None, 0, None, "its CRC-32 does not match its data (the ZIP is damaged or doctored)", "zip-corrupt"
        data = b"".join(parts) if parts is not None else None
        return TAG + h.hexdigest(), produced, data, None, ""


def _trailing_bytes(fh) -> int:
    """How many bytes follow the end-of-central-directory record (and its comment); 0 if none or unknown."""
    try:
        size = fh.seek(0, 2)
        fh.seek(max(0, size - _EOCD_SEARCH))
        tail = fh.read()
    except (OSError, ValueError):
        return 0
    pos = tail.rfind(_EOCD_SIG)
    while pos >= 0:
        if pos + 22 <= len(tail):
            (clen,) = struct.unpack_from("<H", tail, pos + 20)
            end = pos + 22 + clen
            if end <= len(tail):
                return len(tail) - end
        pos = tail.rfind(_EOCD_SIG, 0, pos)
    return 0
