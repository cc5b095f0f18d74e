"""Redaction for disclosure: a redacted copy of a screenshot, never a change to the original.

The copy has opaque black boxes drawn with Pillow over the given regions. It is
a new item of kind ``redaction``, taken in through :func:`evidence.intake.ingest`
like any evidence (hashed, recorded, signed, logged), whose record names the
original item and artifact by SHA-256, the regions and the reason.
"""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw

from .errors import InputError
from .ingest import ArtifactSource, ingest, require_open_case

__all__ = ["parse_region", "redact"]


def parse_region(text: str) -> tuple[int, int, int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*", text or "")
    if not m:
        raise InputError(f"malformed region {text!r}", hint="use x,y,w,h in pixels, e.g. --region 120,340,200,40")
    x, y, w, h = (int(v) for v in m.groups())
    if w == 0 or h == 0:
        raise InputError(f"region {text!r} is empty (width and height must be at least 1)")
    return x, y, w, h


def redact(ev, item_id: str, *, regions: list, reason: str, role: str | None = None) -> str:
    """Make a redacted copy of an item's screenshot (or other image). Returns the new item's id.

    ``regions`` are ``(x, y, w, h)`` tuples or ``"x,y,w,h"`` strings, in pixels of the original."""
    regions = [parse_region(r) if isinstance(r, str) else tuple(r) for r in regions]
    if not regions:
        raise InputError("give at least one --region x,y,w,h to redact")
    if not reason or not reason.strip():
        raise InputError("a redaction needs a reason", hint='e.g. --reason "third-party name"')
    item = ev.item(item_id)
    if item.kind == "redaction":
        raise InputError(f"item {item.id} is already a redacted copy", hint=f"redact the original, {item.derived_from}")
    require_open_case(ev.store, item.case_ref)
    if role is None:
        images = [a for a in item.artifacts if a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml"]
        preferred = [a for a in images if a["role"] == "screenshot"] or [a for a in images if a["role"] == "original"] or images
        if not preferred:
            raise InputError(f"item {item.id} has no image to redact")
        art = preferred[0]
    else:
        art = item.artifact(role)
    if not art["media_type"].startswith("image/") or art["media_type"] == "image/svg+xml":
        raise InputError(f"artifact {art['role']} of item {item.id} is {art['media_type']}, not an image Pillow can redact")
    try:
        with Image.open(item.path(art["role"])) as src:
            src.load()
            im = src.convert("RGBA" if "A" in src.getbands() else "RGB")
    except OSError as exc:
        raise InputError(f"cannot read the image of item {item.id}: {exc}") from None
    width, height = im.size
    draw = ImageDraw.Draw(im)
    for x, y, w, h in regions:
        if x + w > width or y + h > height:
            raise InputError(f"region {x},{y},{w},{h} goes beyond the image ({width}x{height} pixels)",
                             hint="regions are x,y,w,h in pixels of the original")
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(0, 0, 0, 255) if im.mode == "RGBA" else (0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=False)
    source = {"type": "derived", "original": {"item": item.id, "role": art["role"], "sha256": art["sha256"]},
              "regions": [{"x": x, "y": y, "w": w, "h": h} for x, y, w, h in regions], "reason": reason.strip()}
    got = ingest(ev.log, case_ref=item.case_ref, kind="redaction", action="item.redacted",
                 artifacts=[ArtifactSource("redacted", data=buf.getvalue(), media_type="image/png")], source=source,
                 derived_from={"item": item.id, "artifact": art["sha256"], "role": art["role"]},
                 details={"original": item.id, "role": art["role"], "reason": reason.strip(),
                          "regions": len(regions)})
    return got.item_id
