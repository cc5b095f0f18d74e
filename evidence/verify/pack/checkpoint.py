"""Steps 5-6: the checkpoint and inclusion proofs, and RFC 3161 timestamps."""

from __future__ import annotations

import base64
import re

from ...errors import InputError, IntegrityError
from ..merkle import ProofError, leaf_hash, verify_inclusion
from ..note import NoteError, verify_note
from ..tsa import verify_timestamp
from .context import CHECKPOINT, CHECKPOINT_TSR, MANIFEST, PROOFS, SUMS, SUMS_TSR, TSA_ROOT, _b64_32, _fp16, _one_line, _parse_object, _parse_utc


class CheckpointChecks:
    """Steps 5-6 (a part of the pack checker; state lives in CheckerBase)."""

    def check_checkpoint(self) -> None:
        m = self.manifest or {}
        cm = m.get("custody") if isinstance(m.get("custody"), dict) else {}
        for key, path in (("checkpoint", CHECKPOINT), ("proofs", PROOFS)):
            named = cm.get(key)
            if named not in (None, path):
                self.add(MANIFEST, f"custody.{key} is {named!r}, want {path} or null", "manifest-bad")
            if self.manifest is not None:
                if named and not self.present(path):
                    self.need(path, f"manifest.json's custody.{key} names it")
                elif not named and self.present(path):
                    self.add(path, f"is in the pack but manifest.json's custody.{key} is null", "manifest-mismatch")
        cp = self.files.get(CHECKPOINT)
        pr = self.files.get(PROOFS)
        if cp is None and pr is None:
            if self.entries:
                self.r.notes.append("the pack holds no checkpoint: its custody entries are not proved against the "
                                    "store's log")
            return
        note = None
        if cp is None:
            if CHECKPOINT not in self.unsafe:
                self.add(PROOFS, "is in the pack without the checkpoint (custody/checkpoint.txt) it proves against",
                         "checkpoint-bad")
        elif self.data(cp) is not None:
            note = self._note(cp.data)
        if pr is None:
            if PROOFS not in self.unsafe:
                self.add(PROOFS, "is missing: the custody entries cannot be proved against the checkpoint",
                         "proof-missing")
            return
        data = self.data(pr)
        if data is None:
            return
        doc, problem = _parse_object(data)
        if problem:
            self.add(PROOFS, problem, "proof-bad")
            return
        size = doc.get("checkpoint_size")
        root = _b64_32(doc.get("root"))
        if isinstance(size, bool) or not isinstance(size, int) or size < 0 or root is None:
            self.add(PROOFS, "checkpoint_size or root is malformed (want an integer and base64 of 32 bytes)",
                     "proof-bad")
            return
        if note is not None:
            if (note["size"], note["root"]) != (size, root):
                self.add(PROOFS, f"is for a tree of {size} entries with root {doc.get('root')}, but the checkpoint "
                         f"is of {note['size']} entries with root {base64.b64encode(note['root']).decode()}",
                         "proof-bad")
            size, root = note["size"], note["root"]
        self._check_proofs(doc.get("proofs"), size, root)

    def _check_proofs(self, proofs: object, size: int, root: bytes) -> None:
        """Every custody entry of the pack has an inclusion proof that verifies against (size, root)."""
        if not isinstance(proofs, list):
            self.add(PROOFS, "proofs is not a list", "proof-bad")
            return
        proved: set[int] = set()
        for i, p in enumerate(proofs):
            seq = p.get("seq") if isinstance(p, dict) else None
            if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
                self.add(PROOFS, f"proofs[{i}] has no valid seq", "proof-bad")
                continue
            where = f"custody/{seq:08d}.json"
            if seq in proved:
                self.add(PROOFS, f"proves custody entry {seq} twice", "proof-bad")
                continue
            proved.add(seq)
            if p.get("index") != seq - 1:
                self.add(where, f"its proof in custody/proofs.json has index {p.get('index')!r}, want {seq - 1}",
                         "proof-bad")
                continue
            raw_path = p.get("path")
            path = [_b64_32(x) for x in raw_path] if isinstance(raw_path, list) else None
            if path is None or any(x is None for x in path):
                self.add(where, "its proof in custody/proofs.json is not a list of base64 32-byte hashes", "proof-bad")
                continue
            entry = self.entries.get(seq)
            if entry is None and seq in self.withheld_entries:  # withheld from a redacted pack: its leaf is given
                self.r.count("proofs")
                try:
                    verify_inclusion(bytes.fromhex(self.withheld_entries[seq]["leaf"]), seq - 1, size, path, root)
                except ProofError as exc:
                    self.add(f"withheld custody entry {seq}", "its inclusion proof does not verify against the "
                             f"checkpoint: {exc}", "proof-bad")
                continue
            if entry is None:
                if where not in self.unsafe:
                    self.add(where, f"is missing: custody/proofs.json proves custody entry {seq}, but the pack does "
                             "not hold it (entry removed?)", "custody-missing")
                continue
            self.r.count("proofs")
            try:
                verify_inclusion(leaf_hash(entry["data"]), seq - 1, size, path, root)
            except ProofError as exc:
                self.add(where, f"its inclusion proof does not verify against the checkpoint: {exc}", "proof-bad")
        for seq in sorted(set(self.entries) | set(self.withheld_entries)):
            if seq not in proved:
                self.add(f"custody/{seq:08d}.json", "has no inclusion proof in custody/proofs.json", "proof-missing")

    def _note(self, data: bytes) -> dict | None:
        known = {f"evidence-{_fp16(fp)}": key for fp, key in self.ring.keys.items()}
        self.r.count("checkpoints")
        try:
            note = verify_note(data, known)
        except NoteError as exc:
            self.add(CHECKPOINT, f"{exc} (a checkpoint must be signed by a key in keys/, key name "
                     "evidence-<first 16 hex of its fingerprint>)", "checkpoint-bad")
            return None
        if self.store_id is not None and note["origin"] != f"evidence.store/{self.store_id}":
            self.add(CHECKPOINT, f"is a checkpoint of {note['origin']!r}, not of this pack's store "
                     f"(evidence.store/{self.store_id})", "checkpoint-bad")
        times = [x[5:] for x in note["extensions"] if x.startswith("time ")]
        if len(times) != 1 or _parse_utc(times[0]) is None:
            self.add(CHECKPOINT, "has no single 'time <RFC 3339 UTC>' extension line", "checkpoint-bad")
        if self.entries and note["size"] < max(self.entries):
            self.add(CHECKPOINT, f"covers {note['size']} entries, but the pack holds custody entry {max(self.entries)}",
                     "checkpoint-bad")
        signers = ", ".join(note["signers"])
        self.r.notes.append(f"checkpoint: {note['size']} entries{', at ' + times[0] if len(times) == 1 else ''}, "
                            f"signed by {signers}")
        return note

    # -- 6. timestamps ---------------------------------------------------------------------------------

    def check_timestamps(self) -> None:
        tsrs = sorted(p for p in self.files if p.endswith(".tsr"))
        root = self.files.get(TSA_ROOT)
        root_bad = False
        if root is not None and SUMS_TSR not in self.files:
            self.r.notes.append(f"{TSA_ROOT} is in the pack but {SUMS_TSR} is not: the pack as a whole carries no "
                                "trusted timestamp (SHA256SUMS.tsr is covered by no signature, so its absence cannot "
                                "be checked)")
        for path in tsrs:
            target = {SUMS_TSR: SUMS, CHECKPOINT_TSR: CHECKPOINT}.get(path)
            if target is None:
                mm = re.fullmatch(r"timestamps/([^/]+)\.tsr", path)
                target = f"records/{mm.group(1)}.json" if mm else None
            if target is None:
                self.add(path, "is a timestamp the pack format does not place here (it covers nothing)", "tsr-bad")
                continue
            tf = self.files.get(target)
            if tf is None:
                self.add(path, f"is the timestamp of {target}, which is not in the pack", "tsr-bad")
                continue
            if root is None:
                self.add(path, f"cannot be checked: {TSA_ROOT} (the timestamp authority's root) is missing", "tsr-bad")
                continue
            if root_bad:
                continue
            tsr_data, target_data, root_data = self.data(self.files[path]), self.data(tf), self.data(root)
            if tsr_data is None or target_data is None or root_data is None:
                continue
            self.r.count("timestamps")
            try:
                info = verify_timestamp(tsr_data, target_data, root_data)
            except InputError as exc:
                self.add(TSA_ROOT, f"cannot be used: {exc}", "tsr-bad")
                root_bad = True
                continue
            except IntegrityError as exc:
                self.add(path, f"is not a valid timestamp of {target}: {_one_line(exc)}", "tsr-bad")
                continue
            except Exception as exc:  # noqa: BLE001 - untrusted bytes: any failure to parse is a bad timestamp
                self.add(path, f"cannot be read as a timestamp of {target}: {_one_line(exc)}", "tsr-bad")
                continue
            self.r.notes.append(f"{target} was timestamped at {info['gen_time']} by {info['tsa']}")
