"""Commands added for issue 9, through the command line on real stores: key approve, case update, key create
refusing a second key, verify --trust, verify-bundle --trust, search, timeline; and control characters."""

from __future__ import annotations

import json

import pytest

from conftest import CASE, PASSPHRASE, make_png


def fingerprint(run, name: str) -> str:
    return next(k["fingerprint"] for k in json.loads(run("key", "list", "--json").out) if k["name"] == name)


def test_key_approve(ready, run, tmp_path):
    r = run("key", "create", "--name", "B. Second", "--email", "b@uni.example", "--out", tmp_path / "b.key.pem")
    assert r.code == 0, r
    b = fingerprint(run, "B. Second")
    r = run("case", "open", "SMP-2026-020", "--title", "t", "--key-file", tmp_path / "b.key.pem")
    assert r.code == 4 and "not yet approved" in r.err, r
    r = run("key", "approve", b.replace("sha256:", "")[:16])
    assert r.code == 0 and "Approved key " + b in r.out, r
    assert [k["trusted"] for k in json.loads(run("key", "list", "--json").out) if k["fingerprint"] == b] == [True]
    r = run("case", "open", "SMP-2026-020", "--title", "t", "--key-file", tmp_path / "b.key.pem")
    assert r.code == 0, r
    r = run("key", "approve", b)
    assert r.code == 6 and "already trusted" in r.err
    r = run("key", "approve", "ffff0000")
    assert r.code == 4


def test_key_create_twice_refuses_unless_new(ready, run, monkeypatch, tmp_path):
    args = ("key", "create", "--name", "A. Investigator", "--email", "a@uni.example")
    r = run(*args)
    assert r.code == 4 and "already exists" in r.err and "--new" in r.err, r
    # another config folder, same store: the store knows the name and e-mail
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path / "other-config"))
    r = run(*args)
    assert r.code == 4 and "in store" in r.err, r
    r = run(*args, "--new")
    assert r.code == 0 and "Created key" in r.out, r
    assert len(json.loads(run("key", "list", "--json").out)) == 2


def test_case_update(ready, run):
    r = run("case", "update", CASE, "--subject", "J. Doe (Law)", "--title", "Posts about a colleague, 2")
    assert r.code == 0 and "Updated case" in r.out, r
    js = json.loads(run("case", "show", CASE, "--json").out)
    assert js["subject"] == "J. Doe (Law)" and js["title"] == "Posts about a colleague, 2"
    assert js["complainant"] == "K. Smith"
    entries = json.loads(run("custody", "--case", CASE, "--json").out)
    upd = [e for e in entries if e["action"] == "case.updated"]
    assert upd and upd[-1]["details"]["before"]["subject"] == "J. Doe"
    r = run("case", "update", CASE, "--subject", "J. Doe (Law)")
    assert r.code == 6 and "nothing to change" in r.err
    assert run("verify").code == 0


def test_verify_with_a_trust_list(ready, run, tmp_path):
    me = fingerprint(run, "A. Investigator")
    (tmp_path / "trust.txt").write_text(f"# the panel's list\n{me}\n")
    r = run("verify", "--trust", tmp_path / "trust.txt", "--no-log")
    assert r.code == 0 and "OK" in r.out, r
    (tmp_path / "other.txt").write_text("sha256:" + "ab" * 32 + "\n")
    r = run("verify", "--trust", tmp_path / "other.txt", "--no-log")
    assert r.code == 8 and "not in the trust list" in r.out and me[7:15] in r.out, r
    (tmp_path / "bad.txt").write_text("not a fingerprint\n")
    r = run("verify", "--trust", tmp_path / "bad.txt", "--no-log")
    assert r.code == 6 and "not a key fingerprint" in r.err


def _pack_verifier_takes_trust() -> bool:
    import inspect

    from evidence.verify.pack import verify_pack

    return "trust" in inspect.signature(verify_pack).parameters


@pytest.mark.xfail(not _pack_verifier_takes_trust(), strict=True,
                   reason="evidence.verify.pack.verify_pack(trust=) is added on the verifypack branch")
def test_verify_bundle_with_a_trust_list(ready, run, tmp_path):
    png = make_png(tmp_path / "shot.png")
    assert run("import", png, "--case", CASE, "--received-from", "c", "--received-at", "2026-11-20T09:14Z").code == 0
    pack = tmp_path / "pack.zip"
    r = run("bundle", "--case", CASE, "--out", pack, "--no-pdf")
    assert r.code == 0, r
    me = fingerprint(run, "A. Investigator")
    (tmp_path / "trust.txt").write_text(me + "\n")
    r = run("verify-bundle", pack, "--trust", tmp_path / "trust.txt")
    assert r.code == 0 and "OK" in r.out, r
    (tmp_path / "other.txt").write_text("sha256:" + "ab" * 32 + "\n")
    r = run("verify-bundle", pack, "--trust", tmp_path / "other.txt")
    assert r.code == 8, r


def test_search_and_timeline(ready, run, tmp_path):
    png = make_png(tmp_path / "shot.png")
    r = run("import", png, "--case", CASE, "--received-from", "complainant", "--received-at", "2026-11-20T09:14Z",
            "--note", "the post said watch\nyour back\n\nin two lines")
    item = r.out.split()[0]
    r = run("search", "watch back", "--case", CASE)
    assert r.code == 0 and item in r.out, r
    assert [line for line in r.out.splitlines() if line.strip()] == [
        line for line in r.out.splitlines() if item in line], r.out  # one line per result: the note's breaks folded
    rows = json.loads(run("search", "watch", "--json").out)
    assert rows and rows[0]["ref"] == item and rows[0]["case_ref"] == CASE
    r = run("search", "nothingmatchesthis")
    assert r.code == 0 and "Nothing matches" in r.out
    assert run("search", "watch", "--case", "NOPE-1").code == 5
    r = run("timeline", "--case", CASE)
    assert r.code == 0 and "case opened" in r.out and item in r.out, r
    events = json.loads(run("timeline", "--case", CASE, "--json").out)
    assert [e["event"] for e in events][:1] == ["case.opened"]


def test_control_characters_in_text_are_made_visible(ready, run, tmp_path):
    title = "Posts \x1b[2J\x1b[31mred\x1b[0m and a bell \x07"
    r = run("case", "open", "SMP-2026-030", "--title", title, "--subject", "J.\x1b]0;owned\x07 Doe")
    assert r.code == 0, r
    for args in (("case", "list"), ("case", "show", "SMP-2026-030"), ("timeline", "--case", "SMP-2026-030")):
        out = run(*args).out
        assert "\x1b" not in out and "\x07" not in out, args
    out = run("case", "show", "SMP-2026-030").out
    assert "\\x1b[2J\\x1b[31mred" in out and "\\x07" in out and "J.\\x1b]0;owned\\x07 Doe" in out
    # JSON keeps the text as it is (escaped by JSON itself)
    assert json.loads(run("case", "show", "SMP-2026-030", "--json").out)["title"] == title
    png = make_png(tmp_path / "shot.png")
    r = run("import", png, "--case", CASE, "--received-from", "c\x1b[8m", "--received-at", "2026-11-20T09:14Z",
            "--note", "note \x1b[8mhidden")
    item = r.out.split()[0]
    out = run("show", item).out
    assert "\x1b" not in out and "note \\x1b[8mhidden" in out
