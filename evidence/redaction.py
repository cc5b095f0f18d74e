"""Redaction for disclosure: redacted copies, never a change to the original.

``evidence redact ITEM --term T --region x,y,w,h --reason R`` makes a new item of kind ``redaction``,
taken in through :func:`evidence.ingest.ingest` like any evidence (hashed, recorded, signed, logged):

* ``redacted``: the item's screenshot (or supplied image) with opaque black boxes drawn by Pillow over
  the given regions and over every place a term was shown. Where a term was shown is read from the
  capture's ``layout`` artifact (word boxes measured in the page at capture time, see
  :mod:`evidence.capture.layout`); an image without one (a supplied screenshot, an older capture) is read
  by OCR (:mod:`evidence.analysis.ocr`, Tesseract word boxes).
* ``redacted_record``: what a respondent may read of the original record, every redacted term replaced by
  ``[REDACTED]`` (in any case, URL-encoded or as a slug), with the capture's non-personal technical facts
  (HTTP status and headers, server address, TLS, browser, emulation, timings) taken from its metadata.
* ``terms``: the terms themselves and a random salt (store-only: no pack ever carries this artifact).

The signed record commits to each term by ``sha256(salt || term)`` (so it names none of them) and to the
original record by its hash; the ``item.redacted`` custody entry names the original record's hash and the
custody entry that took it in (its seq and hash), so a reader of a redacted pack can follow a redacted
exhibit back to a record signed at capture without seeing it (docs/pack-format.md, "Redacted packs").
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import secrets
from urllib.parse import quote, quote_plus

from PIL import Image, ImageDraw

from .errors import InputError
from .ingest import ArtifactSource, ingest, require_open_case

__all__ = ["parse_region", "redact", "term_forms", "replace_terms", "MARKER", "TECHNICAL_FACTS"]

MARKER = "[REDACTED]"
# the capture metadata a redacted pack keeps (terms replaced): facts about the fetch, not about people
TECHNICAL_FACTS = ("requested_url", "final_url", "redirects", "hops", "http", "server", "tls", "served", "capture",
                   "browser", "emulation", "secrets_redacted", "warnings")
PAD = 3  # pixels added around a term's box


def parse_region(text: str) -> tuple[int, int, int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*", text or "")
    if not m:
        raise InputError(f"malformed region {text!r}", hint="use x,y,w,h in pixels, e.g. --region 120,340,200,40")
    x, y, w, h = (int(v) for v in m.groups())
    if w == 0 or h == 0:
        raise InputError(f"region {text!r} is empty (width and height must be at least 1)")
    return x, y, w, h


def term_forms(term: str) -> list[str]:
    """The lower-case forms a term can take in a text: as typed, URL-encoded, and as slugs (``k-smith``)."""
    t = term.strip().lower()
    words = re.findall(r"\w+", t)
    forms = {t, quote(t, safe=""), quote_plus(t), quote(t)}
    for sep in ("-", "_", "+", "%20", ""):
        if words:
            forms.add(sep.join(words))
    return sorted((f for f in forms if f), key=len, reverse=True)


def replace_terms(value, terms: list[str]):
    """``value`` (str, list, dict, nested) with every form of every term replaced by [REDACTED]."""
    if isinstance(value, str):
        for term in terms:
            for form in term_forms(term):
                value = re.sub(re.escape(form), MARKER, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [replace_terms(v, terms) for v in value]
    if isinstance(value, dict):
        return {replace_terms(k, terms): replace_terms(v, terms) for k, v in value.items()}
    return value


def _norm(word: str) -> str:
    return re.sub(r"^\W+|\W+$", "", word.lower())


def term_boxes(words: list[dict], terms: list[str], scale: float = 1.0) -> list[tuple[int, int, int, int]]:
    """Pixel boxes ``(x, y, w, h)`` of the words that show a term (one box per word, padded)."""
    boxes = []
    texts = [w["text"].lower() for w in words]
    for term in terms:
        tokens = [_norm(t) for t in term.split() if _norm(t)]
        forms = term_forms(term)
        n = len(tokens)
        for i in range(len(words)):
            hit: list[int] = []
            if any(f in texts[i] for f in forms):
                hit = [i]
            elif n > 1 and i + n <= len(words):
                seq = [_norm(t) for t in texts[i:i + n]]
                if seq[0].endswith(tokens[0]) and seq[-1].startswith(tokens[-1]) and seq[1:-1] == tokens[1:-1]:
                    hit = list(range(i, i + n))
            for j in hit:
                w = words[j]
                x, y = int(w["x"] * scale) - PAD, int(w["y"] * scale) - PAD
                boxes.append((max(0, x), max(0, y), int(w["w"] * scale) + 2 * PAD + 1, int(w["h"] * scale) + 2 * PAD + 1))
    return boxes


def _pick_image(item, role: str | None) -> dict | None:
    if role is not None:
        art = item.artifact(role)
        if not art["media_type"].startswith("image/") or art["media_type"] == "image/svg+xml":
            raise InputError(f"artifact {art['role']} of item {item.id} is {art['media_type']}, not an image Pillow "
                             "can redact")
        return art
    images = [a for a in item.artifacts if a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml"]
    preferred = [a for a in images if a["role"] == "screenshot"] or [a for a in images if a["role"] == "original"] or images
    return preferred[0] if preferred else None


def _word_boxes(item, art: dict, im: Image.Image, terms: list[str]) -> tuple[list, str | None]:
    """Where the terms show in the image: from the capture's layout, else by OCR."""
    if not terms:
        return [], None
    layout = next((a for a in item.artifacts if a["role"] == "layout"), None)
    if layout is not None and art["role"] == "screenshot":
        data = json.loads(item.path("layout").read_bytes())
        return term_boxes(data["words"], terms, float(data.get("device_scale_factor") or 1)), "layout"
    from .analysis.ocr import ocr_image

    return term_boxes(ocr_image(im)["words"], terms), "ocr"


def _redacted_image(item, art: dict, regions: list, terms: list[str]) -> tuple[bytes, list, str | None]:
    try:
        with Image.open(item.path(art["role"])) as src:
            src.load()
            im = src.convert("RGBA" if "A" in src.getbands() else "RGB")
    except OSError as exc:
        raise InputError(f"cannot read the image of item {item.id}: {exc}") from None
    width, height = im.size
    for x, y, w, h in regions:
        if x + w > width or y + h > height:
            raise InputError(f"region {x},{y},{w},{h} goes beyond the image ({width}x{height} pixels)",
                             hint="regions are x,y,w,h in pixels of the original")
    found, boxes_from = _word_boxes(item, art, im, terms)
    boxes = list(regions) + [(x, y, min(w, width - x), min(h, height - y)) for x, y, w, h in found
                             if x < width and y < height]
    draw = ImageDraw.Draw(im)
    for x, y, w, h in boxes:
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(0, 0, 0, 255) if im.mode == "RGBA" else (0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=False)
    return buf.getvalue(), boxes, boxes_from


def redacted_record(item, terms: list[str]) -> dict:
    """What a redacted pack may show of ``item``'s record: terms replaced, technical capture facts kept."""
    rec = copy.deepcopy(item.record)
    technical = None
    if any(a["role"] == "metadata" for a in item.artifacts):
        meta = json.loads(item.path("metadata").read_bytes())
        technical = {k: meta.get(k) for k in TECHNICAL_FACTS if k in meta}
    return {"schema": "urn:evidence:redacted-record:1", "original_record_sha256": item.record_hash,
            "marker": MARKER, "record": replace_terms(rec, terms), "technical": replace_terms(technical, terms)}


def _intake_entry(ev, item) -> dict:
    e = next(e for e in ev.custody(item=item.id) if e.action in ("item.imported", "item.captured"))
    return {"seq": e.seq, "hash": e.entry_hash}


def _check_terms(terms: list[str], reason: str) -> list[str]:
    terms = [t.strip() for t in terms if t and t.strip()]
    for t in terms:
        if len(t) < 2:
            raise InputError(f"term {t!r} is too short to redact safely", hint="give a word or a name")
    low = reason.lower()
    if any(f in low for t in terms for f in term_forms(t)):
        raise InputError("the reason names a redacted term", hint="describe what is hidden without naming it")
    return terms


def redact(ev, item_id: str, *, regions: list, reason: str, role: str | None = None, terms: list | None = None) -> str:
    """Make a redacted copy of an item (its image, and its record's text). Returns the new item's id.

    ``regions`` are ``(x, y, w, h)`` tuples or ``"x,y,w,h"`` strings, in pixels of the original; ``terms`` are
    words or names removed wherever the item shows them."""
    regions = [parse_region(r) if isinstance(r, str) else tuple(r) for r in regions]
    if not reason or not reason.strip():
        raise InputError("a redaction needs a reason", hint='e.g. --reason "third-party name"')
    terms = _check_terms(list(terms or []), reason)
    if not regions and not terms:
        raise InputError("give at least one --region x,y,w,h or --term to redact")
    item = ev.item(item_id)
    if item.kind == "redaction":
        raise InputError(f"item {item.id} is already a redacted copy", hint=f"redact the original, {item.derived_from}")
    require_open_case(ev.store, item.case_ref)
    art = _pick_image(item, role)
    if art is None and (regions or role):
        raise InputError(f"item {item.id} has no image to redact")
    arts, boxes, boxes_from = [], list(regions), None
    if art is not None:
        png, boxes, boxes_from = _redacted_image(item, art, regions, terms)
        arts.append(ArtifactSource("redacted", data=png, media_type="image/png"))
    salt = secrets.token_bytes(16)
    if terms:
        view = json.dumps(redacted_record(item, terms), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        arts.append(ArtifactSource("redacted_record", data=view.encode("utf-8"), media_type="application/json",
                                   inspect_image=False))
        store_only = json.dumps({"salt": salt.hex(), "terms": terms}, ensure_ascii=False, sort_keys=True)
        arts.append(ArtifactSource("terms", data=store_only.encode("utf-8"), media_type="application/json",
                                   inspect_image=False))
    original = {"item": item.id, "record_sha256": item.record_hash}
    if art is not None:
        original.update(role=art["role"], sha256=art["sha256"])
    source = {"type": "derived", "original": original,
              "regions": [{"x": x, "y": y, "w": w, "h": h} for x, y, w, h in boxes], "reason": reason.strip(),
              "terms": [{"sha256": "sha256:" + hashlib.sha256(salt + t.encode("utf-8")).hexdigest()} for t in terms],
              "term_boxes_from": boxes_from}
    derived = {"item": item.id, "artifact": art["sha256"] if art else item.record_hash,
               "role": art["role"] if art else "record"}
    got = ingest(ev.log, case_ref=item.case_ref, kind="redaction", action="item.redacted", artifacts=arts,
                 source=source, derived_from=derived,
                 details={"original": item.id, "role": derived["role"], "reason": reason.strip(),
                          "regions": len(boxes), "terms": len(terms), "original_record": item.record_hash,
                          "original_entry": _intake_entry(ev, item)})
    return got.item_id


def redaction_terms(item) -> list[str]:
    """The terms a redaction item removed (from its store-only ``terms`` artifact; none for regions only)."""
    if not any(a["role"] == "terms" for a in item.artifacts):
        return []
    return list(json.loads(item.path("terms").read_bytes())["terms"])
