#!/usr/bin/env python3
"""Whole-process capture speed: `evidence capture` against a bare Playwright script, as ratios (a script, not a test).

What a user waits for, measured as whole processes (Python start, imports, browser launch and close
included), on the same loopback pages, alternated A B A B in one run:

1. one URL per process:
   bare   ``python bare.py URL``: launch Chromium, a fresh context (viewport 1280x800), goto (load),
          full-page screenshot, content(), close context, close browser;
   tool   ``python -m evidence capture URL --case C``: every artifact stored, hashed, signed, logged
          (the key unlocked from its file with EVIDENCE_PASSPHRASE).
2. a batch of ``--pages`` distinct URLs per process at concurrency C (default 2, the tool's default):
   bare   one process, one browser, C workers, a fresh context per URL (goto, full-page screenshot,
          content(), close context);
   tool   ``python -m evidence capture --from-file urls.txt --concurrency C``.

Both run with byte-code caches written, as for an installed package (PYTHONDONTWRITEBYTECODE is unset for
them; the discarded warm-up writes the caches). Both use the same Chromium executable (``find_browser``) with the same flags (``launch_args``, the
sandbox setting and ``--host-resolver-rules`` so nothing leaves loopback). The pages are the saved
posts of tests/data served by bench_capture's static server (every response unique). Printed: the
medians, the ratio tool/bare (goals from issue 11: <= 1.2 per process, <= 1.35 per batch).

    .venv/bin/python bench/bench_capture_process.py [--runs N] [--batches N] [--pages N] [--concurrency C]
        [--page x] [--quick] [--skip-batch]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_capture import HOST_RULES, PAGES, StaticSite  # noqa: E402
from benchlib import PASSPHRASE, make_store  # noqa: E402

CASE = "BENCH-PROCESS"
GOAL_PROCESS, GOAL_BATCH = 1.2, 1.35

BARE = r'''
import asyncio, sys
from playwright.async_api import async_playwright
from evidence.capture.browser import find_browser, launch_args, use_sandbox

HOST_RULES = sys.argv[1]
CONC = int(sys.argv[2])
URLS = sys.argv[3:]

async def main():
    async with async_playwright() as pw:
        info = find_browser(None, playwright_path=pw.chromium.executable_path)
        kw = {"args": launch_args((HOST_RULES,)), "chromium_sandbox": use_sandbox(), "headless": True}
        if info.source != "playwright":
            kw["executable_path"] = info.path
        browser = await pw.chromium.launch(**kw)
        queue = list(URLS)

        async def worker():
            while queue:
                url = queue.pop(0)
                ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
                page = await ctx.new_page()
                await page.goto(url)
                await page.screenshot(full_page=True)
                await page.content()
                await ctx.close()

        await asyncio.gather(*(worker() for _ in range(CONC)))
        await browser.close()

asyncio.run(main())
'''


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({r.returncode}): {r.stderr.decode()[-800:]}")
    return dt


def alternate(variants: dict[str, callable], runs: int, label: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in variants}
    names = list(variants)
    for name in names:  # warm-up, discarded (file cache, schema check marker)
        variants[name]()
    for r in range(runs):
        order = names if r % 2 == 0 else names[::-1]  # A B, B A, ...
        for name in order:
            times[name].append(variants[name]())
        log(f"  {label} {r + 1}/{runs}: " + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in names))
    return times


def report(title: str, times: dict[str, list[float]], goal: float) -> float:
    b, t = statistics.median(times["bare"]), statistics.median(times["tool"])
    print(f"\n-- {title} ({len(times['bare'])} runs each, alternated)")
    for n in ("bare", "tool"):
        print(f"   {n:<5} median {statistics.median(times[n]):6.3f} s   best {min(times[n]):6.3f} s")
    ratio = t / b
    print(f"   ratio tool/bare (medians) {ratio:.2f}x, best-vs-best {min(times['tool']) / min(times['bare']):.2f}x "
          f"(goal <= {goal}x: {'met' if ratio <= goal else 'NOT met'})")
    return ratio


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=None, help="single-URL processes of each (default 12; 4 with --quick)")
    ap.add_argument("--batches", type=int, default=None, help="batch processes of each (default 3; 1 with --quick)")
    ap.add_argument("--pages", type=int, default=None, help="URLs per batch (default 50; 10 with --quick)")
    ap.add_argument("--concurrency", type=int, default=2, help="pages at a time in a batch (default 2)")
    ap.add_argument("--page", default="x", choices=sorted(PAGES), help="the saved page to capture (default x)")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    runs = a.runs or (4 if a.quick else 12)
    batches = a.batches or (1 if a.quick else 3)
    n_pages = a.pages or (10 if a.quick else 50)

    work = Path(tempfile.mkdtemp(prefix="evidence-bench-process-"))
    site = StaticSite()
    try:
        make_store(work, case=CASE, title="process benchmark").close()
        env = dict(os.environ, EVIDENCE_STORE=str(work / "store"), EVIDENCE_KEY=str(work / "config" / "bench.key.pem"),
                   EVIDENCE_PASSPHRASE=PASSPHRASE.decode(), EVIDENCE_CONFIG_DIR=str(work / "config"),
                   EVIDENCE_STATE_DIR=str(work / "state"))
        # As installed (pip byte-compiles a package; the warm-up run writes the checkout's caches): with
        # PYTHONDONTWRITEBYTECODE set, every run would compile this project's ~60 modules again (about 0.06 s).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        bare_py = work / "bare.py"
        bare_py.write_text(BARE)
        py = sys.executable
        seq = iter(range(1, 1_000_000))

        def url() -> str:
            return site.url(a.page, f"n={next(seq)}")

        def bare_one() -> float:
            return timed([py, str(bare_py), HOST_RULES, "1", url()], env)

        def tool_one() -> float:
            return timed([py, "-m", "evidence", "capture", url(), "--case", CASE, f"--browser-arg={HOST_RULES}"], env)

        print(f"whole-process capture benchmark: {os.cpu_count()} cpus, Python {sys.version.split()[0]}, "
              f"page {a.page} ({site.url(a.page)}), same Chromium and flags for both")
        ratios = {"process": report("one URL per process: `evidence capture URL` vs bare launch+context+goto+"
                                    "screenshot+content", alternate({"bare": bare_one, "tool": tool_one}, runs,
                                                                    "process"), GOAL_PROCESS)}
        if not a.skip_batch:
            def urls_file() -> Path:
                f = work / f"urls-{next(seq)}.txt"
                f.write_text("\n".join(url() for _ in range(n_pages)) + "\n")
                return f

            def bare_batch() -> float:
                return timed([py, str(bare_py), HOST_RULES, str(a.concurrency)]
                             + urls_file().read_text().split(), env)

            def tool_batch() -> float:
                return timed([py, "-m", "evidence", "capture", "--from-file", str(urls_file()), "--case", CASE,
                              "--concurrency", str(a.concurrency), f"--browser-arg={HOST_RULES}"], env)

            ratios["batch"] = report(f"a batch of {n_pages} URLs per process, concurrency {a.concurrency}: "
                                     "`evidence capture --from-file` vs bare (fresh context per URL)",
                                     alternate({"bare": bare_batch, "tool": tool_batch}, batches, "batch"),
                                     GOAL_BATCH)
        print("\nsummary: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
              + f" (goals: process <= {GOAL_PROCESS}x, batch <= {GOAL_BATCH}x)")
    finally:
        site.close()
        for p in work.rglob("*"):  # artifacts are read-only
            try:
                p.chmod(0o700 if p.is_dir() else 0o600)
            except OSError:
                pass
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
