"""Step 4 (continued): allegations and their signed records; records nothing names."""

from __future__ import annotations

from .context import ALLEGATION_SCHEMA, MANIFEST, _ALLEGATION_ID, _parse_object, _str


class AllegationChecks:
    """Step 4 (continued) (a part of the pack checker; state lives in CheckerBase)."""

    def _allegations(self, m: dict) -> None:
        allegations = m.get("allegations")
        if not isinstance(allegations, list):
            self.add(MANIFEST, "allegations is not a list", "manifest-bad")
            return
        seen: set[str] = set()
        for i, al in enumerate(allegations):
            aid = al.get("id") if isinstance(al, dict) else None
            if not isinstance(aid, str) or not _ALLEGATION_ID.fullmatch(aid):
                self.add(MANIFEST, f"allegations[{i}] has no id of the form A<n> ({aid!r})", "manifest-bad")
                continue
            if aid in seen:
                self.add(MANIFEST, f"allegation {aid} is listed twice", "manifest-bad")
                continue
            seen.add(aid)
            label = f"allegation {aid}"
            al_exhibits = al.get("exhibits")
            if not isinstance(al_exhibits, list) or not all(isinstance(e, str) for e in al_exhibits):
                self.add(MANIFEST, f"{label}: exhibits is not a list of exhibit ids", "manifest-bad")
                al_exhibits = []
            for e in al_exhibits:
                if e not in self.exhibits:
                    self.add(MANIFEST, f"{label} cites exhibit {e!r}, which is not in the pack", "exhibit-missing")
            records = al.get("records")
            if not isinstance(records, list) or not records:
                self.add(MANIFEST, f"{label} has no records", "manifest-bad")
                continue
            made_hash = None
            events = []
            cited: set[str] = set()
            for r in records:
                if not isinstance(r, dict):
                    self.add(MANIFEST, f"{label}: a record entry is not an object", "manifest-bad")
                    continue
                path = r.get("path")
                event = "withdrawn" if path == f"records/{aid}-withdrawn.json" else "made"
                if path not in (f"records/{aid}.json", f"records/{aid}-withdrawn.json") or \
                        r.get("signature") != (path[:-5] + ".sig" if isinstance(path, str) else None):
                    self.add(MANIFEST, f"{label}: record {path!r} is not records/{aid}.json or "
                             f"records/{aid}-withdrawn.json (with its .sig)", "manifest-bad")
                rec, actual = self.check_record(path, r.get("signature"), r.get("sha256"), label, ALLEGATION_SCHEMA)
                events.append(event)
                if actual is not None:
                    self.allegation_records.append((path, al.get("allegation"), event, actual))
                    if event == "made":
                        made_hash = actual
                if rec is None:
                    continue
                self.r.count("allegations")
                self._allegation_record(label, path, event, al, rec, cited)
                if event == "withdrawn" and made_hash is not None and rec.get("withdraws") != made_hash:
                    self.add(path, f"{label}: withdraws {rec.get('withdraws')!r}, not the record that made it "
                             f"({made_hash})", "record-mismatch")
            if "made" not in events:
                self.add(MANIFEST, f"{label} has no record making it (records/{aid}.json)", "manifest-bad")
            status = "withdrawn" if "withdrawn" in events else "open"
            if al.get("status") != status:
                self.add(MANIFEST, f"{label}: status is {al.get('status')!r}, but its signed records say {status}",
                         "manifest-mismatch")
            named_items = {_str(self.exhibits[e]["item"]) for e in al_exhibits if e in self.exhibits}
            if cited and named_items != cited:
                self.add(MANIFEST, f"{label}: exhibits {al.get('exhibits')} are not the items its signed record cites",
                         "manifest-mismatch")

    def _allegation_record(self, label: str, path: str, event: str, al: dict, rec: dict, cited: set[str]) -> None:
        if rec.get("event") != event:
            self.add(path, f"{label}: the record's event is {rec.get('event')!r}, its file name says {event}",
                     "record-mismatch")
        if rec.get("allegation") != al.get("allegation"):
            self.add(path, f"{label}: the record is of allegation {rec.get('allegation')!r}, manifest.json says "
                     f"{al.get('allegation')!r}", "record-mismatch")
        self._record_store(path, rec)
        clause = rec.get("clause") if isinstance(rec.get("clause"), dict) else {}
        cid = clause.get("id")
        if cid != al.get("clause"):
            self.add(path, f"{label}: the record cites clause {cid!r}, manifest.json says {al.get('clause')!r}",
                     "manifest-mismatch")
        if self.clauses is not None:
            if _str(cid) not in self.clauses:
                self.add(path, f"{label}: clause {cid!r} is not in the pack's policy catalogue", "clause-missing")
            elif clause.get("text") != self.clauses[cid]:
                self.add(path, f"{label}: the record quotes clause {cid} differently from the pack's policy catalogue",
                         "clause-text")
        policy = rec.get("policy") if isinstance(rec.get("policy"), dict) else {}
        if self.policy_sha is not None and policy.get("sha256") != self.policy_sha:
            self.add(path, f"{label}: the record cites the policy catalogue {policy.get('sha256')!r}, but the pack's "
                     f"catalogue hashes to {self.policy_sha}", "policy-mismatch")
        if self.policy_id is not None and policy.get("id") != self.policy_id:
            self.add(path, f"{label}: the record cites policy {policy.get('id')!r}, the pack holds {self.policy_id!r}",
                     "policy-mismatch")
        evidence = rec.get("evidence")
        if not isinstance(evidence, list) or not evidence:
            self.add(path, f"{label}: the record cites no evidence", "record-mismatch")
            return
        for ev in evidence:
            item = _str(ev.get("item")) if isinstance(ev, dict) else None
            if item not in self.items:
                self.add(path, f"{label} cites item {item!r}, which is not an exhibit in the pack", "exhibit-missing")
                continue
            cited.add(item)
            have = self.item_records.get(item)
            if have is not None and ev.get("record_sha256") != have:
                self.add(path, f"{label} cites item {item} by record hash {ev.get('record_sha256')!r}, but exhibit "
                         f"{self.items[item]}'s record hashes to {have}", "record-mismatch")

    def _unreferenced_records(self) -> None:
        for path in sorted(self.files):
            if not path.startswith("records/") or path in self.checked_records:
                continue
            if path.endswith(".json"):
                self.add(path, "is a record manifest.json does not reference", "record-unlisted")
                data = self.files[path].data
                rec, _ = _parse_object(data) if data is not None else (None, None)
                if rec is not None:
                    signer = rec.get("signer")
                    fp = signer.get("fingerprint") if isinstance(signer, dict) else None
                    self.checked_records.add(path[:-5] + ".sig")
                    self.check_sig(fp, path[:-5] + ".sig", data, path, "record-signature", path)
            elif not (path.endswith(".sig") and path[:-4] + ".json" in self.checked_records):
                self.add(path, "is in records/ but is no record or signature manifest.json references",
                         "record-unlisted")
