"""What a pack carries to prove its custody entries and records: a checkpoint, inclusion proofs, tokens."""

from __future__ import annotations

from ..log.writer import dumps_proofs
from ..schemas import validate

__all__ = ["custody_proofs", "record_timestamps"]


def custody_proofs(log, seqs: list[int]) -> tuple[dict[str, bytes], str | None]:
    """Pack files proving entries ``seqs`` (checkpoint, proofs, the checkpoint's token) and who signed it."""
    got = log.inclusion_proofs(seqs)
    if got is None:
        return {}, None
    validate(got["proofs"], "pack-proofs", what="the pack's inclusion proofs")
    files = {"custody/checkpoint.txt": got["note"], "custody/proofs.json": dumps_proofs(got["proofs"])}
    tok = log.timestamps.granted(f"checkpoint:{got['size']}")
    if tok:
        files["custody/checkpoint.tsr"] = tok
    return files, log.note_signer(got["note"])


def record_timestamps(log, exhibits: dict[str, str]) -> dict[str, bytes]:
    """Tokens over the exhibits' records (exhibit id -> item id), and the TSA root to check them with."""
    files = {}
    for eid, item_id in exhibits.items():
        tok = log.timestamps.granted(f"item:{item_id}")
        if tok:
            files[f"timestamps/{eid}.tsr"] = tok
    if log.timestamps.configured():
        files["timestamps/tsa-root.pem"] = log.timestamps.roots()  # for SHA256SUMS.tsr and checkpoint.tsr too
    return files
