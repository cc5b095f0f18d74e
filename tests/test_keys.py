"""Keys: creation, storage, passphrases, fingerprints and signatures, cross-checked with real openssl."""

from __future__ import annotations

import json

import stat
import subprocess

import pytest

from conftest import CASE, PASSPHRASE, make_png
from evidence.errors import InputError, NoKey, WrongPassphrase
from evidence.keys import create_key, load_signer


def test_key_file_is_private_encrypted_and_outside_the_store(ready):
    keys = list((ready["config"] / "keys").glob("*.key.pem"))
    assert len(keys) == 1
    key = keys[0]
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    assert not any(p.name.endswith(".key.pem") for p in ready["store"].rglob("*"))


def test_key_is_created_0600_from_the_start(env, monkeypatch):
    """The private key file never exists with wider permissions, even under a permissive umask."""
    import os

    old = os.umask(0)
    try:
        s = create_key("B", "b@uni.example", "investigator", b"long enough passphrase", key_file=env["tmp"] / "b.key.pem")
    finally:
        os.umask(old)
    assert stat.S_IMODE(s.key_file.stat().st_mode) == 0o600


def test_fingerprint_matches_openssl(ready, run, tmp_path):
    r = run("key", "list", "--json")
    import json

    fp = json.loads(r.out)[0]["fingerprint"]
    pem = tmp_path / "key.pub.pem"
    assert run("key", "export", fp[:20], "--out", pem).code == 0
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", pem, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    digest = subprocess.run(["sha256sum"], input=der, check=True, capture_output=True).stdout.split()[0].decode()
    assert fp == "sha256:" + digest


def test_record_signature_verifies_with_openssl(ev, tmp_path):
    png = make_png(tmp_path / "s.png")
    item = ev.import_files([png], case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")[0]
    (tmp_path / "rec.json").write_bytes(item.record_bytes)
    (tmp_path / "rec.sig").write_bytes(item.signature)
    (tmp_path / "pub.pem").write_text(ev.key(item.signer)["public_pem"])
    ok = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "pub.pem", "-rawin",
                         "-in", tmp_path / "rec.json", "-sigfile", tmp_path / "rec.sig"], capture_output=True, text=True)
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout
    (tmp_path / "rec.json").write_bytes(item.record_bytes.replace(b"complainant", b"complainanT"))
    bad = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "pub.pem", "-rawin",
                          "-in", tmp_path / "rec.json", "-sigfile", tmp_path / "rec.sig"], capture_output=True, text=True)
    assert bad.returncode != 0


def test_wrong_passphrase(ready, monkeypatch, run):
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", "not it")
    r = run("case", "open", "SMP-2026-015", "--title", "x")
    assert r.code == WrongPassphrase.exit_code
    assert "wrong passphrase" in r.err and "Traceback" not in r.err
    assert run("case", "list").code == 0  # reading needs no key


def test_no_key_yet(env, run):
    assert run("init").code == 0
    r = run("case", "open", CASE, "--title", "x")
    assert r.code == NoKey.exit_code
    assert "no signing key yet" in r.err and "evidence key create" in r.err


def test_key_file_missing(ready, run, env):
    r = run("--key-file", env["tmp"] / "nope.pem", "case", "open", "X-1", "--title", "t")
    assert r.code == NoKey.exit_code and "not found" in r.err


def test_bad_identity_and_empty_passphrase(env):
    with pytest.raises(InputError):
        create_key("A", "not-an-email", "investigator", b"long enough passphrase")
    with pytest.raises(InputError):
        create_key("A", "a@uni.example", "wizard", b"long enough passphrase")
    with pytest.raises(InputError):
        create_key("A", "a@uni.example", "investigator", b"")


def test_key_never_overwritten(env):
    path = env["tmp"] / "k.key.pem"
    create_key("A", "a@uni.example", "investigator", b"long enough passphrase", key_file=path)
    before = path.read_bytes()
    with pytest.raises(InputError, match="never overwritten"):
        create_key("A", "a@uni.example", "investigator", b"long enough passphrase", key_file=path)
    assert path.read_bytes() == before


def test_two_investigators_share_a_store(ready, run, env, monkeypatch, tmp_path):
    """A second investigator with their own config folder registers and signs in the same store."""
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path / "second"))
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", "second passphrase")
    r = run("key", "create", "--name", "B. Examiner", "--email", "b@uni.example", "--role", "examiner")
    assert r.code == 0, r
    png = make_png(tmp_path / "b.png", color="green")
    args = ("import", png, "--case", CASE, "--received-from", "complainant", "--received-at", "2026-11-21T10:00Z")
    r = run(*args)
    assert r.code == 4 and "not yet approved" in r.err and "evidence key approve" in r.err, r
    b_fp = load_signer(json.loads((tmp_path / "second" / "config.json").read_text())["default_key"],
                       b"second passphrase").fingerprint
    approve_as_creator(env, b_fp)
    r = run(*args)
    assert r.code == 0, r

    keys = json.loads(run("key", "list", "--json").out)
    assert {k["name"] for k in keys} == {"A. Investigator", "B. Examiner"}
    entries = json.loads(run("custody", "--case", CASE, "--json").out)
    assert {e["actor"]["name"] for e in entries} == {"A. Investigator", "B. Examiner"}
    assert run("verify").code == 0


def test_unregistered_key_is_refused(ready, env, tmp_path, monkeypatch, run):
    create_key("C", "c@uni.example", "investigator", b"third passphrase", key_file=tmp_path / "c.key.pem", make_default=False)
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", "third passphrase")
    r = run("--key-file", tmp_path / "c.key.pem", "case", "open", "SMP-2026-099", "--title", "t")
    assert r.code == 4 and "not registered" in r.err and "evidence key register" in r.err
    assert run("--key-file", tmp_path / "c.key.pem", "key", "register").code == 0
    r = run("--key-file", tmp_path / "c.key.pem", "case", "open", "SMP-2026-099", "--title", "t")
    assert r.code == 4 and "not yet approved" in r.err, r
    approve_as_creator(env, load_signer(tmp_path / "c.key.pem", b"third passphrase").fingerprint)
    assert run("--key-file", tmp_path / "c.key.pem", "case", "open", "SMP-2026-099", "--title", "t").code == 0


def approve_as_creator(env, fingerprint: str) -> None:
    """The store's creator (the `ready` fixture's key) approves another key."""
    import evidence

    creator_key = json.loads((env["config"] / "config.json").read_text())["default_key"]
    with evidence.Evidence.open(key_file=creator_key, passphrase=PASSPHRASE.encode()) as ev:
        ev.approve_key(fingerprint)


def test_load_signer_errors(tmp_path):
    with pytest.raises(NoKey):
        load_signer(None, b"x")
    (tmp_path / "junk.key.pem").write_text("not a key")
    with pytest.raises(NoKey):
        load_signer(tmp_path / "junk.key.pem", b"x")


def test_identity_and_config_files_match_their_schemas(ready):
    import json

    from evidence.schemas import schema_errors

    ident = next((ready["config"] / "keys").glob("*.json"))
    assert schema_errors(json.loads(ident.read_text()), "key-identity") == []
    cfg = json.loads((ready["config"] / "config.json").read_text())
    assert schema_errors(cfg, "user-config") == [] and cfg["default_key"].endswith(".key.pem")
