"""Steps 2-3: SHA256SUMS, the keys in keys/, manifest.json parsed, and the pack's signature."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature

from ...digest import TAG, is_tag
from .context import MANIFEST, MANIFEST_SCHEMA, SIG_LEN, SUMS, SUMS_SIG, VERIFY_TXT, _FP_LINE, _FP_LINE_LOOSE, _KEY_FILE, _SUMS_FILES, _SUMS_LINE, _fp16, _load_public_key, _one_line, _parse_object, _path_problem


class SignedChecks:
    """Steps 2-3 (a part of the pack checker; state lives in CheckerBase)."""

    # -- 2. SHA256SUMS ---------------------------------------------------------------------------

    def check_sums(self) -> None:
        f = self.need(SUMS, "nothing in the pack can be checked against a signed list")
        if f is None:
            return
        data = self.data(f)
        if data is None:
            return
        listed: dict[str, str] = {}
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.add(SUMS, f"is not UTF-8 text (at byte {exc.start})", "sums-bad")
            return
        if not text:
            self.add(SUMS, "is empty", "sums-bad")
            return
        if "\r" in text:
            self.add(SUMS, "has CR characters (lines must end with LF only)", "sums-bad")
        if not text.endswith("\n"):
            self.add(SUMS, "does not end with a newline", "sums-bad")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        previous: str | None = None
        for n, line in enumerate(lines, 1):
            m = _SUMS_LINE.fullmatch(line.rstrip("\r"))
            if not m:
                self.add(SUMS, f"line {n} is not '<64 lowercase hex>  <path>': {_one_line(line, 120)!r}", "sums-bad")
                continue
            hexd, _mark, path = m.groups()
            bad = _path_problem(path)
            if bad:
                self.add(SUMS, f"line {n} lists {path!r}, which {bad}", "sums-bad")
                continue
            if path in _SUMS_FILES:
                self.add(SUMS, f"line {n} lists {path}, which the list must not cover", "sums-bad")
                continue
            if path in listed:
                self.add(SUMS, f"line {n} lists {path} a second time", "sums-bad")
                continue
            if previous is not None and path < previous:
                self.add(SUMS, f"line {n} ({path}) is out of order: lines must be sorted by path", "sums-bad")
            previous = path
            listed[path] = TAG + hexd
        self.r.count("sums", len(listed))
        for path, tag in listed.items():
            got = self.files.get(path)
            if got is None:
                if path not in self.unsafe:
                    self.add(path, "is listed in SHA256SUMS but is not in the pack (removed?)", "file-missing")
            elif got.sha256 != tag:
                self.add(path, f"hashes to {got.sha256}, but SHA256SUMS says {tag} (the file was changed)",
                         "sums-mismatch")
        for path in sorted(self.files):
            if path not in listed and path not in _SUMS_FILES:
                self.add(path, "is in the pack but not listed in SHA256SUMS (added? it is not covered by the signature)",
                         "file-extra")

    # -- 3. keys and the pack signature ---------------------------------------------------------------

    def load_keys(self) -> None:
        for path in sorted(self.files):
            if not path.startswith("keys/"):
                continue
            m = _KEY_FILE.fullmatch(path)
            if not m:
                self.add(path, "is not a key file name the pack format allows (keys/<16 hex>.pub.pem)", "key-bad")
                continue
            data = self.data(self.files[path])
            if data is None:
                continue
            fp, key, problem = _load_public_key(data)
            if problem:
                self.add(path, problem, "key-bad")
                continue
            self.r.count("keys")
            if _fp16(fp) != m.group(1):
                self.add(path, f"holds the key {fp}, but its name says a key whose fingerprint starts "
                         f"{m.group(1)} (the key file was altered or swapped)", "key-bad")
                continue
            self.ring.keys[fp] = key
            self.key_paths[fp] = path

    def parse_manifest(self) -> None:
        f = self.need(MANIFEST)
        if f is None:
            return
        data = self.data(f)
        if data is None:
            return
        value, problem = _parse_object(data)
        if problem:
            self.add(MANIFEST, problem, "manifest-bad")
            return
        if value.get("schema") != MANIFEST_SCHEMA:
            self.add(MANIFEST, f"has schema {value.get('schema')!r}, want {MANIFEST_SCHEMA}", "manifest-bad")
        self.manifest = value
        self.r.manifest = value

    def check_signature(self) -> None:
        verify_fp = None
        vf = self.need(VERIFY_TXT, "it states the signer's key fingerprint")
        if vf is not None and self.data(vf) is not None:
            text = vf.data.decode("utf-8", "replace")
            found = sorted(set(_FP_LINE.findall(text)))
            if not found:
                loose = _FP_LINE_LOOSE.findall(text)
                what = (f"its 'Signer key fingerprint:' line is malformed ({_one_line(loose[0], 100)!r})" if loose
                        else "does not state the signer's key fingerprint (a line 'Signer key fingerprint: sha256:<64 hex>')")
                self.add(VERIFY_TXT, what, "verify-txt")
            elif len(found) > 1:
                self.add(VERIFY_TXT, "states several signer key fingerprints: " + ", ".join(found), "verify-txt")
            else:
                verify_fp = found[0]
        manifest_fp = None
        if self.manifest is not None:
            signer = self.manifest.get("signer")
            manifest_fp = signer.get("fingerprint") if isinstance(signer, dict) else None
            if not is_tag(manifest_fp):
                self.add(MANIFEST, f"signer.fingerprint is not a sha256 fingerprint ({manifest_fp!r})", "manifest-bad")
                manifest_fp = None
            else:
                want = f"keys/{_fp16(manifest_fp)}.pub.pem"
                if signer.get("key") != want:
                    self.add(MANIFEST, f"signer.key is {signer.get('key')!r}, want {want}", "manifest-bad")
        if verify_fp and manifest_fp and verify_fp != manifest_fp:
            self.add(VERIFY_TXT, f"names the signer {verify_fp}, but manifest.json names {manifest_fp}",
                     "signer-mismatch")
        signer_fp = verify_fp or manifest_fp
        self.r.signer = signer_fp

        sums = self.files.get(SUMS)
        if signer_fp is None:
            self.add(SUMS_SIG, "cannot be checked: neither VERIFY.txt nor manifest.json names the signer's key",
                     "sig-bad")
        elif sums is not None and sums.data is not None:
            self.r.count("signatures")
            sf = self.need(SUMS_SIG, "the pack's signature")
            key = self.ring.keys.get(signer_fp)
            if sf is None:
                pass
            elif sf.data is None or len(sf.data) != SIG_LEN:
                self.add(SUMS_SIG, f"is {sf.size} bytes, not a raw {SIG_LEN}-byte Ed25519 signature", "sig-bad")
            elif key is None:
                self.add(SUMS_SIG, f"cannot be checked: the signer's key {signer_fp} is not in the pack "
                         f"(keys/{_fp16(signer_fp)}.pub.pem)", "sig-bad")
            else:
                try:
                    key.verify(sf.data, sums.data)
                except InvalidSignature:
                    self.add(SUMS_SIG, f"does not verify over SHA256SUMS with the signer's key {signer_fp} "
                             "(SHA256SUMS or its signature was changed, or another key signed it)", "sig-bad")

        if self.want_key is not None:
            want = self.want_key
            shown = TAG + want if len(want) == 64 else f"{TAG}{want}..."
            if signer_fp is None:
                self.add("pack signer", f"cannot be compared with the expected key {shown}: the pack names no signer",
                         "key-mismatch")
            elif not signer_fp[len(TAG):].startswith(want):
                self.add("pack signer", f"the pack is signed by {signer_fp}, but the expected key is {shown}: "
                         "it was not signed by the key you expected", "key-mismatch")
            else:
                matches = [fp for fp in self.ring.keys if fp[len(TAG):].startswith(want)]
                if len(matches) > 1:
                    self.add("pack signer", f"the expected key {shown} matches several keys in the pack "
                             f"({', '.join(sorted(matches))}); give the whole fingerprint", "key-mismatch")
