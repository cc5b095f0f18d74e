"""C2SP signed notes and tlog checkpoints: evidence.checkpoint (writing) against
evidence.verify.note (verifying) and against published known answers:

* golang.org/x/mod/sumdb/note package documentation: the PeterNeumann signer key,
  verifier key and signed note, and the EnochRoot co-signature;
* C2SP signed-note.md at commit d4c16da5e7687a016619074e78dad84b2c7238cc, "Example":
  the example.com/foo verifier key and note;
* C2SP tlog-checkpoint.md: the example.com/behind-the-sofa checkpoint body;
* a checkpoint of the Go checksum database signed by sum.golang.org, verified with the
  sum.golang.org verifier key built into the go command.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from evidence.log import checkpoint
from evidence.errors import InputError, IntegrityError
from evidence.verify import note
from evidence.verify.note import NoteError

EM = "\u2014"
ORIGIN = "custody.example.org/case-17"
ROOT = hashlib.sha256(b"root").digest()

# golang.org/x/mod/sumdb/note, package documentation ("Example").
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_TEXT = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_NOTE = PETER_TEXT + (
    "\n" + EM + " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
).encode()
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
ENOCH_LINE = (EM + " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n").encode()

# C2SP signed-note.md (commit d4c16da5e7687a016619074e78dad84b2c7238cc), "Example".
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    + EM
    + " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
).encode()

# The sum.golang.org verifier key (the go command's default GOSUMDB) and one signed tree head.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTE = (
    "go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n"
    + EM
    + " sum.golang.org Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n"
).encode()

# C2SP tlog-checkpoint.md, the example checkpoint's note text.
SOFA_BODY = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def peter_private_key() -> Ed25519PrivateKey:
    blob = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert blob[0] == 0x01  # Ed25519 signature type, then the 32-byte seed
    return Ed25519PrivateKey.from_private_bytes(blob[1:])


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="module")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


@pytest.fixture(scope="module")
def signed(key) -> bytes:
    return checkpoint.sign_note(checkpoint.format_checkpoint(ORIGIN, 5, ROOT), ORIGIN, key)


# --------------------------------------------------------------------------- round trip


def test_format_checkpoint_exact_bytes():
    body = checkpoint.format_checkpoint(ORIGIN, 1234, ROOT, ["ext one", "ext-two"])
    assert body == (f"{ORIGIN}\n1234\n{base64.b64encode(ROOT).decode()}\next one\next-two\n").encode()
    assert checkpoint.format_checkpoint(ORIGIN, 0, ROOT).split(b"\n")[1] == b"0"


def test_sign_then_verify_round_trip(key):
    body = checkpoint.format_checkpoint(ORIGIN, 42, ROOT, ["extension"])
    signed = checkpoint.sign_note(body, ORIGIN, key)
    kid = checkpoint.key_id(ORIGIN, key.public_key())
    sig_line = signed[len(body) :].decode()
    assert sig_line.startswith(f"\n{EM} {ORIGIN} ") and sig_line.endswith("\n")
    blob = base64.b64decode(sig_line.split(" ")[2])
    assert blob[:4] == kid and len(blob) == 4 + 64
    result = note.verify_note(signed, {ORIGIN: key.public_key()})
    assert result == {"origin": ORIGIN, "size": 42, "root": ROOT, "extensions": ["extension"], "signers": [ORIGIN]}
    body2, sigs = note.parse_note(signed)
    assert body2 == body and sigs == [(ORIGIN, kid, blob[4:])]


def test_key_id_is_the_spec_formula(key):
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    want = hashlib.sha256(ORIGIN.encode() + b"\x0a" + b"\x01" + raw).digest()[:4]
    assert checkpoint.key_id(ORIGIN, key.public_key()) == want
    assert checkpoint.key_id(ORIGIN, raw) == want
    assert note.note_key_id(ORIGIN, key.public_key()) == want
    vkey = checkpoint.verifier_key(ORIGIN, key.public_key())
    assert vkey == ORIGIN + "+" + want.hex() + "+" + base64.b64encode(b"\x01" + raw).decode()
    name, public = note.parse_verifier_key(vkey)
    assert name == ORIGIN and public.public_bytes(Encoding.Raw, PublicFormat.Raw) == raw


# --------------------------------------------------------------------------- known answers


def test_known_answer_go_sumdb_note_example():
    priv = peter_private_key()
    assert checkpoint.key_id("PeterNeumann", priv.public_key()).hex() == "c74f20a3"
    assert checkpoint.verifier_key("PeterNeumann", priv.public_key()) == PETER_VKEY
    # Ed25519 is deterministic (RFC 8032): signing must reproduce the published note byte for byte.
    assert checkpoint.sign_note(PETER_TEXT, "PeterNeumann", priv) == PETER_NOTE
    name, public = note.parse_verifier_key(PETER_VKEY)
    assert note.verify_signatures(PETER_NOTE, {name: public}) == (PETER_TEXT, ["PeterNeumann"])


def test_known_answer_co_signed_note():
    peter = note.parse_verifier_key(PETER_VKEY)
    enoch = note.parse_verifier_key(ENOCH_VKEY)
    both = PETER_NOTE + ENOCH_LINE
    assert note.verify_signatures(both, dict([peter, enoch]))[1] == ["PeterNeumann", "EnochRoot"]
    # Signatures by unknown keys are ignored (c2sp.org/signed-note, "Signatures").
    assert note.verify_signatures(both, dict([peter]))[1] == ["PeterNeumann"]
    assert note.verify_signatures(both, dict([enoch]))[1] == ["EnochRoot"]


def test_known_answer_c2sp_signed_note_example():
    name, public = note.parse_verifier_key(SPEC_VKEY)
    assert name == "example.com/foo"
    assert note.note_key_id(name, public).hex() == "530d903a"
    assert checkpoint.verifier_key(name, public) == SPEC_VKEY
    assert note.verify_signatures(SPEC_NOTE, {name: public}) == (b"This is an example message.\n", [name])


def test_known_answer_sum_golang_org_checkpoint():
    name, public = note.parse_verifier_key(SUMDB_VKEY)
    result = note.verify_note(SUMDB_NOTE, {name: public})
    assert result["origin"] == "go.sum database tree"
    assert result["size"] == 31700353
    assert result["root"] == base64.b64decode("qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=")
    assert result["extensions"] == [] and result["signers"] == ["sum.golang.org"]
    tampered = SUMDB_NOTE.replace(b"31700353", b"31700354")
    with pytest.raises(NoteError, match="signature does not verify"):
        note.verify_note(tampered, {name: public})


def test_tlog_checkpoint_spec_example_body():
    parsed = note.parse_checkpoint(SOFA_BODY)
    assert parsed["origin"] == "example.com/behind-the-sofa" and parsed["size"] == 20852163
    assert checkpoint.format_checkpoint(parsed["origin"], parsed["size"], parsed["root"]) == SOFA_BODY


def test_verifier_key_with_wrong_key_id_is_refused():
    with pytest.raises(NoteError, match="does not match"):
        note.parse_verifier_key(PETER_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(NoteError, match="not an Ed25519 key"):
        note.parse_verifier_key("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


# --------------------------------------------------------------------------- refusals


def test_tampered_body(signed, key):
    tampered = signed.replace(b"\n5\n", b"\n6\n", 1)
    with pytest.raises(NoteError, match="signature does not verify") as info:
        note.verify_note(tampered, {ORIGIN: key.public_key()})
    assert isinstance(info.value, IntegrityError) and info.value.exit_code == 8


def test_tampered_signature(signed, key):
    body, sig_line = signed.rsplit(b" ", 1)
    blob = bytearray(base64.b64decode(sig_line))
    blob[10] ^= 0x01  # inside the Ed25519 signature, after the key ID
    tampered = body + b" " + base64.b64encode(bytes(blob)) + b"\n"
    with pytest.raises(NoteError, match="signature does not verify"):
        note.verify_note(tampered, {ORIGIN: key.public_key()})


def test_unknown_key(signed, other_key):
    with pytest.raises(NoteError, match="unknown key"):
        note.verify_note(signed, {ORIGIN: other_key.public_key()})
    with pytest.raises(NoteError, match="unknown key"):
        note.verify_note(signed, {})


def test_wrong_key_name(key):
    signed = checkpoint.sign_note(checkpoint.format_checkpoint(ORIGIN, 5, ROOT), "someone.else/key", key)
    with pytest.raises(NoteError, match=r"unknown key.*signed by: someone\.else/key\+"):
        note.verify_note(signed, {ORIGIN: key.public_key()})


def test_known_name_with_another_key_id_is_ignored_as_the_spec_requires(key, other_key):
    body = checkpoint.format_checkpoint(ORIGIN, 5, ROOT)
    impostor = checkpoint.sign_note(body, ORIGIN, other_key)  # same name, other key -> other key ID
    with pytest.raises(NoteError, match=r"unknown key.*known: .*\+[0-9a-f]{8}; signed by: .*\+[0-9a-f]{8}"):
        note.verify_note(impostor, {ORIGIN: key.public_key()})
    good = checkpoint.sign_note(body, ORIGIN, key)
    both = good + impostor[len(body) + 1 :]
    assert note.verify_note(both, {ORIGIN: key.public_key()})["signers"] == [ORIGIN]


def test_known_key_signing_twice_is_malformed(signed, key):
    twice = signed + signed[signed.rindex(b"\n\n") + 2 :]
    with pytest.raises(NoteError, match="more than once"):
        note.verify_note(twice, {ORIGIN: key.public_key()})


def test_signature_limit(key, other_key):
    body = checkpoint.format_checkpoint(ORIGIN, 5, ROOT)
    good = checkpoint.sign_note(body, ORIGIN, key)
    extra = b"".join(checkpoint.sign_note(body, f"w{i}.example", other_key)[len(body) + 1 :] for i in range(99))
    # 100 signatures are accepted (the spec requires at least 16), 101 are refused.
    assert note.verify_note(good + extra, {ORIGIN: key.public_key()})["signers"] == [ORIGIN]
    with pytest.raises(NoteError, match="too many signatures"):
        note.verify_note(good + extra + extra[: extra.index(b"\n") + 1], {ORIGIN: key.public_key()})


def _sig_line(signed: bytes) -> bytes:
    return signed[signed.rindex(b"\n\n") + 2 :]


MALFORMED_NOTES = {
    "no blank line separator": lambda s: s.replace(b"\n\n", b"\n"),
    "no final newline": lambda s: s[:-1],
    "blank line but no signature lines": lambda s: s[: s.rindex(b"\n\n") + 2],
    "trailing blank line after the signatures": lambda s: s + b"\n",
    "not UTF-8": lambda s: b"\xff" + s,
    "carriage return in the body": lambda s: s.replace(b"\n5\n", b"\n5\r\n"),
    "tab in the body": lambda s: s.replace(b"\n5\n", b"\n5\t\n"),
    "NUL in the signature line": lambda s: s[:-1] + b"\x00\n",
    "hyphen instead of em dash": lambda s: s.replace(EM.encode(), b"-"),
    "em dash without space": lambda s: s.replace((EM + " ").encode(), EM.encode()),
    "no signature after the key name": lambda s: s[: s.rindex(b" ")] + b"\n",
    "empty signature": lambda s: s[: s.rindex(b" ") + 1] + b"\n",
    "bad base64": lambda s: s[: s.rindex(b" ") + 1] + b"not*base64!\n",
    "base64 without padding": lambda s: s[:-2] + b"\n",
    "signature shorter than key ID and signature": lambda s: s[: s.rindex(b" ") + 1] + base64.b64encode(b"abcd") + b"\n",
    "key name with a plus": lambda s: s.replace(ORIGIN.encode() + b" ", b"a+b "),
    "empty key name": lambda s: s.replace((EM + " " + ORIGIN).encode(), (EM + " ").encode()),
    "key name with a non-breaking space": lambda s: s.replace(ORIGIN.encode() + b" ", b"a\xc2\xa0b "),
    "text after the signatures": lambda s: s + b"hello\n",
}


@pytest.mark.parametrize("case", list(MALFORMED_NOTES))
def test_malformed_note(case, signed, key):
    text = MALFORMED_NOTES[case](signed)
    assert text != signed
    with pytest.raises(NoteError, match="malformed note"):
        note.verify_note(text, {ORIGIN: key.public_key()})


MALFORMED_BODIES = {
    "empty origin": (b"\n5\n" + base64.b64encode(ROOT) + b"\n", "line 1 is empty"),
    "only two lines": (b"origin\n5\n", "want at least origin, size and root"),
    "empty extension line": (b"origin\n5\n" + base64.b64encode(ROOT) + b"\n\next\n", "line 4 is empty"),
    "size with leading zero": (b"origin\n05\n" + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "size 00": (b"origin\n00\n" + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "size with plus sign": (b"origin\n+5\n" + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "size with space": (b"origin\n 5\n" + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "size with underscore": (b"origin\n1_0\n" + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "size in fullwidth digits": ("origin\n\uff15\n".encode() + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "negative size": (b"origin\n-5\n" + base64.b64encode(ROOT) + b"\n", "not a canonical decimal"),
    "size beyond 2**64-1": (b"origin\n18446744073709551616\n" + base64.b64encode(ROOT) + b"\n", "out of range"),
    "root of 31 bytes": (b"origin\n5\n" + base64.b64encode(ROOT[:31]) + b"\n", "31 bytes, want 32"),
    "root of 33 bytes": (b"origin\n5\n" + base64.b64encode(ROOT + b"x") + b"\n", "33 bytes, want 32"),
    "root in hex": (b"origin\n5\n" + ROOT.hex().encode() + b"\n", "48 bytes, want 32"),
    "root not base64": (b"origin\n5\n" + b"%" * 44 + b"\n", "not valid base64"),
    "root non-canonical base64": (b"origin\n5\n" + base64.b64encode(ROOT)[:-2] + b"J=\n", "not canonical base64"),
}


@pytest.mark.parametrize("case", list(MALFORMED_BODIES))
def test_malformed_checkpoint_body(case, key):
    body, message = MALFORMED_BODIES[case]
    signed = checkpoint.sign_note(body, ORIGIN, key)  # properly signed, badly formed
    with pytest.raises(NoteError, match=message):
        note.verify_note(signed, {ORIGIN: key.public_key()})


def test_signed_note_that_is_not_a_checkpoint():
    name, public = note.parse_verifier_key(PETER_VKEY)
    with pytest.raises(NoteError, match="malformed checkpoint"):
        note.verify_note(PETER_NOTE, {name: public})


def test_body_is_not_interpreted_before_a_signature_verified(key, other_key):
    signed = checkpoint.sign_note(b"origin\n01\n\n", ORIGIN, key)
    with pytest.raises(NoteError, match="unknown key"):  # not "malformed checkpoint"
        note.verify_note(signed, {ORIGIN: other_key.public_key()})


# --------------------------------------------------------------------------- writing side refuses bad input


@pytest.mark.parametrize(
    "args, message",
    [
        (("", 1, ROOT), "must not be empty"),
        (("a\nb", 1, ROOT), "one line"),
        (("a", -1, ROOT), "non-negative"),
        (("a", True, ROOT), "non-negative integer"),
        (("a", 1, ROOT[:31]), "32 bytes"),
        (("a", 1, ROOT, [""]), "must not be empty"),
        (("a", 1, ROOT, ["x\ny"]), "one line"),
        (("a", 1, ROOT, "ext"), "sequence of lines"),
    ],
)
def test_format_checkpoint_refuses(args, message):
    with pytest.raises(InputError, match=message):
        checkpoint.format_checkpoint(*args)


@pytest.mark.parametrize(
    "body, name, message",
    [
        (b"no newline", ORIGIN, "end with a newline"),
        (b"tab\there\n", ORIGIN, "control characters"),
        (b"\xff\n", ORIGIN, "UTF-8"),
        (b"ok\n", "has space", "must not contain"),
        (b"ok\n", "has+plus", "must not contain"),
        (b"ok\n", "", "non-empty"),
    ],
)
def test_sign_note_refuses(body, name, message, key):
    with pytest.raises(InputError, match=message):
        checkpoint.sign_note(body, name, key)
