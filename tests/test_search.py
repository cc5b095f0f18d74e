"""Search across the store (posts, notes, allegation summaries) and the posts index, both rebuilt by verify."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import CASE, make_png
from evidence.errors import InputError

HOST_RULES = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A store with two captured demo posts, a supplied screenshot with a note, and an allegation."""
    import os

    import evidence
    from evidence.api import CaptureOptions
    from evidence.demo import demo_site
    from evidence.keys import create_key

    tmp = tmp_path_factory.mktemp("search")
    old_state = os.environ.get("EVIDENCE_STATE_DIR")
    os.environ["EVIDENCE_STATE_DIR"] = str(tmp / "state")
    signer = create_key("S. Searcher", "s@uni.example", "investigator", b"search passphrase",
                        key_file=tmp / "s.key.pem", make_default=False)
    ev = evidence.Evidence(evidence.Evidence.init(tmp / "store").store, signer=signer)
    ev.register_key()
    ev.open_case(CASE, title="Posts about a colleague")
    ev.open_case("SMP-2026-777", title="Another case")
    with demo_site() as base:
        outs = ev.capture_many([base + "/jdoe_phys/status/1859912345678901234",
                                base + "/jdoe_phys/status/1860105550000000001"], case=CASE,
                               options=CaptureOptions(timeout=20, browser_args=HOST_RULES))
    assert all(o.ok for o in outs), [o.error for o in outs]
    shot = ev.import_files([make_png(tmp / "s.png")], case="SMP-2026-777", received_from="complainant",
                           received_at="2026-11-20T09:14Z", note="The complainant says the fraud post was deleted")[0]
    alleg = ev.allege(case=CASE, clause="6.1", evidence=[outs[0].item.id], summary="Threatening a named colleague")
    yield ev, [o.item for o in outs], shot, alleg
    ev.close()
    if old_state is None:
        os.environ.pop("EVIDENCE_STATE_DIR", None)
    else:
        os.environ["EVIDENCE_STATE_DIR"] = old_state


def test_search_finds_the_post_by_its_words_best_first(searched):
    ev, (p1, p2), shot, alleg = searched
    hits = ev.search("watch your back")
    assert hits and hits[0]["kind"] == "post" and hits[0]["ref"] == p1.id, hits
    assert "[Watch] [your] [back]" in hits[0]["snippet"]
    assert all(h["ref"] != p2.id for h in hits)


def test_search_covers_notes_and_allegations_and_stems(searched):
    ev, (p1, _), shot, alleg = searched
    kinds = {(h["kind"], h["ref"]) for h in ev.search("fraud")}
    assert ("post", p1.id) in kinds and ("note", shot.id) in kinds
    assert [(h["kind"], h["ref"]) for h in ev.search("threatened")] == [("allegation", alleg["id"])]  # stemmed


def test_search_within_one_case(searched):
    ev, (p1, _), shot, _ = searched
    assert {h["ref"] for h in ev.search("fraud", case=CASE)} == {p1.id}
    assert {h["ref"] for h in ev.search("fraud", case="SMP-2026-777")} == {shot.id}


def test_search_of_nothing_is_a_clear_error(searched):
    ev = searched[0]
    with pytest.raises(InputError, match="words to search for"):
        ev.search("  ?! ")
    assert ev.search("zebra crossing") == []


def test_posts_index_holds_what_the_capture_shows(searched):
    ev, (p1, p2), _, _ = searched
    rows = {r["item_id"]: r for r in ev.posts(CASE)}
    assert set(rows) == {p1.id, p2.id}
    assert rows[p1.id]["author_handle"] == p1.post()["author_handle"] and "Watch your back" in rows[p1.id]["text"]


def test_verify_rebuilds_the_indexes(searched, tmp_path):
    import shutil

    import evidence

    ev, (p1, _), _, alleg = searched
    shutil.copytree(ev.store.path, tmp_path / "copy")
    conn = sqlite3.connect(tmp_path / "copy" / "evidence.db", isolation_level=None)
    conn.execute("UPDATE post_index SET text = 'a harmless post' WHERE item_id = ?", (p1.id,))  # the table behind the posts view
    conn.execute("DELETE FROM search_index WHERE kind = 'allegation'")
    conn.close()
    with evidence.Evidence.open(tmp_path / "copy") as copy:
        where = {p.where for p in copy.verify(log=False).problems if p.code == "index-mismatch"}
    assert where == {f"posts row {p1.id}", f"search index allegation {alleg['id']}"}


def test_timeline_of_a_case_in_order(searched):
    ev, (p1, p2), _, alleg = searched
    events = ev.timeline(CASE)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "published" or kinds[0] == "case.opened"
    published = [e for e in events if e["event"] == "published"]
    assert {e["item_id"] for e in published} == {p1.id, p2.id}
    assert all("shown on the page" in e["source"] or "derived from the post's id" in e["source"] for e in published)
    times = [e["time_utc"] for e in events if e["time_utc"]]
    assert times == sorted(times)
    assert [e["event"] for e in events if e["event"].startswith(("item.", "allegation."))] == \
        ["item.captured", "item.captured", "allegation.made"]
    assert any(e["what"] == "alleged: clause 6.1" for e in events)
