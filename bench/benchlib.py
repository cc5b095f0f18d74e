"""What the benchmarks share: a work folder, and a fresh store with a bench key and an open case."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence.api import Evidence  # noqa: E402
from evidence.keys import create_key  # noqa: E402

PASSPHRASE = b"bench passphrase"


def make_workdir(given: str | None, prefix: str = "evidence-bench-") -> Path:
    """``given`` (new or empty) or a fresh temporary folder; it is removed at the end unless --keep."""
    if given is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    path = Path(given)
    if path.exists() and any(path.iterdir()):
        sys.exit(f"--workdir {path} is not empty; give a new or empty folder (it is removed at the end unless --keep)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_store(workdir: Path, *, case: str, title: str) -> Evidence:
    """A fresh store in ``workdir``, a bench key (never the user's default key) and one open case."""
    cfg = workdir / "config"
    cfg.mkdir(exist_ok=True)
    os.environ["EVIDENCE_CONFIG_DIR"] = str(cfg)  # never touch the real configuration folder
    ev = Evidence.init(workdir / "store")
    signer = create_key("Bench Investigator", "bench@uni.example", "investigator", PASSPHRASE,
                        key_file=cfg / "bench.key.pem", make_default=False)
    ev = Evidence(ev.store, signer=signer)
    ev.register_key()
    ev.open_case(case, title=title)
    return ev


def finish(workdir: Path, keep: bool) -> None:
    if keep:
        print(f"work folder kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
