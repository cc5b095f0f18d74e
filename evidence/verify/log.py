"""Checks of the custody log as a Merkle tree, of its signed checkpoints, and of trusted timestamps.

Independent of the writing side: the Merkle roots are recomputed here from the
raw entry bytes (RFC 6962 hashing, one pass, a stack of perfect subtrees), the
checkpoints are parsed and their signatures checked by :mod:`evidence.verify.note`,
and timestamp tokens by :mod:`evidence.verify.timestamps`.

What this catches: a checkpoint whose signature does not verify or whose key is
unknown; a log shorter than a checkpoint already signed (entries deleted from the
end, even with their checkpoints, when checked ``--since`` an exported
checkpoint); a log whose entries before a checkpoint were rewritten (root
mismatch); a token that does not match its record or checkpoint.
"""

from __future__ import annotations

import base64
import hashlib

from .merkle import ProofError, leaf_hash, node_hash, verify_consistency
from .note import NoteError, verify_note

__all__ = ["verify_log", "RootStack", "note_keys"]


class RootStack:
    """Merkle tree hash of a growing list of leaves, one leaf at a time (RFC 6962 MTH)."""

    def __init__(self):
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left to right

    def push(self, leaf: bytes) -> None:
        h, height = leaf, 0
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            h = node_hash(left, h)
            height += 1
        self._stack.append((height, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def note_keys(ring) -> dict:
    """Known signed-note keys: ``evidence-<first 16 hex of fingerprint>`` -> public key."""
    return {"evidence-" + fp.split(":", 1)[1][:16]: key for fp, key in ring.keys.items()}


def _b64(root: bytes) -> str:
    return base64.b64encode(root).decode("ascii")


def _claimed_size(note: bytes) -> int | None:
    try:
        return int(note.split(b"\n")[1])
    except (IndexError, ValueError):
        return None


def _check_nodes(store, report, entries: list[bytes]) -> None:
    """Every stored Merkle node against the one recomputed from the entries (level 0 = leaves)."""
    level = [leaf_hash(e) for e in entries]
    want: dict[tuple[int, int], bytes] = {}
    height = 0
    while level:
        for i, h in enumerate(level):
            want[(height, i)] = h
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        height += 1
    have = {(r["level"], r["idx"]): bytes(r["hash"]) for r in store.merkle_nodes()}
    for key in sorted(set(want) | set(have)):
        if key not in have:
            if key[1] * (1 << key[0]) + (1 << key[0]) <= len(entries):
                report.add(f"Merkle node {key}", "is missing from the store", "merkle-node")
        elif key not in want:
            report.add(f"Merkle node {key}", "is stored but no entries make it", "merkle-node")
        elif have[key] != want[key]:
            report.add(f"Merkle node {key}", "differs from the hash recomputed from the custody entries", "merkle-node")
    report.counts["merkle_nodes"] = len(have)


def verify_log(store, report, ring, entries: list[bytes], *, since: bytes | None = None,
               since_proof: dict | None = None, witness: tuple[str, bytes] | None = None) -> None:
    known = note_keys(ring)
    origin = f"evidence.store/{store.meta.get('store_id')}"
    n = len(entries)

    def check_note(where: str, note: bytes) -> dict | None:
        try:
            cp = verify_note(note, known)
        except NoteError as exc:
            report.add(where, f"does not verify: {exc}", "checkpoint-bad")
            return None
        if cp["origin"] != origin:
            report.add(where, f"is for another log ({cp['origin']})", "checkpoint-origin")
            return None
        return cp

    wanted: dict[int, list[tuple[str, bytes]]] = {}  # size -> [(where, root claimed)]
    stored = store.checkpoints()
    latest = None
    for row in stored:
        where = f"checkpoint of size {row['size']}"
        cp = check_note(where, bytes(row["note"]))
        if cp is None:
            continue
        signed_time = next((x[5:] for x in cp.get("extensions", []) if x.startswith("time ")), None)
        if (cp["size"] != row["size"] or bytes(row["root"]) != cp["root"] or row["created_utc"] != signed_time
                or row["signer"] not in ring.keys
                or "evidence-" + str(row["signer"]).split(":", 1)[-1][:16] not in cp.get("signers", [])):
            report.add(where, "its columns disagree with the signed note", "checkpoint-columns")
        wanted.setdefault(cp["size"], []).append((where, cp["root"]))
        latest = cp
    _witness_claim(report, witness, n, stored, wanted, check_note)
    since_cp = None
    if since is not None:
        since_cp = check_note("the checkpoint given with --since", since)
        if since_cp is not None:
            wanted.setdefault(since_cp["size"], []).append(("the checkpoint given with --since", since_cp["root"]))

    stack = RootStack()
    roots: dict[int, bytes] = {}
    if 0 in wanted:
        roots[0] = stack.root()
    for entry in entries:
        stack.push(leaf_hash(entry))
        if stack.size in wanted:
            roots[stack.size] = stack.root()
    for size, claims in sorted(wanted.items()):
        for where, claimed in claims:
            if size > n:
                report.add(where, f"covers {size} entries but the log now has only {n}: "
                                  f"entries {n + 1}..{size} were removed (log truncated)", "log-truncated")
            elif roots[size] != claimed:
                report.add(where, f"root {_b64(claimed)} differs from the log's root at size {size} "
                                  f"({_b64(roots[size])}): entries before it were rewritten", "log-rewritten")
    if since_cp is not None and since_cp["size"] <= n and roots.get(since_cp["size"]) == since_cp["root"]:
        report.notes.append(f"the log extends the checkpoint given with --since (size {since_cp['size']} -> {n}): "
                            "its root was recomputed from the entries")
    _check_since(report, since_cp, since_proof, n)
    if latest is not None:
        report.checkpoint = {"size": latest["size"], "root": _b64(latest["root"])}
        if latest["size"] < n:
            report.notes.append(f"{n - latest['size']} custody entr{'y is' if n - latest['size'] == 1 else 'ies are'} "
                                "newer than the latest signed checkpoint (it is signed after the next command)")
    elif n:
        report.notes.append("no signed checkpoint yet")
    report.counts["checkpoints"] = len(stored)
    _check_nodes(store, report, entries)
    _verify_timestamps(store, report)


def _witness_claim(report, witness: tuple[str, bytes] | None, n: int, stored: list, wanted: dict, check_note) -> None:
    """The checkpoint witnessed outside the store: the log must still extend it (else it was rolled back)."""
    if witness is None:
        return
    witness_cp = None
    where_w = f"the checkpoint witnessed outside the store ({witness[0]})"
    claimed = _claimed_size(witness[1])
    if claimed is not None and claimed > n:
        # said before the signature is checked: the key that signed it may be one the older copy never knew
        report.add(where_w, f"covers {claimed} entries but the log now has only {n}: the store was rolled back "
                            "to an older copy, or entries were removed from its end", "log-rolled-back")
    else:
        witness_cp = check_note(where_w, witness[1])
    if witness_cp is not None:
        if witness_cp["size"] > n:
            report.add(where_w, f"covers {witness_cp['size']} entries but the log now has only {n}: the store was "
                                "rolled back to an older copy, or entries were removed from its end", "log-rolled-back")
        elif witness_cp["size"] not in {r["size"] for r in stored}:
            report.add(where_w, f"(size {witness_cp['size']}) is missing from the store's own checkpoints "
                                "(deleted?)", "checkpoint-missing")
            wanted.setdefault(witness_cp["size"], []).append((where_w, witness_cp["root"]))
        else:
            wanted.setdefault(witness_cp["size"], []).append((where_w, witness_cp["root"]))


def _check_since(report, since_cp: dict | None, since_proof: dict | None, n: int) -> None:
    """The consistency proof (RFC 9162 2.1.4.2) from the checkpoint given with --since to the latest one."""
    if since_cp is not None and since_cp["size"] <= n:
        # and the consistency proof a third party would check (RFC 9162 2.1.4.2), from the exported
        # checkpoint to the latest one, whose root is checked against the entries above
        where = "the checkpoint given with --since"
        if since_proof is None:
            report.add(where, "no consistency proof to the latest checkpoint could be made", "consistency-bad")
        else:
            try:
                verify_consistency(since_cp["size"], since_proof["new_size"], since_cp["root"],
                                   since_proof["new_root"], since_proof["proof"])
            except ProofError as exc:
                report.add(where, f"consistency proof to size {since_proof['new_size']} fails: {exc}",
                           "consistency-bad")
            else:
                report.notes.append(f"consistency proof {since_cp['size']} -> {since_proof['new_size']} "
                                    f"({len(since_proof['proof'])} hashes) verifies")


def _verify_timestamps(store, report) -> None:
    rows = store.timestamps()
    if not rows:
        return
    from .tsa import TimestampInvalid, verify_timestamp

    roots = (store.setting("tsa.root") or "").encode("ascii")
    checked = pending = 0
    checkpoints = {c["size"]: bytes(c["note"]) for c in store.checkpoints()}
    for row in rows:
        subject = row["subject"]
        where = f"timestamp of {subject} from {row['tsa_url']}"
        if row["status"] != "granted":
            pending += 1
            continue
        kind, _, ident = subject.partition(":")
        if kind == "item":
            irow = store.item(ident)
            data = bytes(irow["record"]) if irow else None
        elif kind == "checkpoint":
            data = checkpoints.get(int(ident))
        else:
            data = None  # tokens over packs' SHA256SUMS: the data travels in the pack
        if data is None:
            if kind in ("item", "checkpoint"):
                report.add(where, "what it timestamps is missing from the store", "timestamp-orphan")
            continue
        if "sha256:" + hashlib.sha256(data).hexdigest() != row["data_hash"]:
            report.add(where, "the data it was requested for has changed", "timestamp-data")
        if not roots:
            report.add(where, "no tsa.root is configured to check it against", "timestamp-root")
            continue
        try:
            verify_timestamp(bytes(row["response"]), data, roots)
            checked += 1
        except TimestampInvalid as exc:
            report.add(where, f"does not verify: {exc}", "timestamp-bad")
    report.counts["timestamps"] = checked
    if pending:
        report.notes.append(f"{pending} trusted timestamp(s) pending: run `evidence timestamp --pending`")
