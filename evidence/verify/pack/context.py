"""What every part of the pack check shares: constants, small parsers, the report and the checker's state."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
import base64
import binascii
import re
import struct

from ...canonical import canonical_json, parse_json
from ...digest import TAG, is_tag, sha256_tag
from ...errors import InputError
from ..store import KeyRing, Problem



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

INTAKE_ACTIONS = {"item.imported", "item.captured", "item.redacted", "item.derived"}

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



class CheckerBase:
    """What every check shares: the report, the files read from the ZIP, what earlier checks found."""

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
        self.withheld_records: dict[str, str] = {}  # E<n> -> hash of its record withheld from a redacted pack
        self.withheld_entries: dict[int, dict] = {}  # seq -> {"hash", "leaf"} of custody entries withheld (redacted)
        self.entries: dict[int, dict] = {}  # seq -> {"path", "data", "hash", "entry"}
        self.signed: set[int] = set()  # seqs of the custody entries whose signature verifies
        self.record_signers: list[tuple[str, str]] = []  # (record path, signer fingerprint)
        self.trust: set[str] | None = None  # the fingerprints the reader trusts (verify_pack(trust=...))

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
