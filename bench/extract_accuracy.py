#!/usr/bin/env python3
"""Post fields right on the real platform pages, per platform -- the table for the README.

Scores every page of tests/data/fixtures/platform-pages against the values its INDEX.md gives (the
expected values and scoring rules live in tests/test_extract_platforms.py, which asserts >= 95%).
Each page is read as served from its original URL and again as served from a loopback URL (where only
the page's own canonical/og URLs and markers tell the platform).

    .venv/bin/python bench/extract_accuracy.py
    .venv/bin/python bench/extract_accuracy.py --misses     # also list the values not right
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_extract_platforms import EXPECTED, accuracy_table, format_table, loopback  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every value that is not right")
    args = parser.parse_args()
    for label, url_of in (("original URLs", lambda name, url: url), ("loopback URLs", loopback)):
        started = time.perf_counter()
        table, misses = accuracy_table(url_of)
        elapsed = time.perf_counter() - started
        print(f"Fields right on {len(EXPECTED)} real pages ({label}; {elapsed:.2f} s):\n")
        print(format_table(table))
        if args.misses:
            print("\nnot right:", ", ".join(misses) or "none")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
