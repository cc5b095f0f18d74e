"""The one way anything is written: a signed custody entry, the Merkle tree, timestamps, a checkpoint.

Every state change of a store goes through :meth:`Log.write`, which

1. in one short transaction, appends the signed, hash-chained custody entry that states the
   change with its full facts (its Merkle leaf and perfect-subtree nodes are added in the same
   transaction, see :mod:`evidence.log.merkle`) and writes the table rows it implies,
   derived from the entry itself (:mod:`evidence.log.project`): the tables are a projection
   of the log, which ``evidence verify`` rebuilds and compares;
2. then, when timestamp authorities are configured, asks them for RFC 3161 tokens over the
   records taken in (:mod:`evidence.log.timestamps`);
3. then signs a checkpoint (C2SP signed note: origin ``evidence.store/<store id>``, tree
   size, root, an extension line ``time <RFC 3339 UTC>``) with the key named
   ``evidence-<first 16 hex of the signer's fingerprint>``, timestamps it too, and keeps a
   copy outside the store (the witness, :mod:`evidence.log.witness`), so a store rolled back
   to an older copy is caught by a plain ``evidence verify``.

Which keys may write is explicit: the key that created the store is trusted, and another key
only once a trusted supervisor or administrator (or the creator) has approved it
(``key.trusted``); an unapproved key may only register itself.

A TSA that is down or says no never loses evidence: the token is marked pending and
``evidence timestamp --pending`` retries.
"""

from __future__ import annotations

import base64
import json
from typing import Callable

from .. import clock
from ..digest import tag_hex
from ..errors import KeyNotRegistered, KeyNotTrusted
from ..keys import Signer
from . import entries, merkle, witness
from .checkpoint import format_checkpoint, sign_note
from .project import project
from .timestamps import Timestamper

__all__ = ["Log", "origin", "key_name"]


def origin(store_id: str) -> str:
    return f"evidence.store/{store_id}"


def key_name(fingerprint: str) -> str:
    return "evidence-" + tag_hex(fingerprint)[:16]


class _Nodes:
    """A merkle.NodeSource over the store's node lookup."""

    def __init__(self, lookup: Callable[[int, int], bytes]):
        self.node = lookup


def _merkle_hook(size: int, entry: bytes, lookup: Callable[[int, int], bytes]) -> list:
    return merkle.append_nodes(size, merkle.leaf_hash(entry), _Nodes(lookup))


class Log:
    """The custody log of one store, and everything that is written with it."""

    def __init__(self, store, signer: Callable[[], Signer], has_signer: Callable[[], bool], warnings: list[str]):
        self.store = store
        self._signer = signer
        self._has_signer = has_signer
        self.warnings = warnings
        self.timestamps = Timestamper(self)
        self._tree_ready = False

    # ------------------------------------------------------------ who writes
    def signer(self, *, trusted: bool = True) -> Signer:
        """The acting investigator's key, which must be registered in this store (and approved, ``trusted``)."""
        signer = self._signer()
        row = self.store.key(signer.fingerprint)
        if row is None:
            raise KeyNotRegistered(f"key {signer.fingerprint} ({signer.name}) is not registered in this store",
                                   hint="register it with `evidence key register`")
        if trusted and not row["trusted"]:
            raise KeyNotTrusted(f"key {signer.fingerprint} ({signer.name}) is registered but not yet approved in this "
                                "store", hint=f"ask a supervisor to run `evidence key approve {signer.fingerprint}`")
        return signer

    def can_sign(self) -> bool:
        return self._has_signer()

    # ------------------------------------------------------------ writing
    def write(self, action: str, *, subject: dict, case: str | None = None, item_id: str | None = None,
              details: dict | None = None, attach: dict | None = None, check: Callable[[], None] | None = None,
              signer: Signer | None = None, timestamp: list[tuple[str, bytes]] | None = None,
              checkpoint: bool = True) -> int:
        """Append the entry stating a change and write the rows it implies, in one transaction; then timestamp
        ``timestamp`` ((subject, bytes) pairs) and sign a checkpoint. Returns the entry's sequence number.

        ``check()`` runs first under the write lock (e.g. the case is still open); ``attach`` carries what the
        entry names by hash (``{"record": SignedRecord}``) for :func:`evidence.log.project.project`."""
        signer = signer or self.signer()
        self._grow_tree()
        with self.store.write() as tx:
            if check is not None:
                check()
            row = tx.append_custody(entries.builder(self.store.store_id, signer, action, subject=subject, case=case,
                                                    item_id=item_id, details=details))
            project(tx, json.loads(row.entry), attach)
        if checkpoint:
            self.after_write(timestamp, signer)
        return row.seq

    def after_write(self, timestamp: list[tuple[str, bytes]] | None = None, signer: Signer | None = None) -> None:
        """Timestamp new records, then sign (and timestamp) a checkpoint covering the log."""
        if signer is None:
            if not self.can_sign():
                return
            signer = self._signer()
        if self.timestamps.configured():
            for subject, data in timestamp or []:
                self.timestamps.request(subject, data, signer)
        cp = self.sign_checkpoint(signer)
        if cp is not None and self.timestamps.configured():
            self.timestamps.request(f"checkpoint:{cp['size']}", bytes(cp["note"]), signer, log_failure=False)

    # ------------------------------------------------------------ the Merkle tree and checkpoints
    def _grow_tree(self) -> None:
        """Make appends grow the Merkle tree (done before the first write, never by commands that only read)."""
        if not self._tree_ready:
            self.store.merkle_hook = _merkle_hook
            self._tree_ready = True

    def nodes(self):
        """The stored Merkle tree as a :class:`evidence.log.merkle.NodeSource`."""
        return _Nodes(self.store.merkle_node)

    def root(self, size: int) -> bytes:
        return merkle.root(size, _Nodes(self.store.merkle_node))

    def size(self) -> int:
        return self.store.custody_size()

    def origin(self) -> str:
        return origin(self.store.store_id)

    def sign_checkpoint(self, signer: Signer) -> dict | None:
        """Sign a checkpoint of the whole log unless the latest already covers it. Returns the latest."""
        store = self.store
        size = store.custody_size()
        latest = store.latest_checkpoint()
        if size == 0 or (latest and latest["size"] >= size):
            return latest
        r = self.root(size)
        now = clock.stamp()
        body = format_checkpoint(self.origin(), size, r, [f"time {now['utc']}"])
        note = sign_note(body, key_name(signer.fingerprint), signer.private_key)
        with store.write() as tx:
            tx.insert_checkpoint({"size": size, "note": note, "root": r, "created_utc": now["utc"],
                                  "signer": signer.fingerprint})
        witness.keep(store.store_id, size, note)
        return store.latest_checkpoint()

    def latest_checkpoint(self) -> dict | None:
        return self.store.latest_checkpoint()

    def export_checkpoint(self) -> bytes:
        """Log the export, sign a checkpoint covering it, and return that signed note."""
        self.write("checkpoint.exported", subject={"type": "checkpoint", "id": self.origin()},
                   details={"size_before": self.size()})
        return bytes(self.store.latest_checkpoint()["note"])

    def consistency_from(self, note: bytes) -> dict | None:
        """An RFC 9162 consistency proof from the size a checkpoint note states to the latest checkpoint.

        Only the note's size line is read here (the verifier checks the note itself); None when the note is
        unreadable or claims more entries than the store holds (the verifier reports that).
        """
        try:
            old = int(note.decode("utf-8").split("\n")[1])
        except (UnicodeDecodeError, IndexError, ValueError):
            return None
        latest = self.store.latest_checkpoint()
        if latest is None or old < 1 or old > latest["size"]:
            return None
        new = latest["size"]
        path = merkle.consistency_proof(old, new, _Nodes(self.store.merkle_node))
        return {"old_size": old, "new_size": new, "new_root": bytes(latest["root"]), "proof": path}

    def inclusion_proofs(self, seqs: list[int]) -> dict | None:
        """The checkpoint covering entries ``seqs`` and an inclusion proof of each, or None."""
        if not seqs:
            return None
        need = max(seqs)
        cp = next((c for c in self.store.checkpoints() if c["size"] >= need), None)
        if cp is None and self.can_sign() and not self.store.read_only:
            cp = self.sign_checkpoint(self._signer())
        if cp is None or cp["size"] < need:
            return None
        size = cp["size"]
        nodes = _Nodes(self.store.merkle_node)
        proofs = [{"seq": seq, "index": seq - 1,
                   "path": [base64.b64encode(p).decode("ascii") for p in merkle.inclusion_proof(seq - 1, size, nodes)]}
                  for seq in seqs]
        return {"note": bytes(cp["note"]), "size": size,
                "proofs": {"checkpoint_size": size, "root": base64.b64encode(bytes(cp["root"])).decode("ascii"),
                           "proofs": proofs}}

    def note_signer(self, note: bytes) -> str | None:
        """The fingerprint of the registered key whose key name signed ``note``."""
        text = note.decode("utf-8", "replace")
        for k in self.store.keys():
            if f"\u2014 {key_name(k['fingerprint'])} " in text:
                return k["fingerprint"]
        return None


def dumps_proofs(doc: dict) -> bytes:
    return json.dumps(doc, indent=1, sort_keys=True).encode("utf-8") + b"\n"
