"""Screenshot analysis on real images: real post pages rendered by real Chromium (tests/analysis_corpus.py),
and complainant screenshots made from them (cropped, scaled 0.7, JPEG 60; a phone status bar; a dark
border; the top only). OCR finds the post's words, a match picks the right capture among all the
others, a screenshot of a post never captured gets "no match", near-duplicates are found, and two
captures are compared."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from analysis_corpus import HELD_OUT, build_corpus
from evidence.analysis import Candidate, compare_captures, match_image, near_duplicates, ocr_image
from evidence.analysis.match import LIKELY, NO_MATCH, SAME
from evidence.analysis.textmatch import word_recall
from evidence.canonical import canonical_json
from evidence.schemas import validate

pytestmark = pytest.mark.skipif(__import__("shutil").which("tesseract") is None,
                                reason="Tesseract is not installed: run `make setup` as root")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("analysis-corpus"), variants=("crop-jpeg", "phone", "border"))


@pytest.fixture(scope="module")
def candidates(corpus):
    return [Candidate(c.name, [c.viewport, c.full], c.text) for c in corpus.candidates()]


@pytest.fixture(scope="module")
def layers(corpus):
    """The OCR layer of every derived screenshot (read once)."""
    return {d.name: ocr_image(d.path) for d in corpus.derived}


def _derived(corpus, variant, held_out=False):
    return [d for d in corpus.derived if d.variant == variant and d.held_out == held_out]


def test_corpus_is_real_and_large_enough(corpus):
    assert len(corpus.derived) >= 27
    texts = {c.name: c.text for c in corpus.captures}
    assert "Schiff blasted" in texts["x-trump"] and "Watch your back" in texts["demo-post-1"]
    for d in corpus.derived:
        with Image.open(d.path) as im:
            assert im.width > 300 and im.height > 200
    crop = next(d for d in corpus.derived if d.variant == "crop-jpeg")
    with Image.open(crop.path) as im:
        assert im.format == "JPEG"


def test_ocr_layer_schema_and_canonical_json(corpus, layers):
    layer = layers["demo-post-1--border"]
    validate(layer, "ocr-layer")
    canonical_json(layer)  # integers and strings only: canonical JSON takes it
    assert layer["engine"]["name"] == "tesseract" and layer["engine"]["version"][0].isdigit()
    assert layer["engine"]["binding"].startswith("pytesseract")
    assert layer["language"] == "eng" and layer["word_count"] == len(layer["words"]) > 20
    # boxes are in the image's own pixels, and the word "incompetent" is where the post's text is
    with Image.open(next(d.path for d in corpus.derived if d.name == "demo-post-1--border")) as im:
        w, h = im.size
    word = next(x for x in layer["words"] if x["text"].lower().startswith("incompetent"))
    assert 0 < word["x"] < w and 0 < word["y"] < h and word["conf"] >= 60
    assert json.loads(json.dumps(layer)) == layer


def test_ocr_finds_the_posts_words(corpus, layers):
    texts = {c.name: c.text for c in corpus.captures}
    hit = total = 0
    for d in corpus.derived:
        h, t = word_recall(texts[d.source], layers[d.name]["text"])
        hit, total = hit + h, total + t
        if d.variant == "border":  # scaled 0.8, lossless: most words are read
            assert h >= 0.6 * t, (d.name, h, t, layers[d.name]["text"][:300])
    assert hit >= 0.75 * total, (hit, total)
    assert "watch your back" in " ".join(layers["demo-post-1--crop-jpeg"]["text"].lower().split())


def test_match_picks_the_right_capture(corpus, candidates, layers):
    """JPEG 60, scaled 0.7, cropped (the issue's case), and the bordered copy: the right capture, 'same post'."""
    for variant in ("crop-jpeg", "border"):
        for d in _derived(corpus, variant):
            res = match_image(d.path, candidates, ocr_text=layers[d.name]["text"])
            assert res["best"] == d.source, (d.name, res["ranked"][:3])
            assert res["label"] == SAME, (d.name, res["ranked"][0])
            top = res["ranked"][0]
            assert top["method"] in ("visual", "text", "visual+text")
            # every other capture scores lower, and none of them is called the same post
            assert all(r["score"] < top["score"] and r["label"] != SAME for r in res["ranked"][1:]), res["ranked"]


def test_phone_screenshots_match(corpus, candidates, layers):
    right = 0
    phones = _derived(corpus, "phone")
    for d in phones:
        res = match_image(d.path, candidates, ocr_text=layers[d.name]["text"])
        assert res["best"] in (d.source, None), (d.name, res["ranked"][:2])  # never the wrong post
        right += res["best"] == d.source and res["label"] in (SAME, LIKELY)
    assert right >= len(phones) - 1


def test_a_post_never_captured_gets_no_match(corpus, candidates, layers):
    held = [d for d in corpus.derived if d.held_out]
    assert {d.source for d in held} == set(HELD_OUT)
    for d in held:
        res = match_image(d.path, candidates, ocr_text=layers[d.name]["text"])
        assert res["label"] == NO_MATCH and res["best"] is None, (d.name, res["ranked"][:2])


def test_match_reads_the_image_itself_when_no_text_is_given(corpus, candidates):
    d = next(x for x in corpus.derived if x.name == "demo-post-1--crop-jpeg")
    res = match_image(d.path, candidates)
    assert res["best"] == "demo-post-1" and res["ranked"][0]["text"] >= 75


def test_near_duplicates(corpus, tmp_path):
    cap = next(c for c in corpus.captures if c.name == "demo-post-1")
    other = next(c for c in corpus.captures if c.name == "x-trump")
    border = next(d for d in corpus.derived if d.name == "demo-post-1--border")
    # the same screenshot sent twice: re-saved as JPEG and framed in a dark border
    again = tmp_path / "again.jpg"
    with Image.open(cap.viewport) as im:
        im.convert("RGB").save(again, "JPEG", quality=70)
    groups = near_duplicates({"capture": cap.viewport, "border": border.path, "again": again, "other": other.viewport})
    assert [g["ids"] for g in groups] == [["again", "border", "capture"]]
    assert groups[0]["max_distance"] <= 6
    # the demo's two posts share a layout but are not near-duplicates
    two = next(c for c in corpus.captures if c.name == "demo-post-2")
    assert near_duplicates({"a": cap.viewport, "b": two.viewport}) == []


def test_compare_two_captures(corpus):
    one = next(c for c in corpus.captures if c.name == "demo-post-1")
    two = next(c for c in corpus.captures if c.name == "demo-post-2")
    same = compare_captures(one.viewport, one.viewport, one.text, "  " + one.text.upper().replace("'", "\u2019"))
    assert not same["text_changed"] and same["hash_distance"] == 0 and same["changed_pixels"] == 0
    diff = compare_captures(one.viewport, two.viewport, one.text, two.text)
    assert diff["text_changed"] and diff["text_diff"][0].startswith("--- before")
    assert any(line.startswith("+") and "disciplinary" in line for line in diff["text_diff"])
    assert diff["hash_distance"] > 6 and diff["changed_pixels"] > 1000 and not diff["size_changed"]
    with Image.open(io.BytesIO(diff["difference_png"])) as im:
        assert im.format == "PNG" and im.size == (1280, 800)
        assert (220, 0, 0) in {c for _, c in im.getcolors(1 << 20)}
