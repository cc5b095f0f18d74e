"""Checkpoints of the custody log as C2SP signed notes (writing side).

Formats, quoted from the specifications:

* c2sp.org/tlog-checkpoint, "Note text": the body is "a sequence of at least three
  non-empty lines" -- the **origin** ("MUST be non-empty"), the **tree size** ("the
  ASCII decimal representation of the number of leaves in the tree, with no leading
  zeroes"), the **root hash** ("the base64 encoding of the root of the RFC 6962 Merkle
  hash tree at the specified tree size"), then optional **extension lines** ("MUST be
  non-empty").
* c2sp.org/signed-note, "Format": "a text ending in newline (U+000A), followed by a
  blank line (only a newline), followed by one or more signature lines of this form: em
  dash (U+2014), space (U+0020), key name, space, base64-encoded signature, newline."
  "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control characters
  (those below U+0020) other than newline." "Key names MUST be non-empty and MUST NOT
  contain any Unicode spaces or plus (U+002B) characters." The signature is
  ``base64(32-bit key ID || signature)``.
* c2sp.org/signed-note, "Ed25519 signatures": RFC 8032 signatures over the note text,
  and ``key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]``.
* Verifier keys ``<name>+<hex key ID>+<base64(0x01 || public key)>`` are the encoding
  of golang.org/x/mod/sumdb/note (``NewEd25519VerifierKey``), used across the C2SP
  ecosystem.

Base64 is standard base64 with padding (RFC 4648 §4), as both specifications say.
The verifying side (:mod:`evidence.verify.note`) is a separate implementation.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Sequence

from ..errors import InputError

if TYPE_CHECKING:  # imported where used: a module that only imports this one does not load cryptography
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "EM_DASH",
    "ED25519_TYPE",
    "format_checkpoint",
    "sign_note",
    "key_id",
    "verifier_key",
]

EM_DASH = "\u2014"
#: Signature type identifier byte of Ed25519 (c2sp.org/signed-note, "Signature types").
ED25519_TYPE = b"\x01"
_HASH_SIZE = 32


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 for ch in text)


def _check_line(what: str, line: object) -> str:
    if not isinstance(line, str):
        raise InputError(f"checkpoint {what} must be a string, not {type(line).__name__}")
    if not line:
        raise InputError(f"checkpoint {what} must not be empty (c2sp.org/tlog-checkpoint)")
    if "\n" in line or _has_control(line):
        raise InputError(f"checkpoint {what} must be one line without control characters: {line!r}")
    return line


def _check_key_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InputError("a note key name must be a non-empty string (c2sp.org/signed-note)")
    if "+" in name or any(ch.isspace() for ch in name) or _has_control(name):
        raise InputError(f"a note key name must not contain spaces, '+' or control characters: {name!r}")
    return name


def _raw_public_key(public_key: Ed25519PublicKey | bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if isinstance(public_key, Ed25519PublicKey):
        return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if isinstance(public_key, (bytes, bytearray)) and len(public_key) == 32:
        return bytes(public_key)
    raise InputError("an Ed25519 public key must be an Ed25519PublicKey or 32 raw bytes")


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> bytes:
    """The checkpoint note text (body): ``origin\\nsize\\nbase64(root)\\n`` then extension lines.

    c2sp.org/tlog-checkpoint, "Note text". Raises :class:`InputError` for an empty or
    multi-line origin or extension line, a negative size or a root that is not 32 bytes.
    """
    _check_line("origin", origin)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InputError(f"checkpoint tree size must be a non-negative integer, not {size!r}")
    if not isinstance(root, (bytes, bytearray)) or len(root) != _HASH_SIZE:
        raise InputError(f"checkpoint root hash must be {_HASH_SIZE} bytes (SHA-256)")
    if isinstance(extensions, str):
        raise InputError("checkpoint extensions must be a sequence of lines, not one string")
    lines = [origin, str(size), base64.b64encode(bytes(root)).decode("ascii")]
    lines += [_check_line(f"extension line {i}", ext) for i, ext in enumerate(extensions)]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def key_id(key_name: str, public_key: Ed25519PublicKey | bytes) -> bytes:
    """The 4-byte Ed25519 key ID ``SHA-256(key name || 0x0A || 0x01 || public key)[:4]``.

    c2sp.org/signed-note, "Ed25519 signatures".
    """
    _check_key_name(key_name)
    raw = _raw_public_key(public_key)
    return hashlib.sha256(key_name.encode("utf-8") + b"\n" + ED25519_TYPE + raw).digest()[:4]


def verifier_key(key_name: str, public_key: Ed25519PublicKey | bytes) -> str:
    """The verifier key string ``<name>+<hex key ID>+<base64(0x01 || public key)>``.

    The encoding of golang.org/x/mod/sumdb/note ``NewEd25519VerifierKey``, which the
    C2SP signed-note ecosystem uses to distribute keys.
    """
    raw = _raw_public_key(public_key)
    kid = key_id(key_name, raw)
    return f"{key_name}+{kid.hex()}+{base64.b64encode(ED25519_TYPE + raw).decode('ascii')}"


def sign_note(body: bytes, key_name: str, private_key: Ed25519PrivateKey) -> bytes:
    """Sign ``body`` (the note text) with Ed25519 and return the whole signed note.

    Output: ``body || "\\n" || "— " || key name || " " || base64(key ID || signature) || "\\n"``
    (c2sp.org/signed-note, "Format" and "Signatures"); the signature covers the note
    text including its final newline but not the separating blank line.

    The body must be valid UTF-8, end with a newline and contain no control characters
    other than newline; otherwise :class:`InputError`.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _check_key_name(key_name)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise InputError("signed notes are signed with an Ed25519PrivateKey")
    if not isinstance(body, (bytes, bytearray)):
        raise InputError("the note text must be bytes")
    body = bytes(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the note text is not valid UTF-8 (at byte {exc.start})") from None
    if not text.endswith("\n"):
        raise InputError("the note text must end with a newline (c2sp.org/signed-note)")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise InputError("the note text must not contain control characters other than newline")
    kid = key_id(key_name, private_key.public_key())
    signature = private_key.sign(body)
    line = f"{EM_DASH} {key_name} {base64.b64encode(kid + signature).decode('ascii')}\n"
    return body + b"\n" + line.encode("utf-8")
