"""Verify a panel pack (the ZIP ``evidence bundle`` writes) offline, without any store.

The contract is ``docs/pack-format.md``. This module is independent of the code that
writes packs: it shares only :mod:`evidence.digest`, :mod:`evidence.canonical` and
:mod:`evidence.errors` with the writing side, and otherwise uses the other
``evidence.verify`` modules (signed notes, Merkle proofs, RFC 3161 timestamps, the
key ring), so a bug in the pack writer cannot be hidden by shared code.

It never stops at the first problem: every problem is listed, each naming the file,
exhibit, allegation or custody entry and what is wrong, with a short code. Only a
file that is not a ZIP at all is refused outright (:class:`IntegrityError`), because
then nothing in it can be read.

The ZIP is read defensively and never extracted: the central directory is parsed by
:mod:`zipfile`, but every entry's bytes are read by this module from the archive
itself (local header checked against the central directory, stored or deflated data
only, output capped at the declared size plus one byte, CRC and end of stream
checked), hashed in chunks, and kept in memory only for the small files that must be
parsed. Nothing is ever written to disk.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import posixpath
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..canonical import canonical_json, parse_json
from ..digest import CHUNK, TAG, is_tag, sha256_tag
from ..errors import InputError, IntegrityError

from .merkle import ProofError, leaf_hash, verify_inclusion
from .note import NoteError, verify_note
from .store import KeyRing, Problem
from .tsa import verify_timestamp

__all__ = ["PackReport", "verify_pack", "MANIFEST_SCHEMA"]

MANIFEST_SCHEMA = "urn:evidence:pack-manifest:1"
RECORD_SCHEMA = "urn:evidence:record:1"
ALLEGATION_SCHEMA = "urn:evidence:allegation:1"
CUSTODY_SCHEMA = "urn:evidence:custody-entry:1"
CATALOGUE_SCHEMA = "urn:evidence:policy-catalogue:1"

SUMS = "SHA256SUMS"
SUMS_SIG = "SHA256SUMS.sig"
SUMS_TSR = "SHA256SUMS.tsr"
_SUMS_FILES = (SUMS, SUMS_SIG, SUMS_TSR)
MANIFEST = "manifest.json"
VERIFY_TXT = "VERIFY.txt"
INDEX = "index.html"
CHECKPOINT = "custody/checkpoint.txt"
PROOFS = "custody/proofs.json"
CHECKPOINT_TSR = "custody/checkpoint.tsr"
TSA_ROOT = "timestamps/tsa-root.pem"

SIG_LEN = 64
#: Files larger than this are hashed but not kept in memory (only exhibits can be that large).
KEEP_MAX = 64 * 1024 * 1024
#: A compression ratio above this, for an entry of more than BOMB_MIN_SIZE bytes, is a zip bomb.
BOMB_RATIO = 1000
BOMB_MIN_SIZE = 1_000_000

INTAKE_ACTIONS = {"item.imported", "item.captured", "item.redacted"}

_FP_LINE = re.compile(r"^Signer key fingerprint:[ \t]*(sha256:[0-9a-f]{64})[ \t]*$", re.MULTILINE)
_FP_LINE_LOOSE = re.compile(r"^Signer key fingerprint:(.*)$", re.MULTILINE)
_SUMS_LINE = re.compile(r"([0-9a-f]{64}) ([ *])(.+)")
_EXHIBIT_ID = re.compile(r"E[1-9][0-9]*")
_ALLEGATION_ID = re.compile(r"A[1-9][0-9]*")
_KEY_FILE = re.compile(r"keys/([0-9a-f]{16})\.pub\.pem")
_CUSTODY_FILE = re.compile(r"custody/([0-9]{8})\.(json|sig)")
_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIG = 0x04034B50


# ------------------------------------------------------------------------------------------ report


@dataclass
class PackReport:
    """What :func:`verify_pack` found.

    ``problems``: every problem (empty when the pack verifies); ``notes``: facts worth
    knowing that are not problems; ``files``: the pack's file paths (sorted);
    ``signer``: the fingerprint of the key the pack says signed it; ``manifest``: the
    parsed ``manifest.json`` (None if unreadable); ``checks``: how many things of each
    kind were checked.
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    signer: str | None = None
    manifest: dict | None = None
    checks: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, what: str, code: str) -> None:
        self.problems.append(Problem(where, what, code))

    def count(self, what: str, n: int = 1) -> None:
        self.checks[what] = self.checks.get(what, 0) + n

    def as_dict(self) -> dict:
        return {"ok": self.ok, "path": self.path, "signer": self.signer, "files": list(self.files),
                "checks": dict(self.checks), "problems": [p.as_dict() for p in self.problems],
                "notes": list(self.notes), "manifest": self.manifest}


# ------------------------------------------------------------------------------------------ helpers


@dataclass
class _File:
    path: str
    size: int
    sha256: str
    data: bytes | None  # None: hashed but not kept (large exhibit files)


def _one_line(text: object, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _path_problem(name: str) -> str | None:
    """Why ``name`` is not a safe relative path inside a pack (None if it is)."""
    if not name:
        return "has an empty name"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        return "contains a control character (or NUL)"
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    if re.match(r"[A-Za-z]:", name):
        return "starts with a drive letter"
    if ":" in name:
        return "contains a colon"
    parts = (name[:-1] if name.endswith("/") else name).split("/")
    if ".." in parts:
        return "has a '..' component (it would be written outside the folder it is unpacked into)"
    if any(p in ("", ".") for p in parts):
        return "has an empty or '.' path component"
    return None


def _parse_object(data: bytes) -> tuple[dict | None, str | None]:
    """Parse JSON bytes that must hold an object: (object, None) or (None, reason)."""
    try:
        value = parse_json(data)
    except RecursionError:
        return None, "is nested too deeply"
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"is not valid JSON ({_one_line(exc, 120)})"
    if not isinstance(value, dict):
        return None, "is not a JSON object"
    return value, None


def _canonical_problem(data: bytes, value: Any) -> str | None:
    try:
        again = canonical_json(value)
    except RecursionError:
        return "is not canonical JSON (nested too deeply)"
    except Exception as exc:  # noqa: BLE001 - anything that cannot be canonicalised is a problem to report
        return f"is not canonical JSON ({_one_line(exc, 120)})"
    if again != data:
        return "is not in RFC 8785 canonical form (its bytes were re-serialised or edited)"
    return None


def _load_public_key(data: bytes) -> tuple[str | None, Ed25519PublicKey | None, str | None]:
    """(fingerprint, key, None) or (None, None, reason)."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return None, None, f"is not a PEM public key ({_one_line(exc, 120)})"
    if not isinstance(key, Ed25519PublicKey):
        return None, None, "is not an Ed25519 public key"
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return sha256_tag(der), key, None


def _norm_key(key: str) -> str:
    """The hex of a fingerprint given on the command line (full or a prefix of >= 16 hex)."""
    if not isinstance(key, str):
        raise InputError("the expected key must be a fingerprint string")
    text = key.strip().lower()
    if text.startswith(TAG):
        text = text[len(TAG):]
    if not re.fullmatch(r"[0-9a-f]{16,64}", text):
        raise InputError(f"{key!r} is not a key fingerprint",
                         hint="give sha256:<64 hex>, or at least its first 16 hex digits")
    return text


def _parse_utc(value: object) -> datetime | None:
    if not isinstance(value, str) or not _UTC.fullmatch(value):
        return None
    main, _, frac = value[:-1].partition(".")
    try:
        dt = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if frac:
        dt = dt.replace(microsecond=int((frac + "000000")[:6]))
    return dt


def _b64_32(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(raw) != 32 or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def _str(value: object) -> str | None:
    """``value`` if it is a string, else None (hostile JSON may put lists where ids belong)."""
    return value if isinstance(value, str) else None


def _fp16(fp: str) -> str:
    return fp[len(TAG):len(TAG) + 16]


# ------------------------------------------------------------------------------------------ the checker


class _Checker:
    def __init__(self, report: PackReport, key: str | None):
        self.r = report
        self.want_key = key
        self.files: dict[str, _File] = {}
        self.unsafe: set[str] = set()  # names reported as unsafe (never read)
        self.ring = KeyRing()
        self.key_paths: dict[str, str] = {}  # fingerprint -> keys/... path
        self.manifest: dict | None = None
        self.case_ref: str | None = None
        self.store_id: str | None = None
        self.clauses: dict[str, str] | None = None
        self.policy_sha: str | None = None  # actual hash of the policy file the manifest names
        self.policy_id: str | None = None
        self.exhibits: dict[str, dict] = {}  # E<n> -> {"item", "record_sha256"}
        self.items: dict[str, str] = {}  # item id -> E<n> (or E<n> redaction)
        self.item_records: dict[str, str] = {}  # item id -> actual record hash
        self.allegation_records: list[tuple[str, str, str, str]] = []  # (path, allegation id, event, hash)
        self.checked_records: set[str] = set()
        self.covered: set[str] = set()  # exhibit files an exhibit's record covers
        self.entries: dict[int, dict] = {}  # seq -> {"path", "data", "hash", "entry"}

    # -- small utilities -----------------------------------------------------------------------

    def add(self, where: str, what: str, code: str) -> None:
        self.r.add(where, what, code)

    def present(self, path: str) -> bool:
        return path in self.files

    def need(self, path: str, why: str = "") -> _File | None:
        """The file at ``path``, or None after reporting it missing (unless already reported unsafe)."""
        f = self.files.get(path)
        if f is None and path not in self.unsafe:
            self.add(path, f"is missing from the pack{(': ' + why) if why else ''}", "file-missing")
        return f

    def data(self, f: _File) -> bytes | None:
        if f.data is None:
            self.add(f.path, f"is {f.size} bytes, too large for a file that must be read and parsed "
                     f"(limit {KEEP_MAX})", "file-too-large")
        return f.data

    def check_sig(self, fp: object, sig_path: str, data: bytes, where: str, code: str, what: str) -> bool:
        """Verify the raw Ed25519 signature in ``sig_path`` over ``data`` by key ``fp``; report under ``code``."""
        self.r.count("signatures")
        sf = self.need(sig_path, f"the signature of {what}")
        if sf is None:
            return False
        sig = sf.data
        if sig is None or len(sig) != SIG_LEN:
            self.add(sig_path, f"is {sf.size} bytes, not a raw {SIG_LEN}-byte Ed25519 signature", code)
            return False
        if not is_tag(fp):
            self.add(where, f"names no valid signer fingerprint ({fp!r}), so its signature cannot be checked", code)
            return False
        key = self.ring.keys.get(fp)
        if key is None:
            self.add(where, f"is signed by {fp}, whose public key is not in the pack (keys/{_fp16(fp)}.pub.pem)", code)
            return False
        try:
            key.verify(sig, data)
        except InvalidSignature:
            self.add(sig_path, f"does not verify over {what} with its signer's key {fp}"
                     " (the file or its signature was changed, or another key signed it)", code)
            return False
        return True

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

        counts: dict[str, int] = {}
        for info in infos:
            counts[info.orig_filename] = counts.get(info.orig_filename, 0) + 1
        candidates: list[zipfile.ZipInfo] = []
        dirs: set[str] = set()

        def unsafe(name: str, what: str) -> None:
            self.add(name, what, "zip-unsafe")
            self.unsafe.add(name)

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

        if dirs:
            self.r.notes.append(f"the ZIP holds {len(dirs)} directory entr{'y' if len(dirs) == 1 else 'ies'} "
                                "(harmless; a pack holds only files)")
        names = {i.orig_filename for i in candidates}
        for info in list(candidates):
            parts = info.orig_filename.split("/")
            for n in range(1, len(parts)):
                prefix = "/".join(parts[:n])
                if prefix in names and prefix not in self.unsafe:
                    unsafe(prefix, f"is a file but also the folder of {info.orig_filename}; not read")
        candidates = [i for i in candidates if i.orig_filename not in self.unsafe]

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

        # local headers: where each entry's data lies; entries must not overlap
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
        return True

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

    # -- 2. SHA256SUMS ---------------------------------------------------------------------------

    def check_sums(self) -> None:
        f = self.need(SUMS, "nothing in the pack can be checked against a signed list")
        if f is None:
            return
        data = self.data(f)
        if data is None:
            return
        listed: dict[str, str] = {}
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.add(SUMS, f"is not UTF-8 text (at byte {exc.start})", "sums-bad")
            return
        if not text:
            self.add(SUMS, "is empty", "sums-bad")
            return
        if "\r" in text:
            self.add(SUMS, "has CR characters (lines must end with LF only)", "sums-bad")
        if not text.endswith("\n"):
            self.add(SUMS, "does not end with a newline", "sums-bad")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        previous: str | None = None
        for n, line in enumerate(lines, 1):
            m = _SUMS_LINE.fullmatch(line.rstrip("\r"))
            if not m:
                self.add(SUMS, f"line {n} is not '<64 lowercase hex>  <path>': {_one_line(line, 120)!r}", "sums-bad")
                continue
            hexd, _mark, path = m.groups()
            bad = _path_problem(path)
            if bad:
                self.add(SUMS, f"line {n} lists {path!r}, which {bad}", "sums-bad")
                continue
            if path in _SUMS_FILES:
                self.add(SUMS, f"line {n} lists {path}, which the list must not cover", "sums-bad")
                continue
            if path in listed:
                self.add(SUMS, f"line {n} lists {path} a second time", "sums-bad")
                continue
            if previous is not None and path < previous:
                self.add(SUMS, f"line {n} ({path}) is out of order: lines must be sorted by path", "sums-bad")
            previous = path
            listed[path] = TAG + hexd
        self.r.count("sums", len(listed))
        for path, tag in listed.items():
            got = self.files.get(path)
            if got is None:
                if path not in self.unsafe:
                    self.add(path, "is listed in SHA256SUMS but is not in the pack (removed?)", "file-missing")
            elif got.sha256 != tag:
                self.add(path, f"hashes to {got.sha256}, but SHA256SUMS says {tag} (the file was changed)",
                         "sums-mismatch")
        for path in sorted(self.files):
            if path not in listed and path not in _SUMS_FILES:
                self.add(path, "is in the pack but not listed in SHA256SUMS (added? it is not covered by the signature)",
                         "file-extra")

    # -- 3. keys and the pack signature ---------------------------------------------------------------

    def load_keys(self) -> None:
        for path in sorted(self.files):
            if not path.startswith("keys/"):
                continue
            m = _KEY_FILE.fullmatch(path)
            if not m:
                self.add(path, "is not a key file name the pack format allows (keys/<16 hex>.pub.pem)", "key-bad")
                continue
            data = self.data(self.files[path])
            if data is None:
                continue
            fp, key, problem = _load_public_key(data)
            if problem:
                self.add(path, problem, "key-bad")
                continue
            self.r.count("keys")
            if _fp16(fp) != m.group(1):
                self.add(path, f"holds the key {fp}, but its name says a key whose fingerprint starts "
                         f"{m.group(1)} (the key file was altered or swapped)", "key-bad")
                continue
            self.ring.keys[fp] = key
            self.key_paths[fp] = path

    def parse_manifest(self) -> None:
        f = self.need(MANIFEST)
        if f is None:
            return
        data = self.data(f)
        if data is None:
            return
        value, problem = _parse_object(data)
        if problem:
            self.add(MANIFEST, problem, "manifest-bad")
            return
        if value.get("schema") != MANIFEST_SCHEMA:
            self.add(MANIFEST, f"has schema {value.get('schema')!r}, want {MANIFEST_SCHEMA}", "manifest-bad")
        self.manifest = value
        self.r.manifest = value

    def check_signature(self) -> None:
        verify_fp = None
        vf = self.need(VERIFY_TXT, "it states the signer's key fingerprint")
        if vf is not None and self.data(vf) is not None:
            text = vf.data.decode("utf-8", "replace")
            found = sorted(set(_FP_LINE.findall(text)))
            if not found:
                loose = _FP_LINE_LOOSE.findall(text)
                what = (f"its 'Signer key fingerprint:' line is malformed ({_one_line(loose[0], 100)!r})" if loose
                        else "does not state the signer's key fingerprint (a line 'Signer key fingerprint: sha256:<64 hex>')")
                self.add(VERIFY_TXT, what, "verify-txt")
            elif len(found) > 1:
                self.add(VERIFY_TXT, "states several signer key fingerprints: " + ", ".join(found), "verify-txt")
            else:
                verify_fp = found[0]
        manifest_fp = None
        if self.manifest is not None:
            signer = self.manifest.get("signer")
            manifest_fp = signer.get("fingerprint") if isinstance(signer, dict) else None
            if not is_tag(manifest_fp):
                self.add(MANIFEST, f"signer.fingerprint is not a sha256 fingerprint ({manifest_fp!r})", "manifest-bad")
                manifest_fp = None
            else:
                want = f"keys/{_fp16(manifest_fp)}.pub.pem"
                if signer.get("key") != want:
                    self.add(MANIFEST, f"signer.key is {signer.get('key')!r}, want {want}", "manifest-bad")
        if verify_fp and manifest_fp and verify_fp != manifest_fp:
            self.add(VERIFY_TXT, f"names the signer {verify_fp}, but manifest.json names {manifest_fp}",
                     "signer-mismatch")
        signer_fp = verify_fp or manifest_fp
        self.r.signer = signer_fp

        sums = self.files.get(SUMS)
        if signer_fp is None:
            self.add(SUMS_SIG, "cannot be checked: neither VERIFY.txt nor manifest.json names the signer's key",
                     "sig-bad")
        elif sums is not None and sums.data is not None:
            self.r.count("signatures")
            sf = self.need(SUMS_SIG, "the pack's signature")
            key = self.ring.keys.get(signer_fp)
            if sf is None:
                pass
            elif sf.data is None or len(sf.data) != SIG_LEN:
                self.add(SUMS_SIG, f"is {sf.size} bytes, not a raw {SIG_LEN}-byte Ed25519 signature", "sig-bad")
            elif key is None:
                self.add(SUMS_SIG, f"cannot be checked: the signer's key {signer_fp} is not in the pack "
                         f"(keys/{_fp16(signer_fp)}.pub.pem)", "sig-bad")
            else:
                try:
                    key.verify(sf.data, sums.data)
                except InvalidSignature:
                    self.add(SUMS_SIG, f"does not verify over SHA256SUMS with the signer's key {signer_fp} "
                             "(SHA256SUMS or its signature was changed, or another key signed it)", "sig-bad")

        if self.want_key is not None:
            want = self.want_key
            shown = TAG + want if len(want) == 64 else f"{TAG}{want}..."
            if signer_fp is None:
                self.add("pack signer", f"cannot be compared with the expected key {shown}: the pack names no signer",
                         "key-mismatch")
            elif not signer_fp[len(TAG):].startswith(want):
                self.add("pack signer", f"the pack is signed by {signer_fp}, but the expected key is {shown}: "
                         "it was not signed by the key you expected", "key-mismatch")
            else:
                matches = [fp for fp in self.ring.keys if fp[len(TAG):].startswith(want)]
                if len(matches) > 1:
                    self.add("pack signer", f"the expected key {shown} matches several keys in the pack "
                             f"({', '.join(sorted(matches))}); give the whole fingerprint", "key-mismatch")

    # -- 4. the manifest ---------------------------------------------------------------------------

    def check_manifest(self) -> None:
        m = self.manifest
        if m is None:
            return
        self._manifest_files(m)
        self._manifest_keys(m)
        case = m.get("case")
        if isinstance(case, dict) and isinstance(case.get("ref"), str) and case["ref"]:
            self.case_ref = case["ref"]
        else:
            self.add(MANIFEST, "case.ref is missing", "manifest-bad")
        if not isinstance(m.get("redacted"), bool):
            self.add(MANIFEST, "redacted is not true or false", "manifest-bad")
        self._policy(m)
        self._exhibits(m)
        self._allegations(m)
        self._unreferenced_records()

    def _manifest_files(self, m: dict) -> None:
        files = m.get("files")
        if not isinstance(files, list):
            self.add(MANIFEST, "files is not a list", "manifest-bad")
            return
        seen: set[str] = set()
        for i, e in enumerate(files):
            if not (isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("size"), int)
                    and not isinstance(e.get("size"), bool) and is_tag(e.get("sha256"))):
                self.add(MANIFEST, f"files[{i}] is not {{path, size, sha256}}", "manifest-bad")
                continue
            path = e["path"]
            if path in seen:
                self.add(MANIFEST, f"files lists {path} twice", "manifest-bad")
                continue
            seen.add(path)
            if path == MANIFEST or path in _SUMS_FILES:
                self.add(MANIFEST, f"files lists {path}, which it must not", "manifest-bad")
                continue
            f = self.files.get(path)
            if f is None:
                if path not in self.unsafe:
                    self.add(path, "is listed in manifest.json but is not in the pack", "file-missing")
            elif (f.size, f.sha256) != (e["size"], e["sha256"]):
                self.add(path, f"is {f.size} bytes hashing to {f.sha256}; manifest.json says {e['size']} bytes, "
                         f"{e['sha256']}", "manifest-mismatch")
        for path in sorted(self.files):
            if path not in seen and path != MANIFEST and path not in _SUMS_FILES:
                self.add(path, "is in the pack but not in manifest.json's files", "manifest-mismatch")

    def _manifest_keys(self, m: dict) -> None:
        keys = m.get("keys")
        if not isinstance(keys, list):
            self.add(MANIFEST, "keys is not a list", "manifest-bad")
            return
        listed: set[str] = set()
        for i, k in enumerate(keys):
            fp = k.get("fingerprint") if isinstance(k, dict) else None
            if not is_tag(fp):
                self.add(MANIFEST, f"keys[{i}] has no valid fingerprint", "manifest-bad")
                continue
            want = f"keys/{_fp16(fp)}.pub.pem"
            if k.get("path") != want:
                self.add(MANIFEST, f"keys[{i}].path is {k.get('path')!r}, want {want}", "manifest-bad")
            listed.add(fp)
            if self.need(want, f"the public key {fp}") is None:
                continue
            if self.key_paths.get(fp) != want:
                self.add(want, f"does not hold the key {fp} that manifest.json says it holds", "key-bad")
        for fp, path in sorted(self.key_paths.items()):
            if fp not in listed:
                self.add(path, f"holds the key {fp}, which manifest.json's keys do not list", "manifest-mismatch")

    def _policy(self, m: dict) -> None:
        pol = m.get("policy")
        if not isinstance(pol, dict) or not isinstance(pol.get("id"), str) or not isinstance(pol.get("path"), str):
            self.add(MANIFEST, "policy is not {id, sha256, path, ...}", "manifest-bad")
            return
        self.policy_id = pol["id"]
        path = pol["path"]
        if path != f"policy/{pol['id']}.json":
            self.add(MANIFEST, f"policy.path is {path!r}, want policy/{pol['id']}.json", "manifest-bad")
        f = self.need(path, "the policy catalogue the allegations cite")
        if f is None:
            return
        self.policy_sha = f.sha256
        if f.sha256 != pol.get("sha256"):
            self.add(path, f"hashes to {f.sha256}, but manifest.json's policy.sha256 says {pol.get('sha256')}",
                     "policy-hash")
        data = self.data(f)
        if data is None:
            return
        doc, problem = _parse_object(data)
        if problem:
            self.add(path, problem, "policy-bad")
            return
        if doc.get("schema") != CATALOGUE_SCHEMA:
            self.add(path, f"has schema {doc.get('schema')!r}, want {CATALOGUE_SCHEMA}", "policy-bad")
        pid = (doc.get("policy") or {}).get("id") if isinstance(doc.get("policy"), dict) else None
        if pid != pol["id"]:
            self.add(path, f"is the catalogue of policy {pid!r}, but manifest.json says {pol['id']!r}", "policy-bad")
        clauses = doc.get("clauses")
        if not isinstance(clauses, list):
            self.add(path, "has no list of clauses", "policy-bad")
            return
        self.clauses = {}
        for c in clauses:
            if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("text"), str):
                self.clauses.setdefault(c["id"], c["text"])
            else:
                self.add(path, "holds a clause without an id and a text", "policy-bad")

    def check_record(self, path: object, sig_path: object, want_hash: object, label: str,
                     schema: str) -> tuple[dict | None, str | None]:
        """Check one signed record: (parsed record or None, actual hash or None)."""
        if not isinstance(path, str) or not isinstance(sig_path, str):
            self.add(MANIFEST, f"{label}: record/signature paths are missing", "manifest-bad")
            return None, None
        f = self.need(path, f"the signed record of {label}")
        self.checked_records.add(path)
        self.checked_records.add(sig_path)
        if f is None:
            return None, None
        self.r.count("records")
        if want_hash is not None and f.sha256 != want_hash:
            self.add(path, f"{label}: the record hashes to {f.sha256}, but manifest.json says {want_hash}",
                     "record-hash")
        data = self.data(f)
        if data is None:
            return None, f.sha256
        rec, problem = _parse_object(data)
        if problem:
            self.add(path, f"{label}: the record {problem}", "record-json")
            return None, f.sha256
        problem = _canonical_problem(data, rec)
        if problem:
            self.add(path, f"{label}: the record {problem}", "not-canonical")
        if rec.get("schema") != schema:
            self.add(path, f"{label}: the record has schema {rec.get('schema')!r}, want {schema}", "record-mismatch")
        signer = rec.get("signer")
        fp = signer.get("fingerprint") if isinstance(signer, dict) else None
        self.check_sig(fp, sig_path, data, path, "record-signature", path)
        if self.case_ref is not None and rec.get("case") != self.case_ref:
            self.add(path, f"{label}: the record is for case {rec.get('case')!r}, not {self.case_ref}",
                     "record-mismatch")
        return rec, f.sha256

    def _check_artifacts(self, eid: str, label: str, arts: object, rec: dict | None, ex_prefix: str,
                         withheld: object = None) -> set[str]:
        """Check the pack files of one record's artifacts; return the paths checked.

        ``withheld``: the manifest's list of the record's artifacts left out of the pack (a
        redacted pack); each must agree with the signed record.
        """
        paths: set[str] = set()
        if not isinstance(arts, list):
            self.add(MANIFEST, f"{label}: artifacts is not a list", "manifest-bad")
            return paths
        by_role: dict[str, dict] = {}
        if rec is not None and isinstance(rec.get("artifacts"), list):
            for a in rec["artifacts"]:
                if isinstance(a, dict) and isinstance(a.get("role"), str):
                    by_role.setdefault(a["role"], a)
        shown_roles = set()
        for i, a in enumerate(arts):
            if not isinstance(a, dict) or not isinstance(a.get("path"), str) or not isinstance(a.get("role"), str):
                self.add(MANIFEST, f"{label}: artifacts[{i}] has no role or path", "manifest-bad")
                continue
            role, path = a["role"], a["path"]
            shown_roles.add(role)
            if not path.startswith(ex_prefix) or "/" in path[len(ex_prefix):]:
                self.add(MANIFEST, f"{label}: artifact {role} is at {path!r}, outside {ex_prefix}", "manifest-bad")
            paths.add(path)
            self.covered.add(path)
            self.r.count("artifacts")
            f = self.need(path, f"artifact {role} of {label}")
            signed = by_role.get(role)
            if rec is not None and signed is None:
                self.add(path, f"manifest.json says it is artifact {role} of {label}, but the signed record has "
                         "no such artifact", "artifact-record")
                continue
            if signed is not None:
                for k in ("sha256", "size", "media_type"):
                    if a.get(k) != signed.get(k):
                        self.add(path, f"manifest.json gives {k} {a.get(k)!r} for artifact {role} of {label}; the "
                                 f"signed record says {signed.get(k)!r}", "manifest-mismatch")
                want, want_size, source = signed.get("sha256"), signed.get("size"), "its signed record"
            else:
                want, want_size, source = a.get("sha256"), a.get("size"), "manifest.json (the record could not be read)"
            if f is None:
                continue
            if f.sha256 != want:
                self.add(path, f"hashes to {f.sha256}, but {source} says artifact {role} of {label} is {want}",
                         "artifact-hash")
            elif f.size != want_size:
                self.add(path, f"is {f.size} bytes, but {source} says artifact {role} of {label} is {want_size}",
                         "artifact-hash")
        withheld_roles = set()
        if withheld is not None and not isinstance(withheld, list):
            self.add(MANIFEST, f"{label}: withheld is not a list", "manifest-bad")
            withheld = []
        for w in withheld or []:
            role = w.get("role") if isinstance(w, dict) else None
            if not isinstance(role, str):
                self.add(MANIFEST, f"{label}: a withheld artifact has no role", "manifest-bad")
                continue
            withheld_roles.add(role)
            signed = by_role.get(role)
            if rec is None:
                continue
            if signed is None:
                self.add(MANIFEST, f"{label}: withheld artifact {role} is not in the signed record", "artifact-record")
                continue
            for k in ("sha256", "size", "media_type"):
                if k in w and w[k] != signed.get(k):
                    self.add(MANIFEST, f"{label}: withheld artifact {role} has {k} {w[k]!r}; the signed record says "
                             f"{signed.get(k)!r}", "manifest-mismatch")
        missing = sorted(set(by_role) - shown_roles)
        if missing:
            said = " (manifest.json lists them as withheld)" if set(missing) <= withheld_roles else ""
            self.r.notes.append(f"{label}: artifact(s) {', '.join(missing)} of the signed record are not in the "
                                f"pack{said}")
        return paths

    def _exhibits(self, m: dict) -> None:
        exhibits = m.get("exhibits")
        if not isinstance(exhibits, list):
            self.add(MANIFEST, "exhibits is not a list", "manifest-bad")
            return
        for i, ex in enumerate(exhibits):
            eid = ex.get("id") if isinstance(ex, dict) else None
            if not isinstance(eid, str) or not _EXHIBIT_ID.fullmatch(eid):
                self.add(MANIFEST, f"exhibits[{i}] has no id of the form E<n> ({eid!r})", "manifest-bad")
                continue
            if eid in self.exhibits:
                self.add(MANIFEST, f"exhibit {eid} is listed twice", "manifest-bad")
                continue
            label = f"exhibit {eid}"
            if ex.get("record") != f"records/{eid}.json" or ex.get("signature") != f"records/{eid}.sig":
                self.add(MANIFEST, f"{label}: record/signature should be records/{eid}.json and records/{eid}.sig",
                         "manifest-bad")
            item = ex.get("item")
            rec, actual = self.check_record(ex.get("record"), ex.get("signature"), ex.get("record_sha256"), label,
                                            RECORD_SCHEMA)
            self.exhibits[eid] = {"item": item, "record_sha256": actual}
            if isinstance(item, str):
                self.items[item] = eid
                if actual:
                    self.item_records[item] = actual
            if rec is not None:
                rpath = ex.get("record")
                if rec.get("id") != item:
                    self.add(rpath, f"{label}: the signed record is of item {rec.get('id')!r}, manifest.json says "
                             f"{item!r}", "record-mismatch")
                if rec.get("kind") != ex.get("kind"):
                    self.add(rpath, f"{label}: the signed record is of kind {rec.get('kind')!r}, manifest.json says "
                             f"{ex.get('kind')!r}", "record-mismatch")
                sfp = rec.get("signer", {}).get("fingerprint") if isinstance(rec.get("signer"), dict) else None
                if ex.get("signer") != sfp:
                    self.add(rpath, f"{label}: signed by {sfp}, manifest.json says {ex.get('signer')!r}",
                             "manifest-mismatch")
                self._record_store(rpath, rec)
            paths = self._check_artifacts(eid, label, ex.get("artifacts"), rec, f"exhibits/{eid}/",
                                          withheld=ex.get("withheld"))
            red = ex.get("redaction")
            if red is not None:
                paths |= self._redaction(eid, item, red)
            shown = ex.get("shown")
            if shown is not None and _str(shown) not in paths:
                self.add(MANIFEST, f"{label}: shown is {shown!r}, which is none of the exhibit's artifacts",
                         "manifest-bad")
        for path in sorted(self.files):
            if path.startswith("exhibits/") and path not in self.covered:
                self.add(path, "is in exhibits/ but no exhibit's signed record covers it", "artifact-unrecorded")

    def _redaction(self, eid: str, item: object, red: object) -> set[str]:
        label = f"exhibit {eid} redaction"
        if not isinstance(red, dict):
            self.add(MANIFEST, f"{label}: redaction is neither null nor an object", "manifest-bad")
            return set()
        want_rec, want_sig = f"records/{eid}-redaction.json", f"records/{eid}-redaction.sig"
        if red.get("record") != want_rec or red.get("signature") != want_sig:
            self.add(MANIFEST, f"{label}: record/signature should be {want_rec} and {want_sig}", "manifest-bad")
        rec, actual = self.check_record(red.get("record"), red.get("signature"), red.get("record_sha256"), label,
                                        RECORD_SCHEMA)
        ritem = red.get("item")
        if isinstance(ritem, str):
            self.items[ritem] = f"{eid} (redaction)"
            if actual:
                self.item_records[ritem] = actual
        if rec is not None:
            rpath = red.get("record")
            if rec.get("id") != ritem:
                self.add(rpath, f"{label}: the signed record is of item {rec.get('id')!r}, manifest.json says "
                         f"{ritem!r}", "record-mismatch")
            if rec.get("kind") != "redaction":
                self.add(rpath, f"{label}: the signed record is of kind {rec.get('kind')!r}, not redaction",
                         "record-mismatch")
            derived = rec.get("derived_from") if isinstance(rec.get("derived_from"), dict) else {}
            if derived.get("item") != item:
                self.add(rpath, f"{label}: the redaction is derived from item {derived.get('item')!r}, not from the "
                         f"exhibit's item {item!r}", "record-mismatch")
            self._record_store(rpath, rec)
        arts = red.get("artifacts")
        if arts is None and isinstance(red.get("artifact"), dict):
            arts = [red["artifact"]]  # the redacted copy: one artifact (role "redacted")
        paths = self._check_artifacts(eid, label, arts, rec, f"exhibits/{eid}/")
        if red.get("path") is not None and _str(red.get("path")) not in paths:
            self.add(MANIFEST, f"{label}: path {red.get('path')!r} is not the redaction's artifact", "manifest-bad")
        return paths

    def _record_store(self, path: str, rec: dict) -> None:
        store = rec.get("store")
        if not isinstance(store, str):
            return
        if self.store_id is None:
            self.store_id = store
        elif store != self.store_id:
            self.add(path, f"the record is from store {store}, other records are from {self.store_id}",
                     "record-mismatch")

    def _allegations(self, m: dict) -> None:
        allegations = m.get("allegations")
        if not isinstance(allegations, list):
            self.add(MANIFEST, "allegations is not a list", "manifest-bad")
            return
        seen: set[str] = set()
        for i, al in enumerate(allegations):
            aid = al.get("id") if isinstance(al, dict) else None
            if not isinstance(aid, str) or not _ALLEGATION_ID.fullmatch(aid):
                self.add(MANIFEST, f"allegations[{i}] has no id of the form A<n> ({aid!r})", "manifest-bad")
                continue
            if aid in seen:
                self.add(MANIFEST, f"allegation {aid} is listed twice", "manifest-bad")
                continue
            seen.add(aid)
            label = f"allegation {aid}"
            al_exhibits = al.get("exhibits")
            if not isinstance(al_exhibits, list) or not all(isinstance(e, str) for e in al_exhibits):
                self.add(MANIFEST, f"{label}: exhibits is not a list of exhibit ids", "manifest-bad")
                al_exhibits = []
            for e in al_exhibits:
                if e not in self.exhibits:
                    self.add(MANIFEST, f"{label} cites exhibit {e!r}, which is not in the pack", "exhibit-missing")
            records = al.get("records")
            if not isinstance(records, list) or not records:
                self.add(MANIFEST, f"{label} has no records", "manifest-bad")
                continue
            made_hash = None
            events = []
            cited: set[str] = set()
            for r in records:
                if not isinstance(r, dict):
                    self.add(MANIFEST, f"{label}: a record entry is not an object", "manifest-bad")
                    continue
                path = r.get("path")
                event = "withdrawn" if path == f"records/{aid}-withdrawn.json" else "made"
                if path not in (f"records/{aid}.json", f"records/{aid}-withdrawn.json") or \
                        r.get("signature") != (path[:-5] + ".sig" if isinstance(path, str) else None):
                    self.add(MANIFEST, f"{label}: record {path!r} is not records/{aid}.json or "
                             f"records/{aid}-withdrawn.json (with its .sig)", "manifest-bad")
                rec, actual = self.check_record(path, r.get("signature"), r.get("sha256"), label, ALLEGATION_SCHEMA)
                events.append(event)
                if actual is not None:
                    self.allegation_records.append((path, al.get("allegation"), event, actual))
                    if event == "made":
                        made_hash = actual
                if rec is None:
                    continue
                self.r.count("allegations")
                self._allegation_record(label, path, event, al, rec, cited)
                if event == "withdrawn" and made_hash is not None and rec.get("withdraws") != made_hash:
                    self.add(path, f"{label}: withdraws {rec.get('withdraws')!r}, not the record that made it "
                             f"({made_hash})", "record-mismatch")
            if "made" not in events:
                self.add(MANIFEST, f"{label} has no record making it (records/{aid}.json)", "manifest-bad")
            status = "withdrawn" if "withdrawn" in events else "open"
            if al.get("status") != status:
                self.add(MANIFEST, f"{label}: status is {al.get('status')!r}, but its signed records say {status}",
                         "manifest-mismatch")
            named_items = {_str(self.exhibits[e]["item"]) for e in al_exhibits if e in self.exhibits}
            if cited and named_items != cited:
                self.add(MANIFEST, f"{label}: exhibits {al.get('exhibits')} are not the items its signed record cites",
                         "manifest-mismatch")

    def _allegation_record(self, label: str, path: str, event: str, al: dict, rec: dict, cited: set[str]) -> None:
        if rec.get("event") != event:
            self.add(path, f"{label}: the record's event is {rec.get('event')!r}, its file name says {event}",
                     "record-mismatch")
        if rec.get("allegation") != al.get("allegation"):
            self.add(path, f"{label}: the record is of allegation {rec.get('allegation')!r}, manifest.json says "
                     f"{al.get('allegation')!r}", "record-mismatch")
        self._record_store(path, rec)
        clause = rec.get("clause") if isinstance(rec.get("clause"), dict) else {}
        cid = clause.get("id")
        if cid != al.get("clause"):
            self.add(path, f"{label}: the record cites clause {cid!r}, manifest.json says {al.get('clause')!r}",
                     "manifest-mismatch")
        if self.clauses is not None:
            if _str(cid) not in self.clauses:
                self.add(path, f"{label}: clause {cid!r} is not in the pack's policy catalogue", "clause-missing")
            elif clause.get("text") != self.clauses[cid]:
                self.add(path, f"{label}: the record quotes clause {cid} differently from the pack's policy catalogue",
                         "clause-text")
        policy = rec.get("policy") if isinstance(rec.get("policy"), dict) else {}
        if self.policy_sha is not None and policy.get("sha256") != self.policy_sha:
            self.add(path, f"{label}: the record cites the policy catalogue {policy.get('sha256')!r}, but the pack's "
                     f"catalogue hashes to {self.policy_sha}", "policy-mismatch")
        if self.policy_id is not None and policy.get("id") != self.policy_id:
            self.add(path, f"{label}: the record cites policy {policy.get('id')!r}, the pack holds {self.policy_id!r}",
                     "policy-mismatch")
        evidence = rec.get("evidence")
        if not isinstance(evidence, list) or not evidence:
            self.add(path, f"{label}: the record cites no evidence", "record-mismatch")
            return
        for ev in evidence:
            item = _str(ev.get("item")) if isinstance(ev, dict) else None
            if item not in self.items:
                self.add(path, f"{label} cites item {item!r}, which is not an exhibit in the pack", "exhibit-missing")
                continue
            cited.add(item)
            have = self.item_records.get(item)
            if have is not None and ev.get("record_sha256") != have:
                self.add(path, f"{label} cites item {item} by record hash {ev.get('record_sha256')!r}, but exhibit "
                         f"{self.items[item]}'s record hashes to {have}", "record-mismatch")

    def _unreferenced_records(self) -> None:
        for path in sorted(self.files):
            if not path.startswith("records/") or path in self.checked_records:
                continue
            if path.endswith(".json"):
                self.add(path, "is a record manifest.json does not reference", "record-unlisted")
                data = self.files[path].data
                rec, _ = _parse_object(data) if data is not None else (None, None)
                if rec is not None:
                    signer = rec.get("signer")
                    fp = signer.get("fingerprint") if isinstance(signer, dict) else None
                    self.checked_records.add(path[:-5] + ".sig")
                    self.check_sig(fp, path[:-5] + ".sig", data, path, "record-signature", path)
            elif not (path.endswith(".sig") and path[:-4] + ".json" in self.checked_records):
                self.add(path, "is in records/ but is no record or signature manifest.json references",
                         "record-unlisted")

    # -- 5. custody ----------------------------------------------------------------------------------

    def check_custody(self) -> None:
        m = self.manifest or {}
        cm = m.get("custody") if isinstance(m.get("custody"), dict) else None
        if self.manifest is not None and cm is None:
            self.add(MANIFEST, "custody is not an object", "manifest-bad")
        jsons: dict[int, str] = {}
        sigs: dict[int, str] = {}
        for path in sorted(self.files):
            if not path.startswith("custody/") or path in (CHECKPOINT, PROOFS, CHECKPOINT_TSR):
                continue
            mm = _CUSTODY_FILE.fullmatch(path)
            if not mm or int(mm.group(1)) == 0:
                self.add(path, "is not a file the pack format allows in custody/", "custody-bad")
                continue
            (jsons if mm.group(2) == "json" else sigs)[int(mm.group(1))] = path
        for seq, path in sigs.items():
            if seq not in jsons and f"custody/{seq:08d}.json" not in self.unsafe:
                self.add(path, f"is the signature of custody entry {seq}, which is not in the pack", "custody-missing")

        # the manifest's list
        listed: dict[int, dict] = {}
        if cm is not None:
            entries = cm.get("entries")
            if not isinstance(entries, list):
                self.add(MANIFEST, "custody.entries is not a list", "manifest-bad")
                entries = []
            for i, e in enumerate(entries):
                seq = e.get("seq") if isinstance(e, dict) else None
                if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
                    self.add(MANIFEST, f"custody.entries[{i}] has no valid seq", "manifest-bad")
                    continue
                want = f"custody/{seq:08d}.json"
                if e.get("path") != want or e.get("signature") != f"custody/{seq:08d}.sig":
                    self.add(MANIFEST, f"custody entry {seq}: path/signature should be {want} and "
                             f"custody/{seq:08d}.sig", "manifest-bad")
                listed[seq] = e
                if seq not in jsons:
                    self.need(want, f"manifest.json lists custody entry {seq}")
            for seq, path in jsons.items():
                if seq not in listed:
                    self.add(path, "is a custody entry manifest.json's custody.entries does not list",
                             "manifest-mismatch")

        stores: dict[str, int] = {}
        for seq in sorted(jsons):
            path = jsons[seq]
            f = self.files[path]
            data = self.data(f)
            if data is None:
                continue
            self.r.count("custody_entries")
            where = path
            if seq in listed and listed[seq].get("hash") != f.sha256:
                self.add(where, f"custody entry {seq} hashes to {f.sha256}, manifest.json says "
                         f"{listed[seq].get('hash')!r}", "custody-hash")
            entry, problem = _parse_object(data)
            self.entries[seq] = {"path": path, "data": data, "hash": f.sha256, "entry": entry}
            if problem:
                self.add(where, f"custody entry {seq} {problem}", "custody-json")
                continue
            problem = _canonical_problem(data, entry)
            if problem:
                self.add(where, f"custody entry {seq} {problem}", "not-canonical")
            if entry.get("schema") != CUSTODY_SCHEMA:
                self.add(where, f"custody entry {seq} has schema {entry.get('schema')!r}", "custody-bad")
            if entry.get("seq") != seq:
                self.add(where, f"says it is custody entry {entry.get('seq')!r}, but its file name says {seq}",
                         "custody-seq")
            if isinstance(entry.get("store"), str):
                stores.setdefault(entry["store"], seq)
            actor = entry.get("actor")
            fp = actor.get("fingerprint") if isinstance(actor, dict) else None
            self.check_sig(fp, f"custody/{seq:08d}.sig", data, where, "custody-signature", path)

        # the store
        if len(stores) > 1:
            self.add("custody/", "entries come from several stores: " + ", ".join(
                f"{sid} (from entry {seq})" for sid, seq in sorted(stores.items())), "custody-store")
        elif stores:
            sid = next(iter(stores))
            if self.store_id is not None and sid != self.store_id:
                self.add("custody/", f"entries are from store {sid}, the records from store {self.store_id}",
                         "custody-store")
            self.store_id = sid

        # the chain, and what the entries are about
        for seq in sorted(self.entries):
            e = self.entries[seq]["entry"]
            if e is None:
                continue
            where = self.entries[seq]["path"]
            prev = e.get("prev")
            if seq == 1:
                if prev is not None:
                    self.add(where, "is the first entry of the log but names a previous one", "custody-chain")
            elif seq - 1 in self.entries:
                want = self.entries[seq - 1]["hash"]
                if prev != want:
                    self.add(where, f"custody entry {seq} does not follow entry {seq - 1}: its prev is {prev!r}, "
                             f"but custody/{seq - 1:08d}.json hashes to {want}", "custody-chain")
            elif not is_tag(prev):
                self.add(where, f"custody entry {seq} names no previous entry (prev {prev!r})", "custody-chain")
            case = e.get("case")
            subject = e.get("subject") if isinstance(e.get("subject"), dict) else {}
            if self.case_ref is not None and case is not None and case != self.case_ref:
                self.add(where, f"custody entry {seq} belongs to case {case!r}, not to this pack's case {self.case_ref}",
                         "custody-case")
            elif self.case_ref is not None and subject.get("type") == "item" and _str(subject.get("id")) in self.items \
                    and case != self.case_ref:
                self.add(where, f"custody entry {seq} is about item {subject.get('id')} of this case but names case "
                         f"{case!r}", "custody-case")
            if e.get("action") in ("bundle.built", "verify.run"):
                self.r.notes.append(f"custody entry {seq} records a {e.get('action')}; packs normally leave those out")
        if self.entries:
            seqs = sorted(self.entries)
            gaps = [s for s in range(seqs[0], seqs[-1]) if s not in self.entries]
            if gaps:
                shown = ", ".join(map(str, gaps[:20])) + (" ..." if len(gaps) > 20 else "")
                self.r.notes.append(f"custody entries {shown} are not in the pack (other cases' entries, or records of "
                                    "packs and verification runs, which packs leave out)")
        self._custody_coverage()
        self._as_of()

    def _custody_coverage(self) -> None:
        """Every exhibit's intake, every allegation record and the case's opening have their custody entry."""
        parsed = [v["entry"] for v in self.entries.values() if v["entry"] is not None]

        def details(e: dict) -> dict:
            return e.get("details") if isinstance(e.get("details"), dict) else {}

        def subject(e: dict) -> dict:
            return e.get("subject") if isinstance(e.get("subject"), dict) else {}

        for item, label in sorted(self.items.items(), key=lambda kv: kv[1]):
            rh = self.item_records.get(item)
            found = [e for e in parsed if _str(e.get("action")) in INTAKE_ACTIONS and subject(e).get("type") == "item"
                     and subject(e).get("id") == item]
            if not found:
                self.add(f"exhibit {label}", f"no custody entry in the pack records the intake of item {item} "
                         "(entry removed?)", "custody-missing")
            elif rh is not None and not any(details(e).get("record_hash") == rh for e in found):
                self.add(f"exhibit {label}", f"the custody entry recording the intake of item {item} names another "
                         f"record hash than {rh}", "custody-missing")
        for path, aid, event, rh in self.allegation_records:
            action = f"allegation.{event}"
            if not any(e.get("action") == action and subject(e).get("id") == aid
                       and details(e).get("record_hash") == rh for e in parsed):
                self.add(path, f"no custody entry in the pack records this {action} record (entry removed?)",
                         "custody-missing")
        if self.case_ref is not None and self.manifest is not None:
            if not any(e.get("action") == "case.opened" and subject(e).get("id") == self.case_ref for e in parsed):
                self.add(f"case {self.case_ref}", "no custody entry in the pack records the case being opened "
                         "(entry removed?)", "custody-missing")

    def _as_of(self) -> None:
        if self.manifest is None or not self.entries:
            return
        times = []
        for v in self.entries.values():
            e = v["entry"]
            t = e.get("time") if isinstance(e, dict) and isinstance(e.get("time"), dict) else {}
            dt = _parse_utc(t.get("utc"))
            if dt is not None:
                times.append(dt)
        as_of = _parse_utc(self.manifest.get("as_of"))
        if as_of is None:
            self.add(MANIFEST, f"as_of is not an RFC 3339 UTC time ({self.manifest.get('as_of')!r})", "manifest-bad")
        elif times and as_of.replace(microsecond=0) != max(times).replace(microsecond=0):
            # compared to the second: as_of is shown to people, and may be written without fractions
            self.add(MANIFEST, f"as_of is {self.manifest.get('as_of')}, but the newest custody entry in the pack is "
                     f"of {max(times).isoformat().replace('+00:00', 'Z')}", "manifest-mismatch")

    def check_checkpoint(self) -> None:
        m = self.manifest or {}
        cm = m.get("custody") if isinstance(m.get("custody"), dict) else {}
        for key, path in (("checkpoint", CHECKPOINT), ("proofs", PROOFS)):
            named = cm.get(key)
            if named not in (None, path):
                self.add(MANIFEST, f"custody.{key} is {named!r}, want {path} or null", "manifest-bad")
            if self.manifest is not None:
                if named and not self.present(path):
                    self.need(path, f"manifest.json's custody.{key} names it")
                elif not named and self.present(path):
                    self.add(path, f"is in the pack but manifest.json's custody.{key} is null", "manifest-mismatch")
        cp = self.files.get(CHECKPOINT)
        pr = self.files.get(PROOFS)
        if cp is None and pr is None:
            if self.entries:
                self.r.notes.append("the pack holds no checkpoint: its custody entries are not proved against the "
                                    "store's log")
            return
        note = None
        if cp is None:
            if CHECKPOINT not in self.unsafe:
                self.add(PROOFS, "is in the pack without the checkpoint (custody/checkpoint.txt) it proves against",
                         "checkpoint-bad")
        elif self.data(cp) is not None:
            note = self._note(cp.data)
        if pr is None:
            if PROOFS not in self.unsafe:
                self.add(PROOFS, "is missing: the custody entries cannot be proved against the checkpoint",
                         "proof-missing")
            return
        data = self.data(pr)
        if data is None:
            return
        doc, problem = _parse_object(data)
        if problem:
            self.add(PROOFS, problem, "proof-bad")
            return
        size = doc.get("checkpoint_size")
        root = _b64_32(doc.get("root"))
        if isinstance(size, bool) or not isinstance(size, int) or size < 0 or root is None:
            self.add(PROOFS, "checkpoint_size or root is malformed (want an integer and base64 of 32 bytes)",
                     "proof-bad")
            return
        if note is not None:
            if (note["size"], note["root"]) != (size, root):
                self.add(PROOFS, f"is for a tree of {size} entries with root {doc.get('root')}, but the checkpoint "
                         f"is of {note['size']} entries with root {base64.b64encode(note['root']).decode()}",
                         "proof-bad")
            size, root = note["size"], note["root"]
        proofs = doc.get("proofs")
        if not isinstance(proofs, list):
            self.add(PROOFS, "proofs is not a list", "proof-bad")
            return
        proved: set[int] = set()
        for i, p in enumerate(proofs):
            seq = p.get("seq") if isinstance(p, dict) else None
            if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
                self.add(PROOFS, f"proofs[{i}] has no valid seq", "proof-bad")
                continue
            where = f"custody/{seq:08d}.json"
            if seq in proved:
                self.add(PROOFS, f"proves custody entry {seq} twice", "proof-bad")
                continue
            proved.add(seq)
            if p.get("index") != seq - 1:
                self.add(where, f"its proof in custody/proofs.json has index {p.get('index')!r}, want {seq - 1}",
                         "proof-bad")
                continue
            raw_path = p.get("path")
            path = [_b64_32(x) for x in raw_path] if isinstance(raw_path, list) else None
            if path is None or any(x is None for x in path):
                self.add(where, "its proof in custody/proofs.json is not a list of base64 32-byte hashes", "proof-bad")
                continue
            entry = self.entries.get(seq)
            if entry is None:
                if where not in self.unsafe:
                    self.add(where, f"is missing: custody/proofs.json proves custody entry {seq}, but the pack does "
                             "not hold it (entry removed?)", "custody-missing")
                continue
            self.r.count("proofs")
            try:
                verify_inclusion(leaf_hash(entry["data"]), seq - 1, size, path, root)
            except ProofError as exc:
                self.add(where, f"its inclusion proof does not verify against the checkpoint: {exc}", "proof-bad")
        for seq in sorted(self.entries):
            if seq not in proved:
                self.add(self.entries[seq]["path"], "has no inclusion proof in custody/proofs.json", "proof-missing")

    def _note(self, data: bytes) -> dict | None:
        known = {f"evidence-{_fp16(fp)}": key for fp, key in self.ring.keys.items()}
        self.r.count("checkpoints")
        try:
            note = verify_note(data, known)
        except NoteError as exc:
            self.add(CHECKPOINT, f"{exc} (a checkpoint must be signed by a key in keys/, key name "
                     "evidence-<first 16 hex of its fingerprint>)", "checkpoint-bad")
            return None
        if self.store_id is not None and note["origin"] != f"evidence.store/{self.store_id}":
            self.add(CHECKPOINT, f"is a checkpoint of {note['origin']!r}, not of this pack's store "
                     f"(evidence.store/{self.store_id})", "checkpoint-bad")
        times = [x[5:] for x in note["extensions"] if x.startswith("time ")]
        if len(times) != 1 or _parse_utc(times[0]) is None:
            self.add(CHECKPOINT, "has no single 'time <RFC 3339 UTC>' extension line", "checkpoint-bad")
        if self.entries and note["size"] < max(self.entries):
            self.add(CHECKPOINT, f"covers {note['size']} entries, but the pack holds custody entry {max(self.entries)}",
                     "checkpoint-bad")
        signers = ", ".join(note["signers"])
        self.r.notes.append(f"checkpoint: {note['size']} entries{', at ' + times[0] if len(times) == 1 else ''}, "
                            f"signed by {signers}")
        return note

    # -- 6. timestamps ---------------------------------------------------------------------------------

    def check_timestamps(self) -> None:
        tsrs = sorted(p for p in self.files if p.endswith(".tsr"))
        root = self.files.get(TSA_ROOT)
        root_bad = False
        if root is not None and SUMS_TSR not in self.files:
            self.r.notes.append(f"{TSA_ROOT} is in the pack but {SUMS_TSR} is not: the pack as a whole carries no "
                                "trusted timestamp (SHA256SUMS.tsr is covered by no signature, so its absence cannot "
                                "be checked)")
        for path in tsrs:
            target = {SUMS_TSR: SUMS, CHECKPOINT_TSR: CHECKPOINT}.get(path)
            if target is None:
                mm = re.fullmatch(r"timestamps/([^/]+)\.tsr", path)
                target = f"records/{mm.group(1)}.json" if mm else None
            if target is None:
                self.add(path, "is a timestamp the pack format does not place here (it covers nothing)", "tsr-bad")
                continue
            tf = self.files.get(target)
            if tf is None:
                self.add(path, f"is the timestamp of {target}, which is not in the pack", "tsr-bad")
                continue
            if root is None:
                self.add(path, f"cannot be checked: {TSA_ROOT} (the timestamp authority's root) is missing", "tsr-bad")
                continue
            if root_bad:
                continue
            tsr_data, target_data, root_data = self.data(self.files[path]), self.data(tf), self.data(root)
            if tsr_data is None or target_data is None or root_data is None:
                continue
            self.r.count("timestamps")
            try:
                info = verify_timestamp(tsr_data, target_data, root_data)
            except InputError as exc:
                self.add(TSA_ROOT, f"cannot be used: {exc}", "tsr-bad")
                root_bad = True
                continue
            except IntegrityError as exc:
                self.add(path, f"is not a valid timestamp of {target}: {_one_line(exc)}", "tsr-bad")
                continue
            except Exception as exc:  # noqa: BLE001 - untrusted bytes: any failure to parse is a bad timestamp
                self.add(path, f"cannot be read as a timestamp of {target}: {_one_line(exc)}", "tsr-bad")
                continue
            self.r.notes.append(f"{target} was timestamped at {info['gen_time']} by {info['tsa']}")

    # -- 7. the report ---------------------------------------------------------------------------------

    def check_index(self) -> None:
        f = self.need(INDEX, "the report")
        if f is None:
            return
        data = self.data(f)
        if data is None:
            return
        text = data.decode("utf-8", "replace")
        parser = _ReportParser()
        try:
            parser.feed(text)
            parser.close()
        except Exception as exc:  # noqa: BLE001 - html.parser on hostile input
            self.add(INDEX, f"cannot be parsed as HTML ({_one_line(exc, 100)})", "report-bad")
            return
        if parser.scripts or re.search(r"<\s*script[\s/>]", text, re.IGNORECASE):
            self.add(INDEX, "contains a <script> element: the report must not run script", "report-script")
        for what in sorted(set(parser.script_attrs)):
            self.add(INDEX, f"runs script through {what}: the report must not run script", "report-script")
        if not parser.csp:
            self.add(INDEX, "has no Content-Security-Policy meta tag", "report-csp")
        elif not any(_csp_blocks_scripts(c) for c in parser.csp):
            self.add(INDEX, f"its Content-Security-Policy allows scripts ({_one_line(parser.csp[0], 120)!r}); want "
                     "script-src 'none' or default-src 'none'", "report-csp")
        if parser.base:
            self.add(INDEX, "has a <base> element, which would point its links outside the pack", "report-base")
        named: set[str] = set(parser.exhibit_ids)
        linked_files: list[str] = []
        for url in parser.links:
            self.r.count("links")
            target, external = _resolve(url)
            if external:
                continue
            if target is None:
                self.add(INDEX, f"links to {_one_line(url, 120)!r}, which points outside the pack", "link-missing")
                continue
            mm = re.match(r"exhibits/(E[1-9][0-9]*)/", target)
            if mm:
                named.add(mm.group(1))
            linked_files.append(target)
            if target.endswith("/"):
                if not any(p.startswith(target) for p in self.files):
                    self.add(INDEX, f"links to the folder {target}, which holds no file of the pack", "link-missing")
            elif target not in self.files:
                self.add(INDEX, f"links to {target}, which is not in the pack", "link-missing")
        for eid in sorted(named, key=lambda e: int(e[1:])):
            if self.manifest is not None and eid not in self.exhibits:
                self.add(INDEX, f"names exhibit {eid}, which is not in manifest.json", "exhibit-missing")
        not_shown = [e for e in self.exhibits if e not in named]
        if not_shown:
            self.r.notes.append(f"the report does not name exhibit(s) {', '.join(not_shown)}")
        if parser.external:
            self.r.notes.append(f"the report refers to {len(parser.external)} address(es) outside the pack "
                                "(not checked; its Content-Security-Policy decides whether they load)")


def _csp_blocks_scripts(policy: str) -> bool:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.strip().split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    for name, values in directives.items():
        if name.startswith("script-src") and values != ["'none'"]:
            return False
    if "script-src" in directives:
        return True
    return directives.get("default-src") == ["'none'"]


def _resolve(url: str) -> tuple[str | None, bool]:
    """(path inside the pack or None if it leaves the pack, external?) for a link of index.html."""
    url = url.strip()
    if not url or url.startswith("#"):
        return "", True
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None, True
    path = unquote(parts.path)
    if not path:
        return "", True
    if path.startswith("/") or "\\" in path:
        return None, False
    folder = path.endswith("/")
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return None, False
    if norm == ".":
        return "", True
    return norm + ("/" if folder else ""), False


class _ReportParser(HTMLParser):
    _URL_ATTRS = {"href", "src", "data", "poster", "action", "formaction", "background", "cite"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.script_attrs: list[str] = []
        self.csp: list[str] = []
        self.base = False
        self.exhibit_ids: list[str] = []
        self.links: list[str] = []
        self.external: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag == "script":
            self.scripts += 1
        if tag == "base":
            self.base = True
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and values.get("http-equiv", "").strip().lower() == "content-security-policy":
            self.csp.append(values.get("content", ""))
        ident = values.get("id", "")
        mm = re.fullmatch(r"exhibit-(E[1-9][0-9]*)", ident)
        if mm:
            self.exhibit_ids.append(mm.group(1))
        for name, value in values.items():
            if name.startswith("on"):
                self.script_attrs.append(f"an {name} attribute on <{tag}>")
            if name == "srcdoc":
                self.script_attrs.append(f"a srcdoc attribute on <{tag}>")
            if name in self._URL_ATTRS or name == "srcset":
                urls = [u.strip().split()[0] for u in value.split(",") if u.strip()] if name == "srcset" else [value]
                for url in urls:
                    scheme = urlsplit(url.strip()).scheme.lower()
                    if scheme in ("javascript", "vbscript"):
                        self.script_attrs.append(f"a {scheme}: URL in {name} on <{tag}>")
                    elif scheme or url.strip().startswith("//"):
                        self.external.add(url.strip())
                    elif not url.strip().startswith("#"):
                        self.links.append(url)

    handle_startendtag = handle_starttag


# ------------------------------------------------------------------------------------------ entry point


def verify_pack(path: str | os.PathLike, *, key: str | None = None, max_total_bytes: int = 8 * 1024**3,
                  max_files: int = 100_000) -> PackReport:
    """Verify the pack at ``path`` without any store, listing every problem.

    ``key``: the fingerprint the reader obtained separately (``sha256:<hex>``, the hex
    alone, or a prefix of at least 16 hex digits); the pack's signer must match it.
    ``max_total_bytes`` / ``max_files``: limits on what the ZIP may declare.

    Raises :class:`~evidence.errors.InputError` if ``path`` cannot be read or ``key``
    is not a fingerprint, and :class:`~evidence.errors.IntegrityError` if the file is
    not a ZIP at all. Everything else is reported in the returned
    :class:`PackReport` (``ok`` is True when nothing is wrong).
    """
    want = _norm_key(key) if key is not None else None
    p = Path(os.fspath(path))
    if not p.exists():
        raise InputError(f"{p}: no such file", hint="give the path of the pack's .zip file")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a pack", hint="give the pack's .zip file itself")
    report = PackReport(path=str(p))
    try:
        fh = open(p, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error,
                NotImplementedError, OverflowError) as exc:
            raise IntegrityError(f"{p} is not a ZIP file ({_one_line(exc, 120)}): it is not a pack, and nothing in "
                                 "it can be checked") from None
        with zf:
            c = _Checker(report, want)
            if not c.read_zip(fh, zf, max_total_bytes, max_files):
                return report
    # 2-7 work from the bytes read into memory; the ZIP is closed.
    c.check_sums()
    c.load_keys()
    c.parse_manifest()
    c.check_signature()
    c.check_manifest()
    c.check_custody()
    c.check_checkpoint()
    c.check_timestamps()
    c.check_index()
    return report
