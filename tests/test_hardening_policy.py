"""A --policy file is read within limits: size, nesting depth, regular files only (issue 9, hardening)."""

from __future__ import annotations

import json
import os
import threading

import pytest

from evidence.errors import InputError, PolicyError
from evidence.policy.catalogue import MAX_BYTES, MAX_DEPTH, builtin_catalogue_path, load_catalogue


def test_deep_nesting_is_a_policy_error_not_recursion(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(PolicyError, match="levels deep"):
        load_catalogue(deep)


def test_nesting_just_over_the_limit_is_refused(tmp_path):
    doc = json.loads(builtin_catalogue_path().read_text(encoding="utf-8"))
    value: object = "x"
    for _ in range(MAX_DEPTH + 1):
        value = [value]
    doc["policy"]["extra"] = value
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PolicyError, match=f"more than {MAX_DEPTH} levels"):
        load_catalogue(path)


def test_oversized_file_is_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(PolicyError, match="larger than 5 MB"):
        load_catalogue(big)


def test_dev_zero_is_refused_without_reading():
    with pytest.raises(InputError, match="not a regular file"):
        load_catalogue("/dev/zero")


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    got: list = []
    t = threading.Thread(target=lambda: got.append(pytest.raises(InputError, load_catalogue, fifo)), daemon=True)
    t.start()
    t.join(60)
    if t.is_alive():  # unblock the reader so the test run can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("loading a FIFO as a policy blocked")
    assert "not a regular file" in str(got[0].value)


def test_cli_names_the_problem(run, env, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"{\"a\":" * 100_000 + b"1" + b"}" * 100_000)
    for path, words in ((deep, "levels deep"), ("/dev/zero", "not a regular file")):
        r = run("clauses", "--policy", str(path))
        assert r.code == InputError.exit_code, r
        assert words in r.err and "RecursionError" not in r.err and "internal error" not in r.err


def test_the_builtin_catalogue_still_loads():
    assert len(load_catalogue(builtin_catalogue_path())) > 10
