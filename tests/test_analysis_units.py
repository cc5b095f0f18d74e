"""Text normalisation and scores, hashes, and a missing Tesseract (a real empty PATH, not a mock)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from evidence.analysis import hash_distance, image_hashes, normalise, text_score
from evidence.analysis.imageio import load_rgb, trim_border
from evidence.analysis.textmatch import word_recall
from evidence.errors import EvidenceError, InputError, ToolMissing


def test_normalise():
    assert normalise("  \u201cWatch\u00a0your   BACK\u201d \u2014 it\u2019s\n Monday ") == '"watch your back" - it\'s monday'
    assert normalise(None) == ""
    assert normalise("\uff37atch") == "watch"  # NFKC: a full-width letter


def test_text_score():
    post = "Dr K. Smith is an incompetent fraud and everyone in the School of Physics knows it."
    ocr = "9:41 Chirp\nJ. Doe @jdoe_phys\nDr K. Smith is an incompetent\nfraud and everyone in the Schoo1\nof Physics knows it.\n12 Reposts"
    assert text_score(ocr, post) >= 90
    assert text_score("Completely different words about football results today", post) < 40
    assert text_score(ocr, "") == 0 and text_score("", post) == 0
    assert text_score("CHOLLO COMPARTIDO", "Chollo") <= 50  # too few words to tell posts apart
    assert word_recall(post, ocr) == (9, 9)  # distinct words of 3+ letters; "Schoo1" read for "School"


def test_hashes(tmp_path):
    im = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(im).rectangle([50, 50, 200, 150], fill="black")
    a = image_hashes(im)
    assert len(a["phash"]) == 16 and a["width"] == 400
    im.save(tmp_path / "a.jpg", "JPEG", quality=50)
    assert hash_distance(a, image_hashes(tmp_path / "a.jpg")) <= 2
    other = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(other).ellipse([220, 120, 390, 290], fill="black")
    assert hash_distance(a, image_hashes(other)) > 10


def test_trim_border():
    im = Image.new("RGB", (300, 200), (20, 20, 20))
    im.paste(Image.new("RGB", (200, 100), "white"), (50, 50))
    assert trim_border(im).size == (200, 100)


def test_unreadable_image(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(InputError):
        load_rgb(bad)
    with pytest.raises(InputError):
        load_rgb(tmp_path / "missing.png")


def test_missing_tesseract_is_a_clear_error(monkeypatch, tmp_path):
    from evidence.analysis import ocr

    ocr.tesseract_info.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without the tesseract program
    try:
        with pytest.raises(ToolMissing) as err:
            ocr.ocr_image(Image.new("RGB", (50, 50), "white"))
    finally:
        ocr.tesseract_info.cache_clear()
    assert isinstance(err.value, EvidenceError) and err.value.exit_code == 12
    assert "apt-get install tesseract-ocr tesseract-ocr-eng" in str(err.value)


@pytest.mark.skipif(__import__("shutil").which("tesseract") is None, reason="Tesseract is not installed")
def test_missing_language_names_the_package():
    from evidence.analysis import ocr

    with pytest.raises(ToolMissing) as err:
        ocr.ocr_image(Image.new("RGB", (50, 50), "white"), lang="zzz")
    assert "tesseract-ocr-zzz" in str(err.value)
