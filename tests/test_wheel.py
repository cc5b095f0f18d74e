"""The installed package: build the wheel, install it in a fresh virtual environment, run commands that need schemas."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from conftest import CASE, ROOT, make_png


def test_wheel_ships_schemas_and_reports_and_works(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(dist.glob("evidence-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "evidence/schemas/record.schema.json" in names
    assert "evidence/schemas/custody-entry.schema.json" in names
    assert any(n.startswith("evidence/reports/") for n in names)
    assert "cli.py" not in names and not any(n.startswith("cli") for n in names), \
        "the wheel must not install a top-level module named cli"
    assert "evidence/cli/__init__.py" in names and "evidence/__main__.py" in names
    assert "evidence/data/policies/leeds-social-media-policy.json" in names
    for init in (ROOT / "evidence").rglob("__init__.py"):
        rel = init.relative_to(ROOT).as_posix()
        assert rel in names, f"package {init.parent.name} is missing from the wheel: list it in pyproject.toml"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    exe = venv / "bin" / "evidence"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(EVIDENCE_STORE=str(work / "store"), EVIDENCE_CONFIG_DIR=str(work / "cfg"), EVIDENCE_PASSPHRASE="wheel passphrase",
               PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")

    def call(*args):
        r = subprocess.run([str(exe), *map(str, args)], env=env, cwd=work, capture_output=True, text=True)
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout

    call("init")
    call("key", "create", "--name", "W", "--email", "w@uni.example")
    call("case", "open", CASE, "--title", "wheel")
    png = make_png(work / "s.png")
    out = call("import", png, "--case", CASE, "--received-from", "c", "--received-at", "2026-11-20T09:14Z")
    assert "image/png" in out
    assert "OK" in call("verify")
    # the schema really came from the installed package, not this checkout
    where = subprocess.run([str(py), "-c", "from evidence.resources import schemas_dir; print(schemas_dir())"],
                           env=env, cwd=work, capture_output=True, text=True, check=True).stdout.strip()
    assert str(venv) in where and str(ROOT) not in where
