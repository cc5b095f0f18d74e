"""Screenshot facts read from the PNG bytes themselves (no decoding): used to skip a second screenshot.

When the full-page screenshot is exactly the viewport's size, the page is no taller and no wider than
the viewport, so a viewport screenshot would show the same pixels: the capture keeps the full-page
PNG as the ``screenshot_viewport`` artifact too (same bytes, same SHA-256) and its metadata says so
(``capture.viewport_screenshot``), instead of taking a second screenshot.
"""

from __future__ import annotations

import struct

__all__ = ["png_size", "fills_viewport_exactly", "VIEWPORT_TAKEN", "VIEWPORT_IS_FULL_PAGE"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VIEWPORT_TAKEN = "taken"
VIEWPORT_IS_FULL_PAGE = "same-as-full-page"


def png_size(png: bytes | None) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None when ``png`` is not a PNG."""
    if not png or len(png) < 24 or png[:8] != PNG_SIGNATURE or png[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", png[16:24])


def fills_viewport_exactly(full_png: bytes | None, viewport: tuple[int, int], scale: int) -> bool:
    """True when the full-page screenshot has the viewport's size in device pixels."""
    return png_size(full_png) == (viewport[0] * scale, viewport[1] * scale)
