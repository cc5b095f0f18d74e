"""OCR: an image's text layer, read by Tesseract through the pytesseract binding.

:func:`ocr_image` returns a plain dict (``urn:evidence:ocr-layer:1``, schemas/ocr-layer.schema.json) that
canonical JSON can hold: integers and strings only. Word boxes are in pixels of the image as given
(before any upscaling done for reading), confidences are Tesseract's, rounded to whole percent.
"""

from __future__ import annotations

import functools
from importlib import metadata

from PIL import Image

from ..errors import InputError, ToolMissing
from .imageio import load_rgb

__all__ = ["SCHEMA", "ocr_image", "tesseract_info", "MIN_TEXT_HEIGHT_WIDTH"]

SCHEMA = "urn:evidence:ocr-layer:1"
# Tesseract reads best at about 20-30 px letter height. Screenshots narrower than this (phones, scaled
# copies) are upscaled 2x before reading; boxes are scaled back.
MIN_TEXT_HEIGHT_WIDTH = 1400
DEFAULT_CONFIG = "--oem 1 --psm 3"  # LSTM engine, automatic page segmentation


def _pytesseract():
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ToolMissing("the Python package pytesseract is not installed",
                          hint="reinstall evidence (pip install evidence) or run `make setup`") from None
    return pytesseract


@functools.cache
def tesseract_info() -> dict:
    """``{"name", "version", "binding", "languages"}`` of the Tesseract that will be used; ToolMissing if none."""
    pt = _pytesseract()
    try:
        version = str(pt.get_tesseract_version())
        languages = sorted(pt.get_languages(config=""))
    except (pt.TesseractNotFoundError, OSError):
        raise ToolMissing("Tesseract OCR is not installed (the `tesseract` program was not found)",
                          hint="install it: apt-get install tesseract-ocr tesseract-ocr-eng "
                               "(or run `make setup` as root)") from None
    try:
        binding = f"pytesseract {metadata.version('pytesseract')}"
    except metadata.PackageNotFoundError:  # pragma: no cover
        binding = "pytesseract"
    return {"name": "tesseract", "version": version.split()[0], "binding": binding, "languages": languages}


def _check_language(lang: str, info: dict) -> None:
    for part in lang.split("+"):
        if part not in info["languages"]:
            raise ToolMissing(f"Tesseract has no data for language {part!r}",
                              hint=f"install it: apt-get install tesseract-ocr-{part}")


def _read(im: Image.Image, lang: str, config: str) -> dict:
    pt = _pytesseract()
    try:
        return pt.image_to_data(im, lang=lang, config=config, output_type=pt.Output.DICT)
    except pt.TesseractError as exc:
        raise InputError(f"Tesseract could not read the image: {exc.message or exc}") from None


def _words(data: dict, scale: int) -> list[dict]:
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        words.append({"text": text,
                      "x": int(data["left"][i]) // scale, "y": int(data["top"][i]) // scale,
                      "w": max(1, int(data["width"][i]) // scale), "h": max(1, int(data["height"][i]) // scale),
                      "conf": int(round(conf)),
                      "line": [int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])]})
    return words


def _full_text(words: list[dict]) -> str:
    lines: list[str] = []
    last = None
    for w in words:
        key = tuple(w["line"])
        if key != last:
            if last is not None and key[:2] != last[:2]:
                lines.append("")  # a new paragraph or block
            lines.append(w["text"])
            last = key
        else:
            lines[-1] += " " + w["text"]
    return "\n".join(lines).strip()


def ocr_image(image, *, lang: str = "eng", config: str = DEFAULT_CONFIG) -> dict:
    """Read the text of ``image`` (a path, bytes or Pillow image). Returns the OCR layer dict.

    Raises :class:`ToolMissing` when Tesseract or its data for ``lang`` is not installed and
    :class:`InputError` when the image cannot be read."""
    info = tesseract_info()
    _check_language(lang, info)
    im = load_rgb(image)
    scale = 2 if im.width < MIN_TEXT_HEIGHT_WIDTH else 1
    work = im.resize((im.width * scale, im.height * scale), Image.Resampling.LANCZOS) if scale > 1 else im
    words = _words(_read(work, lang, config), scale)
    confs = [w["conf"] for w in words]
    return {
        "schema": SCHEMA,
        "engine": {"name": info["name"], "version": info["version"], "binding": info["binding"], "config": config},
        "language": lang,
        "image": {"width": im.width, "height": im.height, "upscaled": scale},
        "text": _full_text(words),
        "words": words,
        "word_count": len(words),
        "mean_confidence": int(round(sum(confs) / len(confs))) if confs else 0,
    }
