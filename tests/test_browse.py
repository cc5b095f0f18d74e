"""The store in Datasette (issue 13): layout 2 (foreign keys, JSON as text, posts view, full-text index),
the migration of a store made before it, and ``evidence browse`` run for real on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import CASE
from webserver import TestSite, closed_port, png_bytes

LOOPBACK_ONLY = "--browser-arg=--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


@pytest.fixture
def filled(ready, run, tmp_path):
    """A store with a captured post, an imported screenshot and an allegation citing the post."""
    (tmp_path / "site").mkdir()
    with TestSite(tmp_path / "site", https=False) as site:
        r = run("capture", site.url("/post"), "--case", CASE, LOOPBACK_ONLY)
    assert r.code == 0, r
    post = r.out.split()[1]
    png = tmp_path / "shot.png"
    png.write_bytes(png_bytes())
    assert run("import", png, "--case", CASE, "--received-from", "complainant",
               "--received-at", "2026-11-20T09:14Z").code == 0
    assert run("allege", "--case", CASE, "--clause", "6.1", "--evidence", post, "--summary", "It says hello.").code == 0
    return dict(ready, post=post)


def _db(store) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{store / 'evidence.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def test_layout_two_foreign_keys_json_text_posts_view_and_search(filled):
    conn = _db(filled["store"])
    fks = {(t, r["from"], r["table"]) for t in ("items", "artifacts", "custody", "allegations", "allegation_events",
                                                  "post_index")
           for r in conn.execute(f"PRAGMA foreign_key_list({t})")}
    assert {("items", "case_ref", "cases"), ("artifacts", "item_id", "items"), ("custody", "case_ref", "cases"),
            ("custody", "item_id", "items"), ("allegations", "case_ref", "cases"),
            ("allegation_events", "allegation_id", "allegations"), ("post_index", "item_id", "items")} <= fks
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    item = conn.execute("SELECT record, record_json FROM items WHERE id = ?", (filled["post"],)).fetchone()
    assert isinstance(item["record"], bytes) and item["record_json"] == item["record"].decode("utf-8")
    entry = conn.execute("SELECT entry, entry_json FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
    assert json.loads(entry["entry_json"])["action"] == "allegation.made"
    row = conn.execute("SELECT url, platform, author, handle, published, text, captured FROM posts").fetchone()
    assert row["author"] == "Jo Bloggs" and row["text"] == "Hello world" and row["published"] == "2026-11-19T22:41:07Z"
    hits = conn.execute("SELECT p.item_id FROM posts p JOIN post_index_fts f ON f.rowid = p.post_rowid "
                        "WHERE post_index_fts MATCH 'hello'").fetchall()
    assert [h[0] for h in hits] == [filled["post"]]
    assert dict(conn.execute("SELECT key, value FROM meta").fetchall())["layout"] == "2"


def test_verify_checks_the_full_text_index(filled, run):
    assert run("verify").code == 0
    conn = sqlite3.connect(filled["store"] / "evidence.db", isolation_level=None)
    rowid = conn.execute("SELECT rowid FROM post_index").fetchone()[0]
    conn.execute("INSERT INTO post_index_fts(post_index_fts, rowid, text) VALUES ('delete', ?, 'Hello world')", (rowid,))
    conn.close()
    r = run("verify")
    assert r.code == 8 and "full-text index" in r.out + r.err, r


def test_a_store_of_layout_one_is_migrated_and_still_verifies(ready, run, monkeypatch, tmp_path):
    """A store made before layout 2 (the same tables without it) opens, is migrated once, and verifies."""
    import evidence.store.schema as schema

    old = tmp_path / "old"
    with monkeypatch.context() as m:  # the schema as it was: no layout applied, meta says layout 1
        m.setattr(schema, "apply_layout", lambda conn: None)
        m.setattr(schema, "LAYOUT", 1)
        m.setattr("evidence.store.core.LAYOUT", 1)  # and is not migrated while it is being filled
        m.setenv("EVIDENCE_STORE", str(old))
        assert run("init").code == 0
        assert run("key", "register").code == 0
        assert run("case", "open", CASE, "--title", "t").code == 0
        png = tmp_path / "shot.png"
        png.write_bytes(png_bytes())
        r = run("import", png, "--case", CASE, "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z")
        assert r.code == 0, r
        conn = sqlite3.connect(old / "evidence.db")
        assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'posts'").fetchone() == ("table",)
        assert conn.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone() == ("1",)
        conn.close()
    monkeypatch.setenv("EVIDENCE_STORE", str(old))
    assert run("case", "list").code == 0  # opening it (writable) migrates it
    conn = _db(old)
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    assert meta["layout"] == "2" and meta["layout_migrated_utc"].endswith("Z")
    assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'posts'").fetchone()[0] == "view"
    assert {r["table"] for r in conn.execute("PRAGMA foreign_key_list(custody)")} == {"cases", "items"}
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"items_no_update", "custody_no_delete", "artifacts_no_update"} <= triggers  # still append-only
    conn.close()
    assert run("verify").code == 0


def _get(url: str) -> dict | list:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def _wait(url: str, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"evidence browse stopped: {proc.stdout.read()} {proc.stderr.read()}")
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise AssertionError("Datasette did not answer")


def test_browse_serves_the_store_read_only_on_loopback(filled):
    port = closed_port()
    env = dict(os.environ, EVIDENCE_STORE=str(filled["store"]))
    proc = subprocess.Popen([sys.executable, "-m", "evidence", "browse", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/-/versions.json", proc)
        dbs = _get(f"{base}/-/databases.json")
        assert [(d["name"], d["is_mutable"]) for d in dbs] == [("evidence", False)]  # immutable: read-only
        db = _get(f"{base}/evidence.json")
        tables = {t["name"]: t for t in db["tables"]}
        assert {"cases", "items", "artifacts", "custody", "allegations", "post_index"} <= set(tables)
        assert "posts" in {v["name"] for v in db["views"]}
        outgoing = {(fk["column"], fk["other_table"]) for fk in tables["items"]["foreign_keys"]["outgoing"]}
        assert ("case_ref", "cases") in outgoing
        meta = _get(f"{base}/-/metadata.json")
        assert meta["databases"]["evidence"]["tables"]["custody"]["title"] == "Chain of custody"
        items = _get(f"{base}/evidence/items.json?_shape=array")
        assert all(json.loads(i["record_json"])["id"] == i["id"] for i in items)
        found = _get(f"{base}/evidence/posts.json?_search=hello&_shape=array")
        assert [(p["author"], p["text"]) for p in found] == [("Jo Bloggs", "Hello world")]
        case_items = _get(f"{base}/evidence/case_items.json?case={CASE}&_shape=array")
        assert len(case_items) == 2 and filled["post"] in {i["id"] for i in case_items}
        custody = _get(f"{base}/evidence/post_custody.json?item={filled['post']}&_shape=array")
        assert [c["action"] for c in custody][:1] == ["item.captured"]
        by = _get(f"{base}/evidence/by_author.json?author=jobloggs&_shape=array")
        assert [b["item_id"] for b in by] == [filled["post"]] and by[0]["allegations"] == "6.1 (open)"
        with pytest.raises(urllib.error.HTTPError):  # nothing can be written
            urllib.request.urlopen(urllib.request.Request(f"{base}/evidence/-/create", data=b"{}", method="POST"),
                                   timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert f"on {base}/evidence" in out
    with pytest.raises(urllib.error.URLError):  # Datasette stopped with it
        _get(f"{base}/-/versions.json")


def test_browse_without_datasette_says_how_to_install_it(ready, run, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    monkeypatch.setenv("PATH", "/nonexistent")
    r = run("browse", "--port", "8765")
    assert r.code == 12 and "pip install 'evidence[browse]'" in r.err and "Traceback" not in r.err
