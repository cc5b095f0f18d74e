"""OCR text layers: the text of an imported image or a capture's screenshot, kept as a derived item.

:func:`ocr_item` reads the image with Tesseract (:func:`evidence.analysis.ocr.ocr_image`) and takes the layer
in through :func:`evidence.ingest.ingest` as an item of kind ``analysis`` (custody action ``item.derived``)
whose one artifact, role ``ocr``, is the layer as canonical JSON (``urn:evidence:ocr-layer:1``,
schemas/ocr-layer.schema.json: the text, and every word with its box in pixels of the image). Its record's
``derived_from`` names the item and the exact artifact read (by SHA-256); the original is never changed.
The layer's text is indexed for search (kind ``ocr``). A layer already made for the same artifact and
language is reused, so running it again is cheap and adds nothing.
"""

from __future__ import annotations

import json

from .canonical import canonical_json
from .errors import InputError
from .ingest import ArtifactSource, ingest, require_open_case

__all__ = ["IMAGE_ROLES", "image_artifact", "layer_items", "ocr_item", "ocr_case", "read_layer", "ocr_text"]

#: the artifact read, by kind of item: a supplied file, or a capture's full-page screenshot
IMAGE_ROLES = {"import": ("original",), "capture": ("screenshot", "screenshot_viewport")}


def image_artifact(item) -> dict | None:
    """The artifact of ``item`` that OCR reads (None when it has no raster image)."""
    for role in IMAGE_ROLES.get(item.kind, ()):
        if item.has(role):
            art = item.artifact(role)
            if art["media_type"].startswith("image/") and art["media_type"] != "image/svg+xml":
                return art
    return None


def layer_items(ev, item_id: str) -> list:
    """The OCR layer items made from ``item_id`` (oldest first)."""
    return [d for d in ev.derived(item_id)
            if d.kind == "analysis" and d.has("ocr")]


def read_layer(layer_item) -> dict:
    """The layer dict (words with boxes in image pixels) of an OCR layer item."""
    return json.loads(layer_item.path("ocr").read_bytes())


def _existing(ev, item, art: dict, lang: str):
    for d in layer_items(ev, item.id):
        src = d.record.get("derived_from") or {}
        if src.get("artifact") == art["sha256"] and (d.record.get("metadata") or {}).get("language") == lang:
            return d
    return None


def ocr_item(ev, item_id: str, *, lang: str = "eng") -> dict:
    """The OCR layer of ``item_id``'s image, made (and kept) if not made before. Returns a summary."""
    from .analysis.ocr import ocr_image

    item = ev.item(item_id)
    art = image_artifact(item)
    if art is None:
        raise InputError(f"item {item.id} ({item.kind}) has no image to read",
                         hint="OCR reads imported images and capture screenshots")
    made = _existing(ev, item, art, lang)
    if made is None:
        require_open_case(ev.store, item.case_ref)
        layer = ocr_image(item.path(art["role"]), lang=lang)
        meta = {"engine": layer["engine"], "language": layer["language"], "word_count": layer["word_count"],
                "mean_confidence": layer["mean_confidence"]}
        source = {"type": "derived", "original": {"item": item.id, "role": art["role"], "sha256": art["sha256"]},
                  "regions": [], "reason": "OCR text layer"}
        got = ingest(ev.log, case_ref=item.case_ref, kind="analysis", action="item.derived",
                     artifacts=[ArtifactSource("ocr", data=canonical_json(layer), media_type="application/json",
                                               inspect_image=False)],
                     source=source, metadata=meta, ocr_text=layer["text"],
                     derived_from={"item": item.id, "artifact": art["sha256"], "role": art["role"]},
                     details={"original": item.id, "analysis": "ocr", "role": art["role"], "language": lang,
                              "engine": f"{layer['engine']['name']} {layer['engine']['version']}",
                              "word_count": layer["word_count"]})
        made, new = ev.item(got.item_id), True
    else:
        new = False
    layer = read_layer(made)
    return {"item": item.id, "layer_item": made.id, "new": new, "role": art["role"], "sha256": art["sha256"],
            "layer_sha256": made.artifact("ocr")["sha256"], "language": layer["language"],
            "engine": layer["engine"], "word_count": layer["word_count"],
            "mean_confidence": layer["mean_confidence"], "text": layer["text"]}


def ocr_case(ev, case: str, *, lang: str = "eng") -> list[dict]:
    """An OCR layer for every imported image and capture screenshot of ``case`` that has none yet."""
    ref = ev.case(case)["ref"]
    return [ocr_item(ev, it.id, lang=lang) for it in ev.items(ref) if image_artifact(it) is not None]


def ocr_text(ev, item_id: str) -> str | None:
    """The text of the newest OCR layer of ``item_id`` (None when it has none)."""
    layers = layer_items(ev, ev.item(item_id).id)
    return read_layer(layers[-1])["text"] if layers else None
