"""Checks of the WACZ a pack may carry (``bundle --with-wacz``): ``web/<case>.wacz``.

The WACZ must hold exactly the WARCs manifest.json's ``wacz.warcs`` names, each byte for byte the
``warc`` artifact of its exhibit (which that exhibit's signed record covers), and its own
``datapackage.json`` / ``datapackage-digest.json`` hashes must hold. The nested ZIP is read from
memory with :mod:`zipfile` (CRC checked), never extracted, with its declared sizes bounded.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from .context import MANIFEST, _one_line

__all__ = ["WaczChecks"]

_SLACK = 1024 * 1024  # a WACZ's WARCs are stored: what it unpacks to is about its own size


class WaczChecks:
    """Mixed into the pack checker (uses its ``manifest``, ``files``, ``exhibits``, ``add``, ``need``, ``data``)."""

    def check_wacz(self) -> None:
        m = self.manifest
        if m is None:
            return
        w = m.get("wacz")
        if w is None:
            for path in sorted(self.files):
                if path.startswith("web/"):
                    self.add(path, "is in web/ but manifest.json describes no WACZ", "wacz-unrecorded")
            return
        if not (isinstance(w, dict) and isinstance(w.get("path"), str) and isinstance(w.get("warcs"), list)):
            self.add(MANIFEST, "wacz is not {path, sha256, warcs, ...}", "manifest-bad")
            return
        f = self.need(w["path"], "manifest.json's wacz names it")
        if f is None:
            return
        if f.sha256 != w.get("sha256"):
            self.add(f.path, f"hashes to {f.sha256}; manifest.json's wacz says {w.get('sha256')}", "wacz-mismatch")
        data = self.data(f)
        if data is None:
            return
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = {i.filename: i for i in zf.infolist()}
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
            self.add(f.path, f"is not a ZIP file ({_one_line(exc, 120)})", "wacz-bad")
            return
        if sum(i.file_size for i in infos.values()) > 2 * len(data) + _SLACK:
            self.add(f.path, "declares far more unpacked bytes than it holds (not a WACZ's stored WARCs)", "wacz-bad")
            return
        with zf:
            digests = self._wacz_digests(f.path, zf, infos)
        if digests is not None:
            self._wacz_warcs(f.path, w, digests)
            self._wacz_package(f.path, zf_digests=digests, package=self._wacz_json(f.path, data, "datapackage.json"),
                               digest=self._wacz_json(f.path, data, "datapackage-digest.json"))

    def _wacz_digests(self, where: str, zf: zipfile.ZipFile, infos: dict) -> dict[str, tuple[str, int]] | None:
        out = {}
        for name, info in infos.items():
            h, n = hashlib.sha256(), 0
            try:
                with zf.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        h.update(chunk)
                        n += len(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                self.add(f"{where}!{name}", f"cannot be read ({_one_line(exc, 120)})", "wacz-bad")
                return None
            out[name] = ("sha256:" + h.hexdigest(), n)
        return out

    def _wacz_warcs(self, where: str, w: dict, digests: dict) -> None:
        arts = {}
        for ex in self.manifest.get("exhibits") or []:
            if isinstance(ex, dict):
                for a in ex.get("artifacts") or []:
                    if isinstance(a, dict) and a.get("role") == "warc":
                        arts[ex.get("id")] = a.get("sha256")
        named = set()
        for i, e in enumerate(w["warcs"]):
            if not isinstance(e, dict):
                self.add(MANIFEST, f"wacz.warcs[{i}] is not {{exhibit, path, sha256}}", "manifest-bad")
                continue
            eid, path, sha = e.get("exhibit"), e.get("path"), e.get("sha256")
            named.add(path)
            if eid not in arts:
                self.add(MANIFEST, f"wacz.warcs[{i}] names exhibit {eid!r}, which has no WARC in the pack", "wacz-mismatch")
            elif arts[eid] != sha:
                self.add(MANIFEST, f"wacz.warcs[{i}]: exhibit {eid}'s signed WARC is {arts[eid]}, not {sha}", "wacz-mismatch")
            got = digests.get(path) if isinstance(path, str) else None
            if got is None:
                self.add(where, f"holds no {path!r}, which manifest.json's wacz names (exhibit {eid})", "wacz-mismatch")
            elif got[0] != sha:
                self.add(f"{where}!{path}", f"hashes to {got[0]}, not exhibit {eid}'s signed WARC {sha}", "wacz-mismatch")
        for name in sorted(digests):
            if name.startswith("archive/") and name not in named:
                self.add(f"{where}!{name}", "is a WARC no exhibit's signed record covers", "wacz-unrecorded")

    def _wacz_json(self, where: str, data: bytes, name: str) -> tuple[bytes, dict] | None:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            try:
                raw = zf.read(name)
            except KeyError:
                self.add(where, f"has no {name}", "wacz-bad")
                return None
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            self.add(f"{where}!{name}", "is not a JSON object", "wacz-bad")
            return None
        return raw, value

    def _wacz_package(self, where: str, *, zf_digests: dict, package, digest) -> None:
        if package is None or digest is None:
            return
        raw, pkg = package
        if digest[1].get("hash") != "sha256:" + hashlib.sha256(raw).hexdigest():
            self.add(f"{where}!datapackage-digest.json", "does not hold the hash of datapackage.json", "wacz-mismatch")
        if pkg.get("wacz_version") != "1.1.1":
            self.add(f"{where}!datapackage.json", f"wacz_version is {pkg.get('wacz_version')!r}, not 1.1.1", "wacz-bad")
        for r in pkg.get("resources") or []:
            path = r.get("path") if isinstance(r, dict) else None
            got = zf_digests.get(path) if isinstance(path, str) else None
            if got is None or (got[0], got[1]) != (r.get("hash"), r.get("bytes")):
                self.add(f"{where}!{path}", f"does not match datapackage.json (holds {got})", "wacz-mismatch")
