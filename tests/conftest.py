"""Shared fixtures: an isolated environment (store, config folder, passphrase) and a CLI runner.

Every test gets its own store and its own configuration folder under ``tmp_path``;
nothing touches the user's real data or config directories.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"  # copies of third-party test data (see tests/data/README.md)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSPHRASE = "correct horse battery staple"
CASE = "SMP-2026-014"


@dataclass
class Result:
    code: int
    out: str
    err: str
    out_bytes: bytes

    def __repr__(self) -> str:  # shown when an assertion fails
        return f"Result(code={self.code}, out={self.out[-2000:]!r}, err={self.err[-2000:]!r})"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Point EVIDENCE_* at fresh folders under tmp_path."""
    store = tmp_path / "store"
    cfg = tmp_path / "config"
    monkeypatch.setenv("EVIDENCE_STORE", str(store))
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("EVIDENCE_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("EVIDENCE_KEY", raising=False)
    monkeypatch.delenv("EVIDENCE_BROWSER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("EVIDENCE_STATE_DIR", str(tmp_path / "state"))
    return {"store": store, "config": cfg, "tmp": tmp_path}


@pytest.fixture
def run(env):
    """Run the command line in-process: ``run("case", "list")`` -> Result(code, out, err)."""
    from evidence.cli import main as cli_main

    def _run(*args: str, input: str | None = None) -> Result:
        out_b = io.BytesIO()
        out = io.TextIOWrapper(out_b, encoding="utf-8", write_through=True)
        err = io.StringIO()
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(input or "")
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = cli_main([str(a) for a in args])
        finally:
            sys.stdin = old_stdin
        data = out_b.getvalue()
        return Result(code, data.decode("utf-8", "replace"), err.getvalue(), data)

    return _run


@pytest.fixture
def ready(run, env):
    """A store with a registered key and an open case."""
    assert run("init").code == 0
    r = run("key", "create", "--name", "A. Investigator", "--email", "a@uni.example", "--role", "investigator")
    assert r.code == 0, r
    r = run("case", "open", CASE, "--title", "Posts about a colleague", "--subject", "J. Doe",
            "--complainant", "K. Smith")
    assert r.code == 0, r
    return env


@pytest.fixture
def ev(ready):
    """The library API on the ready store."""
    import evidence

    e = evidence.Evidence.open(passphrase=PASSPHRASE.encode())
    yield e
    e.close()


def make_png(path: Path, size=(64, 48), color="red", exif: dict | None = None) -> Path:
    from PIL import Image

    im = Image.new("RGB", size, color)
    kwargs = {}
    if exif:
        ex = Image.Exif()
        for k, v in exif.items():
            ex[k] = v
        kwargs["exif"] = ex
    im.save(path, "PNG", **kwargs)
    return path


def make_jpeg(path: Path, size=(64, 48), exif: dict | None = None, exif_ifd: dict | None = None) -> Path:
    from PIL import ExifTags, Image

    im = Image.new("RGB", size, "blue")
    ex = Image.Exif()
    for k, v in (exif or {}).items():
        ex[k] = v
    if exif_ifd:
        ifd = ex.get_ifd(ExifTags.IFD.Exif)
        for k, v in exif_ifd.items():
            ifd[k] = v
    im.save(path, "JPEG", exif=ex)
    return path


def descendant_pids(pid: int) -> list[int]:
    """Every process descended from ``pid`` (read from /proc: Linux)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out
