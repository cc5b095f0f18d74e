"""Figures of screenshot analysis on the corpus of tests/analysis_corpus.py (real pages rendered by real
Chromium, and complainant-style screenshots derived from them): OCR word recall against the post text,
match precision and recall, and the time of OCR and of one match per screenshot.

    .venv/bin/python bench/analysis_figures.py [--keep DIR]

Precision: of the screenshots given a capture (label "same post" or "likely"), the share given the right
one. Recall: of the screenshots of captured posts, the share given the right capture. Held-out
screenshots (posts never captured) count as correct when labelled "no match". Times are wall-clock
seconds on this machine, printed with the time of rendering the pages as the baseline of the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from analysis_corpus import build_corpus  # noqa: E402

from evidence.analysis import Candidate, match_image, ocr_image  # noqa: E402
from evidence.analysis.textmatch import word_recall  # noqa: E402


def evaluate(corpus) -> dict:
    cands = [Candidate(c.name, [c.viewport, c.full], c.text) for c in corpus.candidates()]
    texts = {c.name: c.text for c in corpus.captures}
    rows = []
    ocr_s = match_s = 0.0
    for d in corpus.derived:
        t0 = time.perf_counter()
        layer = ocr_image(d.path)
        t1 = time.perf_counter()
        res = match_image(d.path, cands, ocr_text=layer["text"])
        t2 = time.perf_counter()
        ocr_s += t1 - t0
        match_s += t2 - t1
        hit, total = word_recall(texts[d.source], layer["text"])
        top = res["ranked"][0]
        rows.append({"name": d.name, "variant": d.variant, "held_out": d.held_out, "label": res["label"],
                     "best": res["best"], "top": top, "right": d.source, "words": (hit, total)})
    return {"rows": rows, "ocr_s": ocr_s, "match_s": match_s}


def figures(rows: list[dict]) -> dict:
    claimed = [r for r in rows if r["best"] is not None]
    correct_claims = [r for r in claimed if r["best"] == r["right"] and not r["held_out"]]
    positives = [r for r in rows if not r["held_out"]]
    negatives = [r for r in rows if r["held_out"]]
    hit = sum(r["words"][0] for r in rows)
    total = sum(r["words"][1] for r in rows)
    return {
        "screenshots": len(rows), "of_captured": len(positives), "held_out": len(negatives),
        "precision": len(correct_claims) / len(claimed) if claimed else 1.0,
        "recall": len(correct_claims) / len(positives) if positives else 0.0,
        "held_out_no_match": sum(r["label"] == "no match" for r in negatives),
        "same_post_right": sum(r["label"] == "same post" and r["best"] == r["right"] for r in positives),
        "ocr_word_recall": hit / total if total else 0.0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="build the corpus in this folder and keep it")
    ap.add_argument("--verbose", action="store_true", help="one line per screenshot")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp)
        t0 = time.perf_counter()
        corpus = build_corpus(out)
        render_s = time.perf_counter() - t0
        ev = evaluate(corpus)
    f = figures(ev["rows"])
    n = len(ev["rows"])
    if args.verbose:
        for r in ev["rows"]:
            t = r["top"]
            print(f"{r['name']:32} {r['label']:9} best={r['best']!s:16} top={t['id']:16} text={t['text']:3} "
                  f"d={t['hash_distance']:2} words={r['words'][0]}/{r['words'][1]}")
    print(f"corpus: {len(corpus.captures)} pages rendered, {f['screenshots']} derived screenshots "
          f"({f['of_captured']} of captured posts, {f['held_out']} of posts not captured)")
    print(f"match precision {f['precision']:.3f}, recall {f['recall']:.3f}; "
          f"'same post' and right: {f['same_post_right']}/{f['of_captured']}; "
          f"not captured -> 'no match': {f['held_out_no_match']}/{f['held_out']}")
    print(f"OCR word recall (post words found in the screenshot's OCR text): {f['ocr_word_recall']:.3f}")
    print(f"time per screenshot: OCR {ev['ocr_s'] / n:.2f} s, match against {len(corpus.candidates())} captures "
          f"{ev['match_s'] / n:.2f} s; rendering one page (baseline): {render_s / len(corpus.captures):.2f} s "
          f"(OCR/render ratio {ev['ocr_s'] / n / (render_s / len(corpus.captures)):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
