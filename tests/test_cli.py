"""The command line as a user meets it: every command, --json output, and one-line errors with their exit codes."""

from __future__ import annotations

import json
import re

import pytest

from conftest import CASE, make_png
from evidence.canonical import parse_json
from evidence.schemas import schema_errors


def test_help_lists_commands(run):
    r = run("--help")
    assert r.code == 0
    for cmd in ("init", "key", "case", "import", "items", "show", "export", "custody", "verify", "cat"):
        assert re.search(rf"^\s+{cmd}\b", r.out, re.M), cmd


def test_case_lifecycle(ready, run):
    r = run("case", "list")
    assert r.code == 0 and CASE in r.out and "open" in r.out
    r = run("case", "show", CASE)
    assert "Posts about a colleague" in r.out and "J. Doe" in r.out and "K. Smith" in r.out
    js = json.loads(run("case", "show", CASE, "--json").out)
    assert js["ref"] == CASE and js["status"] == "open" and js["item_list"] == []
    r = run("case", "close", CASE, "--reason", "panel decided")
    assert r.code == 0
    js = json.loads(run("case", "list", "--json").out)
    assert js[0]["status"] == "closed" and js[0]["close_reason"] == "panel decided"
    r = run("case", "close", CASE, "--reason", "again")
    assert r.code == 5 and "closed" in r.err


@pytest.mark.parametrize("ref", ["", "a", "../etc", "SMP 2026", "SMP/2026", "_SMP", "x" * 80])
def test_invalid_case_refs(ready, run, ref):
    r = run("case", "open", ref, "--title", "t")
    assert r.code == 6 and "invalid case reference" in r.err


def test_duplicate_case_even_in_other_case(ready, run):
    r = run("case", "open", CASE.lower(), "--title", "t")
    assert r.code == 5 and "already exists" in r.err
    assert len(json.loads(run("case", "list", "--json").out)) == 1


def test_unknown_case_and_item(ready, run):
    r = run("case", "show", "NOPE-1")
    assert r.code == 5 and "no case NOPE-1" in r.err
    r = run("items", "--case", "NOPE-1")
    assert r.code == 5
    r = run("show", "01ABCDEFGHJKMNPQRSTVWXYZ00")
    assert r.code == 5 and "no item" in r.err


def test_items_show_export_cat_custody(ready, run, tmp_path):
    png = make_png(tmp_path / "shot.png")
    r = run("import", png, "--case", CASE, "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z")
    item = r.out.split()[0]
    r = run("items", "--case", CASE)
    assert item in r.out and "shot.png from complainant" in r.out
    js = json.loads(run("items", "--case", CASE, "--json").out)
    assert js[0]["id"] == item and js[0]["artifacts"][0]["media_type"] == "image/png"
    r = run("show", item[:12])  # a unique prefix is enough
    assert r.code == 0 and "Artifacts" in r.out and "64x48" in r.out
    out = tmp_path / "out"
    r = run("export", item, "--to", out)
    assert r.code == 0
    exported = out / item / "original.png"
    assert exported.read_bytes() == png.read_bytes()
    assert (out / item / "record.json").is_file() and len((out / item / "record.sig").read_bytes()) == 64
    r = run("export", item, "--to", out)
    assert r.code == 6 and "never overwrites" in r.err
    r = run("cat", item)
    assert r.out_bytes == png.read_bytes()
    entries = json.loads(run("custody", item, "--json").out)
    assert [e["action"] for e in entries] == ["item.imported", "artifact.exported", "artifact.viewed"]
    text = run("custody", "--case", CASE).out
    assert "case.opened" in text and "item.imported" in text and "artifact.exported" in text


def test_every_written_json_matches_its_schema(ready, run, tmp_path, ev):
    png = make_png(tmp_path / "shot.png")
    run("import", png, "--case", CASE, "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z")
    run("verify")
    for it in ev.items(CASE):
        assert schema_errors(parse_json(it.record_bytes), "record") == []
    entries = ev.custody()
    assert {e.action for e in entries} >= {"key.registered", "case.opened", "item.imported", "verify.run"}
    for e in entries:
        assert schema_errors(e.entry, "custody-entry") == [], e.entry


def test_verify_logs_its_run(ready, run):
    assert run("verify").code == 0
    entries = json.loads(run("custody", "--json").out)
    assert entries[-1]["action"] == "verify.run" and entries[-1]["details"]["ok"] is True
    assert run("verify", "--no-log").code == 0
    assert len(json.loads(run("custody", "--json").out)) == len(entries)


def test_usage_errors_exit_2(ready, run):
    r = run("import", "--case", CASE)
    assert r.code == 2
    r = run("case", "open", "X-1")
    assert r.code == 2 and "--title" in r.err
    r = run("frobnicate")
    assert r.code == 2


def test_no_store_message(env, run):
    r = run("case", "list")
    assert r.code == 3
    assert r.err.strip() == f"error: no evidence store at {env['store']} (create one with `evidence init`, or pass --store / set EVIDENCE_STORE)"


def test_passphrase_prompt_when_no_env(ready, run, monkeypatch):
    """Without EVIDENCE_PASSPHRASE and no terminal, the user is told how to give one (no hang)."""
    monkeypatch.delenv("EVIDENCE_PASSPHRASE")
    r = run("case", "open", "SMP-2026-777", "--title", "t")
    assert r.code == 4 and "EVIDENCE_PASSPHRASE" in r.err


def test_verify_shows_progress(ready, run, tmp_path):
    from conftest import make_png

    run("import", make_png(tmp_path / "a.png"), "--case", CASE, "--received-from", "c", "--received-at",
        "2026-11-20T09:14Z")
    r = run("verify", "--progress", "--no-log")
    assert r.code == 0 and "Re-hashing artifacts" in r.err
    r = run("verify", "--no-progress", "--no-log")
    assert "Re-hashing" not in r.err
