"""Fuzzy text scores (RapidFuzz) between text read from a screenshot and a post's text.

Both texts are normalised first (:func:`normalise`): Unicode NFKC, case folded, curly quotes and
dashes made plain, whitespace collapsed. A score is 0-100.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

__all__ = ["normalise", "words", "text_score", "word_recall", "MIN_WORD_RATIO"]

_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                            "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                            "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
                            "\u00a0": " ", "\u2026": "..."})
MIN_WORD_RATIO = 80  # a post word counts as found when some OCR word is at least this similar


def normalise(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_TRANSLATE).casefold()
    return re.sub(r"\s+", " ", text).strip()


def words(text: str | None, *, min_len: int = 3) -> list[str]:
    """The words of ``text`` (normalised), letters and digits only, at least ``min_len`` long."""
    return [w for w in re.findall(r"\w+", normalise(text)) if len(w) >= min_len]


def word_recall(reference: str | None, found: str | None, *, min_ratio: int = MIN_WORD_RATIO) -> tuple[int, int]:
    """How many distinct words of ``reference`` occur in ``found`` (fuzzily): ``(found, total)``."""
    ref = sorted(set(words(reference)))
    pool = set(words(found, min_len=2))
    if not ref:
        return 0, 0
    hit = 0
    for w in ref:
        if w in pool or (pool and process.extractOne(w, pool, scorer=fuzz.ratio, score_cutoff=min_ratio)):
            hit += 1
    return hit, len(ref)


def text_score(ocr_text: str | None, post_text: str | None, *, max_chars: int = 400) -> int:
    """0-100: how well the post's text is found in the text read from a screenshot.

    The mean of the share of the post's words found (fuzzily) and RapidFuzz's ``partial_ratio`` of the
    post's first ``max_chars`` characters against the OCR text. A post with fewer than 3 words of 3+
    letters gives at most 50 (too little text to tell posts apart)."""
    post = normalise(post_text)[:max_chars]
    ocr = normalise(ocr_text)
    if not post or not ocr:
        return 0
    hit, total = word_recall(post, ocr)
    recall = 100 * hit / total if total else 0
    partial = fuzz.partial_ratio(post, ocr) if len(post) <= len(ocr) else fuzz.partial_ratio(ocr, post)
    score = int(round((recall + partial) / 2))
    return min(score, 50) if total < 3 else score
