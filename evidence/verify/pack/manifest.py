"""Step 4: the manifest's files, keys, policy, exhibits and their signed records."""

from __future__ import annotations

from ...digest import is_tag
from .context import CATALOGUE_SCHEMA, MANIFEST, RECORD_SCHEMA, _EXHIBIT_ID, _SUMS_FILES, _canonical_problem, _fp16, _parse_object, _str


class ManifestChecks:
    """Step 4 (a part of the pack checker; state lives in CheckerBase)."""

    # -- 4. the manifest ---------------------------------------------------------------------------

    def check_manifest(self) -> None:
        m = self.manifest
        if m is None:
            return
        self._manifest_files(m)
        self._manifest_keys(m)
        case = m.get("case")
        if isinstance(case, dict) and isinstance(case.get("ref"), str) and case["ref"]:
            self.case_ref = case["ref"]
        else:
            self.add(MANIFEST, "case.ref is missing", "manifest-bad")
        if not isinstance(m.get("redacted"), bool):
            self.add(MANIFEST, "redacted is not true or false", "manifest-bad")
        self._policy(m)
        self._exhibits(m)
        self._allegations(m)
        self._unreferenced_records()

    def _manifest_files(self, m: dict) -> None:
        files = m.get("files")
        if not isinstance(files, list):
            self.add(MANIFEST, "files is not a list", "manifest-bad")
            return
        seen: set[str] = set()
        for i, e in enumerate(files):
            if not (isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("size"), int)
                    and not isinstance(e.get("size"), bool) and is_tag(e.get("sha256"))):
                self.add(MANIFEST, f"files[{i}] is not {{path, size, sha256}}", "manifest-bad")
                continue
            path = e["path"]
            if path in seen:
                self.add(MANIFEST, f"files lists {path} twice", "manifest-bad")
                continue
            seen.add(path)
            if path == MANIFEST or path in _SUMS_FILES:
                self.add(MANIFEST, f"files lists {path}, which it must not", "manifest-bad")
                continue
            f = self.files.get(path)
            if f is None:
                if path not in self.unsafe:
                    self.add(path, "is listed in manifest.json but is not in the pack", "file-missing")
            elif (f.size, f.sha256) != (e["size"], e["sha256"]):
                self.add(path, f"is {f.size} bytes hashing to {f.sha256}; manifest.json says {e['size']} bytes, "
                         f"{e['sha256']}", "manifest-mismatch")
        for path in sorted(self.files):
            if path not in seen and path != MANIFEST and path not in _SUMS_FILES:
                self.add(path, "is in the pack but not in manifest.json's files", "manifest-mismatch")

    def _manifest_keys(self, m: dict) -> None:
        keys = m.get("keys")
        if not isinstance(keys, list):
            self.add(MANIFEST, "keys is not a list", "manifest-bad")
            return
        listed: set[str] = set()
        for i, k in enumerate(keys):
            fp = k.get("fingerprint") if isinstance(k, dict) else None
            if not is_tag(fp):
                self.add(MANIFEST, f"keys[{i}] has no valid fingerprint", "manifest-bad")
                continue
            want = f"keys/{_fp16(fp)}.pub.pem"
            if k.get("path") != want:
                self.add(MANIFEST, f"keys[{i}].path is {k.get('path')!r}, want {want}", "manifest-bad")
            listed.add(fp)
            if self.need(want, f"the public key {fp}") is None:
                continue
            if self.key_paths.get(fp) != want:
                self.add(want, f"does not hold the key {fp} that manifest.json says it holds", "key-bad")
        for fp, path in sorted(self.key_paths.items()):
            if fp not in listed:
                self.add(path, f"holds the key {fp}, which manifest.json's keys do not list", "manifest-mismatch")

    def _policy(self, m: dict) -> None:
        pol = m.get("policy")
        if not isinstance(pol, dict) or not isinstance(pol.get("id"), str) or not isinstance(pol.get("path"), str):
            self.add(MANIFEST, "policy is not {id, sha256, path, ...}", "manifest-bad")
            return
        self.policy_id = pol["id"]
        path = pol["path"]
        if path != f"policy/{pol['id']}.json":
            self.add(MANIFEST, f"policy.path is {path!r}, want policy/{pol['id']}.json", "manifest-bad")
        f = self.need(path, "the policy catalogue the allegations cite")
        if f is None:
            return
        self.policy_sha = f.sha256
        if f.sha256 != pol.get("sha256"):
            self.add(path, f"hashes to {f.sha256}, but manifest.json's policy.sha256 says {pol.get('sha256')}",
                     "policy-hash")
        data = self.data(f)
        if data is None:
            return
        doc, problem = _parse_object(data)
        if problem:
            self.add(path, problem, "policy-bad")
            return
        if doc.get("schema") != CATALOGUE_SCHEMA:
            self.add(path, f"has schema {doc.get('schema')!r}, want {CATALOGUE_SCHEMA}", "policy-bad")
        pid = (doc.get("policy") or {}).get("id") if isinstance(doc.get("policy"), dict) else None
        if pid != pol["id"]:
            self.add(path, f"is the catalogue of policy {pid!r}, but manifest.json says {pol['id']!r}", "policy-bad")
        clauses = doc.get("clauses")
        if not isinstance(clauses, list):
            self.add(path, "has no list of clauses", "policy-bad")
            return
        self.clauses = {}
        for c in clauses:
            if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("text"), str):
                self.clauses.setdefault(c["id"], c["text"])
            else:
                self.add(path, "holds a clause without an id and a text", "policy-bad")

    def check_record(self, path: object, sig_path: object, want_hash: object, label: str,
                     schema: str) -> tuple[dict | None, str | None]:
        """Check one signed record: (parsed record or None, actual hash or None)."""
        if not isinstance(path, str) or not isinstance(sig_path, str):
            self.add(MANIFEST, f"{label}: record/signature paths are missing", "manifest-bad")
            return None, None
        f = self.need(path, f"the signed record of {label}")
        self.checked_records.add(path)
        self.checked_records.add(sig_path)
        if f is None:
            return None, None
        self.r.count("records")
        if want_hash is not None and f.sha256 != want_hash:
            self.add(path, f"{label}: the record hashes to {f.sha256}, but manifest.json says {want_hash}",
                     "record-hash")
        data = self.data(f)
        if data is None:
            return None, f.sha256
        rec, problem = _parse_object(data)
        if problem:
            self.add(path, f"{label}: the record {problem}", "record-json")
            return None, f.sha256
        problem = _canonical_problem(data, rec)
        if problem:
            self.add(path, f"{label}: the record {problem}", "not-canonical")
        if rec.get("schema") != schema:
            self.add(path, f"{label}: the record has schema {rec.get('schema')!r}, want {schema}", "record-mismatch")
        signer = rec.get("signer")
        fp = signer.get("fingerprint") if isinstance(signer, dict) else None
        self.check_sig(fp, sig_path, data, path, "record-signature", path)
        if is_tag(fp):
            self.record_signers.append((path, fp))
        if self.case_ref is not None and rec.get("case") != self.case_ref:
            self.add(path, f"{label}: the record is for case {rec.get('case')!r}, not {self.case_ref}",
                     "record-mismatch")
        return rec, f.sha256

    def _check_artifacts(self, eid: str, label: str, arts: object, rec: dict | None, ex_prefix: str,
                         withheld: object = None) -> set[str]:
        """Check the pack files of one record's artifacts; return the paths checked.

        ``withheld``: the manifest's list of the record's artifacts left out of the pack (a
        redacted pack); each must agree with the signed record.
        """
        paths: set[str] = set()
        if not isinstance(arts, list):
            self.add(MANIFEST, f"{label}: artifacts is not a list", "manifest-bad")
            return paths
        by_role: dict[str, dict] = {}
        if rec is not None and isinstance(rec.get("artifacts"), list):
            for a in rec["artifacts"]:
                if isinstance(a, dict) and isinstance(a.get("role"), str):
                    by_role.setdefault(a["role"], a)
        shown_roles = set()
        for i, a in enumerate(arts):
            if not isinstance(a, dict) or not isinstance(a.get("path"), str) or not isinstance(a.get("role"), str):
                self.add(MANIFEST, f"{label}: artifacts[{i}] has no role or path", "manifest-bad")
                continue
            role, path = a["role"], a["path"]
            shown_roles.add(role)
            if not path.startswith(ex_prefix) or "/" in path[len(ex_prefix):]:
                self.add(MANIFEST, f"{label}: artifact {role} is at {path!r}, outside {ex_prefix}", "manifest-bad")
            paths.add(path)
            self.covered.add(path)
            self.r.count("artifacts")
            f = self.need(path, f"artifact {role} of {label}")
            signed = by_role.get(role)
            if rec is not None and signed is None:
                self.add(path, f"manifest.json says it is artifact {role} of {label}, but the signed record has "
                         "no such artifact", "artifact-record")
                continue
            if signed is not None:
                for k in ("sha256", "size", "media_type"):
                    if a.get(k) != signed.get(k):
                        self.add(path, f"manifest.json gives {k} {a.get(k)!r} for artifact {role} of {label}; the "
                                 f"signed record says {signed.get(k)!r}", "manifest-mismatch")
                want, want_size, source = signed.get("sha256"), signed.get("size"), "its signed record"
            else:
                want, want_size, source = a.get("sha256"), a.get("size"), "manifest.json (the record could not be read)"
            if f is None:
                continue
            if f.sha256 != want:
                self.add(path, f"hashes to {f.sha256}, but {source} says artifact {role} of {label} is {want}",
                         "artifact-hash")
            elif f.size != want_size:
                self.add(path, f"is {f.size} bytes, but {source} says artifact {role} of {label} is {want_size}",
                         "artifact-hash")
        withheld_roles = set()
        if withheld is not None and not isinstance(withheld, list):
            self.add(MANIFEST, f"{label}: withheld is not a list", "manifest-bad")
            withheld = []
        for w in withheld or []:
            role = w.get("role") if isinstance(w, dict) else None
            if not isinstance(role, str):
                self.add(MANIFEST, f"{label}: a withheld artifact has no role", "manifest-bad")
                continue
            withheld_roles.add(role)
            signed = by_role.get(role)
            if rec is None:
                continue
            if signed is None:
                self.add(MANIFEST, f"{label}: withheld artifact {role} is not in the signed record", "artifact-record")
                continue
            for k in ("sha256", "size", "media_type"):
                if k in w and w[k] != signed.get(k):
                    self.add(MANIFEST, f"{label}: withheld artifact {role} has {k} {w[k]!r}; the signed record says "
                             f"{signed.get(k)!r}", "manifest-mismatch")
        missing = sorted(set(by_role) - shown_roles)
        if missing:
            said = " (manifest.json lists them as withheld)" if set(missing) <= withheld_roles else ""
            self.r.notes.append(f"{label}: artifact(s) {', '.join(missing)} of the signed record are not in the "
                                f"pack{said}")
        return paths

    def _exhibits(self, m: dict) -> None:
        exhibits = m.get("exhibits")
        if not isinstance(exhibits, list):
            self.add(MANIFEST, "exhibits is not a list", "manifest-bad")
            return
        for i, ex in enumerate(exhibits):
            eid = ex.get("id") if isinstance(ex, dict) else None
            if not isinstance(eid, str) or not _EXHIBIT_ID.fullmatch(eid):
                self.add(MANIFEST, f"exhibits[{i}] has no id of the form E<n> ({eid!r})", "manifest-bad")
                continue
            if eid in self.exhibits:
                self.add(MANIFEST, f"exhibit {eid} is listed twice", "manifest-bad")
                continue
            label = f"exhibit {eid}"
            item = ex.get("item")
            if ex.get("record_withheld") is True:  # a redacted pack: named by its hash, which the redaction links to
                rec, actual = self._withheld_record(eid, label, ex)
            else:
                if ex.get("record") != f"records/{eid}.json" or ex.get("signature") != f"records/{eid}.sig":
                    self.add(MANIFEST, f"{label}: record/signature should be records/{eid}.json and "
                             f"records/{eid}.sig", "manifest-bad")
                rec, actual = self.check_record(ex.get("record"), ex.get("signature"), ex.get("record_sha256"), label,
                                                RECORD_SCHEMA)
            self.exhibits[eid] = {"item": item, "record_sha256": actual}
            if isinstance(item, str):
                self.items[item] = eid
                if actual:
                    self.item_records[item] = actual
            if rec is not None:
                rpath = ex.get("record")
                if rec.get("id") != item:
                    self.add(rpath, f"{label}: the signed record is of item {rec.get('id')!r}, manifest.json says "
                             f"{item!r}", "record-mismatch")
                if rec.get("kind") != ex.get("kind"):
                    self.add(rpath, f"{label}: the signed record is of kind {rec.get('kind')!r}, manifest.json says "
                             f"{ex.get('kind')!r}", "record-mismatch")
                sfp = rec.get("signer", {}).get("fingerprint") if isinstance(rec.get("signer"), dict) else None
                if ex.get("signer") != sfp:
                    self.add(rpath, f"{label}: signed by {sfp}, manifest.json says {ex.get('signer')!r}",
                             "manifest-mismatch")
                self._record_store(rpath, rec)
            paths = self._check_artifacts(eid, label, ex.get("artifacts"), rec, f"exhibits/{eid}/",
                                          withheld=ex.get("withheld"))
            red = ex.get("redaction")
            if red is not None:
                paths |= self._redaction(eid, item, red)
            shown = ex.get("shown")
            if shown is not None and _str(shown) not in paths:
                self.add(MANIFEST, f"{label}: shown is {shown!r}, which is none of the exhibit's artifacts",
                         "manifest-bad")
        for path in sorted(self.files):
            if path.startswith("exhibits/") and path not in self.covered:
                self.add(path, "is in exhibits/ but no exhibit's signed record covers it", "artifact-unrecorded")

    def _withheld_record(self, eid: str, label: str, ex: dict) -> tuple[None, str | None]:
        """A record withheld from a redacted pack: only with a redaction whose signed record names its hash."""
        red = ex.get("redaction")
        want = ex.get("record_sha256")
        if ex.get("record") is not None or ex.get("signature") is not None or not isinstance(red, dict) \
                or not isinstance(want, str):
            self.add(MANIFEST, f"{label}: a withheld record needs a redaction, its record_sha256, and no record path",
                     "manifest-bad")
            return None, None
        self.withheld_records[eid] = want  # checked against the redaction's signed record in _redaction
        self.r.count("withheld_records")
        return None, want

    def _redaction(self, eid: str, item: object, red: object) -> set[str]:
        label = f"exhibit {eid} redaction"
        if not isinstance(red, dict):
            self.add(MANIFEST, f"{label}: redaction is neither null nor an object", "manifest-bad")
            return set()
        want_rec, want_sig = f"records/{eid}-redaction.json", f"records/{eid}-redaction.sig"
        if red.get("record") != want_rec or red.get("signature") != want_sig:
            self.add(MANIFEST, f"{label}: record/signature should be {want_rec} and {want_sig}", "manifest-bad")
        rec, actual = self.check_record(red.get("record"), red.get("signature"), red.get("record_sha256"), label,
                                        RECORD_SCHEMA)
        ritem = red.get("item")
        if isinstance(ritem, str):
            self.items[ritem] = f"{eid} (redaction)"
            if actual:
                self.item_records[ritem] = actual
        if rec is not None:
            rpath = red.get("record")
            if rec.get("id") != ritem:
                self.add(rpath, f"{label}: the signed record is of item {rec.get('id')!r}, manifest.json says "
                         f"{ritem!r}", "record-mismatch")
            if rec.get("kind") != "redaction":
                self.add(rpath, f"{label}: the signed record is of kind {rec.get('kind')!r}, not redaction",
                         "record-mismatch")
            derived = rec.get("derived_from") if isinstance(rec.get("derived_from"), dict) else {}
            if derived.get("item") != item:
                self.add(rpath, f"{label}: the redaction is derived from item {derived.get('item')!r}, not from the "
                         f"exhibit's item {item!r}", "record-mismatch")
            source = rec.get("source") if isinstance(rec.get("source"), dict) else {}
            original = source.get("original") if isinstance(source.get("original"), dict) else {}
            if eid in self.withheld_records and original.get("record_sha256") != self.withheld_records[eid]:
                self.add(rpath, f"{label}: the redaction is of record {original.get('record_sha256')!r}, manifest.json "
                         f"names the withheld record {self.withheld_records[eid]!r}", "record-mismatch")
            self._record_store(rpath, rec)
        arts = red.get("artifacts")
        if arts is None and isinstance(red.get("artifact"), dict):
            arts = [red["artifact"]]  # the redacted copy: one artifact (role "redacted")
            if isinstance(red.get("record_view"), dict):
                arts.append(red["record_view"])  # and what may be read of the original record
        paths = self._check_artifacts(eid, label, arts, rec, f"exhibits/{eid}/")
        if red.get("path") is not None and _str(red.get("path")) not in paths:
            self.add(MANIFEST, f"{label}: path {red.get('path')!r} is not the redaction's artifact", "manifest-bad")
        return paths

    def _record_store(self, path: str, rec: dict) -> None:
        store = rec.get("store")
        if not isinstance(store, str):
            return
        if self.store_id is None:
            self.store_id = store
        elif store != self.store_id:
            self.add(path, f"the record is from store {store}, other records are from {self.store_id}",
                     "record-mismatch")
