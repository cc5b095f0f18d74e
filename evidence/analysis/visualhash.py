"""Perceptual hashes (ImageHash: pHash and dHash, 64 bits each) of images and of windows of screenshots.

A supplied screenshot is rarely the whole capture: it is cropped, scaled, re-compressed, framed, has a
phone's status bar on top. :func:`window_distance` therefore compares the supplied image (without its
uniform border, and again without its top strip) with windows of the capture's screenshot of the same
aspect ratio, at several widths and offsets, and keeps the smallest distance.
"""

from __future__ import annotations

import imagehash
from PIL import Image

from .imageio import load_rgb, trim_border

__all__ = ["image_hashes", "hash_distance", "window_distance", "HASH_BITS"]

HASH_BITS = 64
_WORK_WIDTH = 256  # images are reduced to this width before windows are cut (hashes use 8x8 / 9x8 anyway)
_TOP_STRIP = 0.08  # the share of a phone screenshot a status bar may take


def pair_hashes(im: Image.Image) -> tuple:
    return imagehash.phash(im), imagehash.dhash(im)


def image_hashes(image) -> dict:
    """``{"phash", "dhash", "width", "height"}`` of an image (hashes as 16 hex digits)."""
    im = load_rgb(image)
    p, d = pair_hashes(im)
    return {"phash": str(p), "dhash": str(d), "width": im.width, "height": im.height}


def hash_distance(a: dict, b: dict) -> int:
    """Distance of two :func:`image_hashes` results: the mean of the pHash and dHash Hamming distances (0-64)."""
    dp = imagehash.hex_to_hash(a["phash"]) - imagehash.hex_to_hash(b["phash"])
    dd = imagehash.hex_to_hash(a["dhash"]) - imagehash.hex_to_hash(b["dhash"])
    return int(round((dp + dd) / 2))


def _reduced(im: Image.Image, width: int = _WORK_WIDTH) -> Image.Image:
    if im.width <= width:
        return im
    return im.resize((width, max(1, round(im.height * width / im.width))), Image.Resampling.BILINEAR)


def supplied_views(image) -> list[Image.Image]:
    """The supplied image as compared: without its uniform border, and that again without its top strip."""
    im = trim_border(load_rgb(image))
    cut = int(im.height * _TOP_STRIP)
    views = [im]
    if im.height - cut > 40:
        views.append(im.crop((0, cut, im.width, im.height)))
    return [_reduced(v) for v in views]


def capture_windows(image, aspects: list[float], *, max_screens: float = 3.0) -> list[Image.Image]:
    """Windows of a capture's screenshot: for each aspect (height/width), widths 100%, 90%, 80% (centred
    and left) at vertical offsets every quarter window down to ``max_screens`` window heights."""
    im = _reduced(load_rgb(image))
    out = []
    for aspect in aspects:
        for frac in (1.0, 0.9, 0.8):
            w = max(8, int(im.width * frac))
            h = max(8, int(w * aspect))
            if h > im.height:
                h = im.height
            lefts = {0, (im.width - w) // 2}
            step = max(4, h // 4)
            limit = min(im.height - h, int(h * max_screens))
            for top in range(0, max(0, limit) + 1, step):
                for left in lefts:
                    out.append(im.crop((left, top, left + w, top + h)))
    return out


def window_distance(supplied, capture) -> int:
    """Smallest hash distance (0-64) between the supplied image's views and the capture's windows."""
    views = supplied_views(supplied)
    vh = [pair_hashes(v) for v in views]
    best = HASH_BITS
    for win in capture_windows(capture, [v.height / v.width for v in views]):
        p, d = pair_hashes(win)
        for sp, sd in vh:
            best = min(best, int(round(((p - sp) + (d - sd)) / 2)))
    return best
