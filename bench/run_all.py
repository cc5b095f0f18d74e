#!/usr/bin/env python3
"""Run every benchmark under bench/ (quick sizes unless --full) and print their figures.

Each benchmark measures its own baseline in the same run and prints ratios against it:
these machines are shared and noisy, so absolute times alone mean little.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["bench_verify_throughput.py", "bench_import_memory.py", "bench_verify_scaling.py", "bench_capture.py",
           "bench_capture_process.py",
           "bench_bundle.py", "bench_merkle.py", "bench_ledger.py", "bench_search.py", "bench_wacz.py",
           "bench_pack_scale.py", "extract_accuracy.py", "bench_startup.py", "bench_key_workfactor.py",
           "analysis_figures.py"]
SCRIPTS += ["bench_media.py"]  # the post's media kept at capture: on against off


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--full", action="store_true", help="full sizes (1 GB stores, 100,000 entries: minutes each)")
    ap.add_argument("names", nargs="*", help="only these benchmarks (e.g. bench_capture)")
    args = ap.parse_args()
    failed = 0
    for name in SCRIPTS:
        if args.names and not any(name.startswith(n) for n in args.names):
            continue
        path = HERE / name
        if not path.exists():
            continue
        cmd = [sys.executable, str(path)]
        if not args.full and name not in ("bench_merkle.py", "extract_accuracy.py"):
            cmd.append("--quick")
        print(f"\n=== {' '.join(cmd[1:])}", flush=True)
        failed += subprocess.run(cmd).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
