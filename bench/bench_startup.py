#!/usr/bin/env python3
"""Startup: `evidence --help` against `python -c "import click"` (a script, not a test).

Both are timed in the same run, alternating, and compared by their medians: the goal is
`evidence --help` within 2x the time Python takes to import click, so that the command line
loads the library only in the command that needs it.

    python bench/bench_startup.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30, help="runs of each (default 30; 10 with --quick)")
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    args = ap.parse_args()
    runs = 10 if args.quick and args.runs == 30 else args.runs
    py = sys.executable
    cases = {"baseline: python -c 'import click'": [py, "-c", "import click"],
             "evidence --help": [py, "-m", "evidence", "--help"],
             "evidence case list --help": [py, "-m", "evidence", "case", "list", "--help"]}
    times: dict[str, list[float]] = {k: [] for k in cases}
    for cmd in cases.values():  # warm the file cache once
        timed(cmd)
    for _ in range(runs):
        for name, cmd in cases.items():  # alternate, so load changes hit every command alike
            times[name].append(timed(cmd))
    base = statistics.median(times["baseline: python -c 'import click'"])
    print(f"startup, median of {runs} alternating runs each ({py})")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:40} {med * 1000:8.1f} ms   {med / base:5.2f}x baseline")
    ratio = statistics.median(times["evidence --help"]) / base
    print(f"ratio evidence --help / import click: {ratio:.2f} (goal <= 2.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
