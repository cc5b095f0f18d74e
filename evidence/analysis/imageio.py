"""Open an image given as a path, bytes or a Pillow image, as RGB (the one place analysis reads images)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from ..errors import InputError

__all__ = ["load_rgb", "trim_border"]


def load_rgb(image) -> Image.Image:
    """``image``: a path, bytes, or a Pillow image. EXIF orientation is applied; returns an RGB copy."""
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    try:
        if isinstance(image, (bytes, bytearray)):
            src = Image.open(io.BytesIO(image))
        elif isinstance(image, (str, os.PathLike)):
            src = Image.open(Path(image))
        else:
            raise TypeError(f"not an image: {type(image).__name__}")
        with src:
            src.load()
            return ImageOps.exif_transpose(src).convert("RGB")
    except FileNotFoundError:
        raise InputError(f"no such image file: {image}") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"cannot read the image: {exc}", hint="give a PNG, JPEG, WebP or GIF file") from None


def trim_border(im: Image.Image, *, tolerance: int = 24) -> Image.Image:
    """``im`` without a uniform border (a dark frame, letterboxing) of the colour of its top-left pixel."""
    bg = Image.new("RGB", im.size, im.getpixel((0, 0)))
    diff = ImageChops.difference(im, bg).convert("L").point(lambda v: 255 if v > tolerance else 0)
    box = diff.getbbox()
    if not box or (box[2] - box[0]) < im.width * 0.2 or (box[3] - box[1]) < im.height * 0.2:
        return im
    return im.crop(box)
