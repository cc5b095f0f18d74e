"""Verify throughput: verify_store over ~1 GB of artifacts, as a ratio to plain hashlib (a script, not a test).

Builds a store holding ``--total-mb`` of random artifacts (files of ``--file-mb`` each, taken in
through ``Evidence.import_files``), then measures in the same run, alternating the order in each
of ``--rounds`` rounds so that noise on a shared machine falls on all three alike:

  (a) baseline  plain ``hashlib.sha256`` over the same artifact files, read in 1 MiB chunks,
                one thread (as a user would write it);
  (b) verify    ``verify_store(store)``: every check, with its own thread pool;
  (c) verify/1  ``verify_store(store, workers=1)``: every check, one hashing thread.

Printed: MB/s for each (best and median of the rounds) and the ratios verify/baseline.
Goal: verify/baseline >= 0.8 (verification costs little more than hashing the bytes).

Page cache: before *each* measurement the cache is put in the same state for all three.
``cold`` drops it (root only: ``sync; echo 3 > /proc/sys/vm/drop_caches``); ``warm`` reads every
file once first. ``--cache both`` (the default) runs both modes; cold falls back to warm, and says
so, when the cache cannot be dropped.

    .venv/bin/python bench/bench_verify_throughput.py [--total-mb 1024] [--file-mb 16] [--rounds 3]
        [--cache both|cold|warm] [--workdir DIR] [--keep] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evidence.api import Evidence  # noqa: E402
from evidence.verify.store import verify_store  # noqa: E402
from benchlib import finish, make_store, make_workdir  # noqa: E402

MB = 1024 * 1024
CHUNK = 1024 * 1024
PASSPHRASE = b"bench passphrase"
CASE = "BENCH-THROUGHPUT"
GOAL = 0.8


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- work folder and store
def build(ev: Evidence, workdir: Path, n_files: int, file_mb: int) -> tuple[list[Path], float]:
    """Write ``n_files`` random files, import them, delete the sources. Returns (artifact paths, import s)."""
    src = workdir / "src"
    src.mkdir()
    paths = []
    for i in range(n_files):
        p = src / f"random-{i:04d}.bin"
        with open(p, "wb") as fh:
            for _ in range(file_mb):
                fh.write(os.urandom(MB))
        paths.append(p)
    log(f"wrote {n_files} x {file_mb} MB random files; importing ...")
    t0 = time.perf_counter()
    items = ev.import_files(paths, case=CASE, received_from="benchmark", received_at="2026-11-20T09:14Z")
    took = time.perf_counter() - t0
    shutil.rmtree(src)
    return [it.path("original") for it in items], took


# ---------------------------------------------------------------- page cache
def drop_caches() -> bool:
    if os.geteuid() != 0:
        return False
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


def warm(paths: list[Path]) -> None:
    buf = bytearray(CHUNK)
    for p in paths:
        with open(p, "rb", buffering=0) as fh:
            while fh.readinto(buf):
                pass


# ---------------------------------------------------------------- the three measurements
def baseline(paths: list[Path], _ev: Evidence) -> int:
    """Plain hashlib, one thread, 1 MiB reads. Returns bytes hashed."""
    total = 0
    for p in paths:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                h.update(chunk)
                total += len(chunk)
        if h.hexdigest() != p.name:  # artifact files are named by their hash
            raise SystemExit(f"baseline hashed {p} to {h.hexdigest()}")
    return total


def verify_pool(_paths: list[Path], ev: Evidence) -> int:
    report = verify_store(ev.store)
    if not report.ok:
        raise SystemExit(f"verify found problems: {report.problems[:5]}")
    return report.counts["bytes"]


def verify_one(_paths: list[Path], ev: Evidence) -> int:
    report = verify_store(ev.store, workers=1)
    if not report.ok:
        raise SystemExit(f"verify found problems: {report.problems[:5]}")
    return report.counts["bytes"]


MEASURES = [
    ("baseline", "hashlib.sha256, 1 MiB reads, 1 thread", baseline),
    ("verify", "verify_store(store) (own pool: min(4, cpus) = %d)" % min(4, os.cpu_count() or 1), verify_pool),
    ("verify/1", "verify_store(store, workers=1)", verify_one),
]


def run_mode(mode: str, paths: list[Path], ev: Evidence, rounds: int) -> dict[str, list[float]]:
    """Returns {name: [MB/s per round]} for one page-cache mode ('cold' or 'warm')."""
    speeds: dict[str, list[float]] = {name: [] for name, _, _ in MEASURES}
    for r in range(rounds):
        order = MEASURES[r % len(MEASURES):] + MEASURES[: r % len(MEASURES)]  # rotate: nobody always goes first
        line = []
        for name, _, fn in order:
            if mode == "cold":
                if not drop_caches():
                    raise RuntimeError("could not drop the page cache")
            else:
                warm(paths)
                os.sync()
            t0 = time.perf_counter()
            nbytes = fn(paths, ev)
            secs = time.perf_counter() - t0
            speeds[name].append(nbytes / MB / secs)
            line.append(f"{name} {nbytes / MB / secs:7.1f} MB/s")
        log(f"  [{mode}] round {r + 1}/{rounds}: " + ", ".join(line))
    return speeds


def report(mode: str, speeds: dict[str, list[float]]) -> bool:
    print(f"\n== page cache: {mode} "
          + ("(dropped before every measurement: sync; echo 3 > /proc/sys/vm/drop_caches)" if mode == "cold"
             else "(every file read once before every measurement)"))
    print(f"{'measure':<9} | {'best MB/s':>9} | {'median MB/s':>11} | what")
    print("-" * 78)
    for name, what, _ in MEASURES:
        s = speeds[name]
        print(f"{name:<9} | {max(s):9.1f} | {statistics.median(s):11.1f} | {what}")
    base = speeds["baseline"]
    ok = True
    print()
    for name in ("verify", "verify/1"):
        best = max(speeds[name]) / max(base)
        med = statistics.median(speeds[name]) / statistics.median(base)
        passed = med >= GOAL
        if name == "verify":  # the goal is for verify as users run it; one worker is shown for comparison
            ok &= passed
            verdict = f"goal >= {GOAL}: {'met' if passed else 'NOT met'}"
        else:
            verdict = "for comparison: one hashing thread"
        print(f"ratio {name:>8} / baseline: best {best:.2f}, median {med:.2f}   ({verdict})")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-mb", type=int, default=None, help="artifact bytes in the store (default 1024)")
    parser.add_argument("--file-mb", type=int, default=16, help="size of each artifact file (default 16)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", choices=("both", "cold", "warm"), default="both")
    parser.add_argument("--workdir", help="where to build the store (default: a fresh temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: sizes ~10x smaller")
    opts = parser.parse_args()
    total_mb = opts.total_mb if opts.total_mb is not None else (1024 // 10 if opts.quick else 1024)
    n_files = max(1, round(total_mb / opts.file_mb))

    modes = ["cold", "warm"] if opts.cache == "both" else [opts.cache]
    cold_note = None
    if "cold" in modes and not drop_caches():
        cold_note = (f"cannot drop the page cache (euid {os.geteuid()}"
                     f"{', not root' if os.geteuid() else ', writing /proc/sys/vm/drop_caches failed'}): "
                     "cold mode replaced by warm")
        modes = ["warm"]

    workdir = make_workdir(opts.workdir)
    try:
        ev = make_store(workdir, case=CASE, title="verify throughput benchmark")
        paths, import_s = build(ev, workdir, n_files, opts.file_mb)
        size_mb = sum(p.stat().st_size for p in paths) / MB
        print(f"verify throughput benchmark: store of {len(paths)} artifacts x {opts.file_mb} MB = {size_mb:.0f} MB "
              f"(random bytes), {os.cpu_count()} cpus, {opts.rounds} rounds per mode, order rotated each round")
        print(f"import_files took {import_s:.1f} s ({size_mb / import_s:.0f} MB/s, copy + hash + fsync) "
              f"[informational]")
        if cold_note:
            print(f"note: {cold_note}")
        all_ok = True
        for mode in modes:
            log(f"measuring ({mode} cache) ...")
            all_ok &= report(mode, run_mode(mode, paths, ev, opts.rounds))
        print(f"\ngoal (verify / baseline >= {GOAL}, on medians, every page-cache mode): {'met' if all_ok else 'NOT met'}")
        ev.close()
    finally:
        finish(workdir, opts.keep)


if __name__ == "__main__":
    main()
