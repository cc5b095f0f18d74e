"""Benchmark: how long unlocking a private key takes at the new work factor against the old (a script, not a test).

Makes one Ed25519 key, writes it encrypted twice in the same run -- as ``cryptography``'s
``BestAvailableEncryption`` wrote keys before (PBKDF2-HMAC-SHA256, 2,048 iterations) and as
``evidence.keys`` writes them now (PBKDF2-HMAC-SHA256, ``KDF_ITERATIONS`` = 600,000) -- then times
``load_pem_private_key`` on each, the median of ``--runs`` unlocks, and prints the ratio.

    .venv/bin/python bench/bench_key_workfactor.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from evidence.keys import KDF_ITERATIONS, encrypt_private_key  # noqa: E402

PASSPHRASE = b"bench passphrase"


def unlock_seconds(pem: bytes, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        serialization.load_pem_private_key(pem, password=PASSPHRASE)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    key = Ed25519PrivateKey.generate()
    old = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(PASSPHRASE))
    t0 = time.perf_counter()
    new = encrypt_private_key(key, PASSPHRASE)
    made = time.perf_counter() - t0
    old_s, new_s = unlock_seconds(old, args.runs), unlock_seconds(new, args.runs)
    print(f"unlock, old (PBKDF2-SHA256, 2,048 iterations):      {old_s * 1000:9.2f} ms (median of {args.runs})")
    print(f"unlock, new (PBKDF2-SHA256, {KDF_ITERATIONS:,} iterations): {new_s * 1000:9.2f} ms (median of {args.runs})")
    print(f"making the new key file once:                       {made * 1000:9.2f} ms")
    print(f"ratio new/old unlock: {new_s / old_s:.0f}x (an attacker guessing passphrases pays the same factor)")


if __name__ == "__main__":
    main()
