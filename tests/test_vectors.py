"""Known answers: RFC 8785 canonical JSON and RFC 8032 Ed25519, through the functions evidence signs with."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import DATA
from evidence.canonical import canonical_json, parse_json
from evidence.errors import InputError

JCS = DATA / "vectors" / "rfc8785-jcs" / "testdata"
JCS_CASES = sorted(p.name for p in (JCS / "input").glob("*.json"))


@pytest.mark.parametrize("name", JCS_CASES)
def test_rfc8785_vectors(name):
    raw = json.loads((JCS / "input" / name).read_text(encoding="utf-8"))
    want = (JCS / "output" / name).read_bytes().rstrip(b"\n")
    if _has_float(raw):
        # evidence refuses floats in what it signs; the vector still checks the library it relies on
        import rfc8785

        with pytest.raises(InputError):
            canonical_json(raw)
        got = rfc8785.dumps(raw)
    else:
        got = canonical_json(raw)
    assert got == want
    hexwant = bytes.fromhex((JCS / "outhex" / name.replace(".json", ".txt")).read_text().replace(" ", "").replace("\n", ""))
    assert got == hexwant


def _has_float(v) -> bool:
    if isinstance(v, float):
        return True
    if isinstance(v, dict):
        return any(_has_float(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_float(x) for x in v)
    return False


def test_vectors_are_present():
    assert len(JCS_CASES) >= 6


def test_floats_are_refused_in_signed_json():
    with pytest.raises(InputError, match="floats are not allowed"):
        canonical_json({"a": [1, {"b": 1.5}]})


def test_parse_json_refuses_duplicate_keys():
    with pytest.raises(ValueError):
        parse_json(b'{"a":1,"a":2}')


def _ed25519_vectors():
    import cryptography_vectors

    path = os.path.join(os.path.dirname(cryptography_vectors.__file__), "asymmetric", "Ed25519", "sign.input")
    with open(path) as fh:
        for line in fh:
            sk_pk, pk, msg, sig_msg, _ = line.strip().split(":")
            yield bytes.fromhex(sk_pk[:64]), bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig_msg[:128])


def test_rfc8032_ed25519_vectors():
    """Every vector of sign.input: our keys sign through cryptography exactly as RFC 8032 says."""
    from evidence.keys import Identity, Signer, fingerprint, public_pem

    n = 0
    for seed, pk, msg, sig in _ed25519_vectors():
        key = Ed25519PrivateKey.from_private_bytes(seed)
        pub = key.public_key()
        from cryptography.hazmat.primitives import serialization

        assert pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == pk
        signer = Signer(key, Identity("v", "v@x.example", "investigator", fingerprint(pub), public_pem(pub)))
        assert signer.sign(msg) == sig
        n += 1
    assert n >= 1000
