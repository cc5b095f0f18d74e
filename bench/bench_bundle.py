#!/usr/bin/env python3
"""Pack build time for a case of 200 exhibits, against zipping the same files with zipfile in the same run.

The case: 200 exhibits (three quarters captures with the seven artifacts a capture has, at realistic
sizes, taken in through the same ingest as real captures; one quarter imported phone screenshots) and 4
allegations citing them.
Measured, alternating over rounds: (a) baseline: `zipfile` writing the same exhibit files (same
compression choice per file as the pack: stored for images, deflated otherwise) plus nothing else;
(b) `evidence bundle --no-pdf` (re-hashing every file while zipping, rendering the report, records,
custody entries and proofs, manifest, SHA256SUMS and its signature). Goal: (b)/(a) <= 3. Then the PDF:
`bundle` with the PDF minus without, per exhibit.

    .venv/bin/python bench/bench_bundle.py            # 200 exhibits
    .venv/bin/python bench/bench_bundle.py --quick    # 20 exhibits
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import finish, make_store, make_workdir  # noqa: E402

CASE = "BENCH-2026-200"


def png_bytes(seed: int, w: int = 1280, h: int = 1600) -> bytes:
    """A screenshot-like PNG: flat page with a photo-like (incompressible) region, ~250 KB."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    im = Image.new("RGB", (w, h), (245, 248, 250))
    d = ImageDraw.Draw(im)
    for _ in range(60):
        x, y = rng.randrange(w), rng.randrange(h)
        d.rectangle([x, y, x + rng.randrange(40, 400), y + rng.randrange(8, 24)], fill=(30, 30, 30))
    noise = Image.frombytes("RGB", (300, 260), rng.randbytes(300 * 260 * 3))
    im.paste(noise, (rng.randrange(0, w - 300), rng.randrange(0, h - 260)))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def html_bytes(seed: int, kb: int) -> bytes:
    rng = random.Random(seed)
    words = ["post", "reply", "share", "university", "student", "seminar", "like", "thread", "account", "media"]
    body = " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(kb * 100))
    return f"<!DOCTYPE html><html><head><title>post {seed}</title></head><body><p>{body}</p></body></html>".encode()


def synthetic_capture(ev, seed: int):
    """A capture item with artifacts of realistic size, taken in through the same ingest as real captures."""
    from evidence import clock
    from evidence.ingest import ArtifactSource, ingest

    shot = png_bytes(seed)
    page = html_bytes(seed, 300)
    meta = {"post": {"platform": "x", "author_name": f"Author {seed}", "author_handle": f"@author{seed}",
                     "published": "2026-11-18T21:47:12Z", "text": f"Post number {seed} about a colleague.",
                     "media_urls": []}, "page": {"json_ld": []}}
    arts = [ArtifactSource("screenshot", data=shot, media_type="image/png"),
            ArtifactSource("screenshot_viewport", data=png_bytes(seed + 10_000, h=800), media_type="image/png"),
            ArtifactSource("served", data=page, media_type="text/html"),
            ArtifactSource("dom", data=page + b"<!-- rendered -->", media_type="text/html"),
            ArtifactSource("mhtml", data=b"From: <Saved by Blink>\r\n" + page * 2, media_type="multipart/related"),
            ArtifactSource("har", data=b'{"log": {"version": "1.2", "entries": []}, "pad": "' + page[:500_000].replace(b'"', b"'") + b'"}',
                           media_type="application/json"),
            ArtifactSource("metadata", data=__import__("json").dumps(meta).encode(), media_type="application/json")]
    now = clock.stamp()
    source = {"type": "web", "url": f"https://x.example/a/status/{seed}", "final_url": f"https://x.example/a/status/{seed}",
              "http_status": 200, "started": now, "finished": now, "browser": "chromium (synthetic)",
              "session": None, "session_sha256": None}
    got = ingest(ev.log, case_ref=CASE, kind="capture", action="item.captured", artifacts=arts,
                 source=source, metadata={"post": {k: meta["post"][k] for k in ("platform", "author_name",
                                                                             "author_handle", "published")}})
    return ev.item(got.item_id)


def baseline_zip(ev, out: Path) -> None:
    with zipfile.ZipFile(out, "w") as zf:
        for n, it in enumerate(ev.items(CASE), 1):
            for a in it.artifacts:
                kind = zipfile.ZIP_STORED if a["media_type"].startswith("image/") else zipfile.ZIP_DEFLATED
                zf.write(it.path(a["role"]), f"exhibits/E{n}/{a['role']}", compress_type=kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--exhibits", type=int)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    n = args.exhibits or (20 if args.quick else 200)
    work = make_workdir(args.workdir, prefix="evidence-bench-bundle-")
    try:
        ev = make_store(work, case=CASE, title="Benchmark case")
        files = work / "in"
        files.mkdir()
        t = time.perf_counter()
        items = []
        n_imports = n // 4
        for i in range(n - n_imports):
            items.append(synthetic_capture(ev, i))
        paths = []
        for i in range(n_imports):
            p = files / f"shot-{i:04d}.png"
            p.write_bytes(png_bytes(50_000 + i, 750, 1334))
            paths.append(p)
        items += ev.import_files(paths, case=CASE, received_from="complainant", received_at="2026-11-20T09:14Z")
        print(f"  made {n} exhibits ({n - n_imports} captures of 7 artifacts, {n_imports} imported screenshots) "
              f"in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        for k, clause in enumerate(("6.1", "6.2", "6.3", "6.5")):
            ev.allege(case=CASE, clause=clause, evidence=[it.id for it in items[k::4]], summary=f"bench {clause}")
        total_mb = sum(a["size"] for it in items for a in it.artifacts) / 1e6
        base, ours = [], []
        for r in range(args.rounds):
            order = [0, 1] if r % 2 == 0 else [1, 0]
            for which in order:
                out = work / f"out-{which}-{r}.zip"
                t = time.perf_counter()
                if which == 0:
                    baseline_zip(ev, out)
                    base.append(time.perf_counter() - t)
                else:
                    ev.build_pack(case=CASE, out=out, pdf=False)
                    ours.append(time.perf_counter() - t)
                out.unlink()
        t = time.perf_counter()
        ev.build_pack(case=CASE, out=work / "with-pdf.zip", pdf=True)
        with_pdf = time.perf_counter() - t
        pages = None
        try:
            import subprocess

            z = zipfile.ZipFile(work / "with-pdf.zip")
            (work / "r.pdf").write_bytes(z.read("report.pdf"))
            info = subprocess.run(["pdfinfo", str(work / "r.pdf")], capture_output=True, text=True).stdout
            pages = next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), None)
        except OSError:
            pass
        print(f"pack of a case with {n} exhibits ({total_mb:.0f} MB of artifacts), {args.rounds} rounds alternated, "
              f"{os.cpu_count()} cpus")
        print(f"{'':24} | {'best s':>7} | {'median s':>8}")
        print(f"{'zipfile (baseline)':24} | {min(base):>7.2f} | {statistics.median(base):>8.2f}")
        print(f"{'evidence bundle --no-pdf':24} | {min(ours):>7.2f} | {statistics.median(ours):>8.2f}")
        print(f"ratio bundle/zipfile: best {min(ours) / min(base):.2f}x, median "
              f"{statistics.median(ours) / statistics.median(base):.2f}x (goal <= 3x)")
        pdf_s = with_pdf - statistics.median(ours)
        print(f"bundle with the PDF: {with_pdf:.2f} s; PDF rendering {pdf_s:.2f} s = {pdf_s / n * 1000:.0f} ms per exhibit"
              + (f" ({pages} pages)" if pages else ""))
        ev.close()
    finally:
        finish(work, args.keep)


if __name__ == "__main__":
    main()
