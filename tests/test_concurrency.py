"""Real processes: several importing into one store at once, and processes killed mid-import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time


from conftest import CASE, ROOT, make_png

CLI = str(ROOT / "cli.py")


def cli_proc(args, **kw):
    return subprocess.Popen([sys.executable, CLI, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ.copy(), **kw)


def test_parallel_imports_all_succeed(ready, run, tmp_path):
    procs = []
    n_proc, per = 4, 8
    for p in range(n_proc):
        files = []
        for i in range(per):
            files.append(make_png(tmp_path / f"p{p}-{i}.png", size=(20 + p, 20 + i), color=(p * 40, i * 20, 99)))
        procs.append(cli_proc(["import", *files, "--case", CASE, "--received-from", f"witness {p}",
                               "--received-at", "2026-11-20T09:14Z"]))
    for pr in procs:
        out, err = pr.communicate(timeout=120)
        assert pr.returncode == 0, err
        assert "locked" not in err
    items = json.loads(run("items", "--case", CASE, "--json").out)
    assert len(items) == n_proc * per
    seqs = [e["seq"] for e in json.loads(run("custody", "--json").out)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert run("verify", "--no-log").code == 0


def _kill_after(args, delay):
    pr = cli_proc(args)
    time.sleep(delay)
    pr.send_signal(signal.SIGKILL)
    pr.wait(timeout=30)
    return pr


def test_sigkill_mid_import_leaves_whole_item_or_nothing(ready, run, tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        chunk = os.urandom(1 << 20)
        for _ in range(150):
            fh.write(chunk)
    smalls = [make_png(tmp_path / f"s{i}.png", size=(10 + i, 10)) for i in range(30)]
    for delay in (0.25, 0.4, 0.55, 0.7, 0.9, 1.2):
        _kill_after(["import", big, "--case", CASE, "--received-from", "x", "--received-at", "2026-11-20T09:14Z"], delay)
        _kill_after(["import", *smalls, "--case", CASE, "--received-from", "x", "--received-at", "2026-11-20T09:14Z"],
                    delay)
        r = run("verify", "--no-log", "--json")
        assert r.code == 0, r.out
        rep = json.loads(r.out)
        assert rep["ok"], rep["problems"]
    items = json.loads(run("items", "--case", CASE, "--json").out)
    for it in items:
        assert len(it["artifacts"]) == 1
    # and the store still takes evidence afterwards
    r = run("import", smalls[0], "--case", CASE, "--received-from", "x", "--received-at", "2026-11-20T09:14Z")
    assert r.code == 0, r
