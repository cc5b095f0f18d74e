"""Benchmark of WACZ export: a case of 50 captures, against zipping the same WARC files (a script).

Makes 50 captures' WARC files from exchanges shaped like a social-media post page (an HTML page,
a script, four images, a failed request; about 1.2 MB of bodies each, random so incompressible),
then times, in the same run and alternating:

* ``write_wacz`` (CDXJ index of every WARC, pages list, WARCs stored with their sha256, datapackage);
* the baseline: ``zipfile`` writing the same WARC files into a ZIP, stored (as a WACZ keeps them);
* for reference, ``zipfile`` with deflate (what a plain "zip it up" would do).

It prints the median of each and the ratios WACZ / stored ZIP and WACZ / deflated ZIP, and how
much of the WACZ time is the CDXJ index. Run from the repository root::

    .venv/bin/python bench/bench_wacz.py [--captures 50] [--repeats 5] [--quick] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import finish, make_workdir  # noqa: E402
from evidence.webarchive.cdxj import index_warcs  # noqa: E402
from evidence.webarchive.exchange import Exchange  # noqa: E402
from evidence.webarchive.wacz import Page, write_wacz  # noqa: E402
from evidence.webarchive.warc import write_warc  # noqa: E402

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)
BODIES = [("/post", "text/html; charset=utf-8", 60_000), ("/app.js", "application/javascript", 300_000)] + [
    (f"/media/{i}.jpg", "image/jpeg", 200_000) for i in range(4)]


def capture_exchanges(n: int) -> list[Exchange]:
    base = f"https://social.example/user{n}/status/{1000 + n}"
    started = T0 + dt.timedelta(minutes=n)
    out = []
    for i, (path, ctype, size) in enumerate(BODIES):
        url = base if path == "/post" else f"https://cdn.social.example{path}?p={n}"
        out.append(Exchange(method="GET", url=url, started=started + dt.timedelta(milliseconds=10 * i),
                            request_headers=[("Host", url.split("/")[2]), ("User-Agent", "bench")],
                            status=200, status_text="OK", http_version="HTTP/1.1",
                            response_headers=[("Content-Type", ctype), ("Content-Length", str(size))],
                            body=os.urandom(size), body_size=size))
    out.append(Exchange(method="GET", url=f"https://ads.example/{n}.js", started=started + dt.timedelta(seconds=1),
                        failure="request failed: net::ERR_BLOCKED_BY_CLIENT"))
    return out


def make_captures(folder: Path, count: int) -> tuple[list[Path], list[Page]]:
    warcs, pages = [], []
    for n in range(count):
        exchanges = capture_exchanges(n)
        path = folder / f"capture-{n:03d}.warc.gz"
        write_warc(path, exchanges, capture_url=exchanges[0].url, captured=exchanges[0].started)
        warcs.append(path)
        pages.append(Page(url=exchanges[0].url, ts=exchanges[0].started, title=f"Post {n}"))
    return warcs, pages


def plain_zip(out: Path, warcs: list[Path], compression: int) -> None:
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for w in warcs:
            zf.write(w, f"archive/{w.name}")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--captures", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="3 repeats (same 50 captures)")
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true")
    opts = ap.parse_args()
    repeats = 3 if opts.quick else opts.repeats
    work = make_workdir(opts.workdir, prefix="evidence-bench-wacz-")
    try:
        (work / "warcs").mkdir()
        warcs, pages = make_captures(work / "warcs", opts.captures)
        total = sum(w.stat().st_size for w in warcs)
        created = dt.datetime.now(dt.timezone.utc)
        times: dict[str, list[float]] = {"wacz": [], "zip stored": [], "zip deflated": [], "index": []}
        for r in range(repeats):
            times["wacz"].append(timed(lambda: write_wacz(work / "case.wacz", warcs, pages, created=created)))
            times["zip stored"].append(timed(lambda: plain_zip(work / "plain.zip", warcs, zipfile.ZIP_STORED)))
            times["zip deflated"].append(timed(lambda: plain_zip(work / "deflated.zip", warcs, zipfile.ZIP_DEFLATED)))
            times["index"].append(timed(lambda: index_warcs(warcs)))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"WACZ export of {opts.captures} captures ({total / 1e6:.1f} MB of WARC, "
              f"{(work / 'case.wacz').stat().st_size / 1e6:.1f} MB WACZ), median of {repeats} runs:")
        for k in ("wacz", "zip stored", "zip deflated", "index"):
            print(f"  {k:13s} {med[k] * 1000:8.1f} ms")
        print(f"ratio WACZ / zip stored   = {med['wacz'] / med['zip stored']:.2f}")
        print(f"ratio WACZ / zip deflated = {med['wacz'] / med['zip deflated']:.2f}")
        print(f"CDXJ index share of WACZ time = {med['index'] / med['wacz']:.0%}")
    finally:
        finish(work, opts.keep)


if __name__ == "__main__":
    main()
