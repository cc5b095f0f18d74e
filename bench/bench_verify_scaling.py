"""Verify scaling: verify_store time per item for stores of 1,000 / 3,000 / 10,000 small items (a script, not a test).

Builds one store per size (``--sizes``), each item a distinct ~1 KB random file taken in through
``Evidence.import_files`` in batches of ``--batch`` (progress on stderr; import time per item is
printed too, for the first and the last batch of each store). Each store is verified once
untimed (warm page cache and a check that it verifies clean), then ``verify_store(store)`` is timed
``--rounds`` times per store, the stores taken in a rotated order each round so noise falls on all
sizes alike.

Printed: seconds per store (best and median) and milliseconds per item, and the ratio
per-item(largest) / per-item(smallest). Goal: roughly constant per-item time, ratio <= 1.5.
If the goal is not met (or with ``--profile``), each store's verify is run under cProfile and the
functions whose time per item grows most from the smallest to the largest store are listed.

    .venv/bin/python bench/bench_verify_scaling.py [--sizes 1000,3000,10000] [--batch 500] [--rounds 3]
        [--profile] [--workdir DIR] [--keep] [--quick]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evidence.api import Evidence  # noqa: E402
from evidence.keys import create_key  # noqa: E402
from evidence.verify.store import verify_store  # noqa: E402
from benchlib import finish, make_workdir  # noqa: E402

PASSPHRASE = b"bench passphrase"
CASE = "BENCH-SCALING"
ITEM_BYTES = 1024
GOAL = 1.5


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- setup
def make_key(workdir: Path) -> Path:
    cfg = workdir / "config"
    cfg.mkdir()
    os.environ["EVIDENCE_CONFIG_DIR"] = str(cfg)  # never touch the real configuration folder
    key_file = cfg / "bench.key.pem"
    create_key("Bench Investigator", "bench@uni.example", "investigator", PASSPHRASE, key_file=key_file,
               make_default=False)
    return key_file


def build_store(workdir: Path, key_file: Path, n_items: int, batch: int) -> tuple[Evidence, list[float]]:
    """A store with ``n_items`` items of distinct ~1 KB files. Returns (open Evidence, ms/item of each batch)."""
    store = workdir / f"store-{n_items}"
    Evidence.init(store).close()
    ev = Evidence.open(store, key_file=key_file, passphrase=PASSPHRASE)
    ev.register_key()
    ev.open_case(CASE, title=f"verify scaling benchmark, {n_items} items")
    src = workdir / "src"
    src.mkdir(exist_ok=True)
    per_batch = []
    done = 0
    t_start = time.perf_counter()
    while done < n_items:
        n = min(batch, n_items - done)
        paths = []
        for i in range(done, done + n):
            p = src / f"item-{i:06d}.bin"
            p.write_bytes(i.to_bytes(8, "big") + os.urandom(ITEM_BYTES - 8))  # distinct by construction
            paths.append(p)
        t0 = time.perf_counter()
        ev.import_files(paths, case=CASE, received_from="benchmark", received_at="2026-11-20T09:14Z")
        per_batch.append((time.perf_counter() - t0) / n * 1000)
        for p in paths:
            p.unlink()
        done += n
        log(f"  store {n_items:,}: {done:,}/{n_items:,} items imported, {per_batch[-1]:.2f} ms/item in this batch, "
            f"{time.perf_counter() - t_start:.0f} s so far")
    return ev, per_batch


# ---------------------------------------------------------------- measuring
def timed_verify(ev: Evidence) -> float:
    t0 = time.perf_counter()
    report = verify_store(ev.store)
    secs = time.perf_counter() - t0
    if not report.ok:
        raise SystemExit(f"verify found problems: {report.problems[:5]}")
    return secs


def _name(key: tuple[str, int, str]) -> str:
    file, line, func = key
    for prefix in (str(ROOT) + os.sep, "site-packages" + os.sep):
        if prefix in file:
            file = file.split(prefix, 1)[1]
    file = re.sub(r"^.*/lib/python3\.\d+/", "", file)  # the standard library
    return f"{file}:{line}({func})" if line else func


def profile(stores: dict[int, Evidence], top: int) -> None:
    """cProfile one verify per store; list the functions whose time per item grows most (smallest -> largest)."""
    stats = {}
    for n, ev in stores.items():
        prof = cProfile.Profile()
        prof.enable()
        verify_store(ev.store)
        prof.disable()
        stats[n] = pstats.Stats(prof).stats  # {(file, line, func): (cc, ncalls, tottime, cumtime, callers)}
    small, large = min(stats), max(stats)
    s, l = stats[small], stats[large]
    total = {n: sum(v[2] for v in st.values()) / n * 1e6 for n, st in stats.items()}
    print(f"\nprofile (cProfile sees the calling thread only, not the hashing in verify_store's pool): "
          + ", ".join(f"{n:,} items: {t:.0f} µs/item" for n, t in total.items()))

    def rows(index: int) -> list[tuple[float, tuple]]:
        out = []
        for key, v in l.items():
            per_l = v[index] / large * 1e6
            per_s = s[key][index] / small * 1e6 if key in s else 0.0
            out.append((per_l - per_s, key, per_s, per_l, s.get(key, (0, 0))[1] / small, v[1] / large))
        out.sort(reverse=True)
        return out[:top]

    for index, label in ((2, "own time (tottime)"), (3, "cumulative time (cumtime)")):
        print(f"\nprofile: functions whose {label} per item grows most, {small:,} -> {large:,} items")
        print(f"{'µs/item @' + format(small, ','):>14} | {'µs/item @' + format(large, ','):>15} | "
              f"{'calls/item':>17} | function")
        print("-" * 110)
        for _, key, per_s, per_l, calls_s, calls_l in rows(index):
            print(f"{per_s:14.1f} | {per_l:15.1f} | {calls_s:7.2f} -> {calls_l:7.2f} | {_name(key)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated item counts (default 1000,3000,10000)")
    parser.add_argument("--batch", type=int, default=500, help="files per import_files call (default 500)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile even if the goal is met")
    parser.add_argument("--top", type=int, default=12, help="functions listed by --profile")
    parser.add_argument("--workdir", help="where to build the stores (default: a fresh temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: sizes ~10x smaller (100,300,1000)")
    opts = parser.parse_args()
    sizes = sorted({int(x) for x in (opts.sizes or ("100,300,1000" if opts.quick else "1000,3000,10000")).split(",")})

    workdir = make_workdir(opts.workdir)
    stores: dict[int, Evidence] = {}
    try:
        key_file = make_key(workdir)
        build_s, batches = {}, {}
        for n in sizes:
            log(f"building store of {n:,} items ...")
            t0 = time.perf_counter()
            stores[n], batches[n] = build_store(workdir, key_file, n, opts.batch)
            build_s[n] = time.perf_counter() - t0
        entries = {}
        for n, ev in stores.items():  # untimed: warm cache, and make sure it verifies clean
            log(f"warm-up verify of store {n:,} ...")
            report = verify_store(ev.store)
            if not report.ok:
                raise SystemExit(f"store {n} does not verify: {report.problems[:5]}")
            entries[n] = report.counts["custody_entries"]

        times: dict[int, list[float]] = {n: [] for n in sizes}
        for r in range(opts.rounds):
            k = r % len(sizes)
            for n in sizes[k:] + sizes[:k]:
                times[n].append(timed_verify(stores[n]))
            log(f"  round {r + 1}/{opts.rounds}: " + ", ".join(f"{n:,}: {times[n][-1]:.2f} s" for n in sizes))

        print(f"verify scaling benchmark: stores of {', '.join(f'{n:,}' for n in sizes)} items "
              f"(distinct {ITEM_BYTES}-byte files), verify_store(store) best of {opts.rounds}, "
              f"order rotated each round, warm page cache, {os.cpu_count()} cpus")
        print()
        print(f"{'items':>7} | {'custody':>7} | {'import s':>8} | {'import ms/item first/last batch':>31} | "
              f"{'verify best s':>13} | {'median s':>8} | {'ms/item':>7} | {'vs ' + format(sizes[0], ','):>8}")
        print("-" * 116)
        per_item = {n: min(times[n]) / n * 1000 for n in sizes}
        for n in sizes:
            print(f"{n:>7,} | {entries[n]:>7,} | {build_s[n]:8.1f} | "
                  f"{batches[n][0]:14.2f} / {batches[n][-1]:<14.2f} | {min(times[n]):13.3f} | "
                  f"{statistics.median(times[n]):8.3f} | {per_item[n]:7.3f} | {per_item[n] / per_item[sizes[0]]:7.2f}x")
        ratio = per_item[sizes[-1]] / per_item[sizes[0]]
        ok = ratio <= GOAL
        print()
        print(f"ratio per-item({sizes[-1]:,}) / per-item({sizes[0]:,}) = {ratio:.2f}   "
              f"(goal: roughly constant, <= {GOAL}: {'met' if ok else 'NOT met'})")
        if opts.profile or not ok:
            profile(stores, opts.top)
        for ev in stores.values():
            ev.close()
    finally:
        finish(workdir, opts.keep)


if __name__ == "__main__":
    main()
