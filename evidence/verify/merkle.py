"""Merkle proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2), independent of the writing side.

This module deliberately re-implements the RFC 6962 / RFC 9162 hashes instead of
importing :mod:`evidence.merkle`, so that a bug on the writing side cannot be hidden
by the same bug here.

Hashes (RFC 9162 §2.1.1): leaf ``SHA-256(0x00 || entry)``, node
``SHA-256(0x01 || left || right)``, empty tree ``SHA-256()``.

Inputs that enter a hash (the leaf hash and every proof element) must be 32 bytes;
roots are only compared. Note that an inclusion proof alone does not bind the tree
size: the size must come from the same signed checkpoint as the root.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Sequence

from ..errors import ProofError

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "ProofError",
    "leaf_hash",
    "node_hash",
    "root_from_leaves",
    "verify_inclusion",
    "verify_consistency",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()



def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)`` (RFC 9162 §2.1.1)."""
    h = hashlib.sha256()
    h.update(b"\x00")
    h.update(entry)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    h = hashlib.sha256()
    h.update(b"\x01")
    h.update(left)
    h.update(right)
    return h.digest()


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, straight from the recursive definition of RFC 9162 §2.1.1."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return bytes(leaf_hashes[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(root_from_leaves(leaf_hashes[:k]), root_from_leaves(leaf_hashes[k:]))


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(bytes(a), bytes(b))


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{name} must be an integer, not {type(value).__name__}")
    if value < 0:
        raise ProofError(f"{name} {value} is negative")
    return value


def _check_elements(proof: Sequence[bytes]) -> list[bytes]:
    out = []
    for i, p in enumerate(proof):
        if not isinstance(p, (bytes, bytearray, memoryview)):
            raise ProofError(f"proof element {i} is not bytes ({type(p).__name__})")
        p = bytes(p)
        if len(p) != HASH_SIZE:
            raise ProofError(f"proof element {i} is {len(p)} bytes, want {HASH_SIZE}")
        out.append(p)
    return out


def _inclusion_length(index: int, size: int) -> int:
    """Length of PATH(index, D[size]): the levels below the point where the paths to
    ``index`` and to the last leaf part (inner), plus one per left sibling on the right
    border above it."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner + border


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes] | None, root: bytes) -> None:
    """Check that ``leaf`` (a leaf *hash*) is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    The algorithm of RFC 9162 §2.1.3.2, preceded by a length check for a clearer
    message. Returns ``None``; raises :class:`ProofError` naming the problem.
    """
    index = _check_int("leaf index", index)
    size = _check_int("tree size", size)
    if index >= size:  # step 1
        raise ProofError(f"index {index} beyond size {size}")
    if not isinstance(leaf, (bytes, bytearray, memoryview)) or len(leaf) != HASH_SIZE:
        got = len(leaf) if isinstance(leaf, (bytes, bytearray, memoryview)) else type(leaf).__name__
        raise ProofError(f"leaf hash is {got} bytes, want {HASH_SIZE}")
    path = _check_elements(proof or [])
    want = _inclusion_length(index, size)
    if len(path) != want:
        raise ProofError(f"wrong proof length: got {len(path)}, want {want}")

    fn, sn = index, size - 1  # step 2
    r = bytes(leaf)  # step 3
    for p in path:  # step 4
        if sn == 0:  # 4a
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    if sn != 0:  # step 5
        raise ProofError("proof is shorter than the path to the root")
    if not _same(r, root):
        raise ProofError("root mismatch: the proof does not lead to the given root")


def _consistency_length(size1: int, size2: int) -> int:
    """Length of PROOF(size1, D[size2]) for 0 < size1 < size2 (RFC 9162 §2.1.4.1)."""
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    index = size1 - 1
    inner = (index ^ (size2 - 1)).bit_length()
    border = bin(index >> inner).count("1")
    # The subtree of 2**shift leaves ending at size1 is a node of both trees: the proof
    # starts there (with its hash, unless size1 is exactly that subtree: step 2).
    return inner - shift + border + (0 if size1 == 1 << shift else 1)


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes] | None
) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends the tree of ``size1`` with ``root1``.

    * ``size1 == size2``: the proof must be empty and the roots equal (and, for size 0,
      equal to the empty-tree hash).
    * ``0 < size1 < size2``: the algorithm of RFC 9162 §2.1.4.2, preceded by a length
      check for a clearer message.
    * ``size1 == 0 < size2`` is refused: RFC 9162 §2.1.4.2 is defined only for
      ``0 < first < second``, and such a "proof" would accept any ``root2``.

    Returns ``None``; raises :class:`ProofError` naming the problem.
    """
    size1 = _check_int("size1", size1)
    size2 = _check_int("size2", size2)
    path = _check_elements(proof or [])
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == size2:
        if path:
            raise ProofError(f"wrong proof length: got {len(path)}, want 0 (sizes are equal)")
        if not _same(root1, root2):
            raise ProofError(f"root mismatch: sizes are equal ({size1}) but the roots differ")
        if size1 == 0 and not _same(root1, EMPTY_ROOT):
            raise ProofError("root mismatch: the root of the empty tree must be SHA-256 of the empty string")
        return
    if size1 == 0:
        raise ProofError(f"consistency from size 0 to size {size2} proves nothing (RFC 9162 needs 0 < size1)")
    if not path:  # step 1
        raise ProofError("empty proof: sizes differ, so a proof is needed")
    want = _consistency_length(size1, size2)
    if len(path) != want:
        raise ProofError(f"wrong proof length: got {len(path)}, want {want}")

    if size1 & (size1 - 1) == 0:  # step 2: size1 is an exact power of 2
        path = [bytes(root1)] + path
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:  # 6a
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    if sn != 0:  # step 7
        raise ProofError("proof is shorter than the path to the root")
    bad1 = not _same(fr, root1)
    bad2 = not _same(sr, root2)
    if bad1 and bad2:
        raise ProofError("root mismatch: the proof leads to neither root1 nor root2")
    if bad1:
        raise ProofError("root mismatch: the proof does not lead to root1")
    if bad2:
        raise ProofError("root mismatch: the proof does not lead to root2")
