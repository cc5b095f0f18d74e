"""Print an HTML report to PDF with Chromium (the same browser captures use).

Page headers and footers come from CSS page margin boxes in the report's own
style sheets (``@page { @top-right { ... } }``, named pages per exhibit), so the
exhibit number is in the header of every page of that exhibit.

Chromium stamps the time of printing into the PDF (``/CreationDate``,
``/ModDate``); those stamps are replaced by the time the pack describes, so the
same case state prints the same bytes.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from ..capture.browser import launch_options
from ..errors import CaptureError

__all__ = ["render_pdf", "fix_pdf_dates"]

_DATE_RE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")


def fix_pdf_dates(pdf: bytes, when: datetime) -> bytes:
    """Replace Chromium's print-time stamps with ``when`` (same length, so offsets stay valid)."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S").encode()

    def sub(m: re.Match) -> bytes:
        tail = m.group(3)
        new_tail = b"+00'00'" if len(tail) == len(b"+00'00'") else tail
        return b"/" + m.group(1) + b" (D:" + stamp + new_tail + b")"

    return _DATE_RE.sub(sub, pdf)


def render_pdf(html_path: Path, *, when: datetime, browser_path: str | None = None, timeout: float = 120.0) -> bytes:
    """Print ``html_path`` (a file in a folder holding everything it links to) to PDF bytes."""
    from playwright.sync_api import Error as PWError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # the report loads only its own files: every host name fails at once
        _, kwargs = launch_options(p, browser_path, extra_args=("--host-resolver-rules=MAP * ~NOTFOUND",))
        try:
            browser = p.chromium.launch(**kwargs)
        except PWError as exc:
            raise CaptureError(f"Chromium would not start to print the report: {str(exc).splitlines()[0]}",
                               hint="run `evidence doctor`, or build with --no-pdf") from None
        try:
            page = browser.new_page()
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load", timeout=timeout * 1000)
            page.emulate_media(media="print")
            page.set_default_timeout(timeout * 1000)
            # not tagged: the structure tree carries renderer node ids that differ from run to run
            pdf = page.pdf(prefer_css_page_size=True, print_background=True, outline=True, tagged=False)
        except PWError as exc:
            raise CaptureError(f"printing the report failed: {str(exc).splitlines()[0]}",
                               hint="build with --no-pdf to skip the PDF") from None
        finally:
            browser.close()
    return fix_pdf_dates(pdf, when)
