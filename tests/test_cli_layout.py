"""The command line's layout: the package entry point, options after the command, --out everywhere."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CASE, ROOT, make_png


def test_python_dash_m_evidence_runs_the_command_line():
    r = subprocess.run([sys.executable, "-m", "evidence", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and "Usage: evidence" in r.stdout and "verify-bundle" in r.stdout


def test_roles_offered_are_the_library_roles():
    from evidence.api import ROLES
    from evidence.cli.keys import ROLES as CLI_ROLES

    assert tuple(CLI_ROLES) == tuple(ROLES)


def test_store_and_key_file_are_accepted_after_the_command(ready, run, monkeypatch, tmp_path):
    store = ready["store"]
    monkeypatch.delenv("EVIDENCE_STORE")
    r = run("case", "list", "--store", store)
    assert r.code == 0 and CASE in r.out
    r = run("--store", store, "case", "list", "--json")
    assert r.code == 0 and json.loads(r.out)[0]["ref"] == CASE
    other = tmp_path / "other-store"
    assert run("init", "--store", other).code == 0
    r = run("case", "list", "--store", other)
    assert r.code == 0 and CASE not in r.out
    key_file = next((ready["config"] / "keys").glob("*.key.pem"))
    r = run("case", "open", "SMP-2026-099", "--title", "t", "--store", store, "--key-file", key_file)
    assert r.code == 0, r
    r = run("case", "open", "SMP-2026-100", "--title", "t", "--store", store, "--key-file", tmp_path / "nokey.pem")
    assert r.code == 4, r


def test_out_everywhere_with_the_old_names_kept(ready, run, tmp_path):
    png = make_png(tmp_path / "shot.png")
    item = run("import", png, "--case", CASE, "--received-from", "c", "--received-at", "2026-11-20T09:14Z").out.split()[0]
    r = run("export", item, "--out", tmp_path / "a")
    assert r.code == 0 and (tmp_path / "a" / item / "original.png").is_file()
    r = run("export", item, "--to", tmp_path / "b")  # the old name still works, hidden from --help
    assert r.code == 0 and (tmp_path / "b" / item / "original.png").is_file()
    r = run("key", "list", "--json")
    fp = json.loads(r.out)[0]["fingerprint"]
    r = run("key", "export", fp, "--out", tmp_path / "k.pem")
    assert r.code == 0 and (tmp_path / "k.pem").read_text().startswith("-----BEGIN PUBLIC KEY")
    r = run("key", "create", "--name", "B. Other", "--email", "b@uni.example", "--out", tmp_path / "b.key.pem",
            "--no-register")
    assert r.code == 0 and (tmp_path / "b.key.pem").is_file()


def test_help_loads_no_library_module():
    """`evidence --help` imports click and the command line only (the speed itself is bench/bench_startup.py)."""
    code = ("import sys\nfrom evidence.cli import main\nmain(['--help'])\nmain(['case', 'list', '--help'])\n"
            "heavy = [m for m in sys.modules if m.startswith(('evidence.api', 'evidence.store', 'sqlite_utils', "
            "'jsonschema', 'cryptography', 'PIL', 'playwright'))]\nprint('HEAVY', heavy)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and "HEAVY []" in r.stdout, r.stdout[-500:] + r.stderr[-500:]
