#!/usr/bin/env python3
"""Search time on a store of 10,000 items, as a ratio to a plain SQL LIKE scan of the same text, in one run.

Each item is a supplied file taken in through the API with a note of its own (a sentence from a small
vocabulary, so words recur as they do in real cases); the notes are what the search index holds. The same
queries are then answered by ``Evidence.search`` (FTS5, ranked, with snippets) and by a plain
``LIKE '%word%' AND ...`` scan over the same text, interleaved, and the medians compared.

    .venv/bin/python bench/bench_search.py            # 10,000 items (a few minutes to build)
    .venv/bin/python bench/bench_search.py --quick    # 1,000 items
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import finish, make_store, make_workdir  # noqa: E402

CASE = "BENCH-SEARCH"
WORDS = ("watch your back seminar fraud incompetent colleague official society account confidential letter "
         "panel member physics student staff post deleted screenshot threat harass share name report").split()
QUERIES = ["watch your back", "confidential letter", "fraud", "official society account", "harass staff"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 items instead of 10,000")
    ap.add_argument("--items", type=int)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    n = args.items or (1_000 if args.quick else 10_000)
    work = make_workdir(args.workdir, prefix="evidence-bench-search-")
    try:
        ev = make_store(work, case=CASE, title="search benchmark")
        rng = random.Random(12)
        blob = work / "f.bin"
        t0 = time.perf_counter()
        for i in range(n):
            blob.write_bytes(i.to_bytes(4, "big"))
            note = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
            ev.import_files([blob], case=CASE, received_from="bench", received_at="2026-11-20T09:14Z", note=note)
        print(f"built {n} items in {time.perf_counter() - t0:.0f} s")
        conn = sqlite3.connect(ev.store.path / "evidence.db")
        fts, like = [], []
        for _ in range(args.rounds):
            for q in QUERIES:
                t = time.perf_counter()
                hits = ev.search(q, limit=20)
                fts.append(time.perf_counter() - t)
                words = q.split()
                # a LIKE search has to read every row to find (and so to rank) every match
                sql = "SELECT kind, ref, text FROM search_index WHERE " + " AND ".join("text LIKE ?" for _ in words)
                t = time.perf_counter()
                rows = conn.execute(sql, [f"%{w}%" for w in words]).fetchall()
                like.append(time.perf_counter() - t)
                assert hits and rows, q
        f, lk = statistics.median(fts), statistics.median(like)
        print(f"search (FTS5, ranked, snippets): median {f * 1000:.2f} ms per query")
        print(f"plain LIKE scan (unranked):      median {lk * 1000:.2f} ms per query")
        print(f"ratio search / LIKE scan: {f / lk:.2f} (items: {n}, queries: {len(fts)})")
        ev.close()
    finally:
        finish(work, args.keep)


if __name__ == "__main__":
    main()
