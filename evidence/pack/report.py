"""The pack's report: ``index.html`` (and its style sheets), ``VERIFY.txt``, and ``report.pdf`` printed from it.

The templates are in ``reports/``. The report has a Content-Security-Policy that forbids
scripts; it is dated by the newest custody entry it shows, never by the time it was built.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

from ..resources import reports_dir
from .archive import PackFiles

__all__ = ["render_report", "print_pdf", "add_pdf", "uk_time"]

UK = ZoneInfo("Europe/London")


def _instant(utc: str | None) -> datetime | None:
    """``2026-12-02T01:08:17.774Z`` (or without fraction / with an offset) as an aware datetime; None if not one."""
    if not utc:
        return None
    try:
        when = datetime.fromisoformat(str(utc).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def uk_time(utc: str | None, with_utc: bool = True) -> str:
    """A UTC instant as a reader in the UK reads it, the instant itself beside it:
    ``Wed 2 Dec 2026, 01:08:17 GMT (2026-12-02 01:08:17 UTC)``. Text that is not an instant is returned as is."""
    when = _instant(utc)
    if when is None:
        return str(utc or "")
    local = when.astimezone(UK)
    text = f"{local:%a} {local.day} {local:%b %Y, %H:%M:%S} {local.tzname()}"
    return f"{text} ({when.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC)" if with_utc else text


def _css_string(text) -> str:
    """Text for a CSS string literal in pages.css (quotes and backslashes escaped, no line breaks)."""
    from markupsafe import Markup

    s = " ".join(str(text or "").split())
    return Markup(s.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace(">", "\\3e "))


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(reports_dir())), autoescape=select_autoescape(["html", "j2", "txt"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short"] = lambda fp: (fp or "").replace("sha256:", "")[:16]
    env.filters["hexonly"] = lambda tag: (tag or "").replace("sha256:", "")
    env.filters["uk"] = uk_time
    env.filters["uk_only"] = lambda utc: uk_time(utc, with_utc=False)
    env.filters["css"] = _css_string
    env.filters["shquote"] = shlex.quote
    return env


def render_report(pack: PackFiles, ctx: dict) -> None:
    """Add report.css, pages.css, index.html and VERIFY.txt to ``pack``, rendered from ``ctx``."""
    env = _environment()
    pack.add("report.css", (reports_dir() / "report.css").read_bytes())
    pack.add("pages.css", env.get_template("pages.css.j2").render(**ctx).encode("utf-8"))
    pack.add("index.html", env.get_template("report.html.j2").render(**ctx).encode("utf-8"))
    pack.add("VERIFY.txt", env.get_template("VERIFY.txt.j2").render(**ctx).encode("utf-8"))
    if ctx.get("has_checkpoint"):
        # the inclusion-proof checker VERIFY.txt runs (Python's standard library only)
        pack.add("check-proofs.py", (reports_dir() / "check-proofs.py").read_bytes())


def print_pdf(pack: PackFiles, as_of: datetime, browser_path: str | None) -> bytes:
    """Lay out index.html with what it shows in a temporary folder and print it (PDF bytes: small reports only)."""
    with tempfile.TemporaryDirectory(prefix="evidence-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        _print_to(pack, as_of, browser_path, out)
        return out.read_bytes()


def add_pdf(pack: PackFiles, as_of: datetime, browser_path: str | None) -> None:
    """Print the report into a file of the pack's own temporary folder and add it as ``report.pdf``: the PDF is
    streamed to disk and into the ZIP, never held whole in memory."""
    from ..digest import hash_file

    out = pack.temp_dir() / "report.pdf"
    _print_to(pack, as_of, browser_path, out)
    sha, size = hash_file(out)
    pack.add_file("report.pdf", out, sha, size, "application/pdf")


def _print_to(pack: PackFiles, as_of: datetime, browser_path: str | None, out: Path) -> None:
    from .pdf import render_pdf_to

    with tempfile.TemporaryDirectory(prefix="evidence-report-") as tmp:
        root = Path(tmp)
        for path, data in pack.small.items():
            if path.endswith((".html", ".css")):
                dest = root / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                if path == "index.html":
                    # on paper, links to files would be absolute paths of this temporary folder: print them as
                    # plain text (links within the report stay links)
                    data = re.sub(rb'<a href="(?!#)[^"]*">(.*?)</a>', rb"\1", data, flags=re.S)
                dest.write_bytes(data)
        for path, (src, _, _, mtype) in pack.big.items():
            if mtype.startswith("image/"):
                dest = root / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(src, dest)
        render_pdf_to(root / "index.html", out, when=as_of, browser_path=browser_path)
