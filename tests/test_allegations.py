"""Policy clauses, allegations (made, withdrawn, never deleted), suggestions, and redaction."""

from __future__ import annotations

import io
import json
import subprocess

import pytest
from PIL import Image

from conftest import CASE, DATA, make_png
from evidence.canonical import parse_json
from evidence.schemas import schema_errors

POLICY_TEXT = (DATA / "policy" / "university-of-leeds-social-media-policy.txt").read_text(encoding="utf-8")


@pytest.fixture
def two_items(ready, run, tmp_path):
    ids = []
    for i, color in enumerate(("red", "blue")):
        r = run("import", make_png(tmp_path / f"s{i}.png", size=(300, 200), color=color), "--case", CASE,
                "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z")
        assert r.code == 0, r
        ids.append(r.out.split()[0])
    return ids


def test_clauses_list_and_search(run):
    r = run("clauses")
    assert r.code == 0 and "University of Leeds Social Media Policy" in r.out
    for cid in ("6.1", "6.6", "9(a)", "9(j)", "4.disclaimer", "8.logo"):
        assert f"\n{cid} " in r.out or r.out.startswith(cid)
    r = run("clauses", "--search", "harass")
    assert r.code == 0 and "6.2 " in r.out and "6.1 " not in r.out.split("\n", 1)[1].split("6.2")[0]
    js = json.loads(run("clauses", "--json").out)
    assert js["policy"]["sha256"].startswith("sha256:")
    for c in js["clauses"]:
        assert c["text"] in POLICY_TEXT  # quoted verbatim


def test_clauses_with_another_policy_and_a_bad_one(run, tmp_path):
    other = {"schema": "urn:evidence:policy-catalogue:1",
             "policy": {"id": "example-policy", "title": "Example University Online Conduct Policy",
                        "institution": "Example University", "version": "2025-1",
                        "source_sha256": "sha256:" + "0" * 64},
             "clauses": [{"id": "1", "section": "1", "section_title": "Conduct", "title": "Be civil",
                          "text": "Be civil online.", "kind": "duty"}]}
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other))
    r = run("clauses", "--policy", path)
    assert r.code == 0 and "Example University Online Conduct Policy" in r.out and "Be civil online." in r.out
    path.write_text("{not json")
    r = run("clauses", "--policy", path)
    assert r.code == 6 and "not JSON" in r.err
    path.write_text(json.dumps({"schema": "urn:evidence:policy-catalogue:1"}))
    r = run("clauses", "--policy", path)
    assert r.code == 6 and "schema" in r.err


def test_allege_links_exhibits_signed_and_logged(ready, run, two_items, ev, tmp_path):
    r = run("allege", "--case", CASE, "--clause", "6.2", "--evidence", *two_items,
            "--summary", "Repeated messages targeting a colleague.")
    assert r.code == 0, r
    aid = r.out.split()[1].rstrip(":")
    a = ev.allegation(aid)
    rec = a["records"][0]["record"]
    assert schema_errors(rec, "allegation") == []
    assert rec["clause"]["id"] == "6.2" and rec["clause"]["text"] in POLICY_TEXT
    assert rec["clause"]["stem"] == "Staff/students should not"
    assert [e["item"] for e in rec["evidence"]] == two_items
    assert rec["evidence"][0]["record_sha256"] == ev.item(two_items[0]).record_hash
    from evidence.policy.catalogue import load_catalogue

    assert rec["policy"]["sha256"] == load_catalogue().sha256
    # the signature verifies with openssl
    (tmp_path / "a.json").write_bytes(a["records"][0]["bytes"])
    (tmp_path / "a.sig").write_bytes(a["records"][0]["signature"])
    (tmp_path / "k.pem").write_text(ev.key(a["records"][0]["signer"])["public_pem"])
    ok = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "k.pem", "-rawin",
                         "-in", tmp_path / "a.json", "-sigfile", tmp_path / "a.sig"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    entries = json.loads(run("custody", "--case", CASE, "--json").out)
    made = [e for e in entries if e["action"] == "allegation.made"]
    assert made and made[0]["details"]["record_hash"] == a["records"][0]["sha256"]
    assert run("verify", "--no-log").code == 0
    listed = run("allege", "list", "--case", CASE)
    assert aid in listed.out and "Repeated messages" in listed.out


def test_withdraw_never_deletes(ready, run, two_items):
    r = run("allege", "--case", CASE, "--clause", "6.3", "--evidence", two_items[0], "--summary", "False claims.")
    aid = r.out.split()[1].rstrip(":")
    r = run("allege", "withdraw", aid[:10], "--reason", "complainant withdrew")
    assert r.code == 0, r
    js = json.loads(run("allege", "list", "--case", CASE, "--json").out)
    assert js[0]["status"] == "withdrawn" and js[0]["withdrawn_reason"] == "complainant withdrew"
    r = run("allege", "withdraw", aid, "--reason", "again")
    assert r.code == 6 and "already withdrawn" in r.err
    actions = [e["action"] for e in json.loads(run("custody", "--case", CASE, "--json").out)]
    assert "allegation.made" in actions and "allegation.withdrawn" in actions
    assert run("verify", "--no-log").code == 0


@pytest.mark.parametrize("args,code,msg", [
    (["--clause", "6.9"], 5, "did you mean"),
    (["--clause", "6.1", "--summary", "  "], 6, "reasoning"),
    (["--clause", "6.1", "--evidence", "01AAAAAAAAAAAAAAAAAAAAAAAA"], 5, "no item"),
])
def test_allege_bad_input(ready, run, two_items, args, code, msg):
    base = {"--case": CASE, "--clause": "6.1", "--evidence": two_items[0], "--summary": "x"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    before = run("custody", "--json").out
    r = run("allege", *flat)
    assert r.code == code, r
    assert msg in r.err
    assert run("custody", "--json").out == before


def test_allege_missing_options_and_other_case(ready, run, two_items, tmp_path):
    r = run("allege", "--case", CASE, "--clause", "6.1")
    assert r.code == 2 and "--evidence" in r.err
    assert run("case", "open", "SMP-2026-099", "--title", "other").code == 0
    r = run("allege", "--case", "SMP-2026-099", "--clause", "6.1", "--evidence", two_items[0], "--summary", "x")
    assert r.code == 6 and "belongs to case" in r.err


def test_allege_with_another_policy_is_recorded_by_hash(ready, run, two_items, tmp_path, ev):
    other = {"schema": "urn:evidence:policy-catalogue:1",
             "policy": {"id": "example-policy", "title": "Example Policy", "institution": "Example University",
                        "version": "2", "source_sha256": "sha256:" + "1" * 64},
             "clauses": [{"id": "3.2", "section": "3", "section_title": "Respect", "title": "No insults",
                          "text": "Do not insult anyone.", "kind": "prohibition"}]}
    path = tmp_path / "other.json"
    path.write_bytes(json.dumps(other).encode())
    r = run("allege", "--case", CASE, "--clause", "3.2", "--evidence", two_items[0], "--summary", "insult",
            "--policy", path)
    assert r.code == 0, r
    import hashlib

    js = json.loads(run("allege", "list", "--case", CASE, "--json").out)
    assert js[0]["policy"]["sha256"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert js[0]["clause_text"] == "Do not insult anyone."
    path.unlink()  # the store kept its own copy
    assert run("verify", "--no-log").code == 0


def test_tampered_allegation_record_is_caught(ready, run, two_items, ev):
    import sqlite3

    run("allege", "--case", CASE, "--clause", "6.1", "--evidence", two_items[0], "--summary", "threat")
    conn = sqlite3.connect(ev.store.path / "evidence.db", isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    rec = bytes(conn.execute("SELECT record FROM allegation_events").fetchone()[0])
    conn.execute("UPDATE allegation_events SET record = ?", (rec.replace(b"threat", b"THREAT"),))
    r = run("verify", "--no-log", "--json")
    assert r.code == 8
    codes = {p["code"] for p in json.loads(r.out)["problems"]}
    assert {"allegation-hash", "allegation-signature"} <= codes


# ---------------------------------------------------------------- suggestions
def test_suggest_is_an_aid_and_alleges_nothing(ready, run, two_items, ev, tmp_path):
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from webserver import post_page

    page = post_page(text="I know where you live, you idiot. Watch your back at the University of Leeds.")
    (tmp_path / "page.html").write_bytes(page)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        r = run("capture", f"http://127.0.0.1:{srv.server_address[1]}/page.html", "--case", CASE,
                "--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
        assert r.code == 0, r
    finally:
        srv.shutdown()
        srv.server_close()
    item = r.out.split()[1]
    before = run("custody", "--json").out
    r = run("suggest", item)
    assert r.code == 0
    assert r.out.startswith("Suggestions are an aid to the investigator")
    assert "6.1" in r.out and "'I know where you live'" in r.out and "'idiot'" in r.out
    assert "4.disclaimer" in r.out  # names the University with no disclaimer
    js = json.loads(run("suggest", item, "--json").out)
    assert js["label"].startswith("Suggestions are an aid") and {s["clause"] for s in js["suggestions"]} >= {"6.1"}
    assert run("custody", "--json").out == before  # nothing alleged, nothing logged
    r = run("suggest", two_items[0])
    assert r.code == 0 and "no post text" in r.out


# ---------------------------------------------------------------- redaction
def test_redact_makes_a_signed_copy_and_keeps_the_original(ready, run, two_items, ev):
    orig = ev.item(two_items[0])
    before = orig.path("original").read_bytes()
    r = run("redact", two_items[0], "--region", "10,20,50,30", "--region", "200,100,100,100",
            "--reason", "third-party name")
    assert r.code == 0, r
    red_id = r.out.split()[2]
    red = ev.item(red_id)
    assert red.kind == "redaction" and red.derived_from == orig.id
    assert red.record["source"]["original"] == {"item": orig.id, "role": "original",
                                                "sha256": orig.artifact("original")["sha256"],
                                                "record_sha256": orig.record_hash}
    assert red.record["source"]["regions"] == [{"x": 10, "y": 20, "w": 50, "h": 30}, {"x": 200, "y": 100, "w": 100, "h": 100}]
    assert schema_errors(parse_json(red.record_bytes), "record") == []
    im = Image.open(io.BytesIO(red.path("redacted").read_bytes())).convert("RGB")
    assert im.getpixel((10, 20)) == (0, 0, 0) and im.getpixel((59, 49)) == (0, 0, 0)
    assert im.getpixel((299, 199)) == (0, 0, 0) and im.getpixel((5, 5)) == (255, 0, 0)
    assert im.getpixel((60, 20)) == (255, 0, 0)
    assert orig.path("original").read_bytes() == before
    entries = json.loads(run("custody", red_id, "--json").out)
    assert entries[0]["action"] == "item.redacted" and entries[0]["details"]["original"] == orig.id
    assert run("verify", "--no-log").code == 0


@pytest.mark.parametrize("region,msg", [("1,2,3", "malformed region"), ("0,0,0,5", "empty"),
                                        ("250,150,100,100", "goes beyond the image")])
def test_redact_bad_regions(ready, run, two_items, region, msg):
    r = run("redact", two_items[0], "--region", region, "--reason", "x")
    assert r.code == 6 and msg in r.err


def test_redact_needs_an_image(ready, run, tmp_path):
    txt = tmp_path / "chat.txt"
    txt.write_text("a chat log\n")
    r = run("import", txt, "--case", CASE, "--received-from", "c", "--received-at", "2026-11-20T09:14Z")
    r = run("redact", r.out.split()[0], "--region", "0,0,1,1", "--reason", "x")
    assert r.code == 6 and "no image" in r.err
