#!/usr/bin/env python3
"""`evidence export --wacz` of a 50-capture case from a real store, against zipping the same WARC files.

Makes a store with a case of 50 captures taken in through the same ingest as real captures, each
with a WARC artifact shaped like a post page's traffic (an HTML page, a script, four images, a
failed request; about 1.2 MB of incompressible bodies), then times, alternating over rounds:

* baseline: ``zipfile`` writing the same 50 WARC files from the store into a ZIP, stored (as a WACZ
  keeps them);
* ``ev.export_wacz(case=..., out=...)``: what the command does: each WARC copied and re-hashed
  against its signed record, the CDXJ index, pages list, datapackage files, the signed
  ``wacz.exported`` custody entry and checkpoint, and the signed records and custody entries beside it.

Prints the medians and the ratio export / stored ZIP. Run from the repository root::

    .venv/bin/python bench/bench_wacz_export.py [--captures 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wacz import capture_exchanges  # noqa: E402
from benchlib import finish, make_store, make_workdir  # noqa: E402

CASE = "BENCH-2026-WACZ"


def synthetic_capture(ev, n: int):
    from evidence import clock
    from evidence.ingest import ArtifactSource, ingest
    from evidence.webarchive import write_warc

    exchanges = capture_exchanges(n)
    buf = io.BytesIO()
    write_warc(buf, exchanges, capture_url=exchanges[0].url, captured=exchanges[0].started)
    meta = {"post": {"platform": "x", "author_name": f"Author {n}", "author_handle": f"@author{n}",
                     "published": "2026-11-18T21:47:12Z", "text": f"Post number {n}.", "media_urls": []}}
    started = clock.stamp(exchanges[0].started)
    source = {"type": "web", "url": exchanges[0].url, "final_url": exchanges[0].url, "http_status": 200,
              "started": started, "finished": started, "browser": "chromium (synthetic)", "session": None,
              "session_sha256": None}
    arts = [ArtifactSource("warc", data=buf.getvalue(), media_type="application/warc", inspect_image=False),
            ArtifactSource("metadata", data=json.dumps(meta).encode(), media_type="application/json",
                           inspect_image=False)]
    got = ingest(ev.log, case_ref=CASE, kind="capture", action="item.captured", artifacts=arts, source=source,
                 metadata={"post": {k: meta["post"][k] for k in ("platform", "author_name", "author_handle",
                                                                 "published")}, "title": f"Post {n}"})
    return ev.item(got.item_id)


def baseline_zip(items, out: Path) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for it in items:
            zf.write(it.path("warc"), f"archive/{it.id}.warc.gz")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--captures", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = make_workdir(args.workdir, prefix="evidence-bench-wacz-export-")
    try:
        ev = make_store(work, case=CASE, title="Benchmark case")
        items = [synthetic_capture(ev, n) for n in range(args.captures)]
        total = sum(it.artifact("warc")["size"] for it in items)
        base, ours = [], []
        for r in range(args.rounds):
            for which in ([0, 1] if r % 2 == 0 else [1, 0]):
                out = work / f"out-{which}-{r}.{'zip' if which == 0 else 'wacz'}"
                t = time.perf_counter()
                if which == 0:
                    baseline_zip(items, out)
                    base.append(time.perf_counter() - t)
                else:
                    ev.export_wacz(case=CASE, out=out)
                    ours.append(time.perf_counter() - t)
                    shutil.rmtree(out.with_name(out.name + ".evidence"))
                out.unlink()
        b, o = statistics.median(base), statistics.median(ours)
        print(f"WACZ export of a {args.captures}-capture case ({total / 1e6:.1f} MB of WARC), median of "
              f"{args.rounds} rounds:")
        print(f"  zip stored (baseline)  {b * 1000:8.1f} ms")
        print(f"  evidence export --wacz {o * 1000:8.1f} ms")
        print(f"ratio export --wacz / zip stored = {o / b:.2f}")
    finally:
        finish(work, args.keep)


if __name__ == "__main__":
    main()
