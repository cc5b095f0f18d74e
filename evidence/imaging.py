"""What Pillow can tell about an image: dimensions and the EXIF facts investigators ask for."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import ExifTags, Image, UnidentifiedImageError

__all__ = ["image_info"]

Image.MAX_IMAGE_PIXELS = 400_000_000  # screenshots can be tall; still refuse decompression bombs

_EXIF_FIELDS = {
    "DateTimeOriginal": "date_taken",
    "DateTimeDigitized": "date_digitized",
    "DateTime": "date_modified",
    "OffsetTimeOriginal": "offset_taken",
    "Software": "software",
    "Make": "device_make",
    "Model": "device_model",
    "Artist": "artist",
    "ImageDescription": "description",
}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = str(value).replace("\x00", "").strip()
    return value or None


def image_info(path: str | Path) -> dict | None:
    """``{"width", "height", "format", "exif": {...}}`` for an image file; None if Pillow cannot read it.

    Only the header is read (Pillow opens lazily), never the whole pixel data.
    Every value is a string or an integer (records hold no floats).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                info: dict = {"width": int(im.width), "height": int(im.height), "format": im.format or None}
                exif: dict = {}
                try:
                    if im.format == "PNG":
                        # Pillow's getexif() decodes a whole PNG to look for an eXIf chunk after the image
                        # data; the PNG specification puts eXIf before it, where opening already found it
                        raw = Image.Exif()
                        if im.info.get("exif"):
                            raw.load(im.info["exif"])
                    else:
                        raw = im.getexif()
                except Exception:  # noqa: BLE001 - malformed EXIF is a fact, not a crash
                    raw = None
                    info["exif_error"] = "unreadable EXIF"
                if raw:
                    merged = dict(raw)
                    try:
                        merged.update(raw.get_ifd(ExifTags.IFD.Exif))
                    except Exception:  # noqa: BLE001
                        pass
                    for tag_id, value in merged.items():
                        name = ExifTags.TAGS.get(tag_id)
                        if name in _EXIF_FIELDS:
                            v = _text(value)
                            if v:
                                exif[_EXIF_FIELDS[name]] = v
                    orientation = merged.get(0x0112)
                    if isinstance(orientation, int):
                        exif["orientation"] = orientation
                info["exif"] = exif
                return info
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
