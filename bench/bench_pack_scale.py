#!/usr/bin/env python3
"""Packs scale: a large case builds its full pack (PDF included) in memory that does not grow with its size.

The case: N exhibits (captures with seven artifacts each, as bench_bundle.py makes them, ~2.4 MB each, so
300 exhibits are ~0.7 GB; --mb-per-exhibit pads the HAR to reach a target such as 1 GB). Measured in the
same run: (a) baseline: `zip -r -n .jpg:.png` of the same files laid out as the pack lays them out (images
stored, the rest deflated); (b) `evidence bundle` with the PDF, in a child process, reporting its time, its
peak RSS (the Python process) and the peak RSS of its largest descendant (Chromium / Playwright's driver).
The build is run at two sizes (N/4 and N) so that the peak RSS can be compared as the case grows.

    .venv/bin/python bench/bench_pack_scale.py                 # 300 exhibits
    .venv/bin/python bench/bench_pack_scale.py --quick         # 40 exhibits
    .venv/bin/python bench/bench_pack_scale.py --exhibits 300 --mb-per-exhibit 3.4          # 75 and 300 exhibits, 1 GB
    .venv/bin/python bench/bench_pack_scale.py --exhibits 75 --mb-per-exhibit 3.4 --vary bytes  # 75 exhibits, 0.25 and 1 GB
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_bundle  # noqa: E402
from benchlib import finish, make_store, make_workdir  # noqa: E402

CASE = bench_bundle.CASE

CHILD = r"""
import json, resource, sys, time
from evidence.api import Evidence
ev = Evidence.open(sys.argv[1], key_file=sys.argv[2], passphrase=sys.argv[3].encode())
t = time.perf_counter()
r = ev.build_pack(case=sys.argv[4], out=sys.argv[5], pdf=True)
took = time.perf_counter() - t
print(json.dumps({"seconds": took, "size": r["size"], "files": r["files"],
                  "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def synthetic_capture(ev, seed: int, pad: int = 300_000):
    """A capture with seven artifacts of realistic size (as bench_bundle.py makes them), through ingest."""
    from evidence import clock
    from evidence.ingest import ArtifactSource, ingest

    page = bench_bundle.html_bytes(seed, 300)
    meta = {"post": {"platform": "x", "author_name": f"Author {seed}", "author_handle": f"@author{seed}",
                     "published": "2026-11-18T21:47:12Z", "text": f"Post number {seed}.", "media_urls": []}}
    arts = [ArtifactSource("screenshot", data=bench_bundle.png_bytes(seed), media_type="image/png"),
            ArtifactSource("screenshot_viewport", data=bench_bundle.png_bytes(seed + 10_000, h=800),
                           media_type="image/png"),
            ArtifactSource("served", data=page, media_type="text/html"),
            ArtifactSource("dom", data=page + b"<!-- rendered -->", media_type="text/html"),
            ArtifactSource("mhtml", data=b"From: <Saved by Blink>\r\n" + page * 2, media_type="multipart/related"),
            ArtifactSource("har", data=b'{"log": {"entries": []}, "pad": "' + os.urandom(pad).hex().encode() + b'"}',
                           media_type="application/json"),
            ArtifactSource("metadata", data=json.dumps(meta).encode(), media_type="application/json")]
    now = clock.stamp()
    source = {"type": "web", "url": f"https://x.example/a/status/{seed}", "final_url": f"https://x.example/a/status/{seed}",
              "http_status": 200, "started": now, "finished": now, "browser": "chromium (synthetic)",
              "session": None, "session_sha256": None}
    got = ingest(ev.log, case_ref=CASE, kind="capture", action="item.captured", artifacts=arts, source=source,
                 metadata={"post": {k: meta["post"][k] for k in ("platform", "author_name", "author_handle",
                                                                   "published")}})
    return ev.item(got.item_id)


def layout(ev, folder: Path, items) -> None:
    """The exhibits' files as the pack lays them out (symbolic links; zip follows them)."""
    from evidence.pack.archive import extension

    for n, it in enumerate(items, 1):
        d = folder / "exhibits" / f"E{n}"
        d.mkdir(parents=True)
        for a in it.artifacts:
            (d / f"{a['role']}{extension(a['role'], a['media_type'])}").symlink_to(it.path(a["role"]))


def build_child(work: Path, out: Path) -> dict:
    env = dict(os.environ, EVIDENCE_CONFIG_DIR=str(work / "config"))
    cmd = [sys.executable, "-c", CHILD, str(work / "store"), str(work / "config" / "bench.key.pem"),
           bench_bundle_passphrase(), CASE, str(out)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"bundle failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def bench_bundle_passphrase() -> str:
    import benchlib

    return benchlib.PASSPHRASE.decode()


def measure(n: int, mb_each: float | None, args) -> dict:
    work = make_workdir(None, prefix="evidence-bench-scale-")
    try:
        ev = make_store(work, case=CASE, title="Scale benchmark case")
        t = time.perf_counter()
        # the HAR is padded with 2 hex characters per random byte (incompressible by half, as real HARs are not)
        pad = 300_000 if mb_each is None else max(int((mb_each * 1e6 - 1.8e6) / 2), 1000)
        items = [synthetic_capture(ev, i, pad) for i in range(n)]
        ev.allege(case=CASE, clause="6.1", evidence=[it.id for it in items], summary="bench: every exhibit")
        total = sum(a["size"] for it in items for a in it.artifacts)
        print(f"  made {n} exhibits, {total / 1e6:.0f} MB, in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        layout(ev, work / "plain", items)
        t = time.perf_counter()
        subprocess.run(["zip", "-q", "-r", "-n", ".jpg:.png", str(work / "plain.zip"), "exhibits"],
                       cwd=work / "plain", check=True)
        zip_s = time.perf_counter() - t
        got = build_child(work, work / "pack.zip")
        return {"exhibits": n, "mb": total / 1e6, "zip_s": zip_s, **got}
    finally:
        finish(work, args.keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--exhibits", type=int)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--mb-per-exhibit", type=float, help="pad each exhibit's HAR to about this many MB in all")
    ap.add_argument("--vary", choices=("exhibits", "bytes"), default="exhibits",
                    help="grow the case 4x by its number of exhibits (default) or by each exhibit's size")
    args = ap.parse_args()
    n = args.exhibits or (40 if args.quick else 300)
    if args.vary == "bytes":  # the same exhibits, each 4x larger: memory must not follow the bytes
        mb = args.mb_per_exhibit or 3.4
        rows = [measure(n, mb, args), measure(n, mb * 4, args)]
    else:
        rows = [measure(max(n // 4, 2), args.mb_per_exhibit, args), measure(n, args.mb_per_exhibit, args)]
    print(f"{'exhibits':>8} {'MB':>7} {'zip -r s':>9} {'bundle s':>9} {'ratio':>6} {'pack MB':>8} "
          f"{'py RSS MB':>10} {'chromium RSS MB':>16}")
    for r in rows:
        print(f"{r['exhibits']:>8} {r['mb']:>7.0f} {r['zip_s']:>9.1f} {r['seconds']:>9.1f} "
              f"{r['seconds'] / r['zip_s']:>6.1f} {r['size'] / 1e6:>8.0f} {r['self_kb'] / 1024:>10.0f} "
              f"{r['children_kb'] / 1024:>16.0f}")
    small, big = rows
    print(f"case {big['mb'] / small['mb']:.1f}x larger: Python peak RSS x{big['self_kb'] / small['self_kb']:.2f}, "
          f"largest child x{big['children_kb'] / small['children_kb']:.2f}; bundle/zip time {big['seconds'] / big['zip_s']:.1f}")


if __name__ == "__main__":
    main()
