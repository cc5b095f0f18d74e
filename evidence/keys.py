"""Investigators' Ed25519 keys.

A key pair is made by :func:`create_key`. The private key is PKCS#8 PEM,
encrypted with the investigator's passphrase, written with mode 0600 from the
moment the file exists, and kept in the investigator's own configuration folder
(or where ``key_file`` says) -- never in the store. Beside it lie the public key
(``.pub.pem``) and the identity (``.json``: name, email, role, fingerprint).

The private key is encrypted with PBES2: PBKDF2-HMAC-SHA256 at :data:`KDF_ITERATIONS`
(600,000) iterations and AES-256-CBC, written by PyCryptodome (``cryptography`` writes PKCS#8 only
at 2,048 iterations); ``openssl pkey`` reads it. Keys made before this, at 2,048 iterations, still
load. A new key's passphrase has at least :data:`MIN_PASSPHRASE` (12) characters.

A key's **fingerprint** is ``sha256:`` + SHA-256 of its SubjectPublicKeyInfo DER:
the value ``openssl pkey -pubin -in key.pub.pem -outform DER | sha256sum`` prints.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import config_dir, read_user_config, write_user_config
from .digest import sha256_tag, tag_hex
from .errors import InputError, NoKey, WrongPassphrase

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# cryptography is imported where a key is made, read or written (about 16 ms): the modules that only name a
# Signer, and a capture that starts its browser before it unlocks the key, do not wait for it

__all__ = ["ROLES", "KDF_ITERATIONS", "MIN_PASSPHRASE", "encrypt_private_key", "Identity", "Signer", "fingerprint", "public_pem", "create_key", "load_signer", "load_identity"]

ROLES = ("investigator", "examiner", "reviewer", "supervisor", "administrator")
KDF_ITERATIONS = 600_000  # PBKDF2-HMAC-SHA256, OWASP's figure for 2023 on
MIN_PASSPHRASE = 12
PKCS8_PROTECTION = "PBKDF2WithHMAC-SHA256AndAES256-CBC"
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def public_pem(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return sha256_tag(der)


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    role: str
    fingerprint: str
    public_pem: str

    def as_dict(self) -> dict:
        return {"name": self.name, "email": self.email, "role": self.role,
                "fingerprint": self.fingerprint, "public_key": self.public_pem}


class Signer:
    """An unlocked private key and the identity it belongs to. ``sign(data)`` -> raw 64-byte Ed25519 signature."""

    def __init__(self, private_key: Ed25519PrivateKey, identity: Identity, key_file: Path | None = None):
        self._key = private_key
        self.identity = identity
        self.key_file = key_file

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def private_key(self) -> Ed25519PrivateKey:
        return self._key

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def actor(self) -> dict:
        return {"fingerprint": self.identity.fingerprint, "name": self.identity.name, "role": self.identity.role}


def _validate_identity(name: str, email: str, role: str) -> None:
    if not name or not name.strip() or len(name) > 200:
        raise InputError("a key needs a name", hint='e.g. --name "A. Investigator"')
    if not _EMAIL_RE.match(email or ""):
        raise InputError(f"malformed email address {email!r}", hint="e.g. --email a.investigator@uni.example")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", hint="choose one of: " + ", ".join(ROLES))


def encrypt_private_key(key: Ed25519PrivateKey, passphrase: bytes, *, iterations: int = KDF_ITERATIONS) -> bytes:
    """PKCS#8 PEM of ``key`` encrypted with PBES2 (PBKDF2-HMAC-SHA256 at ``iterations``, AES-256-CBC)."""
    from Crypto.PublicKey import ECC
    from cryptography.hazmat.primitives import serialization

    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    pem = ECC.construct(curve="Ed25519", seed=seed).export_key(
        format="PEM", passphrase=passphrase, protection=PKCS8_PROTECTION,
        prot_params={"iteration_count": iterations, "salt_size": 16})
    return pem.encode("ascii") + (b"" if pem.endswith("\n") else b"\n")


def check_new_passphrase(passphrase: bytes) -> None:
    """A new key's passphrase: at least MIN_PASSPHRASE characters."""
    if not passphrase:
        raise InputError("an empty passphrase is not allowed", hint="choose a passphrase, or set EVIDENCE_PASSPHRASE")
    try:
        length = len(passphrase.decode("utf-8"))
    except UnicodeDecodeError:
        length = len(passphrase)
    if length < MIN_PASSPHRASE:
        raise InputError(f"the passphrase is {length} characters long; a new key needs at least {MIN_PASSPHRASE}",
                         hint="choose a longer one, e.g. four unrelated words")


def _write_new(path: Path, data: bytes, mode: int, *, exclusive: bool = True) -> None:
    """Create ``path`` with exactly ``mode`` whatever the umask (exclusive: never overwrite a key)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, mode & 0o600)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _sidecars(key_file: Path) -> tuple[Path, Path]:
    stem = key_file.name[: -len(".key.pem")] if key_file.name.endswith(".key.pem") else key_file.stem
    return key_file.with_name(stem + ".pub.pem"), key_file.with_name(stem + ".json")


def create_key(name: str, email: str, role: str, passphrase: bytes, *, key_file: str | os.PathLike | None = None,
               make_default: bool = True) -> Signer:
    """Make an Ed25519 key pair for an investigator and write it to their configuration folder."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _validate_identity(name, email, role)
    check_new_passphrase(passphrase)
    key = Ed25519PrivateKey.generate()
    pub = key.public_key()
    fp = fingerprint(pub)
    if key_file is None:
        kdir = config_dir() / "keys"
        kdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = kdir / f"{tag_hex(fp)[:16]}.key.pem"
    else:
        path = Path(key_file)
        if path.exists():
            raise InputError(f"{path} already exists; a key is never overwritten", hint="choose another --key-file")
        if not path.parent.is_dir():
            raise InputError(f"folder {path.parent} does not exist", hint="create it first")
    pem = encrypt_private_key(key, passphrase)
    identity = Identity(name=name.strip(), email=email, role=role, fingerprint=fp, public_pem=public_pem(pub))
    pub_path, id_path = _sidecars(path)
    _write_new(path, pem, 0o600)
    _write_new(pub_path, identity.public_pem.encode("ascii"), 0o644, exclusive=False)
    _write_new(id_path, (json.dumps({"name": identity.name, "email": email, "role": role, "fingerprint": fp},
                                    indent=2) + "\n").encode("utf-8"), 0o644, exclusive=False)
    if make_default:
        cfg = read_user_config()
        cfg["default_key"] = str(path.resolve())
        write_user_config(cfg)
    return Signer(key, identity, path)


def load_identity(key_file: Path) -> dict:
    _, id_path = _sidecars(Path(key_file))
    try:
        return json.loads(id_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NoKey(f"identity file {id_path} is missing beside the key", hint="recreate it or make a new key with `evidence key create`") from None
    except ValueError:
        raise NoKey(f"identity file {id_path} is not valid JSON") from None


def load_signer(key_file: str | os.PathLike | None, passphrase: bytes | None) -> Signer:
    """Unlock the private key at ``key_file`` with ``passphrase``."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if key_file is None:
        raise NoKey("no signing key yet", hint='make one with `evidence key create --name ... --email ... --role investigator`')
    path = Path(key_file)
    if not path.is_file():
        raise NoKey(f"key file {path} not found", hint="check --key-file / EVIDENCE_KEY, or make a key with `evidence key create`")
    if passphrase is None:
        raise WrongPassphrase("a passphrase is needed to unlock the key", hint="set EVIDENCE_PASSPHRASE or answer the prompt")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    except (ValueError, TypeError) as exc:
        text = str(exc).lower()
        if "password" in text or "decrypt" in text or "encrypted" in text:
            raise WrongPassphrase(f"wrong passphrase for key {path}", hint="try again, or check EVIDENCE_PASSPHRASE") from None
        raise NoKey(f"{path} is not a PEM private key: {exc}") from None
    except UnsupportedAlgorithm as exc:
        raise NoKey(f"{path} is not a usable key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise NoKey(f"{path} is not an Ed25519 key", hint="make one with `evidence key create`")
    info = load_identity(path)
    fp = fingerprint(key.public_key())
    if info.get("fingerprint") != fp:
        raise NoKey(f"identity file beside {path} belongs to another key", hint="restore the matching .json file")
    identity = Identity(name=info["name"], email=info["email"], role=info["role"], fingerprint=fp,
                        public_pem=public_pem(key.public_key()))
    return Signer(key, identity, path)
