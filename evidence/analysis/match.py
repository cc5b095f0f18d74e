"""Match a supplied screenshot to captures: which capture shows the same post, and how sure that is.

Two independent signals, each 0-100 (see docs/analysis.md):

* **visual**: the smallest perceptual-hash distance ``d`` (0-64 bits) between the supplied image and
  windows of a capture's screenshots (:func:`visualhash.window_distance`), as ``100 * (1 - d / 32)``
  floored at 0 (unrelated images sit near 32 bits apart);
* **text**: :func:`textmatch.text_score` of the post's text (from the capture's metadata) against the
  text OCR read from the supplied image.

A candidate's score is the larger of the two. Its label:

* ``same post``: text >= TEXT_SAME, or d <= VISUAL_SAME;
* ``likely``: text >= TEXT_LIKELY, or d <= VISUAL_LIKELY;
* ``no match``: neither.

Thresholds were set on the corpus of tests/analysis_corpus.py (bench/analysis_figures.py prints the
precision and recall they give).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .imageio import load_rgb, trim_border
from .textmatch import text_score
from .visualhash import HASH_BITS, pair_hashes, hash_distance, window_distance

__all__ = ["Candidate", "match_image", "match_candidates_of_case", "near_duplicates", "label_for", "TEXT_SAME", "TEXT_LIKELY", "VISUAL_SAME",
           "VISUAL_LIKELY", "NEAR_DUPLICATE", "SAME", "LIKELY", "NO_MATCH"]

TEXT_SAME = 75
TEXT_LIKELY = 55
VISUAL_SAME = 6
VISUAL_LIKELY = 10
NEAR_DUPLICATE = 6  # whole-image hash distance (border trimmed) at or under which two screenshots are near-duplicates
SAME, LIKELY, NO_MATCH = "same post", "likely", "no match"


@dataclass
class Candidate:
    """One capture a supplied image may show: its id, its screenshot files, and its post's text."""

    id: str
    screenshots: list = field(default_factory=list)
    text: str | None = None


def label_for(text: int, distance: int) -> str:
    if text >= TEXT_SAME or distance <= VISUAL_SAME:
        return SAME
    if text >= TEXT_LIKELY or distance <= VISUAL_LIKELY:
        return LIKELY
    return NO_MATCH


def _method(text: int, distance: int) -> str:
    by_text = text >= TEXT_LIKELY
    by_eye = distance <= VISUAL_LIKELY
    if by_text and by_eye:
        return "visual+text"
    if by_eye:
        return "visual"
    if by_text:
        return "text"
    return "none"


def score_candidate(image, ocr_text: str, cand: Candidate) -> dict:
    distance = min((window_distance(image, shot) for shot in cand.screenshots), default=HASH_BITS)
    visual = max(0, int(round(100 * (1 - distance / (HASH_BITS / 2)))))
    text = text_score(ocr_text, cand.text)
    return {"id": cand.id, "score": max(visual, text), "visual": visual, "hash_distance": distance, "text": text,
            "method": _method(text, distance), "label": label_for(text, distance)}


def match_image(image, candidates: list[Candidate], *, ocr_text: str | None = None, lang: str = "eng",
                limit: int = 5) -> dict:
    """Rank ``candidates`` for the supplied ``image``; ``ocr_text`` is read from it when not given.

    Returns ``{"label", "best", "ranked": [...], "thresholds"}``: ``best`` is the top candidate's id when its
    label is not ``no match`` (else None); ``ranked`` holds the top ``limit`` candidates, best first."""
    if ocr_text is None:
        from .ocr import ocr_image

        ocr_text = ocr_image(image, lang=lang)["text"]
    im = load_rgb(image)
    scored = [score_candidate(im, ocr_text, c) for c in candidates]
    scored.sort(key=lambda s: (-s["score"], s["hash_distance"], s["id"]))
    top = scored[0] if scored else None
    label = top["label"] if top else NO_MATCH
    return {"label": label, "best": top["id"] if top and label != NO_MATCH else None, "ranked": scored[:limit],
            "thresholds": {"text_same": TEXT_SAME, "text_likely": TEXT_LIKELY, "visual_same": VISUAL_SAME,
                           "visual_likely": VISUAL_LIKELY}}


def near_duplicates(images: dict[str, str | Path], *, threshold: int = NEAR_DUPLICATE) -> list[dict]:
    """Groups of near-duplicate screenshots among ``images`` (id -> file): ``[{"ids": [...], "max_distance"}]``.

    Two images are near-duplicates when their whole-image hash distance (uniform border trimmed) is at
    most ``threshold``; groups are the connected sets of such pairs."""
    hashes = {}
    for key, path in images.items():
        p, d = pair_hashes(trim_border(load_rgb(path)))
        hashes[key] = {"phash": str(p), "dhash": str(d)}
    keys = sorted(hashes)
    parent = {k: k for k in keys}

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    worst: dict[str, int] = {}
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            dist = hash_distance(hashes[a], hashes[b])
            if dist <= threshold:
                ra, rb = root(a), root(b)
                parent[rb] = ra
                worst[ra] = max(worst.get(ra, 0), worst.pop(rb, 0), dist)
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(root(k), []).append(k)
    return [{"ids": ids, "max_distance": worst.get(r, 0)} for r, ids in sorted(groups.items()) if len(ids) > 1]


def _supplied_image(item) -> dict:
    images = [a for a in item.artifacts if a["media_type"].startswith("image/") and a["media_type"] != "image/svg+xml"]
    preferred = [a for a in images if a["role"] == "original"] or images
    if not preferred:
        from ..errors import InputError

        raise InputError(f"item {item.id} has no image to match", hint="match an imported screenshot")
    return preferred[0]


def _stored_layer(ev, item, art: dict, lang: str) -> dict | None:
    """The item's kept OCR layer of this artifact and language, if one was made (evidence.textlayer)."""
    for d in reversed(ev.derived(item.id)):
        if d.kind == "analysis" and d.has("ocr") and (d.record.get("derived_from") or {}).get("artifact") == art["sha256"]:
            import json

            layer = json.loads(d.path("ocr").read_bytes())
            if layer.get("language") == lang:
                return layer
    return None


def match_candidates_of_case(ev, item_id: str, *, lang: str = "eng", limit: int = 5) -> dict:
    """:meth:`evidence.Evidence.match`: rank the captures of the item's case and log ``match.recorded``."""
    from ..digest import sha256_tag
    from .ocr import ocr_image

    item = ev.item(item_id)
    art = _supplied_image(item)
    texts = {p["item_id"]: p["text"] for p in ev.posts(item.case_ref)}
    cands = []
    for cap in ev.items(item.case_ref):
        if cap.kind != "capture" or cap.id == item.id:
            continue
        roles = {a["role"] for a in cap.artifacts}
        shots = [cap.path(r) for r in ("screenshot_viewport", "screenshot") if r in roles]
        if shots:
            cands.append(Candidate(cap.id, shots, texts.get(cap.id)))
    layer = _stored_layer(ev, item, art, lang)
    if layer is None and art["role"] == "original" and not ev.read_only and ev.case(item.case_ref)["status"] == "open":
        ev.ocr(item.id, lang=lang)  # keep the text layer (a derived item) for search, suggest and redaction
        layer = _stored_layer(ev, item, art, lang)
    if layer is None:
        layer = ocr_image(item.path(art["role"]), lang=lang)
    res = match_image(item.path(art["role"]), cands, ocr_text=layer["text"], limit=limit)
    res.update(item=item.id, case=item.case_ref, captures=len(cands),
               image={"role": art["role"], "sha256": art["sha256"]},
               ocr={"engine": layer["engine"], "language": layer["language"], "word_count": layer["word_count"],
                    "mean_confidence": layer["mean_confidence"], "text_sha256": sha256_tag(layer["text"].encode())})
    res["logged_as"] = ev.log.write("match.recorded", subject={"type": "item", "id": item.id}, case=item.case_ref,
                                    item_id=item.id, details={k: v for k, v in res.items() if k != "logged_as"})
    return res
