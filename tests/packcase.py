"""Helpers for tests that read a real pack as its readers do: the demo case's pack, unpacked, and its PDF read
with poppler's command-line tools (pdftotext, pdfimages) and a small reader of the PDF's outline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = Path(sys.executable).parent / "evidence"
HAVE_POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdfimages", "pdfinfo"))


def isolated_env(tmp: Path) -> dict[str, str]:
    """The environment of a CLI run that touches nothing of the user's (config, state, XDG folders under tmp)."""
    env = dict(os.environ)
    for k in ("EVIDENCE_KEY", "EVIDENCE_BROWSER", "EVIDENCE_STORE"):
        env.pop(k, None)
    env.update({"EVIDENCE_CONFIG_DIR": str(tmp / "config"), "XDG_DATA_HOME": str(tmp / "xdg-data"),
                "XDG_CONFIG_HOME": str(tmp / "xdg-config"), "XDG_STATE_HOME": str(tmp / "xdg-state"),
                "EVIDENCE_STATE_DIR": str(tmp / "state")})
    return env


def demo_pack(tmp: Path, *, pdf: bool = True) -> tuple[Path, dict]:
    """Run `evidence demo` in ``tmp/demo``; returns the panel pack's path and the demo's facts (demo.json)."""
    import json

    args = [str(EVIDENCE), "demo", "--dir", str(tmp / "demo")] + ([] if pdf else ["--no-pdf"])
    r = subprocess.run(args, env=isolated_env(tmp), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp / "demo" / "panel-pack.zip", json.loads((tmp / "demo" / "demo.json").read_text())


def unpack(pack: Path, dest: Path) -> Path:
    with zipfile.ZipFile(pack) as zf:
        zf.extractall(dest)
    return dest


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext, reading order)."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_word_boxes(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page number, xMin, xMax, word) of every word (pdftotext -bbox-layout)."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line)
        if m:
            words.append((page, float(m.group(1)), float(m.group(2)), m.group(3)))
    return words


def pdf_images(pdf: Path) -> int:
    """How many images the PDF draws (pdfimages -list; an image drawn twice counts twice)."""
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines()[2:] if " image " in line)


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"<"):
        data = bytes.fromhex(raw[1:-1].decode("ascii"))
        return data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1")
    body = raw[1:-1]
    body = re.sub(rb"\\([()\\])", rb"\1", body)
    return body.decode("latin-1")


def pdf_outline(pdf: Path) -> list[str]:
    """The titles of the PDF's bookmarks (outline items: objects with /Title and /Parent), in file order.

    Chromium writes outline items uncompressed, one object each, with literal or UTF-16 hex titles."""
    data = pdf.read_bytes()
    titles = []
    for m in re.finditer(rb"<</Title (\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)\n/Dest [^\n]*\n/Parent ", data):
        titles.append(_pdf_string(m.group(1)))
    return titles


def verify_steps(text: str) -> list[tuple[int, list[str]]]:
    """The numbered steps of VERIFY.txt and the commands of each, as a reader types them: every run of lines
    indented by five or more spaces is one command (dedented by five), up to the paragraph "Or check
    everything at once", which names another tool."""
    steps: list[tuple[int, list[str]]] = []
    block: list[str] = []

    def flush():
        if block and steps:
            steps[-1][1].append("\n".join(block) + "\n")
        block.clear()

    for line in text.splitlines():
        if line.startswith("Or check everything"):
            break
        m = re.match(r"^(\d+)\. ", line)
        if m:
            flush()
            steps.append((int(m.group(1)), []))
        elif line.startswith("     ") and line.strip():
            block.append(line[5:])
        else:
            flush()
    flush()
    return steps


def run_verify_steps(text: str, workdir: Path, timeout: float = 120) -> dict[int, list[subprocess.CompletedProcess]]:
    """Run every command of VERIFY.txt literally with bash: step 1 in ``workdir`` (where the pack is), the rest
    in the folder step 1 unpacks into (found from step 1's ``cd``)."""
    results: dict[int, list[subprocess.CompletedProcess]] = {}
    here = workdir
    for num, commands in verify_steps(text):
        for cmd in commands:
            r = subprocess.run(["bash", "-c", cmd], cwd=here, capture_output=True, text=True, timeout=timeout)
            results.setdefault(num, []).append(r)
            if num == 1:
                m = re.search(r"&& cd (\S+)\s*$", cmd)
                here = workdir / m.group(1).strip("'")
    return results
