#!/usr/bin/env python3
"""Check that every custody entry of this pack is in the custody log its signed checkpoint describes.

Run it from the unpacked pack's folder: python3 check-proofs.py
It needs only Python 3's standard library. For each custody/NNNNNNNN.json it takes the entry's exact bytes,
hashes them as a Merkle tree leaf (RFC 6962: SHA-256 of 0x00 + bytes), follows the entry's inclusion proof
in custody/proofs.json (RFC 9162, section 2.1.3.2) and compares the root it reaches with the root in
custody/checkpoint.txt (whose signature VERIFY.txt checks with openssl). Exit status 0: all proved.
"""
import base64
import hashlib
import json
import os
import sys


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(index, size, leaf_hash, path):
    """RFC 9162 2.1.3.2: the root reached from a leaf and its inclusion path (None if the proof is malformed)."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def main():
    note = open("custody/checkpoint.txt", "rb").read().decode("utf-8")
    origin, size, root = note.split("\n")[:3]
    size, root = int(size), base64.b64decode(root)
    proofs = json.load(open("custody/proofs.json"))
    bad = 0
    if proofs["checkpoint_size"] != size or base64.b64decode(proofs["root"]) != root:
        print("FAILED: custody/proofs.json is for another checkpoint than custody/checkpoint.txt")
        bad += 1
    by_seq = {p["seq"]: p for p in proofs["proofs"]}
    entries = sorted(f for f in os.listdir("custody") if f.endswith(".json") and f[:-5].isdigit())
    for name in entries:
        seq = int(name[:-5])
        proof = by_seq.get(seq)
        leaf = hashlib.sha256(b"\x00" + open("custody/" + name, "rb").read()).digest()
        got = None
        if proof is not None and proof["index"] == seq - 1:
            got = root_from_proof(proof["index"], size, leaf, [base64.b64decode(h) for h in proof["path"]])
        if got == root:
            print(f"OK      custody/{name} is entry {seq} of the log of {size} entries ({origin})")
        else:
            print(f"FAILED  custody/{name}: " + ("no proof for it" if proof is None else "its proof does not lead to the checkpoint's root"))
            bad += 1
    # entries withheld from a redacted pack (they name what was redacted): named by their leaf hash in manifest.json
    withheld = json.load(open("manifest.json"))["custody"].get("withheld", [])
    for w in withheld:
        seq, proof = w["seq"], by_seq.get(w["seq"])
        got = None
        if proof is not None and proof["index"] == seq - 1:
            got = root_from_proof(proof["index"], size, bytes.fromhex(w["leaf"]), [base64.b64decode(h) for h in proof["path"]])
        if got == root:
            print(f"OK      withheld entry {seq} (leaf {w['leaf'][:16]}…) is entry {seq} of the log of {size} entries")
        else:
            print(f"FAILED  withheld entry {seq}: " + ("no proof for it" if proof is None else "its proof does not lead to the checkpoint's root"))
            bad += 1
    entries = entries + withheld
    print(f"{len(entries) - bad} of {len(entries)} custody entries proved" if not bad else f"{bad} problem(s)")
    return 1 if bad or not entries else 0


if __name__ == "__main__":
    sys.exit(main())
