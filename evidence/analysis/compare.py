"""Compare two captures of a post (for recapture): text difference, perceptual-hash distance, difference image."""

from __future__ import annotations

import difflib
import io

from PIL import Image, ImageChops

from .imageio import load_rgb
from .textmatch import normalise
from .visualhash import hash_distance, image_hashes

__all__ = ["compare_captures", "difference_png"]

_CHANGED = 24  # a pixel whose largest channel difference exceeds this counts as changed


def difference_png(a, b) -> tuple[bytes, int]:
    """A PNG showing where ``b`` differs from ``a`` (changed pixels red over a faded ``a``; sizes padded to the
    larger), and the number of changed pixels."""
    ia, ib = load_rgb(a), load_rgb(b)
    size = (max(ia.width, ib.width), max(ia.height, ib.height))
    pa, pb = Image.new("RGB", size, "white"), Image.new("RGB", size, "white")
    pa.paste(ia, (0, 0))
    pb.paste(ib, (0, 0))
    diff = ImageChops.difference(pa, pb)
    r, g, bl = diff.split()
    mask = ImageChops.lighter(ImageChops.lighter(r, g), bl).point(lambda v: 255 if v > _CHANGED else 0)
    changed = mask.histogram()[255]
    out = Image.blend(pa, Image.new("RGB", size, "white"), 0.7)
    out.paste(Image.new("RGB", size, (220, 0, 0)), (0, 0), mask)
    buf = io.BytesIO()
    out.save(buf, "PNG", optimize=False)
    return buf.getvalue(), changed


def compare_captures(a_image, b_image, a_text: str | None, b_text: str | None) -> dict:
    """``{"text_changed", "text_diff", "hash_distance", "changed_pixels", "size_changed", "difference_png"}``.

    Text is compared after :func:`textmatch.normalise` (so whitespace, case and quote style do not count);
    ``text_diff`` is a unified diff of the texts as given, word per line."""
    ha, hb = image_hashes(a_image), image_hashes(b_image)
    png, changed = difference_png(a_image, b_image)
    diff = list(difflib.unified_diff((a_text or "").split(), (b_text or "").split(), "before", "after",
                                     lineterm="", n=3))
    return {"text_changed": normalise(a_text) != normalise(b_text), "text_diff": diff,
            "hash_distance": hash_distance(ha, hb), "changed_pixels": changed,
            "size_changed": (ha["width"], ha["height"]) != (hb["width"], hb["height"]),
            "before": ha, "after": hb, "difference_png": png}
