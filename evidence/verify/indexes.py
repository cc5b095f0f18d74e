"""The store's indexes (posts rows, search text) rebuilt from the signed records, and orphan artifact files.

Part of :func:`evidence.verify.store.verify_store`; like it, shares nothing with the writing side but
canonical JSON.
"""

from __future__ import annotations

from pathlib import Path

from ..canonical import parse_json as _parse

__all__ = ["check_indexes", "note_orphans", "artifact_path"]


def artifact_path(root: Path, tag: str) -> Path:
    """Where the store keeps the artifact with hash ``tag`` (artifacts/sha256/<2 hex>/<hex>)."""
    hx = tag.split(":", 1)[1]
    return root / "artifacts" / "sha256" / hx[:2] / hx


def _expected_indexes(store) -> tuple[dict[str, dict], dict[tuple[str, str], str]]:
    """The posts rows and the searchable text, rebuilt from the signed records and the metadata artifacts."""
    posts, texts = {}, {}
    root = Path(store.path)
    for r in store.items():
        try:
            rec = _parse(bytes(r["record"]))
        except (ValueError, UnicodeDecodeError):
            continue  # named by the record checks
        if rec.get("note"):
            texts[("note", r["id"])] = rec["note"]
        _expect_ocr_text(root, rec, r["id"], texts)
        meta = next((a for a in rec.get("artifacts") or [] if a.get("role") == "metadata"), None)
        if rec.get("kind") != "capture" or meta is None:
            continue
        try:
            post = _parse(artifact_path(root, meta["sha256"]).read_bytes()).get("post") or {}
        except (OSError, ValueError, UnicodeDecodeError, AttributeError, KeyError):
            continue  # named by the artifact checks
        posts[r["id"]] = {"item_id": r["id"], "case_ref": rec.get("case"),
                          "url": post.get("url") or (rec.get("source") or {}).get("final_url"),
                          "platform": post.get("platform"), "author_name": post.get("author_name"),
                          "author_handle": post.get("author_handle"), "published": post.get("published"),
                          "title": post.get("title"), "text": post.get("text"),
                          "captured_utc": (rec.get("created") or {}).get("utc")}
        words = "\n".join(str(post[k]) for k in ("author_name", "author_handle", "title", "text") if post.get(k))
        if words.strip():
            texts[("post", r["id"])] = words
    for ev in store.allegation_events():
        if ev["event"] == "made":
            try:
                summary = _parse(bytes(ev["record"])).get("summary")
            except (ValueError, UnicodeDecodeError):
                continue
            if summary:
                texts[("allegation", ev["allegation_id"])] = summary
    return posts, texts


def _expect_ocr_text(root: Path, rec: dict, item_id: str, texts: dict) -> None:
    """An OCR layer item's text (its ``ocr`` artifact) is indexed for search as kind ``ocr``."""
    art = next((a for a in rec.get("artifacts") or [] if a.get("role") == "ocr"), None)
    if rec.get("kind") != "analysis" or art is None:
        return
    try:
        text = _parse(artifact_path(root, art["sha256"]).read_bytes()).get("text")
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, KeyError):
        return  # named by the artifact checks
    if isinstance(text, str) and text.strip():
        texts[("ocr", item_id)] = text


def check_indexes(store, report) -> None:
    """The posts and search indexes against what the signed records and their artifacts say."""
    posts, texts = _expected_indexes(store)
    for row in store.posts():
        want = posts.pop(row["item_id"], None)
        if want is None:
            report.add(f"posts row {row['item_id']}", "names no capture", "index-mismatch")
        elif row != want:
            cols = [c for c in want if row.get(c) != want[c]]
            report.add(f"posts row {row['item_id']}", f"column(s) {', '.join(cols)} differ from the capture's "
                                                       "metadata artifact", "index-mismatch")
    for iid in posts:
        report.add(f"posts row {iid}", "is missing (the capture's post is not indexed)", "index-mismatch")
    for row in store.search_rows():
        want = texts.pop((row["kind"], row["ref"]), None)
        if want != row["text"]:
            report.add(f"search index {row['kind']} {row['ref']}", "differs from the signed text it indexes",
                       "index-mismatch")
    for kind, ref in texts:
        report.add(f"search index {kind} {ref}", "is missing", "index-mismatch")
    for problem in store.fts_problems():  # the full-text indexes against the rows they index (FTS5's own check)
        report.add("full-text index", problem, "index-mismatch")


def note_orphans(store, report) -> None:
    """Artifact files no item names (left by an interrupted intake): a note, not a problem."""
    referenced = {a["sha256"] for a in store.all_artifacts()} | set(store.policy_hashes())
    base = Path(store.path) / "artifacts" / "sha256"
    orphans = 0
    if base.is_dir():
        for sub in base.iterdir():
            if sub.is_dir():
                orphans += sum(1 for f in sub.iterdir() if "sha256:" + f.name not in referenced)
    if orphans:
        report.notes.append(f"{orphans} artifact file(s) belong to no item (an interrupted intake); they are harmless")
