"""RFC 6962 / RFC 9162 Merkle trees: the writing side (evidence.merkle) against the
verifying side (evidence.verify.merkle) and against the transparency-dev/merkle vectors
in tests/data/vectors/rfc6962-merkle/ (Apache-2.0)."""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import random
from pathlib import Path

import pytest

from evidence.log import merkle
from evidence.errors import EvidenceError, InputError, IntegrityError
from evidence.verify import merkle as vmerkle
from evidence.verify.merkle import ProofError

VECTORS = Path(__file__).resolve().parent / "data" / "vectors" / "rfc6962-merkle"
TESTDATA = VECTORS / "testdata"
REFERENCE = json.loads((VECTORS / "reference-tree.json").read_text())
REF_LEAVES = [bytes.fromhex(h) for h in REFERENCE["leaf_inputs_hex"]]
REF_ROOTS = [bytes.fromhex(h) for h in REFERENCE["root_hashes_hex_by_size"]]
VECTOR_FILES = sorted(TESTDATA.rglob("*.json"))


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def entries(n: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(0, 40)) for _ in range(n)]


@pytest.fixture(scope="module")
def tree40() -> merkle.MemoryTree:
    return merkle.MemoryTree(entries(40))


@pytest.fixture(scope="module")
def tree1000() -> merkle.MemoryTree:
    return merkle.MemoryTree(entries(1000, seed=2))


# --------------------------------------------------------------------------- hashes, roots


def test_hash_functions_agree_and_match_rfc():
    assert merkle.EMPTY_ROOT == vmerkle.EMPTY_ROOT == hashlib.sha256(b"").digest() == REF_ROOTS[0]
    for data in (b"", b"\x00", b"abc" * 50):
        assert merkle.leaf_hash(data) == vmerkle.leaf_hash(data) == hashlib.sha256(b"\x00" + data).digest()
    left, right = merkle.leaf_hash(b"l"), merkle.leaf_hash(b"r")
    assert merkle.node_hash(left, right) == vmerkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    # RFC 6962 reference tree: the root of one leaf (the empty entry) is its leaf hash.
    assert merkle.leaf_hash(REF_LEAVES[0]) == REF_ROOTS[1]


@pytest.mark.parametrize("size", range(len(REF_ROOTS)))
def test_reference_roots(size):
    expected = REF_ROOTS[size]
    assert merkle.MemoryTree(REF_LEAVES[:size]).root() == expected
    full = merkle.MemoryTree(REF_LEAVES)
    assert full.root(size) == expected  # an earlier size, from the perfect subtrees of the full tree
    assert merkle.root(size, full) == expected
    assert vmerkle.root_from_leaves([vmerkle.leaf_hash(e) for e in REF_LEAVES[:size]]) == expected


def test_append_nodes_into_a_dict_gives_the_same_roots_for_every_size():
    nodes: dict[tuple[int, int], bytes] = {}

    class DictSource:
        def node(self, level: int, index: int) -> bytes:
            return nodes[(level, index)]

    source = DictSource()
    data = entries(301, seed=3)
    leaves = [vmerkle.leaf_hash(e) for e in data]
    for size in range(301):
        assert merkle.root(size, source) == vmerkle.root_from_leaves(leaves[:size]), size
        created = merkle.append_nodes(size, merkle.leaf_hash(data[size]), source)
        assert created[0] == (0, size, leaves[size])
        trailing_ones = (size ^ (size + 1)).bit_length() - 1
        assert len(created) == trailing_ones + 1
        for level, index, value in created:
            assert (level, index) not in nodes, "a perfect subtree is written once"
            assert (index + 1) << level == size + 1, "each new node ends at the new leaf"
            nodes[(level, index)] = value
    # Roots of every earlier size still come from the finished store.
    for size in range(302):
        assert merkle.root(size, source) == vmerkle.root_from_leaves(leaves[:size])


# --------------------------------------------------------------------------- vectors


def _run_vector(data: dict) -> None:
    proof = [b64(p) for p in data["proof"] or []]
    if "leafIdx" in data:
        vmerkle.verify_inclusion(b64(data["leafHash"]), data["leafIdx"], data["treeSize"], proof, b64(data["root"]))
    else:
        vmerkle.verify_consistency(data["size1"], data["size2"], b64(data["root1"]), b64(data["root2"]), proof)


def test_vector_files_are_present():
    kinds = {p.relative_to(TESTDATA).parts[0] for p in VECTOR_FILES}
    assert kinds == {"inclusion", "consistency"}
    assert len(VECTOR_FILES) >= 190


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[str(p.relative_to(TESTDATA)) for p in VECTOR_FILES])
def test_vector(path):
    data = json.loads(path.read_text())
    if data["wantErr"]:
        with pytest.raises(ProofError):
            _run_vector(data)
    else:
        _run_vector(data)


REFERENCE_VECTORS = [
    p
    for p in VECTOR_FILES
    if p.relative_to(TESTDATA).parts[1] in {"0", "1", "2", "3", "4"} and p.name == "happy-path.json"
]


@pytest.mark.parametrize("path", REFERENCE_VECTORS, ids=[str(p.relative_to(TESTDATA)) for p in REFERENCE_VECTORS])
def test_generated_proofs_equal_vector_proofs(path):
    data = json.loads(path.read_text())
    tree = merkle.MemoryTree(REF_LEAVES)
    want = [b64(p) for p in data["proof"] or []]
    if "leafIdx" in data:
        idx, size = data["leafIdx"], data["treeSize"]
        assert tree.leaf_hash(idx) == b64(data["leafHash"])
        assert tree.root(size) == b64(data["root"])
        assert tree.inclusion_proof(idx, size) == want
    else:
        m, n = data["size1"], data["size2"]
        assert tree.root(m) == b64(data["root1"])
        assert tree.root(n) == b64(data["root2"])
        assert tree.consistency_proof(m, n) == want


def test_reference_vectors_found():
    assert len(REFERENCE_VECTORS) == 10


# --------------------------------------------------------------------------- generated proofs


def test_all_proofs_up_to_40_verify(tree40):
    for n in range(1, 41):
        root_n = tree40.root(n)
        for i in range(n):
            vmerkle.verify_inclusion(tree40.leaf_hash(i), i, n, tree40.inclusion_proof(i, n), root_n)
        for m in range(1, n + 1):
            vmerkle.verify_consistency(m, n, tree40.root(m), root_n, tree40.consistency_proof(m, n))
        assert tree40.consistency_proof(0, n) == []
    assert tree40.consistency_proof(0, 0) == []
    vmerkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])


def test_random_proofs_up_to_1000_verify(tree1000):
    rng = random.Random(4)
    leaves = [tree1000.leaf_hash(i) for i in range(1000)]
    roots = {}

    def root_of(n: int) -> bytes:
        if n not in roots:
            roots[n] = tree1000.root(n)
        return roots[n]

    for n in rng.sample(range(1, 1001), 25):
        assert root_of(n) == vmerkle.root_from_leaves(leaves[:n])
    for _ in range(400):
        n = rng.randrange(1, 1001)
        i = rng.randrange(n)
        vmerkle.verify_inclusion(leaves[i], i, n, tree1000.inclusion_proof(i, n), root_of(n))
        m = rng.randrange(1, n + 1)
        vmerkle.verify_consistency(m, n, root_of(m), root_of(n), tree1000.consistency_proof(m, n))
    for n in (1000, 999, 513, 512, 511, 1):
        for i in {0, n // 2, n - 1}:
            vmerkle.verify_inclusion(leaves[i], i, n, tree1000.inclusion_proof(i, n), root_of(n))


def _flips(proof: list[bytes], every_bit: bool, rng: random.Random):
    for k, element in enumerate(proof):
        bits = range(len(element) * 8) if every_bit else [rng.randrange(len(element) * 8)]
        for bit in bits:
            changed = bytearray(element)
            changed[bit // 8] ^= 1 << (bit % 8)
            yield proof[:k] + [bytes(changed)] + proof[k + 1 :]


def test_flipping_any_bit_of_a_proof_fails(tree40):
    """Every bit of every element for trees up to 16 leaves; one random bit per element above."""
    rng = random.Random(5)
    for n in range(1, 41):
        every_bit = n <= 16
        root_n = tree40.root(n)
        for i in range(n):
            for bad in _flips(tree40.inclusion_proof(i, n), every_bit, rng):
                with pytest.raises(ProofError, match="root mismatch"):
                    vmerkle.verify_inclusion(tree40.leaf_hash(i), i, n, bad, root_n)
        for m in range(1, n):
            for bad in _flips(tree40.consistency_proof(m, n), every_bit, rng):
                with pytest.raises(ProofError, match="root mismatch"):
                    vmerkle.verify_consistency(m, n, tree40.root(m), root_n, bad)


def test_changing_index_or_size_fails(tree40):
    roots = [tree40.root(n) for n in range(41)]
    for n in range(1, 41):
        for i in range(n):
            proof = tree40.inclusion_proof(i, n)
            leaf = tree40.leaf_hash(i)
            for other in range(n):
                if other != i:
                    with pytest.raises(ProofError):
                        vmerkle.verify_inclusion(leaf, other, n, proof, roots[n])
            for other in range(i + 1, 41):  # each size checked against that size's true root
                if other != n:
                    with pytest.raises(ProofError):
                        vmerkle.verify_inclusion(leaf, i, other, proof, roots[other])
            with pytest.raises(ProofError, match="beyond size"):
                vmerkle.verify_inclusion(leaf, n, n, proof, roots[n])
        for m in range(1, n):
            proof = tree40.consistency_proof(m, n)
            for other in range(1, 41):
                if other != m and other <= n:
                    with pytest.raises(ProofError):
                        vmerkle.verify_consistency(other, n, roots[other], roots[n], proof)
                if other != n and other >= m:
                    with pytest.raises(ProofError):
                        vmerkle.verify_consistency(m, other, roots[m], roots[other], proof)
            with pytest.raises(ProofError):
                vmerkle.verify_consistency(m, n, roots[n], roots[m], proof)  # swapped roots


def test_inclusion_proof_does_not_bind_the_size_alone(tree40):
    """Documented RFC 9162 property: for leaf 0 the proofs for sizes 3 and 4 have the same
    shape, so a size-3 proof 'verifies' at size 4 against the size-3 root. Only the root
    (signed together with its size in a checkpoint) binds the size."""
    proof = tree40.inclusion_proof(0, 3)
    vmerkle.verify_inclusion(tree40.leaf_hash(0), 0, 4, proof, tree40.root(3))
    with pytest.raises(ProofError, match="root mismatch"):
        vmerkle.verify_inclusion(tree40.leaf_hash(0), 0, 4, proof, tree40.root(4))


# --------------------------------------------------------------------------- messages and errors


def test_proof_error_messages(tree40):
    proof = tree40.inclusion_proof(3, 8)
    leaf, root = tree40.leaf_hash(3), tree40.root(8)
    assert issubclass(ProofError, IntegrityError) and ProofError.exit_code == 8
    with pytest.raises(ProofError, match=r"wrong proof length: got 2, want 3"):
        vmerkle.verify_inclusion(leaf, 3, 8, proof[:2], root)
    with pytest.raises(ProofError, match=r"index 9 beyond size 8"):
        vmerkle.verify_inclusion(leaf, 9, 8, proof, root)
    with pytest.raises(ProofError, match=r"root mismatch"):
        vmerkle.verify_inclusion(leaf, 3, 8, proof, tree40.root(7))
    with pytest.raises(ProofError, match=r"proof element 1 is 31 bytes, want 32"):
        vmerkle.verify_inclusion(leaf, 3, 8, [proof[0], proof[1][:31], proof[2]], root)
    with pytest.raises(ProofError, match=r"leaf hash is 3 bytes"):
        vmerkle.verify_inclusion(b"abc", 3, 8, proof, root)
    with pytest.raises(ProofError, match=r"negative"):
        vmerkle.verify_inclusion(leaf, -1, 8, proof, root)
    cproof = tree40.consistency_proof(3, 8)
    with pytest.raises(ProofError, match=r"wrong proof length: got 5, want 4"):
        vmerkle.verify_consistency(3, 8, tree40.root(3), root, cproof + [cproof[0]])
    with pytest.raises(ProofError, match=r"size1 9 is greater than size2 8"):
        vmerkle.verify_consistency(9, 8, tree40.root(9), root, cproof)
    with pytest.raises(ProofError, match=r"empty proof"):
        vmerkle.verify_consistency(3, 8, tree40.root(3), root, [])
    with pytest.raises(ProofError, match=r"does not lead to root1"):
        vmerkle.verify_consistency(3, 8, tree40.root(4), root, cproof)
    with pytest.raises(ProofError, match=r"proves nothing"):
        vmerkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, root, [])


def test_writing_side_input_errors(tree40):
    assert issubclass(InputError, EvidenceError)
    with pytest.raises(InputError, match="leaf index 8 is beyond tree size 8"):
        tree40.inclusion_proof(8, 8)
    with pytest.raises(InputError, match="negative"):
        tree40.inclusion_proof(-1, 8)
    with pytest.raises(InputError, match="larger than the tree"):
        tree40.root(41)
    with pytest.raises(InputError, match="larger than the tree"):
        tree40.consistency_proof(3, 41)
    with pytest.raises(InputError, match="old tree size 9 is larger than new tree size 8"):
        tree40.consistency_proof(9, 8)
    with pytest.raises(InputError, match="must be an integer"):
        tree40.root(True)
    with pytest.raises(InputError, match="32 bytes"):
        merkle.append_nodes(0, b"short", tree40)
    # A NodeSource that lacks a node: a clear error, not a KeyError.
    small = merkle.MemoryTree(entries(5))
    with pytest.raises(InputError, match=r"missing.*leaves"):
        merkle.root(9, small)
    with pytest.raises(InputError, match=r"missing"):
        merkle.inclusion_proof(2, 9, small)


class CountingSource:
    def __init__(self, tree: merkle.MemoryTree):
        self.tree, self.lookups = tree, 0

    def node(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return self.tree.node(level, index)


def test_lookups_are_logarithmic(tree1000):
    rng = random.Random(6)
    source = CountingSource(tree1000)
    for _ in range(300):
        n = rng.randrange(1, 1001)
        bound = 2 * n.bit_length() + 2
        source.lookups = 0
        merkle.root(n, source)
        assert source.lookups <= n.bit_length()
        source.lookups = 0
        merkle.inclusion_proof(rng.randrange(n), n, source)
        assert source.lookups <= bound
        source.lookups = 0
        merkle.consistency_proof(rng.randrange(1, n + 1), n, source)
        assert source.lookups <= bound
    for size in range(1001):  # appending after `size` leaves reads one node per trailing one bit
        source.lookups = 0
        merkle.append_nodes(size, merkle.leaf_hash(b"x"), source)
        assert source.lookups == (size ^ (size + 1)).bit_length() - 1 <= max(size.bit_length(), 1)


# --------------------------------------------------------------------------- design rule


ALLOWED = {"evidence.digest", "evidence.canonical", "evidence.errors"}


@pytest.mark.parametrize("module", ["merkle.py", "note.py"])
def test_verify_side_imports_nothing_from_the_writing_side(module):
    path = Path(__file__).resolve().parents[1] / "evidence" / "verify" / module
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names = [f"evidence.verify.{node.module or ''}"]
            else:
                names = [node.module or ""]
                if node.module == "evidence":
                    names = [f"evidence.{a.name}" for a in node.names]
        for name in names:
            if name == "evidence" or name.startswith("evidence."):
                assert name in ALLOWED or name.startswith("evidence.verify"), f"{module} imports {name}"
