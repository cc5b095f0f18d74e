"""``bundle --with-wacz``: the WACZ of the pack's exhibits, at ``web/<case>.wacz`` in the pack.

It holds the WARC of every exhibit whose ``warc`` artifact is in the pack (not withheld), as
``archive/<item id>.warc.gz``, byte for byte the exhibit's signed artifact; ``manifest.json``'s
``wacz`` section names each WARC with its exhibit and hash, and ``verify-bundle`` checks that the
WACZ holds exactly those WARCs and that its own datapackage hashes hold (docs/pack-format.md).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from ..digest import hash_file
from ..errors import InputError

__all__ = ["add_wacz"]

MEDIA_TYPE = "application/wacz+zip"


def add_wacz(pack, manifest: dict, exhibits: list, case_ref: str, as_of: datetime) -> str:
    """Build the WACZ of ``exhibits`` (``(eid, item)`` pairs), add it to ``pack`` and ``manifest``.

    Returns the temporary folder holding it, to be removed once the pack is written."""
    from ..webarchive.caseexport import build_wacz, source_of

    listed = {e["id"]: {a["role"] for a in e["artifacts"]} for e in manifest["exhibits"]}
    chosen = [(eid, it) for eid, it in exhibits
              if it.kind == "capture" and it.has("warc") and "warc" in listed.get(eid, ())]
    if not chosen:
        raise InputError(f"no exhibit of case {case_ref} has a web archive (WARC) in this pack, so there is no WACZ "
                         "to include", hint="leave out --with-wacz, or capture the posts again (captures keep a WARC)")
    tmp = tempfile.mkdtemp(prefix="evidence-pack-wacz-")
    try:
        sources = [source_of(it) for _, it in chosen]
        out = Path(tmp) / f"{case_ref}.wacz"
        result = build_wacz(sources, out, created=as_of, title=f"Case {case_ref}",
                            description=f"the web archives of the {len(sources)} captured exhibit(s) of case {case_ref}")
        digest, size = hash_file(out)
        path = f"web/{case_ref}.wacz"
        pack.add_file(path, out, digest, size, MEDIA_TYPE)
        manifest["wacz"] = {"path": path, "sha256": digest, "size": size, "wacz_version": "1.1.1",
                            "datapackage_sha256": result.datapackage_hash,
                            "warcs": [{"exhibit": eid, "path": f"archive/{s.name}", "sha256": s.sha256}
                                      for (eid, _), s in zip(chosen, sources)]}
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp
