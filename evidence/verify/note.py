"""Verification of C2SP signed notes and tlog checkpoints, independent of the writing side.

Rules, quoted from the specifications (and enforced here):

c2sp.org/signed-note, "Format":
    "A signed note consists of a text ending in newline (U+000A), followed by a blank
    line (only a newline), followed by one or more signature lines of this form: em dash
    (U+2014), space (U+0020), key name, space, base64-encoded signature, newline."
    "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control characters
    (those below U+0020) other than newline." "the text is separated from the signatures
    by the last empty line in the note." "Key names MUST be non-empty and MUST NOT
    contain any Unicode spaces or plus (U+002B) characters." "Signatures are the base64
    encoding of 4+n bytes. The first four bytes in the signature are the uint32 key ID
    stored in big-endian order." "Verifiers SHOULD apply a maximum limit to the number of
    signatures in a note ... but MUST accept at least up to 16 signatures" -- the limit
    here is :data:`MAX_SIGNATURES` (100, as golang.org/x/mod/sumdb/note).

c2sp.org/signed-note, "Signatures":
    "Verifiers MUST ignore signatures from unknown keys, even if they share a name or ID
    (but not both) with a known key. If the key name and ID match a known key, verifiers
    MUST verify the signature. If a signature from a known key fails to verify, clients
    SHOULD reject the whole note. If no signature from a known key verifies successfully,
    clients MUST reject the note." A known key's signature appearing twice is rejected
    as malformed (as golang.org/x/mod/sumdb/note ``Open`` does).

c2sp.org/signed-note, "Ed25519 signatures":
    ``key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]``;
    RFC 8032 signatures over the note text (including its final newline, not the blank
    line).

c2sp.org/tlog-checkpoint, "Note text":
    at least three non-empty lines: origin (non-empty), tree size ("ASCII decimal ...
    with no leading zeroes"), root hash (base64 of the RFC 6962 root: 32 bytes for
    SHA-256), then extension lines ("MUST be non-empty").

Base64 is standard base64 with padding (RFC 4648 §4). This module imports nothing from
the writing side (:mod:`evidence.checkpoint`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import NoteError

__all__ = [
    "MAX_SIGNATURES",
    "NoteError",
    "parse_note",
    "note_key_id",
    "parse_verifier_key",
    "verify_signatures",
    "parse_checkpoint",
    "verify_note",
]

MAX_SIGNATURES = 100
_SIG_PREFIX = "\u2014 "  # em dash, space
_ED25519 = 0x01
_ROOT_SIZE = 32
_SIZE_RE = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_MAX_SIZE = 2**64 - 1



def _b64(text: str, what: str) -> bytes:
    if not text:
        raise NoteError(f"malformed note: {what} is empty")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"malformed note: {what} is not valid base64") from None


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def parse_note(text: bytes) -> tuple[bytes, list[tuple[str, bytes, bytes]]]:
    """Split a signed note into its text (body) and its signatures, refusing malformed notes.

    Returns ``(body, [(key name, 4-byte key ID, signature), ...])``. ``body`` includes
    its final newline. Signatures are not checked here (see :func:`verify_signatures`).
    Raises :class:`NoteError` naming the problem.
    """
    if not isinstance(text, (bytes, bytearray, memoryview)):
        raise NoteError(f"malformed note: expected bytes, not {type(text).__name__}")
    raw = bytes(text)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError(f"malformed note: not valid UTF-8 (at byte {exc.start})") from None
    for pos, ch in enumerate(decoded):
        if ord(ch) < 0x20 and ch != "\n":
            line_no = decoded.count("\n", 0, pos) + 1
            raise NoteError(f"malformed note: control character U+{ord(ch):04X} on line {line_no}")
    if not decoded.endswith("\n"):
        raise NoteError("malformed note: it does not end with a newline")
    split = decoded.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line separates the text from the signatures")
    body_text = decoded[: split + 1]
    sig_block = decoded[split + 2 :]
    if not sig_block:
        raise NoteError("malformed note: no signature lines after the last blank line")
    lines = sig_block[:-1].split("\n")  # sig_block ends with "\n", as the note does
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: too many signatures ({len(lines)}, at most {MAX_SIGNATURES})")
    signatures: list[tuple[str, bytes, bytes]] = []
    for n, line in enumerate(lines, 1):
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"malformed note: signature line {n} does not start with an em dash and a space")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep:
            raise NoteError(f"malformed note: signature line {n} has no space between key name and signature")
        if not _valid_name(name):
            raise NoteError(f"malformed note: signature line {n} has an invalid key name {name!r}")
        blob = _b64(b64, f"the signature on line {n}")
        if len(blob) < 5:
            raise NoteError(f"malformed note: the signature on line {n} is {len(blob)} bytes, want a 4-byte key ID and a signature")
        signatures.append((name, blob[:4], blob[4:]))
    return body_text.encode("utf-8"), signatures


def note_key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """``SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]`` (c2sp.org/signed-note)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(key_name.encode("utf-8") + b"\n" + bytes([_ED25519]) + raw).digest()[:4]


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """Parse a verifier key ``<name>+<8 hex digits key ID>+<base64(0x01 || public key)>``.

    The encoding of golang.org/x/mod/sumdb/note ``NewVerifier``; the key ID must match
    the name and key. Returns ``(name, public key)``; raises :class:`NoteError`.
    """
    if not isinstance(vkey, str):
        raise NoteError("verifier key must be a string")
    name, _, rest = vkey.partition("+")
    hex_id, _, b64 = rest.partition("+")
    if not _valid_name(name) or any(ord(ch) < 0x20 for ch in name):
        raise NoteError(f"malformed verifier key: bad key name {name!r}")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError("malformed verifier key: the key ID must be 8 lowercase hex digits")
    blob = _b64(b64, "the verifier key's public key")
    if len(blob) != 33 or blob[0] != _ED25519:
        raise NoteError("malformed verifier key: not an Ed25519 key (want 0x01 followed by 32 bytes)")
    public_key = Ed25519PublicKey.from_public_bytes(blob[1:])
    if note_key_id(name, public_key) != bytes.fromhex(hex_id):
        raise NoteError(f"malformed verifier key: key ID {hex_id} does not match name and key")
    return name, public_key


def verify_signatures(text: bytes, known: Mapping[str, Ed25519PublicKey]) -> tuple[bytes, list[str]]:
    """Check a signed note's signatures against ``known`` keys (key name -> Ed25519 public key).

    Signatures whose (name, key ID) is not a known key are ignored, as the specification
    requires -- including a known name with another key ID. Returns ``(body, [names
    of the known keys whose signature verified])``. Raises :class:`NoteError` if the note
    is malformed, if a known key's signature "does not verify", if a known key signed
    twice, or if no known key signed ("unknown key").
    """
    body, signatures = parse_note(text)
    expected: dict[str, bytes] = {}
    for name, key in known.items():
        if not isinstance(key, Ed25519PublicKey):
            raise NoteError(f"known key {name!r} is not an Ed25519PublicKey")
        expected[name] = note_key_id(name, key)
    signers: list[str] = []
    ignored: list[str] = []
    for name, kid, sig in signatures:
        if name not in expected or kid != expected[name]:
            ignored.append(f"{name}+{kid.hex()}")
            continue
        if name in signers:
            raise NoteError(f"malformed note: known key {name}+{kid.hex()} signed more than once")
        try:
            known[name].verify(sig, body)
        except InvalidSignature:
            raise NoteError(f"signature does not verify: the signature by {name}+{kid.hex()} is not valid for this text") from None
        signers.append(name)
    if not signers:
        wanted = ", ".join(f"{n}+{k.hex()}" for n, k in expected.items()) or "none given"
        got = ", ".join(ignored)
        raise NoteError(f"unknown key: no signature by a known key (known: {wanted}; signed by: {got})")
    return body, signers


def parse_checkpoint(body: bytes) -> dict[str, Any]:
    """Parse a checkpoint note text (c2sp.org/tlog-checkpoint, "Note text").

    Returns ``{"origin": str, "size": int, "root": bytes, "extensions": [str, ...]}``.
    Raises :class:`NoteError` for a malformed body, a non-canonical size (``"01"``,
    ``"+1"``), a size beyond 2**64 - 1, a root that is not canonical base64 or not 32
    bytes.
    """
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("malformed checkpoint: not valid UTF-8") from None
    if not text.endswith("\n"):
        raise NoteError("malformed checkpoint: the text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError(f"malformed checkpoint: {len(lines)} line(s), want at least origin, size and root hash")
    for n, line in enumerate(lines, 1):
        if not line:
            raise NoteError(f"malformed checkpoint: line {n} is empty")
        if any(ord(ch) < 0x20 for ch in line):
            raise NoteError(f"malformed checkpoint: line {n} contains a control character")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE_RE.match(size_text):
        raise NoteError(f"malformed checkpoint: tree size {size_text!r} is not a canonical decimal number")
    size = int(size_text)
    if size > _MAX_SIZE:
        raise NoteError(f"malformed checkpoint: tree size {size_text} is out of range")
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError("malformed checkpoint: the root hash is not valid base64") from None
    if len(root) != _ROOT_SIZE:
        raise NoteError(f"malformed checkpoint: the root hash is {len(root)} bytes, want {_ROOT_SIZE}")
    if base64.b64encode(root).decode("ascii") != root_text:
        raise NoteError("malformed checkpoint: the root hash is not canonical base64")
    return {"origin": origin, "size": size, "root": root, "extensions": list(extensions)}


def verify_note(text: bytes, known: Mapping[str, Ed25519PublicKey]) -> dict[str, Any]:
    """Verify a signed checkpoint: the signatures (:func:`verify_signatures`), then the body.

    Returns ``{"origin", "size", "root", "extensions", "signers"}``; raises
    :class:`NoteError` naming the problem. The body is parsed only after a known key's
    signature verified ("The text MUST be ignored unless the note is signed by a trusted
    key and the signature has been verified", c2sp.org/signed-note).
    """
    body, signers = verify_signatures(text, known)
    result = parse_checkpoint(body)
    result["signers"] = signers
    return result
