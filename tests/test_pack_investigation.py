"""The pack's investigation sections, checked in the built pack's HTML: supplied screenshots matched to real
captures (and one that matches none, with its OCR text and the recaptures), near-duplicates, recaptures and
the timeline. Real Chromium on loopback, real Tesseract; the pack still verifies offline."""

from __future__ import annotations

import re
import zipfile

import pytest

from conftest import CASE
from test_analysis_api import LOOPBACK, complainant_copy, site  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(__import__("shutil").which("tesseract") is None,
                                reason="Tesseract is not installed: run `make setup` as root")


def _section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}".*?</section>', html, re.S)
    assert m, sid
    return m.group(0)


def test_report_says_which_capture_each_screenshot_shows(ev, site, tmp_path):  # noqa: F811
    import evidence

    post1 = ev.capture(f"{site}/post-1.html", case=CASE, options=LOOPBACK)
    ev.open_case("OTHER-1", title="another case")
    post2 = ev.capture(f"{site}/post-2.html", case="OTHER-1", options=LOOPBACK)
    shots = ev.import_files([complainant_copy(post1.path("screenshot_viewport"), tmp_path / "from-phone.jpg"),
                             complainant_copy(post1.path("screenshot_viewport"), tmp_path / "again.jpg"),
                             complainant_copy(post2.path("screenshot_viewport"), tmp_path / "gone.jpg")],
                            case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")
    ev.ocr(shots[2].id)  # its OCR text layer: shown when no capture matches
    ev.recapture(post1.id, options=LOOPBACK)
    ev.allege(case=CASE, clause="6.1", evidence=[post1.id], summary="threat before a seminar")

    out = tmp_path / "pack.zip"
    ev.build_pack(case=CASE, out=out, pdf=False)
    html = zipfile.ZipFile(out).read("index.html").decode()
    shots_sec = _section(html, "screenshots")
    # exhibits: E1 post1, E2-E4 the supplied images, E5 the recapture
    assert re.search(r'id="screenshot-E2".*?same post as <a href="#exhibit-E1">Exhibit E1</a>.*?same post', shots_sec, re.S)
    assert re.search(r'id="screenshot-E3".*?Exhibit E1', shots_sec, re.S)
    gone = re.search(r'id="screenshot-E4".*?</tr>', shots_sec, re.S).group(0)
    assert "no capture of this case shows this post" in gone and "see the recaptures below" in gone
    assert "Text read from it (OCR)" in gone and "disciplinary" in gone.lower()
    assert re.search(r'Exhibit E2</a>, <a href="#exhibit-E3">Exhibit E3</a>', shots_sec), "near-duplicates"
    assert "still there" in shots_sec and 'Exhibit E5' in shots_sec
    tl = _section(html, "timeline")
    for what in ("published", "captured", "supplied file taken in", "recaptured: found still there", "alleged"):
        assert what in tl, what
    assert len(ev.custody(case=CASE, actions=("match.recorded",))) == 3
    assert all(ev.ocr_layer(s.id) for s in shots)  # matching kept each supplied image's text layer
    report = evidence.verify_pack(out)
    assert report.ok, [str(p) for p in report.problems]

    again = tmp_path / "again.zip"  # the matches are made once: a second pack adds none
    ev.build_pack(case=CASE, out=again, pdf=False)
    assert len(ev.custody(case=CASE, actions=("match.recorded",))) == 3


def test_a_capture_added_later_is_matched_at_the_next_pack(ev, site, tmp_path):  # noqa: F811
    ev.capture(f"{site}/post-1.html", case=CASE, options=LOOPBACK)
    ev.open_case("OTHER-1", title="another case")
    post2 = ev.capture(f"{site}/post-2.html", case="OTHER-1", options=LOOPBACK)
    shot = ev.import_files([complainant_copy(post2.path("screenshot_viewport"), tmp_path / "later.jpg")],
                           case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")[0]
    ev.build_pack(case=CASE, out=tmp_path / "one.zip", pdf=False)
    assert ev.custody(item=shot.id, actions=("match.recorded",))[-1].entry["details"]["label"] == "no match"
    later = ev.capture(f"{site}/post-2.html", case=CASE, options=LOOPBACK)  # the post found and captured
    ev.build_pack(case=CASE, out=tmp_path / "two.zip", pdf=False)
    d = ev.custody(item=shot.id, actions=("match.recorded",))[-1].entry["details"]
    assert d["best"] == later.id and d["label"] == "same post", d["ranked"]
    html = zipfile.ZipFile(tmp_path / "two.zip").read("index.html").decode()
    assert re.search(r'id="screenshot-E2".*?same post as <a href="#exhibit-E3">Exhibit E3</a>', html, re.S)


def test_an_approval_survives_the_packs_own_matching_and_shows_in_the_timeline(ev, site, run, tmp_path):  # noqa: F811
    import evidence
    from conftest import PASSPHRASE
    from test_approval import _key

    post = ev.capture(f"{site}/post-1.html", case=CASE, options=LOOPBACK)
    ev.import_files([complainant_copy(post.path("screenshot_viewport"), tmp_path / "from-phone.jpg")], case=CASE,
                    received_from="complainant", received_at="2026-11-20T09:14Z")
    sup = _key(tmp_path, run, "S. Supervisor", "supervisor")
    with evidence.Evidence.open(key_file=sup, passphrase=PASSPHRASE.encode()) as boss:
        assert boss.approve_case(CASE, note="checked")["current"]
    assert not ev.custody(case=CASE, actions=("match.recorded",))  # not matched before the pack
    ev.build_pack(case=CASE, out=tmp_path / "p.zip", pdf=False, require_approval=True)
    assert ev.custody(case=CASE, actions=("match.recorded",))  # the pack matched it (an analysis item) ...
    assert ev.approval(CASE)["current"]  # ... which the approval does not need to cover
    approved = [e for e in ev.timeline(CASE) if e["event"] == "case.approved"]
    assert len(approved) == 1 and approved[0]["what"] == "approved by S. Supervisor (supervisor): 2 items, 0 allegations"
