"""The store: creation, finding it, refusing what is not a store, WAL, append-only tables, read-only artifacts."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from conftest import CASE, make_png
from evidence.errors import NotAStore, StoreError, StoreNotFound
from evidence.store import Store


def test_init_layout_and_wal(env, run):
    r = run("init")
    assert r.code == 0 and "Created evidence store" in r.out
    store = env["store"]
    assert (store / "evidence.db").is_file()
    assert (store / "artifacts" / "sha256").is_dir()
    conn = sqlite3.connect(store / "evidence.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert meta["format"] == "evidence-store" and meta["version"] == "2"


def test_store_found_by_flag_then_env_then_default(env, run, monkeypatch, tmp_path):
    other = tmp_path / "other"
    assert run("--store", other, "init").code == 0
    assert (other / "evidence.db").exists()
    assert not env["store"].exists()
    monkeypatch.delenv("EVIDENCE_STORE")
    assert run("init").code == 0
    assert (tmp_path / "xdg-data" / "evidence" / "store" / "evidence.db").exists()


def test_init_twice_refused(env, run):
    assert run("init").code == 0
    r = run("init")
    assert r.code == StoreError.exit_code and "already an evidence store" in r.err


def test_init_in_folder_of_something_else_refused(env, run):
    env["store"].mkdir()
    (env["store"] / "thesis.docx").write_text("mine")
    r = run("init")
    assert r.code == 3 and "other files" in r.err
    assert (env["store"] / "thesis.docx").read_text() == "mine"


@pytest.mark.parametrize("setup,message", [
    (lambda p: None, "no evidence store at"),
    (lambda p: (p.mkdir(), (p / "notes.txt").write_text("x")), "not an evidence store"),
    (lambda p: (p.mkdir(), (p / "evidence.db").write_bytes(b"this is not sqlite at all" * 10)), "not an SQLite database"),
    (lambda p: p.write_text("a file"), "is a file"),
])
def test_open_refuses_what_is_not_a_store(env, run, setup, message):
    setup(env["store"])
    r = run("case", "list")
    assert r.code == 3, r
    assert message in r.err and "Traceback" not in r.err


def test_sqlite_file_of_another_program(env, run):
    env["store"].mkdir()
    conn = sqlite3.connect(env["store"] / "evidence.db")
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    r = run("items", "--case", CASE)
    assert r.code == 3 and "cannot be read as an evidence store" in r.err


def test_custody_and_records_are_append_only(ev, tmp_path):
    ev.import_files([make_png(tmp_path / "a.png")], case=CASE, received_from="c", received_at="2026-11-20T09:14Z")
    conn = sqlite3.connect(ev.store.path / "evidence.db")
    for sql in ("UPDATE custody SET action = 'x'", "DELETE FROM custody", "UPDATE items SET kind = 'capture'",
                "DELETE FROM items", "DELETE FROM artifacts", "DELETE FROM keys", "DELETE FROM cases"):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql)


def test_artifacts_are_read_only_and_content_addressed(ev, tmp_path):
    png = make_png(tmp_path / "a.png")
    item = ev.import_files([png], case=CASE, received_from="c", received_at="2026-11-20T09:14Z")[0]
    path = item.path("original")
    assert path.name == item.artifact("original")["sha256"].split(":")[1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert path.read_bytes() == png.read_bytes()
    # the same bytes again are stored once
    again = ev.import_files([png], case=CASE, received_from="c", received_at="2026-11-20T09:15Z")[0]
    assert again.path("original") == path and again.id != item.id
    assert len(list((ev.store.path / "artifacts" / "sha256").rglob("*"))) == 2  # one folder, one file


def test_store_open_api_errors(tmp_path):
    with pytest.raises(StoreNotFound):
        Store.open(tmp_path / "none")
    (tmp_path / "d").mkdir()
    with pytest.raises(NotAStore):
        Store.open(tmp_path / "d")
