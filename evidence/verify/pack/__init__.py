"""Verify a panel pack (the ZIP ``evidence bundle`` writes) offline, without any store.

The contract is ``docs/pack-format.md``. This module is independent of the code that
writes packs: it shares only :mod:`evidence.digest`, :mod:`evidence.canonical` and
:mod:`evidence.errors` with the writing side, and otherwise uses the other
``evidence.verify`` modules (signed notes, Merkle proofs, RFC 3161 timestamps, the
key ring), so a bug in the pack writer cannot be hidden by shared code.

It never stops at the first problem: every problem is listed, each naming the file,
exhibit, allegation or custody entry and what is wrong, with a short code. Only a
file that is not a ZIP at all is refused outright (:class:`IntegrityError`), because
then nothing in it can be read.

The ZIP is read defensively and never extracted: the central directory is parsed by
:mod:`zipfile`, but every entry's bytes are read by this module from the archive
itself (local header checked against the central directory, stored or deflated data
only, output capped at the declared size plus one byte, CRC and end of stream
checked), hashed in chunks, and kept in memory only for the small files that must be
parsed. Nothing is ever written to disk.
"""

from __future__ import annotations

from pathlib import Path
import os
import struct
import zipfile

from ...digest import is_tag
from ...errors import InputError, IntegrityError
from .checkpoint import CheckpointChecks
from .context import MANIFEST_SCHEMA, CheckerBase, PackReport, _norm_key, _one_line
from .custody import CustodyChecks
from .disclosure import DisclosureChecks
from .facts import FactChecks
from .manifest import ManifestChecks
from .records import AllegationChecks
from .report_html import ReportChecks
from .signed import SignedChecks
from .wacz import WaczChecks
from .zipread import ZipChecks

__all__ = ["PackReport", "verify_pack", "MANIFEST_SCHEMA"]


class _Checker(CheckerBase, ZipChecks, SignedChecks, ManifestChecks, AllegationChecks, CustodyChecks,
               CheckpointChecks, ReportChecks, FactChecks, WaczChecks, DisclosureChecks):
    """All the checks, run in order by verify_pack."""


def verify_pack(path: str | os.PathLike, *, key: str | None = None, trust: set[str] | None = None,
                max_total_bytes: int = 8 * 1024**3, max_files: int = 100_000) -> PackReport:
    """Verify the pack at ``path`` without any store, listing every problem.

    ``key``: the fingerprint the reader obtained separately (``sha256:<hex>``, the hex
    alone, or a prefix of at least 16 hex digits); the pack's signer must match it.
    ``trust``: the fingerprints (``sha256:<hex>``) the reader trusts; every custody entry and record must
    then be signed by one of them, or by a key a ``key.trusted`` entry signed by a trusted key approved.
    ``max_total_bytes`` / ``max_files``: limits on what the ZIP may declare.

    Raises :class:`~evidence.errors.InputError` if ``path`` cannot be read or ``key``
    is not a fingerprint, and :class:`~evidence.errors.IntegrityError` if the file is
    not a ZIP at all. Everything else is reported in the returned
    :class:`PackReport` (``ok`` is True when nothing is wrong).
    """
    want = _norm_key(key) if key is not None else None
    p = Path(os.fspath(path))
    if not p.exists():
        raise InputError(f"{p}: no such file", hint="give the path of the pack's .zip file")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a pack", hint="give the pack's .zip file itself")
    report = PackReport(path=str(p))
    try:
        fh = open(p, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error,
                NotImplementedError, OverflowError) as exc:
            raise IntegrityError(f"{p} is not a ZIP file ({_one_line(exc, 120)}): it is not a pack, and nothing in "
                                 "it can be checked") from None
        with zf:
            c = _Checker(report, want)
            c.trust = _norm_trust(trust)
            if not c.read_zip(fh, zf, max_total_bytes, max_files):
                return report
    # 2-7 work from the bytes read into memory; the ZIP is closed.
    c.check_sums()
    c.load_keys()
    c.parse_manifest()
    c.check_signature()
    c.check_manifest()
    c.check_wacz()
    c.check_custody()
    c.check_checkpoint()
    c.check_timestamps()
    c.check_index()
    c.check_facts()
    return report


def _norm_trust(trust: set[str] | None) -> set[str] | None:
    if trust is None:
        return None
    out = set()
    for fp in trust:
        text = fp.strip().lower() if isinstance(fp, str) else ""
        text = text if text.startswith("sha256:") else "sha256:" + text
        if not is_tag(text):
            raise InputError(f"{fp!r} in the trust list is not a key fingerprint",
                             hint="give one sha256:<64 hex> fingerprint per line")
        out.add(text)
    return out
