"""Step 5: the custody entries: listed, signed, chained, of this case, covering every record."""

from __future__ import annotations

from ...digest import is_tag
from .context import CHECKPOINT, CHECKPOINT_TSR, CUSTODY_SCHEMA, INTAKE_ACTIONS, MANIFEST, PROOFS, _CUSTODY_FILE, _canonical_problem, _parse_object, _parse_utc, _str


class CustodyChecks:
    """Step 5 (a part of the pack checker; state lives in CheckerBase)."""

    # -- 5. custody ----------------------------------------------------------------------------------

    def check_custody(self) -> None:
        m = self.manifest or {}
        cm = m.get("custody") if isinstance(m.get("custody"), dict) else None
        if self.manifest is not None and cm is None:
            self.add(MANIFEST, "custody is not an object", "manifest-bad")
        jsons = self._custody_files()
        listed = self._custody_listed(cm, jsons)
        self._custody_entries(jsons, listed)
        self._custody_chain()
        self._custody_coverage()
        self._as_of()

    def _custody_files(self) -> dict[int, str]:
        """seq -> path of every custody/<seq>.json (custody/ holds nothing else but signatures)."""
        jsons: dict[int, str] = {}
        sigs: dict[int, str] = {}
        for path in sorted(self.files):
            if not path.startswith("custody/") or path in (CHECKPOINT, PROOFS, CHECKPOINT_TSR):
                continue
            mm = _CUSTODY_FILE.fullmatch(path)
            if not mm or int(mm.group(1)) == 0:
                self.add(path, "is not a file the pack format allows in custody/", "custody-bad")
                continue
            (jsons if mm.group(2) == "json" else sigs)[int(mm.group(1))] = path
        for seq, path in sigs.items():
            if seq not in jsons and f"custody/{seq:08d}.json" not in self.unsafe:
                self.add(path, f"is the signature of custody entry {seq}, which is not in the pack", "custody-missing")
        return jsons

    def _custody_listed(self, cm: dict | None, jsons: dict[int, str]) -> dict[int, dict]:
        """The manifest's list of custody entries, each checked against the files."""
        listed: dict[int, dict] = {}
        if cm is not None:
            entries = cm.get("entries")
            if not isinstance(entries, list):
                self.add(MANIFEST, "custody.entries is not a list", "manifest-bad")
                entries = []
            for i, e in enumerate(entries):
                seq = e.get("seq") if isinstance(e, dict) else None
                if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
                    self.add(MANIFEST, f"custody.entries[{i}] has no valid seq", "manifest-bad")
                    continue
                want = f"custody/{seq:08d}.json"
                if e.get("path") != want or e.get("signature") != f"custody/{seq:08d}.sig":
                    self.add(MANIFEST, f"custody entry {seq}: path/signature should be {want} and "
                             f"custody/{seq:08d}.sig", "manifest-bad")
                listed[seq] = e
                if seq not in jsons:
                    self.need(want, f"manifest.json lists custody entry {seq}")
            self._custody_withheld(cm.get("withheld"), jsons)
            for seq, path in jsons.items():
                if seq not in listed:
                    self.add(path, "is a custody entry manifest.json's custody.entries does not list",
                             "manifest-mismatch")
        return listed

    def _custody_withheld(self, withheld: object, jsons: dict[int, str]) -> None:
        """Entries a redacted pack withholds (they name a redacted term): each by seq, hash and Merkle leaf."""
        if withheld is None:
            return
        if not isinstance(withheld, list):
            self.add(MANIFEST, "custody.withheld is not a list", "manifest-bad")
            return
        for i, e in enumerate(withheld):
            seq = e.get("seq") if isinstance(e, dict) else None
            leaf = e.get("leaf") if isinstance(e, dict) else None
            if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1 or not is_tag(e.get("hash")) \
                    or not isinstance(leaf, str) or len(leaf) != 64 or seq in jsons:
                self.add(MANIFEST, f"custody.withheld[{i}] is not a withheld entry (seq, hash, 64-hex leaf, and no "
                         "file in custody/)", "manifest-bad")
                continue
            try:
                bytes.fromhex(leaf)
            except ValueError:
                self.add(MANIFEST, f"custody.withheld[{i}]: leaf is not hex", "manifest-bad")
                continue
            self.withheld_entries[seq] = {"hash": e["hash"], "leaf": leaf}

    def _custody_entries(self, jsons: dict[int, str], listed: dict[int, dict]) -> None:
        """Each entry: hash as listed, canonical JSON, schema, seq, signature; all from one store."""
        stores: dict[str, int] = {}
        for seq in sorted(jsons):
            path = jsons[seq]
            f = self.files[path]
            data = self.data(f)
            if data is None:
                continue
            self.r.count("custody_entries")
            where = path
            if seq in listed and listed[seq].get("hash") != f.sha256:
                self.add(where, f"custody entry {seq} hashes to {f.sha256}, manifest.json says "
                         f"{listed[seq].get('hash')!r}", "custody-hash")
            entry, problem = _parse_object(data)
            self.entries[seq] = {"path": path, "data": data, "hash": f.sha256, "entry": entry}
            if problem:
                self.add(where, f"custody entry {seq} {problem}", "custody-json")
                continue
            problem = _canonical_problem(data, entry)
            if problem:
                self.add(where, f"custody entry {seq} {problem}", "not-canonical")
            if entry.get("schema") != CUSTODY_SCHEMA:
                self.add(where, f"custody entry {seq} has schema {entry.get('schema')!r}", "custody-bad")
            if entry.get("seq") != seq:
                self.add(where, f"says it is custody entry {entry.get('seq')!r}, but its file name says {seq}",
                         "custody-seq")
            if isinstance(entry.get("store"), str):
                stores.setdefault(entry["store"], seq)
            actor = entry.get("actor")
            fp = actor.get("fingerprint") if isinstance(actor, dict) else None
            if self.check_sig(fp, f"custody/{seq:08d}.sig", data, where, "custody-signature", path):
                self.signed.add(seq)

        # the store
        if len(stores) > 1:
            self.add("custody/", "entries come from several stores: " + ", ".join(
                f"{sid} (from entry {seq})" for sid, seq in sorted(stores.items())), "custody-store")
        elif stores:
            sid = next(iter(stores))
            if self.store_id is not None and sid != self.store_id:
                self.add("custody/", f"entries are from store {sid}, the records from store {self.store_id}",
                         "custody-store")
            self.store_id = sid

    def _custody_chain(self) -> None:
        """Each entry follows the one before it, and belongs to this pack's case."""
        for seq in sorted(self.entries):
            e = self.entries[seq]["entry"]
            if e is None:
                continue
            where = self.entries[seq]["path"]
            prev = e.get("prev")
            if seq == 1:
                if prev is not None:
                    self.add(where, "is the first entry of the log but names a previous one", "custody-chain")
            elif seq - 1 in self.entries or seq - 1 in self.withheld_entries:
                want = (self.entries.get(seq - 1) or self.withheld_entries[seq - 1])["hash"]
                if prev != want:
                    self.add(where, f"custody entry {seq} does not follow entry {seq - 1}: its prev is {prev!r}, "
                             f"but custody/{seq - 1:08d}.json hashes to {want}", "custody-chain")
            elif not is_tag(prev):
                self.add(where, f"custody entry {seq} names no previous entry (prev {prev!r})", "custody-chain")
            case = e.get("case")
            subject = e.get("subject") if isinstance(e.get("subject"), dict) else {}
            if self.case_ref is not None and case is not None and case != self.case_ref:
                self.add(where, f"custody entry {seq} belongs to case {case!r}, not to this pack's case {self.case_ref}",
                         "custody-case")
            elif self.case_ref is not None and subject.get("type") == "item" and _str(subject.get("id")) in self.items \
                    and case != self.case_ref:
                self.add(where, f"custody entry {seq} is about item {subject.get('id')} of this case but names case "
                         f"{case!r}", "custody-case")
            if e.get("action") == "verify.run":
                self.r.notes.append(f"custody entry {seq} records a {e.get('action')}; packs normally leave those out")
        if self.entries:
            seqs = sorted(self.entries)
            gaps = [s for s in range(seqs[0], seqs[-1]) if s not in self.entries]
            if gaps:
                shown = ", ".join(map(str, gaps[:20])) + (" ..." if len(gaps) > 20 else "")
                self.r.notes.append(f"custody entries {shown} are not in the pack (other cases' entries, or records of "
                                    "verification runs, which packs leave out)")

    def _custody_coverage(self) -> None:
        """Every exhibit's intake, every allegation record and the case's opening have their custody entry."""
        parsed = [v["entry"] for v in self.entries.values() if v["entry"] is not None]

        def details(e: dict) -> dict:
            return e.get("details") if isinstance(e.get("details"), dict) else {}

        def subject(e: dict) -> dict:
            return e.get("subject") if isinstance(e.get("subject"), dict) else {}

        for item, label in sorted(self.items.items(), key=lambda kv: kv[1]):
            rh = self.item_records.get(item)
            found = [e for e in parsed if _str(e.get("action")) in INTAKE_ACTIONS and subject(e).get("type") == "item"
                     and subject(e).get("id") == item]
            if not found and self._intake_withheld(item, label, parsed):
                continue
            if not found:
                self.add(f"exhibit {label}", f"no custody entry in the pack records the intake of item {item} "
                         "(entry removed?)", "custody-missing")
            elif rh is not None and not any(details(e).get("record_hash") == rh for e in found):
                self.add(f"exhibit {label}", f"the custody entry recording the intake of item {item} names another "
                         f"record hash than {rh}", "custody-missing")
        for path, aid, event, rh in self.allegation_records:
            action = f"allegation.{event}"
            if not any(e.get("action") == action and subject(e).get("id") == aid
                       and details(e).get("record_hash") == rh for e in parsed):
                self.add(path, f"no custody entry in the pack records this {action} record (entry removed?)",
                         "custody-missing")
        if self.case_ref is not None and self.manifest is not None:
            if not any(e.get("action") == "case.opened" and subject(e).get("id") == self.case_ref for e in parsed):
                self.add(f"case {self.case_ref}", "no custody entry in the pack records the case being opened "
                         "(entry removed?)", "custody-missing")

    def _intake_withheld(self, item: str, label: str, parsed: list[dict]) -> bool:
        """A withheld record's intake entry is withheld too: an item.redacted entry of the pack names both (the
        record's hash and the entry's seq and hash), and the withheld entry is proved by its leaf."""
        rh = self.withheld_records.get(label)
        if rh is None:
            return False
        for e in parsed:
            d = e.get("details") if isinstance(e.get("details"), dict) else {}
            oe = d.get("original_entry") if isinstance(d.get("original_entry"), dict) else {}
            w = self.withheld_entries.get(oe.get("seq")) if isinstance(oe.get("seq"), int) else None
            if e.get("action") == "item.redacted" and d.get("original") == item and d.get("original_record") == rh \
                    and w is not None and w["hash"] == oe.get("hash"):
                return True
        self.add(f"exhibit {label}", f"its record is withheld, but no item.redacted entry of the pack links it "
                 f"({rh}) to a withheld custody entry", "custody-missing")
        return True

    def _as_of(self) -> None:
        if self.manifest is None or not self.entries:
            return
        times = []
        for v in self.entries.values():
            e = v["entry"]
            t = e.get("time") if isinstance(e, dict) and isinstance(e.get("time"), dict) else {}
            dt = _parse_utc(t.get("utc"))
            if dt is not None:
                times.append(dt)
        as_of = _parse_utc(self.manifest.get("as_of"))
        if as_of is None:
            self.add(MANIFEST, f"as_of is not an RFC 3339 UTC time ({self.manifest.get('as_of')!r})", "manifest-bad")
        elif times and as_of.replace(microsecond=0) != max(times).replace(microsecond=0):
            # compared to the second: as_of is shown to people, and may be written without fractions
            self.add(MANIFEST, f"as_of is {self.manifest.get('as_of')}, but the newest custody entry in the pack is "
                     f"of {max(times).isoformat().replace('+00:00', 'Z')}", "manifest-mismatch")
