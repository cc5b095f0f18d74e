"""OCR text layers on real rendered screenshots: a demo post captured by real Chromium from loopback, and a
complainant's copy of it (cropped, scaled 0.7, JPEG 60) imported. Each gets a layer kept as a derived item
(its own hash and signed record; the original untouched), searchable, read by suggest; the store verifies."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import CASE
from test_analysis_api import LOOPBACK, complainant_copy, site  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(__import__("shutil").which("tesseract") is None,
                                reason="Tesseract is not installed: run `make setup` as root")
SCHEMAS = __import__("pathlib").Path(__file__).resolve().parents[1] / "schemas"


def test_layers_are_derived_items_searchable_and_verified(ev, site, tmp_path):  # noqa: F811
    post = ev.capture(f"{site}/post-1.html", case=CASE, options=LOOPBACK)
    shot = ev.import_files([complainant_copy(post.path("screenshot_viewport"), tmp_path / "from-phone.jpg")],
                           case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")[0]
    before = shot.artifacts[0]["sha256"]
    res = ev.ocr(shot.id)
    assert res["new"] and res["role"] == "original" and res["sha256"] == before
    assert "incompetent" in res["text"].lower() and res["engine"]["name"] == "tesseract"

    layer_item = ev.item(res["layer_item"])
    assert layer_item.kind == "analysis" and layer_item.derived_from == shot.id
    assert layer_item.record["derived_from"]["artifact"] == before
    layer = ev.ocr_layer(shot.id)
    jsonschema.validate(layer, json.loads((SCHEMAS / "ocr-layer.schema.json").read_text()))
    w, h = layer["image"]["width"], layer["image"]["height"]
    assert (w, h) == (shot.artifacts[0]["image"]["width"], shot.artifacts[0]["image"]["height"])
    assert all(0 <= x["x"] < w and 0 <= x["y"] < h and x["x"] + x["w"] <= w + 1 for x in layer["words"])
    assert ev.item(shot.id).artifacts[0]["sha256"] == before  # never replaced

    again = ev.ocr(shot.id)
    assert not again["new"] and again["layer_item"] == res["layer_item"]
    made = ev.ocr_case(CASE)
    assert {r["item"] for r in made} == {post.id, shot.id} and sum(r["new"] for r in made) == 1

    hits = ev.search("incompetent fraud", case=CASE)
    assert res["layer_item"] in {h["ref"] for h in hits if h["kind"] == "ocr"}, hits
    sug = ev.suggest(shot.id)
    assert "incompetent" in sug["text"].lower() and sug["suggestions"], sug
    report = ev.verify()
    assert report.ok, [str(p) for p in report.problems]


def test_ocr_from_the_command_line(ev, run, site, tmp_path):  # noqa: F811
    post = ev.capture(f"{site}/post-2.html", case=CASE, options=LOOPBACK)
    r = run("ocr", post.id[:10], "--json")
    assert r.code == 0, r
    doc = json.loads(r.out)
    jsonschema.validate(doc, json.loads((SCHEMAS / "cli-ocr.schema.json").read_text()))
    assert doc[0]["item_id"] == post.id and doc[0]["role"] == "screenshot" and doc[0]["word_count"] > 5
    r = run("ocr", "--case", CASE, "--words")
    assert r.code == 0 and "already made" in r.out, r
    r = run("ocr")
    assert r.code != 0 and "ITEM or --case" in r.err, r
    note = tmp_path / "note.txt"
    note.write_text("x")
    item = ev.import_files([note], case=CASE, received_from="c", received_at="2026-11-20T09:14Z")[0]
    r = run("ocr", item.id)
    assert r.code != 0 and "no image to read" in r.err, r
