#!/usr/bin/env python3
"""Checkpoint signing and proof generation on a real store as the custody log grows to 100,000 entries.

Measured at 1,000, 10,000 and 100,000 entries (windows of single appends through the full path:
a write transaction, the custody entry, its Merkle nodes, and a signed checkpoint after it), plus
inclusion and consistency proof generation from the stored nodes. Goal: time per appended entry stays
flat (logarithmic proofs): the ratio of the 100,000 window to the 1,000 window is printed.

Between windows the log is filled quickly (many entries per transaction, same code path for entries
and Merkle nodes, no checkpoint per entry), which is not measured.

    .venv/bin/python bench/bench_ledger.py            # up to 100,000 entries (a few minutes)
    .venv/bin/python bench/bench_ledger.py --quick    # up to 10,000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence.log import entries, merkle  # noqa: E402
from benchlib import finish, make_store, make_workdir  # noqa: E402


def fill(ev, upto: int, batch: int = 5000) -> None:
    store = ev.store
    while store.custody_size() < upto:
        n = min(batch, upto - store.custody_size())
        with store.write() as tx:
            for _ in range(n):
                tx.append_custody(entries.builder(store.store_id, ev.signer, "verify.run",
                                                  subject={"type": "store", "id": store.store_id},
                                                  details={"bench": True}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="stop at 10,000 entries")
    ap.add_argument("--window", type=int, default=200, help="single appends measured per window")
    ap.add_argument("--proofs", type=int, default=500, help="proofs generated per window")
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    targets = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    work = make_workdir(args.workdir, prefix="evidence-bench-ledger-")
    rng = random.Random(11)
    try:
        ev = make_store(work, case="BENCH-LEDGER", title="ledger benchmark")
        nodes = ev.log.nodes()
        rows = []
        for target in targets:
            t0 = time.perf_counter()
            fill(ev, target - args.window)
            fill_s = time.perf_counter() - t0
            times = []
            for _ in range(args.window):
                t = time.perf_counter()
                ev.log.write("verify.run", subject={"type": "store", "id": ev.store.store_id}, details={"bench": True})
                times.append(time.perf_counter() - t)
            size = ev.store.custody_size()
            t = time.perf_counter()
            for _ in range(args.proofs):
                merkle.inclusion_proof(rng.randrange(size), size, nodes)
            incl = (time.perf_counter() - t) / args.proofs
            t = time.perf_counter()
            for _ in range(args.proofs):
                merkle.consistency_proof(rng.randrange(1, size), size, nodes)
            cons = (time.perf_counter() - t) / args.proofs
            t = time.perf_counter()
            for _ in range(50):
                ev.log.root(size)
            root_t = (time.perf_counter() - t) / 50
            rows.append((size, statistics.median(times), min(times), incl, cons, root_t, fill_s))
            print(f"  reached {size:,} entries (fill {fill_s:.1f} s)", file=sys.stderr, flush=True)
        print(f"custody log on a real store ({work / 'store'}), {os.cpu_count()} cpus; each window: {args.window} "
              f"single appends (transaction + entry + Merkle nodes + signed checkpoint), {args.proofs} proofs")
        print(f"{'entries':>9} | {'append+checkpoint ms (median / best)':>36} | {'inclusion µs':>12} | "
              f"{'consistency µs':>14} | {'root µs':>8}")
        for size, med, best, incl, cons, root_t, _ in rows:
            print(f"{size:>9,} | {med * 1e3:>17.2f} / {best * 1e3:<16.2f} | {incl * 1e6:>12.1f} | {cons * 1e6:>14.1f} | "
                  f"{root_t * 1e6:>8.1f}")
        base, last = rows[0], rows[-1]
        print(f"ratio {last[0]:,} / {base[0]:,} entries: append+checkpoint {last[1] / base[1]:.2f}x (median), "
              f"inclusion proof {last[3] / base[3]:.2f}x, consistency proof {last[4] / base[4]:.2f}x "
              f"(goal: flat, i.e. ~1x for appends and ~log growth for proofs)")
        ev.close()
    finally:
        finish(work, args.keep)


if __name__ == "__main__":
    main()
