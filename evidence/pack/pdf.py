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

from ..capture.browser import launch_options, driver_environment
from ..errors import CaptureError

__all__ = ["render_pdf", "render_pdf_to", "fix_pdf_dates", "fix_node_ids", "fix_pdf_file"]

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
    return _NAMES_RE.sub(_resort, pdf)


# Page.printToPDF as Playwright's page.pdf() sends it, but answered as a stream: page.pdf() returns the whole PDF
# as one base64 string, which fails past 512 MB ("Cannot create a string longer than 0x1fffffe8 characters")
_PRINT = {"landscape": False, "displayHeaderFooter": False, "printBackground": True, "scale": 1,
          "paperWidth": 8.5, "paperHeight": 11, "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
          "pageRanges": "", "preferCSSPageSize": True, "generateTaggedPDF": True, "generateDocumentOutline": True,
          "transferMode": "ReturnAsStream"}
_READ = 4 * 1024 * 1024


# every image decoded before printing: Chromium otherwise decodes them while it prints, and the PDF's objects
# come out numbered in the order the decodes finish (the same page gave different bytes about one time in 8)
_DECODED_JS = "() => Promise.all(Array.from(document.images, i => i.decode().catch(() => null))).then(() => true)"


def _print_streamed(page, out) -> None:
    """Print ``page`` to PDF, written to the open file ``out`` in 4 MB pieces (CDP ``IO.read``): memory holds
    one piece at a time, whatever the PDF's size."""
    import base64

    cdp = page.context.new_cdp_session(page)
    stream = cdp.send("Page.printToPDF", _PRINT)["stream"]
    try:
        while True:
            got = cdp.send("IO.read", {"handle": stream, "size": _READ})
            data = got.get("data", "")
            out.write(base64.b64decode(data) if got.get("base64Encoded") else data.encode("latin-1"))
            if got.get("eof"):
                break
    finally:
        cdp.send("IO.close", {"handle": stream})


def render_pdf(html_path: Path, *, when: datetime, browser_path: str | None = None, timeout: float = 120.0) -> bytes:
    """Print ``html_path`` (a file in a folder holding everything it links to) to PDF bytes (small reports only:
    :func:`render_pdf_to` keeps memory flat whatever the PDF's size)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="evidence-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        render_pdf_to(html_path, out, when=when, browser_path=browser_path, timeout=timeout)
        return out.read_bytes()


def render_pdf_to(html_path: Path, out: Path, *, when: datetime, browser_path: str | None = None,
                  timeout: float = 120.0) -> None:
    """Print ``html_path`` (a file in a folder holding everything it links to) to the new file ``out``, streamed
    from Chromium in pieces, then fixed in place (:func:`fix_pdf_file`)."""
    from playwright.sync_api import Error as PWError
    from playwright.sync_api import sync_playwright

    with driver_environment(), sync_playwright() as p:
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
            page.evaluate(_DECODED_JS)
            # tagged: Chromium builds the outline (bookmarks) from the structure tree's headings; the tree's
            # renderer node ids differ from run to run and are renumbered by fix_node_ids
            with open(out, "wb") as fh:
                _print_streamed(page, fh)
        except PWError as exc:
            raise CaptureError(f"printing the report failed: {str(exc).splitlines()[0]}",
                               hint="build with --no-pdf to skip the PDF") from None
        finally:
            browser.close()
    fix_pdf_file(out, when)


_CHUNK = 8 * 1024 * 1024
_OVERLAP = 8 * 1024 * 1024  # longer than any object the patterns match (a structure element, an id-tree leaf)


def _scan(fh, pattern: re.Pattern):
    """Every match of ``pattern`` in the open file ``fh`` as (absolute offset, match), read in windows of
    16 MB that overlap by half: a match is taken from the window in whose first half it starts."""
    size = fh.seek(0, 2)
    pos = 0
    while pos < size:
        fh.seek(pos)
        window = fh.read(_CHUNK + _OVERLAP)
        last = pos + len(window) >= size
        for m in pattern.finditer(window):
            if m.start() < _CHUNK or last:
                yield pos, m
        if last:
            break
        pos += _CHUNK


def _apply(fh, edits: list[tuple[int, bytes]]) -> None:
    for offset, data in edits:
        fh.seek(offset)
        fh.write(data)


def fix_pdf_file(path: Path, when: datetime) -> None:
    """:func:`fix_node_ids` then :func:`fix_pdf_dates` on the file at ``path``, in place and in pieces (every
    change keeps its length, so the file is edited where it lies and never held whole in memory)."""
    with open(path, "r+b") as fh:
        new: dict[bytes, bytes] = {}
        for _, m in _scan(fh, _OBJ_ID_RE):
            new[m.group(2)] = b"%08d" % int(m.group(1))
        if new and len(set(new.values())) == len(new):
            _apply(fh, [(pos + m.start(1), new[m.group(1)]) for pos, m in list(_scan(fh, _NODE_RE))
                        if m.group(1) in new])
            # the id tree's leaves, sorted again now that the ids changed (the same pairs in another order)
            _apply(fh, [(pos + m.start(), fix_node_ids_names(m.group(0))) for pos, m in list(_scan(fh, _NAMES_RE))])
        _apply(fh, [(pos + m.start(), fix_pdf_dates(m.group(0), when)) for pos, m in list(_scan(fh, _DATE_RE))])


def fix_node_ids_names(leaf: bytes) -> bytes:
    """One id-tree leaf (``<</Limits [...]\n/Names [...]``) with its pairs sorted by id (same length)."""
    return _NAMES_RE.sub(_resort, leaf)


def _resort(m: re.Match) -> bytes:
    pairs = re.findall(rb"\(node\d{8}\) \d+ 0 R", m.group(1))
    if b" ".join(pairs) != m.group(1):
        return m.group(0)
    pairs.sort()
    keys = [p.split(b" ", 1)[0] for p in pairs]
    return b"<</Limits [" + keys[0] + b" " + keys[-1] + b"]\n/Names [" + b" ".join(pairs) + b"]"
