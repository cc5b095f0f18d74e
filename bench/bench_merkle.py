"""Benchmark of evidence.merkle with an in-memory dict NodeSource (a script, not a test).

Appends 100,000 leaves and reports the mean time per append, per root computation and
per inclusion / consistency proof in windows around 1,000, 10,000 and 100,000 entries,
and the ratio of the 100,000 window to the 1,000 window (the goal is roughly flat:
O(log n) work per operation).

    .venv/bin/python bench/bench_merkle.py [--total 100000] [--window 1000]
"""

from __future__ import annotations

import argparse
import random
import time

from evidence.log import merkle
from evidence.verify import merkle as vmerkle


class DictSource:
    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.lookups = 0

    def node(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return self.nodes[(level, index)]


def mean_us(fn, args_list) -> float:
    start = time.perf_counter()
    for args in args_list:
        fn(*args)
    return (time.perf_counter() - start) / len(args_list) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--window", type=int, default=1_000, help="operations measured per window")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()

    targets = [t for t in (1_000, 10_000, 100_000) if t <= opts.total]
    rng = random.Random(opts.seed)
    source = DictSource()
    append_times: dict[int, float] = {}
    results: dict[int, dict[str, float]] = {}
    window = opts.window

    size = 0
    total_start = time.perf_counter()
    for target in targets:
        # Unmeasured appends up to the start of the window, then the measured window of appends.
        window_start = max(target - window, size)
        while size < window_start:
            for level, index, value in merkle.append_nodes(size, merkle.leaf_hash(size.to_bytes(8, "big")), source):
                source.nodes[(level, index)] = value
            size += 1
        entries = [k.to_bytes(8, "big") for k in range(size, target)]
        t0 = time.perf_counter()
        for entry in entries:
            for level, index, value in merkle.append_nodes(size, merkle.leaf_hash(entry), source):
                source.nodes[(level, index)] = value
            size += 1
        append_times[target] = (time.perf_counter() - t0) / max(len(entries), 1) * 1e6

        # Roots, inclusion and consistency proofs for sizes in the window (not only the current size).
        sizes = [rng.randrange(max(target - window, 1), target + 1) for _ in range(window)]
        roots = [(n, source) for n in sizes]
        incl = [(rng.randrange(n), n, source) for n in sizes]
        cons = [(rng.randrange(1, n + 1), n, source) for n in sizes]
        source.lookups = 0
        r = mean_us(merkle.root, roots)
        root_lookups = source.lookups / window
        source.lookups = 0
        i = mean_us(merkle.inclusion_proof, incl)
        incl_lookups = source.lookups / window
        source.lookups = 0
        c = mean_us(merkle.consistency_proof, cons)
        cons_lookups = source.lookups / window
        results[target] = {
            "append": append_times[target],
            "root": r,
            "inclusion": i,
            "consistency": c,
            "root_lookups": root_lookups,
            "incl_lookups": incl_lookups,
            "cons_lookups": cons_lookups,
        }

    # Spot check: the proofs of the finished tree verify with the independent verifier.
    n = size
    root_n = merkle.root(n, source)
    for _ in range(200):
        idx = rng.randrange(n)
        vmerkle.verify_inclusion(source.nodes[(0, idx)], idx, n, merkle.inclusion_proof(idx, n, source), root_n)
        m = rng.randrange(1, n + 1)
        vmerkle.verify_consistency(m, n, merkle.root(m, source), root_n, merkle.consistency_proof(m, n, source))

    total = time.perf_counter() - total_start
    print(f"evidence.merkle benchmark: {size:,} leaves appended into a dict NodeSource "
          f"({len(source.nodes):,} perfect-subtree nodes), {total:.1f} s in all")
    print(f"each window: {window:,} appends ending at the target size; {window:,} roots, inclusion and "
          f"consistency proofs at random sizes in (target - {window:,}, target]")
    print()
    header = f"{'window':>9} | {'append µs':>10} | {'root µs':>8} | {'inclusion µs':>12} | {'consistency µs':>14} | lookups root/incl/cons"
    print(header)
    print("-" * len(header))
    for target, row in results.items():
        print(f"{target:>9,} | {row['append']:>10.2f} | {row['root']:>8.2f} | {row['inclusion']:>12.2f} | "
              f"{row['consistency']:>14.2f} | {row['root_lookups']:.1f} / {row['incl_lookups']:.1f} / {row['cons_lookups']:.1f}")
    if len(targets) >= 2:
        first, last = results[targets[0]], results[targets[-1]]
        print()
        print(f"ratio {targets[-1]:,} window / {targets[0]:,} window "
              f"(log2 ratio {(targets[-1]).bit_length() / (targets[0]).bit_length():.2f}):")
        for key in ("append", "root", "inclusion", "consistency"):
            print(f"  {key:<12} {last[key] / first[key]:.2f}x")
    print()
    print("200 random inclusion and consistency proofs of the final tree verified with evidence.verify.merkle")


if __name__ == "__main__":
    main()
