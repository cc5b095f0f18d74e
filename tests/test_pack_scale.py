"""Issue 10 item 8: the report's PDF is streamed from a real Chromium to a file and fixed there in pieces (never
held whole in memory); the report references image files, never inlines them; the PDF goes into the ZIP from its
file. Memory against case size is measured by bench/bench_pack_scale.py (no timed or sized assertions here)."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import CASE, make_png

WHEN = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)


def _report(folder: Path, sections: int = 60) -> Path:
    """A report-like page: many headings (tagged PDF structure with node ids) and images referenced by file."""
    folder.mkdir()
    for n in range(3):
        make_png(folder / f"shot{n}.png", size=(600, 400), color=("red", "green", "blue")[n])
    body = "".join(f"<h2>Exhibit E{n}</h2><p>{'Text of the post. ' * 40}</p><img src='shot{n % 3}.png'>"
                   for n in range(sections))
    (folder / "index.html").write_text(f"<!DOCTYPE html><html lang=en><title>t</title><body>{body}</body></html>")
    return folder / "index.html"


def test_pdf_fixed_in_pieces_equals_fixed_whole(tmp_path, monkeypatch):
    """fix_pdf_file on a real Chromium PDF, read in windows far smaller than the PDF (so matches straddle window
    edges), gives the same bytes as fixing the whole PDF in memory."""
    from evidence.pack import pdf

    html = _report(tmp_path / "r")
    raw = tmp_path / "raw.pdf"
    with monkeypatch.context() as m:
        m.setattr(pdf, "fix_pdf_file", lambda path, when: None)  # Chromium's own bytes
        pdf.render_pdf_to(html, raw, when=WHEN)
    data = raw.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 64 * 1024
    assert b"/StructElem" in data and b"/CreationDate (D:" in data  # tagged, and stamped at print time
    want = pdf.fix_pdf_dates(pdf.fix_node_ids(data), WHEN)
    assert want != data
    for chunk in (4096, 10_007):
        piece = tmp_path / f"pieces-{chunk}.pdf"
        shutil.copy(raw, piece)
        monkeypatch.setattr(pdf, "_CHUNK", chunk)
        monkeypatch.setattr(pdf, "_OVERLAP", 4096)
        pdf.fix_pdf_file(piece, WHEN)
        assert piece.read_bytes() == want, chunk


def test_node_ids_renumbered_in_pieces(tmp_path, monkeypatch):
    """Chromium builds that name structure elements by renderer node id (``/ID (node00000064)``): renumbered
    and the id tree re-sorted the same in windows as whole (this Chromium may not write them, so the objects are
    laid out here as such a PDF holds them, padded so that they straddle window edges)."""
    from evidence.pack import pdf

    objs, pairs = [], []
    for n, node in enumerate((907, 113, 514, 42, 388)):
        num = 10 + n
        objs.append(b"\n%d 0 obj\n<</Type /StructElem\n/S /H2\n/ID (node%08d)\n/P 3 0 R>>\nendobj\n" % (num, node)
                    + b"%" + b"x" * (1500 + 997 * n) + b"\n")
        pairs.append(b"(node%08d) %d 0 R" % (node, num))
    pairs.sort()
    tree = b"<</Limits [" + pairs[0].split(b" ")[0] + b" " + pairs[-1].split(b" ")[0] + b"]\n/Names [" + \
        b" ".join(pairs) + b"]>>"
    data = b"%PDF-1.4" + b"".join(objs) + b"\n99 0 obj\n" + tree + b"\nendobj\n/CreationDate (D:20261205142148+00'00')\n"
    want = pdf.fix_pdf_dates(pdf.fix_node_ids(data), WHEN)
    assert b"(node00000010)" in want and want != data and len(want) == len(data)
    for chunk in (1024, 3000):
        f = tmp_path / f"n{chunk}.pdf"
        f.write_bytes(data)
        monkeypatch.setattr(pdf, "_CHUNK", chunk)
        monkeypatch.setattr(pdf, "_OVERLAP", 2048)
        pdf.fix_pdf_file(f, WHEN)
        assert f.read_bytes() == want, chunk


def test_same_page_prints_the_same_pdf_bytes(tmp_path):
    from evidence.pack.pdf import render_pdf_to

    html = _report(tmp_path / "r", sections=20)
    render_pdf_to(html, tmp_path / "a.pdf", when=WHEN)
    render_pdf_to(html, tmp_path / "b.pdf", when=WHEN)
    a = (tmp_path / "a.pdf").read_bytes()
    assert a == (tmp_path / "b.pdf").read_bytes()
    assert b"D:20261130120000" in a


def test_pack_pdf_from_file_and_images_by_reference(ready, run, tmp_path):
    """A pack built through the CLI: report.pdf is a stored ZIP entry, the same bytes a direct print gives;
    index.html refers to exhibit images by their paths in the pack and inlines none."""
    for n, color in enumerate(("red", "green", "blue")):
        r = run("import", make_png(tmp_path / f"s{n}.png", size=(500, 300), color=color), "--case", CASE,
                "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z")
        assert r.code == 0, r
    r = run("bundle", "--case", CASE, "--out", tmp_path / "p.zip")
    assert r.code == 0, r
    z = zipfile.ZipFile(tmp_path / "p.zip")
    info = z.getinfo("report.pdf")
    assert info.compress_type == zipfile.ZIP_STORED and z.read("report.pdf").startswith(b"%PDF-")
    html = z.read("index.html").decode()
    assert "data:image" not in html and "base64," not in html
    for n in (1, 2, 3):
        assert f'src="exhibits/E{n}/original.png"' in html
    assert run("verify-bundle", tmp_path / "p.zip").code == 0
    # no temporary folder of the build is left behind
    import tempfile

    left = [p for p in Path(tempfile.gettempdir()).glob("evidence-pack-*") if (p / "report.pdf").exists()
            and p.stat().st_mtime >= (tmp_path / "p.zip").stat().st_mtime - 120]
    assert left == []


@pytest.mark.parametrize("bad", ["none.html"])
def test_render_missing_page_is_a_clear_error(tmp_path, bad):
    from evidence.errors import CaptureError
    from evidence.pack.pdf import render_pdf_to

    with pytest.raises(CaptureError) as exc:
        render_pdf_to(tmp_path / bad, tmp_path / "out.pdf", when=WHEN)
    assert "printing the report failed" in str(exc.value)
