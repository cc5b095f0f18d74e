"""Merkle trees of the custody log (writing side): hashes, appends, roots and proofs.

The custody log's entries, in order, are the leaves of a Merkle Tree as defined in
RFC 6962 §2.1 and RFC 9162 §2.1 (the Merkle Tree Hash, MTH):

* ``MTH({}) = SHA-256()`` (the hash of the empty string);
* leaf hash ``MTH({d(0)}) = SHA-256(0x00 || d(0))``;
* for ``n > 1``, with ``k`` the largest power of two smaller than ``n``,
  ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``.

Storage model
=============

Only hashes of *perfect* subtrees are stored: the node at ``(level, index)`` is the
MTH of the ``2**level`` leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0
holds the leaf hashes. Such a node never changes once all its leaves exist, so a store
can persist it once (in SQLite, say) and never update it. :func:`append_nodes` says
which nodes one append creates (at most ``log2(n) + 1``, amortised two).

Every other hash -- the root of a tree whose size is not a power of two, or a
right-edge subtree of a proof -- is the MTH of a range ``[start, end)`` with ``start``
aligned, which is the right fold of the perfect subtrees of the binary decomposition of
``end - start`` (RFC 9162 §2.1.1 splits at the largest power of two, which is the
largest term of that decomposition). So any root, and any inclusion or consistency
proof for any tree size up to the current one, needs ``O(log n)`` node lookups.

The verifying side (:mod:`evidence.verify.merkle`) is a separate implementation that
shares no code with this module.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Protocol

from ..errors import InputError

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "NodeSource",
    "append_nodes",
    "root",
    "inclusion_proof",
    "consistency_proof",
    "MemoryTree",
]

HASH_SIZE = 32
#: MTH of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """Leaf hash ``SHA-256(0x00 || entry)`` (RFC 6962 §2.1, RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + bytes(entry)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node hash ``SHA-256(0x01 || left || right)`` (RFC 6962 §2.1, RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class NodeSource(Protocol):
    """Where perfect-subtree hashes are kept (a dict, an SQLite table, ...)."""

    def node(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree at ``level`` covering leaves
        ``[index * 2**level, (index + 1) * 2**level)``; level 0 is the leaf hashes.

        Raise ``KeyError`` (or :class:`~evidence.errors.InputError`) if it does not exist.
        """
        ...


# --------------------------------------------------------------------------- helpers


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be an integer, not {type(value).__name__}")
    if value < 0:
        raise InputError(f"{name} must not be negative (got {value})")
    return value


def _largest_power_of_two_below(n: int) -> int:
    """The ``k`` of RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(source: NodeSource, level: int, index: int) -> bytes:
    try:
        value = source.node(level, index)
    except KeyError:
        first = index << level
        raise InputError(
            f"Merkle node (level {level}, index {index}) is missing: the tree does not hold "
            f"leaves {first}..{first + (1 << level) - 1}"
        ) from None
    if len(value) != HASH_SIZE:
        raise InputError(f"Merkle node (level {level}, index {index}) is {len(value)} bytes, want {HASH_SIZE}")
    return value


def _range_hash(start: int, end: int, source: NodeSource) -> bytes:
    """MTH of leaves ``[start, end)``, where ``start`` is a multiple of the largest power
    of two not above ``end - start`` (true of every subtree RFC 9162 §2.1.1 recurses into).

    The range is cut into the perfect subtrees of the binary decomposition of its size,
    largest first, and folded from the right: ``O(log n)`` lookups.
    """
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    parts: list[bytes] = []
    pos = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            parts.append(_perfect(source, level, pos >> level))
            pos += 1 << level
    acc = parts[-1]
    for left in reversed(parts[:-1]):
        acc = node_hash(left, acc)
    return acc


# --------------------------------------------------------------------------- public API


def append_nodes(size: int, leaf: bytes, source: NodeSource) -> list[tuple[int, int, bytes]]:
    """The perfect subtrees created by appending leaf hash ``leaf`` to a tree of ``size`` leaves.

    Returns every ``(level, index, hash)`` to persist, starting with ``(0, size, leaf)``:
    the new leaf completes one perfect subtree per trailing one bit of ``size`` (each is
    ``node_hash(left sibling, new subtree)``, RFC 9162 §2.1.1). ``O(log n)`` lookups.
    """
    size = _check_count("tree size", size)
    if not isinstance(leaf, (bytes, bytearray)) or len(leaf) != HASH_SIZE:
        raise InputError(f"a leaf hash must be {HASH_SIZE} bytes (hash the entry with leaf_hash first)")
    current = bytes(leaf)
    out = [(0, size, current)]
    level, index = 0, size
    while index & 1:
        current = node_hash(_perfect(source, level, index - 1), current)
        level += 1
        index >>= 1
        out.append((level, index, current))
    return out


def root(size: int, source: NodeSource) -> bytes:
    """MTH of the first ``size`` leaves (RFC 9162 §2.1.1), from perfect-subtree hashes.

    Works for any ``size`` up to the number of leaves ``source`` holds (the root of an
    earlier checkpoint, too). ``O(log n)`` lookups.
    """
    size = _check_count("tree size", size)
    return _range_hash(0, size, source)


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """Inclusion proof ``PATH(index, D[size])`` of RFC 9162 §2.1.3.1 (RFC 6962 §2.1.1).

    The list runs from the leaf's sibling up to the child of the root. Every node of the
    path is a perfect subtree except at most one right-edge subtree, so this needs
    ``O(log n)`` lookups.
    """
    index = _check_count("leaf index", index)
    size = _check_count("tree size", size)
    if index >= size:
        raise InputError(f"leaf index {index} is beyond tree size {size} (indexes start at 0)")
    path: list[bytes] = []
    lo, hi = 0, size
    # Walk down from the root: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k,
    # else PATH(m - k, D[k:n]) : MTH(D[0:k]); collected top-down, returned bottom-up.
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            path.append(_range_hash(lo + k, hi, source))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, source))
            lo += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, source: NodeSource) -> list[bytes]:
    """Consistency proof ``PROOF(old_size, D[new_size])`` of RFC 9162 §2.1.4.1 (RFC 6962 §2.1.2).

    ``SUBPROOF(m, D[m], true) = {}``, ``SUBPROOF(m, D[m], false) = {MTH(D[m])}``; for
    ``m < n``, with ``k`` the largest power of two below ``n``: ``SUBPROOF(m, D[0:k], b) :
    MTH(D[k:n])`` if ``m <= k``, else ``SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])``.

    Returns ``[]`` when ``old_size`` is 0 or equals ``new_size`` (nothing to prove; note
    that :func:`evidence.verify.merkle.verify_consistency` refuses ``old_size == 0 <
    new_size``, which RFC 9162 §2.1.4.2 leaves undefined). ``O(log n)`` lookups.
    """
    m = _check_count("old tree size", old_size)
    n = _check_count("new tree size", new_size)
    if m > n:
        raise InputError(f"old tree size {m} is larger than new tree size {n}")
    if m == 0 or m == n:
        return []
    path: list[bytes] = []
    lo, hi, whole = 0, n, True
    while True:
        if m == hi:
            if not whole:
                path.append(_range_hash(lo, hi, source))
            break
        k = _largest_power_of_two_below(hi - lo)
        if m - lo <= k:
            path.append(_range_hash(lo + k, hi, source))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, source))
            lo += k
            whole = False
    path.reverse()
    return path


class MemoryTree:
    """A Merkle tree whose perfect-subtree hashes live in a dict (a :class:`NodeSource`).

    Used by tests and by pack builders::

        tree = MemoryTree()
        for entry in entries:
            tree.append(entry)
        tree.root(), tree.inclusion_proof(3), tree.consistency_proof(5)
    """

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0
        for entry in entries:
            self.append(entry)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def node(self, level: int, index: int) -> bytes:
        """Perfect-subtree hash (the :class:`NodeSource` protocol); ``KeyError`` if absent."""
        return self._nodes[(level, index)]

    def append(self, entry: bytes) -> bytes:
        """Append the entry bytes as the next leaf; return its leaf hash."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: bytes) -> bytes:
        """Append an already computed leaf hash (``SHA-256(0x00 || entry)``); return it."""
        for level, index, value in append_nodes(self._size, leaf, self):
            self._nodes[(level, index)] = value
        self._size += 1
        return bytes(leaf)

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        index = _check_count("leaf index", index)
        if index >= self._size:
            raise InputError(f"leaf index {index} is beyond tree size {self._size}")
        return self._nodes[(0, index)]

    def _size_arg(self, size: int | None, name: str = "tree size") -> int:
        if size is None:
            return self._size
        size = _check_count(name, size)
        if size > self._size:
            raise InputError(f"{name} {size} is larger than the tree ({self._size} leaves)")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all)."""
        return root(self._size_arg(size), self)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of leaf ``index`` in the tree of ``size`` leaves (default: all)."""
        return inclusion_proof(index, self._size_arg(size), self)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Consistency proof from ``old_size`` to ``new_size`` leaves (default: all)."""
        return consistency_proof(old_size, self._size_arg(new_size, "new tree size"), self)
