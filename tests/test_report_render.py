"""The demo case's report as a panel reads it: the PDF printed by Chromium, read back with poppler's tools.

A contents page and bookmarks; each exhibit printed once and in order; every page footed with the case (and, on an
exhibit's pages, the exhibit, its URL and its capture time); UK times with UTC beside them; nothing past the right
margin; no page holding only a few spilled lines; as many pages as the content needs; the same bytes each build.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from packcase import HAVE_POPPLER, demo_pack, pdf_images, pdf_outline, pdf_pages, pdf_word_boxes, unpack

pytestmark = pytest.mark.skipif(not HAVE_POPPLER, reason="poppler-utils is installed by `make setup`")

A4_WIDTH_PT = 595.0
RIGHT_MARGIN_PT = 14 / 25.4 * 72  # pages.css: margin-right 14mm


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    pack, facts = demo_pack(tmp)
    u = unpack(pack, tmp / "u")
    return {"pack": pack, "dir": u, "manifest": json.loads((u / "manifest.json").read_text()), "facts": facts,
            "pages": pdf_pages(u / "report.pdf")}


def test_contents_and_bookmarks(demo):
    m, pages = demo["manifest"], demo["pages"]
    assert "Contents" in pages[1] or "Contents" in pages[0]
    toc = " ".join(pages[1].split())
    for e in m["exhibits"]:
        assert f"Exhibit {e['id']} ·" in toc
    outline = pdf_outline(demo["dir"] / "report.pdf")
    for want in ("Summary", "Contents", "Allegations", "Exhibits", "Appendix A · Files and hashes",
                 "Appendix B · Chain of custody", "Appendix C · Signing keys", "Glossary"):
        assert want in outline, (want, outline)
    ex = [t for t in outline if re.match(r"Exhibit E\d+ · ", t)]
    assert ex == [f"Exhibit {e['id']} · {'web capture' if e['kind'] == 'capture' else 'supplied file'}"
                  for e in m["exhibits"]]  # one bookmark each, in order
    for a in m["allegations"]:
        assert any(t.startswith(f"{a['id']} · Clause {a['clause']}") for t in outline)


def test_each_exhibit_printed_once_in_order(demo):
    m, pages = demo["manifest"], demo["pages"]
    heads = []
    for n, text in enumerate(pages):
        heads += [(n, h) for h in re.findall(r"^Exhibit (E\d+) · (?:web capture|supplied file)$", text, re.M)]
    assert [h for _, h in heads] == [e["id"] for e in m["exhibits"]]
    assert [n for n, _ in heads] == sorted(n for n, _ in heads)
    shown = sum(1 for e in m["exhibits"] if e["shown"])
    # the post's images kept at capture (artifacts media-N) are shown under the screenshot
    media = sum(1 for e in m["exhibits"] for a in e["artifacts"]
                if a["role"].startswith("media-") and a["media_type"].startswith("image/"))
    assert media >= 1  # the demo's photo of the letter
    assert pdf_images(demo["dir"] / "report.pdf") == shown + media  # each exhibit's image drawn once


def test_every_page_footed(demo):
    m, pages = demo["manifest"], demo["pages"]
    n = len(pages)
    by_id = {e["id"]: e for e in m["exhibits"]}
    records = {e["id"]: json.loads((demo["dir"] / e["record"]).read_text()) for e in m["exhibits"]}
    for i, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        assert f"Case {m['case']['ref']} ·" in flat and f"Page {i} of {n}" in flat, i
        ex = re.search(r"Case \S+ · Exhibit (E\d+) · ", flat)
        if ex:
            rec = records[ex.group(1)]
            if by_id[ex.group(1)]["kind"] == "capture":
                assert rec["source"]["url"] in flat.replace(" ", "") or rec["source"]["url"] in flat.replace("- ", "-")
                assert "captured " in flat
            assert re.search(r"\d{2}:\d{2}:\d{2} (GMT|BST) \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\)", flat), i
    footed = {re.search(r"Case \S+ · Exhibit (E\d+) · ", " ".join(t.split())) for t in pages}
    assert {f.group(1) for f in footed if f} == set(by_id)  # every exhibit's page carries its footer


def test_dates_readable_and_hashes_in_the_appendix(demo):
    pages = demo["pages"]
    body = " ".join(" ".join(p.split()) for p in pages)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", body)  # no machine notation
    assert re.search(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} (GMT|BST)", body)
    appendix = next(i for i, p in enumerate(pages) if "Appendix A · Files and hashes" in p and "Contents" not in p)
    for i, p in enumerate(pages[:appendix]):
        assert not re.search(r"\b[0-9a-f]{64}\b", p.replace("\n", "")), f"a full hash on page {i + 1}"
    assert "Glossary" in body and all(w in body for w in ("Hash (SHA-256)", "Signature", "Chain of custody",
                                                          "Checkpoint"))


def test_nothing_clipped_and_no_page_of_spilled_lines(demo):
    words = pdf_word_boxes(demo["dir"] / "report.pdf")
    past = [(p, w) for p, _, x1, w in words if x1 > A4_WIDTH_PT - RIGHT_MARGIN_PT + 1.5]
    assert not past, past[:5]
    assert all(x0 >= 0 for _, x0, _, _ in words)
    for i, text in enumerate(demo["pages"][:-1], 1):
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert len(lines) >= 10, f"page {i} holds only {lines}"


def test_page_count_is_what_the_content_needs(demo):
    m = demo["manifest"]
    n = len(demo["pages"])
    # cover, contents, allegations; one page per exhibit; supplied screenshots/recaptures and the timeline (2);
    # declaration, approval and disclosures (2); appendices (files, custody, keys, glossary)
    assert n <= 3 + len(m["exhibits"]) + 2 + 2 + 5, n


def test_facts_in_the_html_equal_the_signed_values(demo):
    m = demo["manifest"]

    class Facts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.facts = [], {}

        def handle_starttag(self, tag, attrs):
            if tag in ("br", "img", "meta", "link", "col"):
                return
            self.stack.append([dict(attrs).get("data-fact"), []])

        def handle_endtag(self, tag):
            if tag in ("br", "img", "meta", "link", "col"):
                return
            name, parts = self.stack.pop()
            text = "".join(parts)
            if self.stack:
                self.stack[-1][1].append(text)
            if name:
                self.facts.setdefault(name, []).append(" ".join(text.split()))

        def handle_data(self, data):
            if self.stack:
                self.stack[-1][1].append(data)

    p = Facts()
    p.feed((demo["dir"] / "index.html").read_text())
    f = p.facts
    case = m["case"]
    want = {"case.reference": case["ref"], "case.title": case["title"], "case.subject": case["subject"],
            "case.complainant": case["complainant"], "case.status": case["status"]}
    for e in m["exhibits"]:
        want[f"exhibit.{e['id']}.item"] = e["item"]
        want[f"exhibit.{e['id']}.sha256"] = e["record_sha256"]
    for k in m["keys"]:
        want[f"signer.{k['fingerprint']}.name"] = k["name"]
        want[f"signer.{k['fingerprint']}.role"] = k["role"]
    for a in m["allegations"]:
        rec = json.loads((demo["dir"] / a["records"][0]["path"]).read_text())
        want[f"allegation.{a['id']}.clause"] = a["clause"]
        want[f"allegation.{a['id']}.status"] = a["status"]
        want[f"allegation.{a['id']}.summary"] = " ".join(rec["summary"].split())
    for name, value in want.items():
        assert name in f, name
        assert all(v == value for v in f[name]), (name, f[name], value)
    assert "data:" not in (demo["dir"] / "index.html").read_text()  # images are files, never inlined


def test_same_case_state_same_pdf(demo, tmp_path):
    import os
    import subprocess

    from packcase import EVIDENCE, isolated_env

    env = isolated_env(tmp_path)
    env.update({"EVIDENCE_KEY": str(demo["pack"].parent / "demo.key.pem"),
                "EVIDENCE_PASSPHRASE": "demo passphrase (not secret)"})
    # a later pack lists the earlier ones (their bundle.built entries), so the same state is two copies of the
    # store as it is now, each with its own (empty) witness folder
    import shutil

    built = []
    for n in (1, 2):
        shutil.copytree(demo["pack"].parent / "store", tmp_path / f"store{n}")
        (tmp_path / f"out{n}").mkdir()
        again = tmp_path / f"out{n}" / demo["pack"].name  # VERIFY.txt names the file: same name, same bytes
        r = subprocess.run([str(EVIDENCE), "--store", str(tmp_path / f"store{n}"), "bundle", "--case",
                            demo["manifest"]["case"]["ref"], "--out", str(again)],
                           env=dict(env, EVIDENCE_STATE_DIR=str(tmp_path / f"state{n}")), capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        built.append(again.read_bytes())
    assert built[0] == built[1]
    assert os.path.getsize(again) > 0
