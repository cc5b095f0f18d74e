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

from ..capture.browser import launch_options, without_secrets
from ..errors import CaptureError

__all__ = ["render_pdf", "fix_pdf_dates", "fix_node_ids"]

_DATE_RE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")
_OBJ_ID_RE = re.compile(rb"\n(\d+) 0 obj\n<</Type /StructElem\n(?:(?!endobj).)*?/ID \(node(\d{8})\)", re.S)
_NODE_RE = re.compile(rb"\(node(\d{8})\)")
_NAMES_RE = re.compile(rb"<</Limits \[\(node\d{8}\) \(node\d{8}\)\]\n/Names \[([^\]]*)\]")


def fix_pdf_dates(pdf: bytes, when: datetime) -> bytes:
    """Replace Chromium's print-time stamps with ``when`` (same length, so offsets stay valid)."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S").encode()

    def sub(m: re.Match) -> bytes:
        tail = m.group(3)
        new_tail = b"+00'00'" if len(tail) == len(b"+00'00'") else tail
        return b"/" + m.group(1) + b" (D:" + stamp + new_tail + b")"

    return _DATE_RE.sub(sub, pdf)


def fix_node_ids(pdf: bytes) -> bytes:
    """Make a tagged PDF's structure ids deterministic (same length, so offsets stay valid).

    Chromium names each structure element with a renderer node id (``/ID (node00000064)``) that changes from
    run to run; each becomes ``node`` + the number of the PDF object that carries it, and the id tree's name
    array (sorted by id) is sorted again. Its bytes are the same pairs in another order, so its length holds.
    """
    new = {old: b"%08d" % int(num) for num, old in _OBJ_ID_RE.findall(pdf)}
    if len(set(new.values())) != len(new):
        return pdf
    pdf = _NODE_RE.sub(lambda m: b"(node" + new.get(m.group(1), m.group(1)) + b")", pdf)

    def resort(m: re.Match) -> bytes:
        pairs = re.findall(rb"\(node\d{8}\) \d+ 0 R", m.group(1))
        if b" ".join(pairs) != m.group(1):
            return m.group(0)
        pairs.sort()
        keys = [p.split(b" ", 1)[0] for p in pairs]
        return b"<</Limits [" + keys[0] + b" " + keys[-1] + b"]\n/Names [" + b" ".join(pairs) + b"]"

    return _NAMES_RE.sub(resort, pdf)


# Page.printToPDF as Playwright's page.pdf() sends it, but answered as a stream: page.pdf() returns the whole PDF
# as one base64 string, which fails past 512 MB ("Cannot create a string longer than 0x1fffffe8 characters")
_PRINT = {"landscape": False, "displayHeaderFooter": False, "printBackground": True, "scale": 1,
          "paperWidth": 8.5, "paperHeight": 11, "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
          "pageRanges": "", "preferCSSPageSize": True, "generateTaggedPDF": True, "generateDocumentOutline": True,
          "transferMode": "ReturnAsStream"}
_READ = 4 * 1024 * 1024


def _print_streamed(page) -> bytes:
    """Print ``page`` to PDF, read back in 4 MB pieces (CDP ``IO.read``)."""
    import base64

    cdp = page.context.new_cdp_session(page)
    stream = cdp.send("Page.printToPDF", _PRINT)["stream"]
    pdf = bytearray()
    try:
        while True:
            got = cdp.send("IO.read", {"handle": stream, "size": _READ})
            data = got.get("data", "")
            pdf += base64.b64decode(data) if got.get("base64Encoded") else data.encode("latin-1")
            if got.get("eof"):
                break
    finally:
        cdp.send("IO.close", {"handle": stream})
    return bytes(pdf)


def render_pdf(html_path: Path, *, when: datetime, browser_path: str | None = None, timeout: float = 120.0) -> bytes:
    """Print ``html_path`` (a file in a folder holding everything it links to) to PDF bytes."""
    from playwright.sync_api import Error as PWError
    from playwright.sync_api import sync_playwright

    with without_secrets(), sync_playwright() as p:
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
            # tagged: Chromium builds the outline (bookmarks) from the structure tree's headings; the tree's
            # renderer node ids differ from run to run and are renumbered by fix_node_ids
            pdf = _print_streamed(page)
        except PWError as exc:
            raise CaptureError(f"printing the report failed: {str(exc).splitlines()[0]}",
                               hint="build with --no-pdf to skip the PDF") from None
        finally:
            browser.close()
    return fix_pdf_dates(fix_node_ids(pdf), when)
