"""What a redacted pack withholds, what it replaces, and the scan that refuses a pack still naming a term.

A redacted pack (``bundle --redacted``) collects every term the case's redactions removed (from their
store-only ``terms`` artifacts, :func:`evidence.redaction.redaction_terms`). Then:

* a signed record or custody entry whose exact bytes name a term cannot be shown (its signature covers
  those bytes): it is withheld and named only by its hash; custody entries also by their Merkle leaf hash,
  proved in the checkpoint like every entry (docs/pack-format.md, "Redacted packs");
* what the report shows of an exhibit and of the custody entries has every term replaced by [REDACTED];
* a supplied image or a post's media image that goes into the pack unredacted (no text beside it to scan) is
  read by OCR, from its stored text layer or read now, and :func:`image_places` names it if a term shows in
  it: the investigator redacts that exhibit too (``evidence redact ITEM --term …``);
* before anything is written, :func:`scan_pack` reads every file the pack would hold, decoded (JSON with its
  escapes resolved, HTML entities, URL encoding, the PDF's text by ``pdftotext`` and its decompressed
  streams, ZIP member names, file names) and raises :class:`~evidence.errors.RedactionLeak` naming every
  place a term is still found.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
import zlib
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, unquote_plus

from ..errors import RedactionLeak
from ..redaction import redaction_terms, replace_terms, term_forms

__all__ = ["pack_terms", "names_term", "scrub", "image_places", "scan_pack"]

_HEX_RUN = re.compile(r"[0-9a-f]{32,}|[A-Za-z0-9+/]{43,}={0,2}")  # hashes and base64 signatures: no text in them


def pack_terms(redaction_items) -> list[str]:
    terms: list[str] = []
    for it in redaction_items:
        for t in redaction_terms(it):
            if t.lower() not in (x.lower() for x in terms):
                terms.append(t)
    return terms


def _forms(terms: list[str]) -> list[str]:
    return sorted({f for t in terms for f in term_forms(t)}, key=len, reverse=True)


def _found(text: str, forms: list[str]) -> list[str]:
    low = _HEX_RUN.sub(" ", text).lower()
    return [f for f in forms if f in low]


def names_term(data: bytes, terms: list[str]) -> bool:
    """Whether ``data`` (a record's or entry's bytes) names a term in any form."""
    return bool(terms) and bool(_texts_found(data, _forms(terms)))


def scrub(value, terms: list[str]):
    """``value`` with every term replaced by [REDACTED], hashes left alone."""
    if not terms:
        return value
    if isinstance(value, str) and (value.startswith("sha256:") or _HEX_RUN.fullmatch(value)):
        return value
    if isinstance(value, dict):
        return {k: scrub(v, terms) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, terms) for v in value]
    return replace_terms(value, terms)


def _variants(text: str) -> list[str]:
    out = [text, html.unescape(text)]
    out += [unquote(out[-1]), unquote_plus(out[-1])]
    return out


def _texts_found(data: bytes, forms: list[str]) -> list[str]:
    text = data.decode("utf-8", "replace")
    found = set()
    for t in _variants(text):
        found.update(_found(t, forms))
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if doc is not None:  # \u escapes resolved
        found.update(_found(json.dumps(doc, ensure_ascii=False), forms))
    return sorted(found)


def _pdf_texts(data: bytes) -> list[tuple[str, bytes]]:
    """The PDF's text (pdftotext) and its decompressed streams, as (where, bytes)."""
    out: list[tuple[str, bytes]] = []
    if shutil.which("pdftotext"):
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "r.pdf"
            p.write_bytes(data)
            r = subprocess.run(["pdftotext", "-q", str(p), "-"], capture_output=True, timeout=600)
            out.append(("its text", r.stdout))
    for n, m in enumerate(re.finditer(rb"stream\r?\n", data)):
        try:
            out.append((f"stream {n + 1}", zlib.decompressobj().decompress(data[m.end():m.end() + 64 * 2**20])))
        except zlib.error:
            continue
    return out


def _zip_names(data: bytes) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            return [("its member names", "\n".join(zf.namelist()).encode("utf-8"))]
    except (zipfile.BadZipFile, ValueError, OSError):
        return []


def _file_places(path: str, data: bytes, forms: list[str]) -> list[str]:
    places = []
    hit = _texts_found(data, forms)
    if hit:
        places.append(f"{path} ({', '.join(hit)})")
    parts = []
    if data.startswith(b"%PDF"):
        parts = _pdf_texts(data)
    elif data.startswith(b"PK\x03\x04"):
        parts = _zip_names(data)
    for where, text in parts:
        hit = _texts_found(text, forms)
        if hit:
            places.append(f"{path}, {where} ({', '.join(hit)})")
    return places


def _big_file_places(path: str, src: Path, forms: list[str]) -> list[str]:
    """A large file (an exhibit's artifact) read in pieces that overlap by the longest form."""
    with open(src, "rb") as fh:
        head = fh.read(8)
        if head.startswith((b"%PDF", b"PK\x03\x04")):
            fh.seek(0)
            return _file_places(path, fh.read(), forms)
        fh.seek(0)
        keep, hit = b"", set()
        while chunk := fh.read(8 * 2**20):
            hit.update(_texts_found(keep + chunk, forms))
            keep = chunk[-4 * max(len(f) for f in forms):]
    return [f"{path} ({', '.join(sorted(hit))})"] if hit else []


def _ocr_words(ev, item, art: dict) -> list[dict]:
    # a supplied image's text layer, made by `ocr` or `match` (it has one image: its original)
    layer = ev.ocr_layer(item.id) if item.kind == "import" else None
    if layer is not None:
        return layer["words"]
    from ..analysis.ocr import ocr_image

    return ocr_image(item.path(art["role"]))["words"]  # opened by analysis' one image reader (InputError if unreadable)


def _unscanned_images(ex: dict) -> list[dict]:
    """The images of an unredacted exhibit that have no text beside them to scan: a supplied image, a post's
    media. (A capture's screenshots show its page, whose text the scan reads in the served and rendered HTML.)"""
    if ex.get("redaction"):
        return []
    return [a for a in ex["artifacts"] if a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml"
            and (ex["kind"] == "import" or a["role"].startswith("media-"))]


def image_places(ev, exhibits: list[dict], terms: list[str]) -> list[str]:
    """Where a supplied image or a post's media image the pack carries unredacted (``exhibits``: the manifest's
    entries) shows a term, as OCR reads it; an image that cannot be read is named too (it could not be checked)."""
    from ..errors import EvidenceError
    from ..redaction import term_boxes

    if not terms:
        return []
    places = []
    for ex in exhibits:
        images = _unscanned_images(ex)
        item = ev.item(ex["item"]) if images else None
        for a in images:
            art = item.artifact(a["role"])
            try:
                words = _ocr_words(ev, item, art)
            except EvidenceError as exc:  # Tesseract missing, an unreadable image
                places.append(f"{a['path']} (exhibit {ex['id']}, item {item.id}): could not be read to check it for "
                              f"redacted terms: {exc}")
                continue
            hit = [t for t in terms if term_boxes(words, [t])]
            if hit:
                places.append(f"{a['path']} (exhibit {ex['id']}, item {item.id}): the image shows "
                              f"{', '.join(hit)} (read by OCR)")
    return places


def scan_pack(pack, terms: list[str], places: list[str] | None = None) -> int:
    """Refuse (:class:`RedactionLeak`) if any file of ``pack`` (a PackFiles, before it is written), or any file
    name, names a term in any form, or ``places`` (found before, e.g. by :func:`image_places`) is not empty.
    Returns how many files were read."""
    if not terms:
        return 0
    forms = _forms(terms)
    places = list(places or [])
    paths = pack.paths()
    for path in paths:
        hit = _found(unquote(path), forms)
        if hit:
            places.append(f"file name {path} ({', '.join(hit)})")
        if path in pack.small:
            places += _file_places(path, pack.small[path], forms)
        else:
            places += _big_file_places(path, Path(pack.big[path][0]), forms)
    if places:
        shown = "; ".join(places[:20]) + (f"; and {len(places) - 20} more" if len(places) > 20 else "")
        raise RedactionLeak(f"the redacted pack would still name a redacted term in {len(places)} place(s): {shown}. "
                            "Nothing was written", places=places,
                            hint="redact the exhibit that shows it with `evidence redact ITEM --term …`, or rephrase "
                                 "the text that names it (case facts, allegation summaries and notes are shown as "
                                 "signed)")
    return len(paths)
