"""The private key (issue 9, hardening): modern work factor read by real openssl, old keys still load,
a minimum passphrase length, file modes whatever the umask, the passphrase kept from child processes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import PASSPHRASE, descendant_pids, make_png
from evidence.errors import InputError
from evidence.keys import KDF_ITERATIONS, MIN_PASSPHRASE, create_key, fingerprint, load_signer, public_pem

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
PW = b"a long enough passphrase"


@needs_openssl
def test_new_key_uses_pbkdf2_sha256_at_600000_and_openssl_reads_it(env, tmp_path):
    key_file = tmp_path / "k.key.pem"
    signer = create_key("A. Investigator", "a@uni.example", "investigator", PW, key_file=key_file, make_default=False)
    parsed = subprocess.run([OPENSSL, "asn1parse", "-in", str(key_file)], capture_output=True, text=True, check=True).stdout
    assert ":PBES2" in parsed and ":PBKDF2" in parsed and ":hmacWithSHA256" in parsed and ":aes-256-cbc" in parsed
    iterations = [int(m, 16) for m in re.findall(r"prim: INTEGER\s+:([0-9A-F]+)", parsed)]
    assert iterations and iterations[0] >= 600_000 and KDF_ITERATIONS >= 600_000
    pass_file = tmp_path / "pass.txt"
    pass_file.write_bytes(PW + b"\n")
    der = subprocess.run([OPENSSL, "pkey", "-in", str(key_file), "-passin", f"file:{pass_file}", "-pubout",
                          "-outform", "DER"], capture_output=True, check=True).stdout
    assert "sha256:" + hashlib.sha256(der).hexdigest() == signer.fingerprint
    wrong = subprocess.run([OPENSSL, "pkey", "-in", str(key_file), "-passin", "pass:not the passphrase", "-noout"],
                           capture_output=True)
    assert wrong.returncode != 0


def test_a_key_made_at_the_old_work_factor_still_loads(env, tmp_path):
    key = Ed25519PrivateKey.generate()
    old_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(b"pw"))  # 2,048 iterations, short passphrase
    path = tmp_path / "old.key.pem"
    path.write_bytes(old_pem)
    fp = fingerprint(key.public_key())
    (tmp_path / "old.json").write_text(json.dumps({"name": "Old", "email": "o@uni.example", "role": "investigator",
                                                   "fingerprint": fp}))
    (tmp_path / "old.pub.pem").write_text(public_pem(key.public_key()))
    signer = load_signer(path, b"pw")
    assert signer.fingerprint == fp and signer.sign(b"x") == key.sign(b"x")


@pytest.mark.parametrize("short", [b"", b"pw", "elevenchars".encode(), "ÿÿÿÿÿÿÿÿÿÿÿ".encode()])
def test_a_new_key_needs_twelve_characters(env, tmp_path, short):
    with pytest.raises(InputError, match="passphrase"):
        create_key("A", "a@uni.example", "investigator", short, key_file=tmp_path / "s.key.pem")
    assert not (tmp_path / "s.key.pem").exists()
    create_key("A", "a@uni.example", "investigator", b"x" * MIN_PASSPHRASE, key_file=tmp_path / "ok.key.pem",
               make_default=False)


def test_cli_says_why_a_short_passphrase_is_refused(run, env, monkeypatch):
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", "short")
    r = run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example", "--role", "investigator")
    assert r.code == InputError.exit_code, r
    assert "at least 12" in r.err


@pytest.mark.parametrize("mask", [0o000, 0o077, 0o022])
def test_file_modes_do_not_depend_on_the_umask(run, env, tmp_path, mask):
    old = os.umask(mask)
    try:
        assert run("init").code == 0
        r = run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example", "--role", "investigator")
        assert r.code == 0, r
        r = run("case", "open", "SMP-2026-001", "--title", "t", "--subject", "s", "--complainant", "c")
        assert r.code == 0, r
        png = make_png(tmp_path / "a.png")
        r = run("import", png, "--case", "SMP-2026-001", "--received-from", "complainant",
                "--received-at", "2026-11-21T10:00Z")
        assert r.code == 0, r
    finally:
        os.umask(old)
    keys = env["config"] / "keys"
    modes = {p.name.split(".", 1)[1]: p.stat().st_mode & 0o777 for p in keys.iterdir()}
    assert modes == {"key.pem": 0o600, "pub.pem": 0o644, "json": 0o644}
    assert (env["config"] / "config.json").stat().st_mode & 0o777 == 0o600
    blobs = [p for p in (env["store"] / "artifacts" / "sha256").rglob("*") if p.is_file()]
    assert blobs and all(p.stat().st_mode & 0o777 == 0o444 for p in blobs)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_the_passphrase_is_not_in_the_environment_of_chromium_or_the_driver(env):
    from evidence.capture.page import SyncCapturer

    assert os.environ["EVIDENCE_PASSPHRASE"] == PASSPHRASE
    with SyncCapturer() as cap:
        procs = descendant_pids(os.getpid())
        environs = {}
        for pid in procs:
            try:
                environs[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes(), Path(f"/proc/{pid}/environ").read_bytes())
            except OSError:
                continue
        assert cap.version
    browsers = [p for p, (cmd, _) in environs.items() if b"chrom" in cmd.lower()]
    drivers = [p for p, (cmd, _) in environs.items() if b"node" in cmd.lower() or b"playwright" in cmd.lower()]
    assert browsers and drivers, {p: c[:120] for p, (c, _) in environs.items()}
    for pid, (cmd, environ) in environs.items():
        assert b"EVIDENCE_PASSPHRASE" not in environ, cmd[:200]
        assert PASSPHRASE.encode() not in environ, cmd[:200]
    assert os.environ["EVIDENCE_PASSPHRASE"] == PASSPHRASE  # restored for this process
