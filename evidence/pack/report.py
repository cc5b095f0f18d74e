"""The pack's report: ``index.html`` (and its style sheets), ``VERIFY.txt``, and ``report.pdf`` printed from it.

The templates are in ``reports/``. The report has a Content-Security-Policy that forbids
scripts; it is dated by the newest custody entry it shows, never by the time it was built.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from ..resources import reports_dir
from .archive import PackFiles

__all__ = ["render_report", "print_pdf"]


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(reports_dir())), autoescape=select_autoescape(["html", "j2", "txt"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short"] = lambda fp: (fp or "").replace("sha256:", "")[:16]
    env.filters["hexonly"] = lambda tag: (tag or "").replace("sha256:", "")
    return env


def render_report(pack: PackFiles, ctx: dict) -> None:
    """Add report.css, pages.css, index.html and VERIFY.txt to ``pack``, rendered from ``ctx``."""
    env = _environment()
    pack.add("report.css", (reports_dir() / "report.css").read_bytes())
    pack.add("pages.css", env.get_template("pages.css.j2").render(**ctx).encode("utf-8"))
    pack.add("index.html", env.get_template("report.html.j2").render(**ctx).encode("utf-8"))
    pack.add("VERIFY.txt", env.get_template("VERIFY.txt.j2").render(**ctx).encode("utf-8"))


def print_pdf(pack: PackFiles, as_of: datetime, browser_path: str | None) -> bytes:
    """Lay out index.html with what it shows in a temporary folder and print it."""
    from .pdf import render_pdf

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
        return render_pdf(root / "index.html", when=as_of, browser_path=browser_path)
