"""Capture speed: ``Evidence.capture`` against a bare Playwright script, as ratios (a script, not a test).

Everything runs on 127.0.0.1. A small static server in this file serves the real post pages of tests/data
(``tests/data/fixtures/social-pages``) at paths like their original URLs; every response gets a
unique HTML comment appended (``<!-- bench response #k -->``), as a real site's nonces would, so no
capture can be answered from a cache or de-duplicated in the store. Both Chromiums (the tool's and the
baseline's) are the same executable (``find_browser``), started with the same ``launch_args(...)``,
``chromium_sandbox=use_sandbox()``, headless, and the flag::

    --host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1

so every remote resource the saved pages ask for fails at once and nothing leaves loopback.

1. Warm-browser latency, per page (default x/post.html and bluesky/post.html), one warm browser each:

   bare          a bare Playwright script: one page kept open (viewport 1280x800, the tool's default),
                 per capture ``goto(url)`` (wait "load") + ``screenshot(full_page=True)`` + ``content()``;
   tool          ``Evidence.capture(url, case=..., capturer=<warm SyncCapturer>)``: every artifact
                 (screenshots, served bytes, DOM, MHTML, HAR, metadata) stored and signed;
   capture-only  ``SyncCapturer.capture(url)`` alone (the browser side of "tool", nothing stored)
                 [informational: separates the browser's share from the store's].

   One warm-up capture each is discarded; then ``--rounds`` rounds of ``--per-round`` captures each,
   the order rotated every round. Printed: ms per capture (best, median), ratio tool/bare (goal <= 1.5).

   Then, on the first page (``--skip-ablation`` leaves out the first two):

   ablation      the tool's requirements added one at a time to the bare script (fresh context per
                 capture; the same made ahead; HAR recording with the tool's context options; the tool's
                 other browser reads, sequential or overlapped) and the tool with ``settle_ms=0`` and by
                 default, all in one rotation: what each requirement costs, and what proposals would save;
   screenshots   ``page.screenshot()`` against CDP ``Page.captureScreenshot`` with ``optimizeForSpeed``
                 (same pixels, checked; faster PNG encoding, bigger files);
   breakdown     ``--breakdown`` instrumented captures of ``tool`` (alternated with bare ones): Playwright
                 and evidence methods are wrapped *in this benchmark only* with timers that record
                 exclusive time (nested timed calls are subtracted from their caller), so the rows add up
                 to the whole capture; shares are from the quieter half of the captures (by total).

2. Batch throughput: ``--pages`` distinct URLs (the same saved page with ``?n=1..N&run=R``; its bytes
   differ per response, see above) at concurrency 1, 2 and 4:

   tool  ``Evidence.capture_many(urls, case=..., concurrency=C)`` (starts its own browser);
   bare  asyncio + one browser, C workers, each taking the next URL in a fresh context (``new_context``
         + ``new_page``, closed after): ``goto`` + full-page screenshot + ``content()``; the browser is
         started and closed inside the timed run, as the tool's is.

   Whole-process figures (Python start, imports, key unlock, browser launch and close, one URL or a
   50-URL batch per process) are ``bench/bench_capture_process.py``.

   Rounds rotate the order of (concurrency, variant). Printed: pages/s (best, median of wall time
   including browser start), the same excluding browser start/stop, and the ratios bare/tool.

    .venv/bin/python bench/bench_capture.py [--quick] [--rounds N] [--per-round N] [--pages N]
        [--latency-pages x,bluesky] [--batch-page x] [--breakdown N] [--skip-batch] [--workdir DIR --keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evidence.api import Evidence  # noqa: E402
from evidence.capture.browser import find_browser, launch_args, use_sandbox  # noqa: E402
from evidence.capture.options import CaptureOptions  # noqa: E402
from evidence.capture.page import SyncCapturer  # noqa: E402
from benchlib import make_store, make_workdir  # noqa: E402

SOCIAL = ROOT / "tests" / "data" / "fixtures" / "social-pages"
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
VIEWPORT = {"width": 1280, "height": 800}  # CaptureOptions' default, used by the bare script too
PASSPHRASE = b"bench passphrase"
CASE = "BENCH-CAPTURE"
GOAL = 1.5

# name -> (fixture file, the path of its original URL)
PAGES = {
    "x": ("x/post.html", "/realDonaldTrump/status/1222907250383245320"),
    "bluesky": ("bluesky/post.html", "/profile/stephenking.bsky.social/post/3mddvy5bv6k27"),
    "reddit": ("reddit/post.html", "/r/lotus/comments/1pzbv0z/my_lotus_elise_72d_with_17_rays_volk_gtp/"),
    "tiktok": ("tiktok/video.html", "/@illojuan/video/7571863205253778710"),
    "telegram": ("telegram/post-full-image.html", "/chollometro/28542"),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- a loopback static server
class _Handler(BaseHTTPRequestHandler):
    server_version = "BenchStatic/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        srv = self.server
        with srv.lock:
            srv.count += 1
            k = srv.count
            srv.hits[path] = srv.hits.get(path, 0) + 1
        body = srv.routes.get(path)
        if body is None:
            status, body = 404, b"<html><body>not found</body></html>"
        else:
            status, body = 200, body + f"\n<!-- bench response #{k} -->\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class StaticSite:
    def __init__(self) -> None:
        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.srv.daemon_threads = True
        self.srv.lock = threading.Lock()
        self.srv.count = 0
        self.srv.hits = {}
        self.srv.routes = {path: (SOCIAL / f).read_bytes() for f, path in PAGES.values()}
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str, query: str = "") -> str:
        return f"http://127.0.0.1:{self.srv.server_address[1]}{PAGES[name][1]}" + (f"?{query}" if query else "")

    def hits(self, name: str) -> int:
        with self.srv.lock:
            return self.srv.hits.get(PAGES[name][1], 0)

    def close(self) -> None:
        self.srv.shutdown()
        self.srv.server_close()


# ---------------------------------------------------------------- store
def options() -> CaptureOptions:
    return CaptureOptions(browser_args=(HOST_RULES,))


# ---------------------------------------------------------------- the bare Playwright baseline
async def launch_bare(pw):
    """The baseline's browser: the same executable, flags and sandbox setting as the tool's."""
    info = find_browser(None, playwright_path=pw.chromium.executable_path)
    kwargs = {"args": launch_args((HOST_RULES,)), "chromium_sandbox": use_sandbox(), "headless": True}
    if info.source != "playwright":
        kwargs["executable_path"] = info.path
    return await pw.chromium.launch(**kwargs), info


class BareWarm:
    """A bare script with a warm browser and one page it keeps open (its own event loop)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pw = self.browser = self.page = self.info = None

    def start(self) -> None:
        async def go():
            from playwright.async_api import async_playwright

            self.pw = await async_playwright().start()
            self.browser, self.info = await launch_bare(self.pw)
            self.page = await self.browser.new_page(viewport=VIEWPORT)

        self.loop.run_until_complete(go())

    def capture(self, url: str) -> int:
        async def one():
            await self.page.goto(url)
            shot = await self.page.screenshot(full_page=True)
            html = await self.page.content()
            return len(shot) + len(html)

        return self.loop.run_until_complete(one())

    def run(self, coro_fn, *args):
        return self.loop.run_until_complete(coro_fn(self.browser, *args))

    def close(self) -> None:
        async def stop():
            await self.browser.close()
            await self.pw.stop()

        self.loop.run_until_complete(stop())
        self.loop.close()


# ---- ablation: the tool's requirements added one by one to the bare script (same browser as "bare")
def _tool_context_kwargs(har_path: Path) -> dict:
    """What Capturer passes to new_context() with the default CaptureOptions."""
    import re

    from evidence.capture.options import local_timezone

    return {"viewport": VIEWPORT, "device_scale_factor": 1, "locale": "en-GB", "timezone_id": local_timezone(),
            "ignore_https_errors": False, "accept_downloads": True, "record_har_path": str(har_path),
            "record_har_content": "embed", "record_har_mode": "full",
            "record_har_url_filter": re.compile(r"^(https?|wss?)://"), "service_workers": "block"}


async def abl_fresh_context(browser, url: str) -> int:
    ctx, page = await _new_ctx_page(browser)
    return await _use_ctx_page(ctx, page, url)


async def _new_ctx_page(browser):
    ctx = await browser.new_context(viewport=VIEWPORT)
    return ctx, await ctx.new_page()


async def _use_ctx_page(ctx, page, url: str) -> int:
    await page.goto(url)
    n = len(await page.screenshot(full_page=True)) + len(await page.content())
    await ctx.close()
    return n


async def abl_har(browser, url: str) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-har-") as tmp:
        har = Path(tmp) / "capture.har"
        ctx = await browser.new_context(**_tool_context_kwargs(har))
        page = await ctx.new_page()
        await page.goto(url)
        n = len(await page.screenshot(full_page=True)) + len(await page.content())
        await ctx.close()
        return n + len(har.read_bytes())


async def abl_all_reads(browser, url: str, concurrent: bool) -> int:
    """Fresh context + HAR + the tool's other browser reads (fonts/rAF settle, served body, viewport
    screenshot, MHTML, network facts), no settle_ms sleep; sequential as the tool does them, or with the
    independent reads overlapped (a proposal)."""
    from evidence.capture.run import SETTLE_JS as _SETTLE_JS

    with tempfile.TemporaryDirectory(prefix="bench-har-") as tmp:
        har = Path(tmp) / "capture.har"
        ctx = await browser.new_context(**_tool_context_kwargs(har))
        page = await ctx.new_page()
        resp = await page.goto(url, wait_until="commit")
        await page.wait_for_load_state("load")

        async def mhtml() -> bytes:
            cdp = await ctx.new_cdp_session(page)
            snap = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
            await cdp.detach()
            return snap["data"].encode()

        async def facts() -> int:
            h = await resp.headers_array()
            await resp.server_addr()
            await resp.security_details()
            await resp.request.headers_array()
            return len(h)

        if not concurrent:
            await page.evaluate(_SETTLE_JS)
            body = await resp.body()
            await facts()
            full = await page.screenshot(full_page=True)
            vp = await page.screenshot()
            dom = await page.content()
            mh = await mhtml()
        else:
            body_t = asyncio.ensure_future(resp.body())  # the network layer's copy: independent of rendering
            facts_t = asyncio.ensure_future(facts())
            await page.evaluate(_SETTLE_JS)
            full = await page.screenshot(full_page=True)
            vp = await page.screenshot()
            dom, mh, body, _ = await asyncio.gather(page.content(), mhtml(), body_t, facts_t)
        await ctx.close()
        return len(body) + len(full) + len(vp) + len(dom) + len(mh) + len(har.read_bytes())


async def bare_batch(urls: list[str], conc: int) -> tuple[float, float]:
    """A pool of ``conc`` pages on one browser. Returns (wall s incl. browser start/stop, s of start+stop)."""
    from playwright.async_api import async_playwright

    t0 = time.perf_counter()
    async with async_playwright() as pw:
        browser, _ = await launch_bare(pw)
        t_ready = time.perf_counter()
        queue: asyncio.Queue[str] = asyncio.Queue()
        for u in urls:
            queue.put_nowait(u)

        async def worker() -> None:
            while True:
                try:
                    u = queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                ctx = await browser.new_context(viewport=VIEWPORT)  # a fresh context per capture, as the tool's
                page = await ctx.new_page()
                await page.goto(u)
                await page.screenshot(full_page=True)
                await page.content()
                await ctx.close()

        await asyncio.gather(*(worker() for _ in range(conc)))
        t_done = time.perf_counter()
        await browser.close()
    t_end = time.perf_counter()
    return t_end - t0, (t_ready - t0) + (t_end - t_done)


# ---------------------------------------------------------------- phase timers (installed by this bench only)
class Recorder:
    """Exclusive time per phase: a timed call nested in another is subtracted from its caller."""

    def __init__(self) -> None:
        self.active = False
        self.stack: list[list] = []  # [phase, child seconds]
        self.totals: dict[str, float] = {}

    def reset(self) -> dict[str, float]:
        out, self.totals = self.totals, {}
        return out

    def enter(self, phase: str) -> float:
        self.stack.append([phase, 0.0])
        return time.perf_counter()

    def leave(self, t0: float) -> None:
        dt = time.perf_counter() - t0
        phase, child = self.stack.pop()
        self.totals[phase] = self.totals.get(phase, 0.0) + dt - child
        if self.stack:
            self.stack[-1][1] += dt


REC = Recorder()
_PATCHED: list[tuple[object, str, object]] = []  # (owner, name, original), to undo install_timers()


def _patch(owner, name: str, new) -> None:
    _PATCHED.append((owner, name, getattr(owner, name)))
    setattr(owner, name, new)


def remove_timers() -> None:
    while _PATCHED:
        owner, name, orig = _PATCHED.pop()
        setattr(owner, name, orig)


def _phase_of(phase, args, kwargs) -> str:
    return phase(args, kwargs) if callable(phase) else phase


def wrap_async(owner, name: str, phase) -> None:
    orig = getattr(owner, name)

    async def timed(*args, **kwargs):
        if not REC.active:
            return await orig(*args, **kwargs)
        t0 = REC.enter(_phase_of(phase, args, kwargs))
        try:
            return await orig(*args, **kwargs)
        finally:
            REC.leave(t0)

    _patch(owner, name, timed)


def wrap_sync(owner, name: str, phase) -> None:
    orig = getattr(owner, name)

    def timed(*args, **kwargs):
        if not REC.active:
            return orig(*args, **kwargs)
        t0 = REC.enter(_phase_of(phase, args, kwargs))
        try:
            return orig(*args, **kwargs)
        finally:
            REC.leave(t0)

    _patch(owner, name, timed)


def wrap_cm(owner, name: str, phase: str) -> None:
    orig = getattr(owner, name)

    @contextlib.contextmanager
    def timed(*args, **kwargs):
        if not REC.active:
            with orig(*args, **kwargs) as v:
                yield v
            return
        t0 = REC.enter(phase)
        try:
            with orig(*args, **kwargs) as v:
                yield v
        finally:
            REC.leave(t0)

    _patch(owner, name, timed)


class _AsyncioProxy:
    """Stands in for ``asyncio`` inside evidence.capture.page so that its sleeps are timed."""

    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay, *args, **kwargs):
        if not REC.active:
            return await asyncio.sleep(delay, *args, **kwargs)
        t0 = REC.enter("settle: settle_ms sleep")
        try:
            return await asyncio.sleep(delay, *args, **kwargs)
        finally:
            REC.leave(t0)


def install_timers() -> None:
    import playwright.async_api as pa

    import evidence.api as api
    import evidence.capture.record as record
    import evidence.log.writer as writer
    import evidence.artifacts as artifacts
    import evidence.capture.page as cpage
    import evidence.capture.run as crun
    import evidence.extract as extract
    import evidence.ingest as intake
    import evidence.store as store

    def evaluate_phase(args, kwargs):
        js = args[1] if len(args) > 1 else kwargs.get("expression", "")
        if js == crun.SETTLE_JS:
            return "settle: 2 animation frames"
        if js == crun._HEIGHT_JS:
            return "page height + user agent (evaluate)"
        if "navigator.userAgent" in js:
            return "page height + user agent (evaluate)"
        return "evaluate (other)"

    def shot_phase(args, kwargs):
        return "screenshot: full page" if kwargs.get("full_page") else "screenshot: viewport"

    wrap_async(pa.Browser, "new_context", "context creation")
    wrap_async(pa.Browser, "new_page", "(bare) new page")
    wrap_async(pa.BrowserContext, "new_page", "new page")
    wrap_async(pa.Page, "goto", "goto + load")
    wrap_async(pa.Page, "wait_for_load_state", "goto + load")
    wrap_async(pa.Page, "evaluate", evaluate_phase)
    wrap_async(pa.Page, "screenshot", shot_phase)
    wrap_async(pa.Page, "content", "DOM: page.content()")
    wrap_async(pa.Response, "body", "served body: response.body()")
    for name in ("headers_array", "server_addr", "security_details"):
        wrap_async(pa.Response, name, "network facts (headers, server, TLS)")
    wrap_async(pa.Request, "headers_array", "network facts (headers, server, TLS)")
    wrap_async(pa.Request, "response", "network facts (headers, server, TLS)")
    wrap_async(pa.BrowserContext, "new_cdp_session", "MHTML: Page.captureSnapshot")
    wrap_async(pa.CDPSession, "send", "MHTML: Page.captureSnapshot")
    wrap_async(pa.CDPSession, "detach", "MHTML: Page.captureSnapshot")
    wrap_async(pa.BrowserContext, "close", "context close (HAR written)")
    wrap_sync(crun, "redact_har", "HAR: redact (json load + re-dump)")
    wrap_sync(extract, "extract_page", "extraction (extract_page x2)")
    _patch(crun, "asyncio", _AsyncioProxy())
    wrap_async(cpage.Capturer, "capture", "capture: other (tempdir, metadata dict, ...)")
    wrap_sync(api.Evidence, "capture", "api: checks (case, key) + loop overhead")
    wrap_sync(record, "keep", "store: metadata schema + json")
    wrap_sync(record, "ingest", "ingest: other (sniff, build record)")
    wrap_sync(artifacts.ArtifactFolder, "put_stream", "ingest: artifact copy + hash")
    wrap_sync(artifacts.os, "fsync", "ingest: fsync (artifact files + folders)")
    wrap_sync(intake, "image_info", "ingest: image facts (Pillow)")
    wrap_sync(intake, "sign_record", "ingest: record schema + canonical + sign")
    wrap_cm(store.Store, "write", "ingest: SQL transaction (synchronous=FULL)")
    wrap_sync(writer.Log, "after_write", "checkpoint (after_write)")
    wrap_sync(api.Evidence, "item", "item read-back")


# order in which the breakdown table lists phases (browser side, then store side)
PHASE_ORDER = [
    "context creation", "new page", "goto + load", "settle: 2 animation frames", "settle: settle_ms sleep",
    "served body: response.body()", "network facts (headers, server, TLS)", "page height + user agent (evaluate)",
    "screenshot: full page", "screenshot: viewport", "DOM: page.content()", "MHTML: Page.captureSnapshot",
    "context close (HAR written)", "HAR: redact (json load + re-dump)", "extraction (extract_page x2)",
    "capture: other (tempdir, metadata dict, ...)", "store: metadata schema + json",
    "ingest: artifact copy + hash", "ingest: fsync (artifact files + folders)", "ingest: image facts (Pillow)",
    "ingest: record schema + canonical + sign", "ingest: SQL transaction (synchronous=FULL)",
    "ingest: other (sniff, build record)", "checkpoint (after_write)", "item read-back",
    "api: checks (case, key) + loop overhead",
]


# ---------------------------------------------------------------- 1. latency
def fmt_ms(s: float) -> str:
    return f"{s * 1000:8.1f}"


def latency(ev: Evidence, cap: SyncCapturer, bare: BareWarm, site: StaticSite, name: str,
            rounds: int, per_round: int) -> dict[str, list[float]]:
    url = site.url(name)
    opts = options()
    variants = [
        ("bare", lambda: bare.capture(url)),
        ("tool", lambda: ev.capture(url, case=CASE, options=opts, capturer=cap)),
        ("capture-only", lambda: cap.capture(url, opts)),
    ]
    hits0 = site.hits(name)
    for vname, fn in variants:  # warm-up, discarded
        fn()
    times: dict[str, list[float]] = {v: [] for v, _ in variants}
    for r in range(rounds):
        k = r % len(variants)
        order = variants[k:] + variants[:k]
        line = []
        for vname, fn in order:
            for _ in range(per_round):
                t0 = time.perf_counter()
                fn()
                times[vname].append(time.perf_counter() - t0)
            line.append(f"{vname} {statistics.median(times[vname][-per_round:]) * 1000:.0f} ms")
        log(f"  [{name}] round {r + 1}/{rounds}: " + ", ".join(line))
    want = len(variants) * (1 + rounds * per_round)
    got = site.hits(name) - hits0
    if got != want:
        raise SystemExit(f"the server answered {got} requests for {name}, expected {want}: a capture was not fetched")
    return times


def ablation(ev: Evidence, cap: SyncCapturer, bare: BareWarm, site: StaticSite, name: str,
             rounds: int, per_round: int) -> dict[str, list[float]]:
    url = site.url(name)
    opts = options()
    opts.settle_ms = 200  # the default before the fixed settle sleep was dropped, for comparison
    opts0 = options()
    opts0.settle_ms = 0
    spare: list = []

    def with_spare() -> int:
        """B with the context and page made ahead, untimed (what a pre-warmed spare would give at best)."""
        if not spare:
            spare.append(bare.run(_new_ctx_page))
        ctx, page = spare.pop()
        t0 = time.perf_counter()
        bare.loop.run_until_complete(_use_ctx_page(ctx, page, url))
        dt = time.perf_counter() - t0
        spare.append(bare.run(_new_ctx_page))  # the next one, made outside the timed part
        return dt

    # (label, function, index of the variant it adds to)
    variants = [
        ("A bare (reused page)", lambda: bare.capture(url), None),
        ("B + fresh context per capture", lambda: bare.run(abl_fresh_context, url), 0),
        ("B' = B, context+page made ahead*", with_spare, 1),
        ("C + HAR recording (tool's context)", lambda: bare.run(abl_har, url), 1),
        ("D + tool's other reads, sequential", lambda: bare.run(abl_all_reads, url, False), 3),
        ("E = D, independent reads overlapped", lambda: bare.run(abl_all_reads, url, True), 4),
        ("F tool (default, settle_ms=0)", lambda: ev.capture(url, case=CASE, options=opts0, capturer=cap), 4),
        ("G tool, settle_ms=200 (old default)", lambda: ev.capture(url, case=CASE, options=opts, capturer=cap), 6),
    ]
    for _, fn, _ in variants:
        fn()
    # one capture of each variant per cycle, the starting variant rotated every cycle, so that a burst of
    # load from another tenant falls on all variants alike; steps are medians of within-cycle differences
    times: dict[str, list[float]] = {v: [] for v, _, _ in variants}
    cycles = rounds * per_round
    for c in range(cycles):
        k = c % len(variants)
        for vname, fn, _ in variants[k:] + variants[:k]:
            t0 = time.perf_counter()
            got = fn()
            dt = time.perf_counter() - t0
            times[vname].append(got if fn is with_spare else dt)
        if (c + 1) % per_round == 0:
            log(f"  [ablation {name}] cycle {c + 1}/{cycles}: "
                + ", ".join(f"{v.split()[0]} {statistics.median(times[v][-per_round:]) * 1000:.0f}"
                            for v, _, _ in variants))
    for ctx, _ in spare:
        bare.loop.run_until_complete(ctx.close())
    meds = [statistics.median(times[v]) for v, _, _ in variants]
    print(f"\n-- ablation on {name}: the tool's requirements added one by one to the bare script (same browser "
          f"as bare); {cycles} cycles of one capture per variant, start rotated each cycle")
    print(f"{'variant':<38} | {'best ms':>8} | {'median ms':>9} | {'best/A':>6} | {'med/A':>5} | "
          f"step: {'best':>7} | {'paired':>7} | vs")
    print("-" * 112)
    for i, (v, _, ref) in enumerate(variants):
        step = ""
        if ref is not None:
            rv = variants[ref][0]
            diffs = [x - y for x, y in zip(times[v], times[rv])]
            step = (f"{(min(times[v]) - min(times[rv])) * 1000:+7.1f} | {statistics.median(diffs) * 1000:+7.1f} | "
                    f"{rv.split()[0]}")
        print(f"{v:<38} | {fmt_ms(min(times[v]))} | {fmt_ms(meds[i]):>9} | {min(times[v]) / min(times[variants[0][0]]):6.2f} | "
              f"{meds[i] / meds[0]:5.2f} |       {step}")
    print("   step best: difference of the two variants' best captures; step paired: median over cycles of the "
          "difference within a cycle (ms)")
    print("   * B': only goto + screenshot + content + context close are timed; the context and page were made "
          "beforehand (an upper bound for keeping a spare context warm)")
    print("   D: C + fonts/rAF settle + response.body() + network facts + viewport screenshot + MHTML, in the "
          "tool's order, no settle_ms sleep; E: the same with body/facts started right after load and "
          "DOM/MHTML/body gathered")
    return times


def screenshot_encoding(bare: BareWarm, site: StaticSite, name: str, rounds: int, per_round: int) -> None:
    """Playwright's page.screenshot() against CDP Page.captureScreenshot with optimizeForSpeed (faster PNG
    encoding, same pixels, bigger file), on the bare script's reused page (informational, for a proposal)."""
    import base64
    import io

    from PIL import Image, ImageChops

    url = site.url(name)
    st: dict = {}

    async def setup(browser):
        await bare.page.goto(url)
        st["cdp"] = await bare.page.context.new_cdp_session(bare.page)

    bare.run(setup)
    cdp = st["cdp"]

    async def pw_full(_b):
        return await bare.page.screenshot(full_page=True)

    async def pw_view(_b):
        return await bare.page.screenshot()

    async def cdp_full(_b):
        m = await cdp.send("Page.getLayoutMetrics")
        w, h = m["cssContentSize"]["width"], m["cssContentSize"]["height"]
        r = await cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True,
                                                      "captureBeyondViewport": True,
                                                      "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}})
        return base64.b64decode(r["data"])

    async def cdp_view(_b):
        r = await cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
        return base64.b64decode(r["data"])

    variants = [("page.screenshot(full_page=True)", pw_full), ("CDP captureScreenshot full, optimizeForSpeed", cdp_full),
                ("page.screenshot() viewport", pw_view), ("CDP captureScreenshot viewport, optimizeForSpeed", cdp_view)]
    times: dict[str, list[float]] = {v: [] for v, _ in variants}
    sizes: dict[str, bytes] = {}
    for v, fn in variants:
        sizes[v] = bare.run(fn)
    for r in range(rounds):
        k = r % len(variants)
        for v, fn in variants[k:] + variants[:k]:
            for _ in range(per_round):
                t0 = time.perf_counter()
                bare.run(fn)
                times[v].append(time.perf_counter() - t0)
    bare.run(lambda _b: cdp.detach())

    def same(a: bytes, b: bytes) -> str:
        ia, ib = Image.open(io.BytesIO(a)).convert("RGBA"), Image.open(io.BytesIO(b)).convert("RGBA")
        if ia.size != ib.size:
            return f"size differs {ia.size} vs {ib.size}"
        return "identical pixels" if ImageChops.difference(ia, ib).getbbox() is None else "pixels differ"

    print(f"\n-- screenshot encoding on {name} (bare's reused page, {rounds} x {per_round} each, rotated)")
    print(f"{'how':<48} | {'median ms':>9} | {'PNG KB':>6} | pixels")
    print("-" * 90)
    for i, (v, _) in enumerate(variants):
        note = "" if i % 2 == 0 else same(sizes[variants[i - 1][0]], sizes[v]) + " as the row above"
        print(f"{v:<48} | {fmt_ms(statistics.median(times[v])):>9} | {len(sizes[v]) // 1024:6d} | {note}")


def report_latency(name: str, url: str, size: int, times: dict[str, list[float]]) -> float:
    n = len(times["bare"])
    print(f"\n-- {name}: {url} ({size // 1024} KB), {n} captures per variant (warm-up discarded)")
    print(f"{'variant':<13} | {'best ms':>8} | {'median ms':>9} | {'best/bare':>9} | {'median/bare':>11}")
    print("-" * 62)
    b_best, b_med = min(times["bare"]), statistics.median(times["bare"])
    for v in ("bare", "tool", "capture-only"):
        best, med = min(times[v]), statistics.median(times[v])
        print(f"{v:<13} | {fmt_ms(best)} | {fmt_ms(med):>9} | {best / b_best:9.2f} | {med / b_med:11.2f}")
    ratio = statistics.median(times["tool"]) / b_med
    print(f"ratio tool/bare (medians): {ratio:.2f}x, best-vs-best {min(times['tool']) / b_best:.2f}x   "
          f"(goal <= {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'})")
    return ratio


def breakdown(ev: Evidence, cap: SyncCapturer, bare: BareWarm, site: StaticSite, name: str, n: int,
              uninstrumented: dict[str, list[float]]) -> None:
    url = site.url(name)
    opts = options()
    # phases are timed one after another: no context is made ahead during the breakdown (with it on, the
    # next context's creation overlaps this capture and exclusive times cannot be told apart)
    spares, cap.capturer.spares = cap.capturer.spares, 0
    install_timers()
    REC.active = True
    try:
        tool_runs, bare_runs = [], []
        for i in range(n):  # alternate, one each
            REC.reset()
            t0 = time.perf_counter()
            ev.capture(url, case=CASE, options=opts, capturer=cap)
            tool_runs.append((time.perf_counter() - t0, REC.reset()))
            t0 = time.perf_counter()
            bare.capture(url)
            bare_runs.append((time.perf_counter() - t0, REC.reset()))
    finally:
        REC.active = False
        remove_timers()
        cap.capturer.spares = spares

    def mean(runs, phase):
        return statistics.fmean(r[1].get(phase, 0.0) for r in runs)

    def med(runs, phase):
        return statistics.median(r[1].get(phase, 0.0) for r in runs)

    # the quieter half (by total time) of the captures: additive like a mean, but a capture hit by
    # another tenant's burst on this shared machine does not drag every row
    quiet = sorted(tool_runs, key=lambda r: r[0])[:max(1, (n + 1) // 2)]
    bquiet = sorted(bare_runs, key=lambda r: r[0])[:max(1, (n + 1) // 2)]
    tot_all = statistics.fmean(r[0] for r in tool_runs)
    tot = statistics.fmean(r[0] for r in quiet)
    btot = statistics.fmean(r[0] for r in bquiet)
    print(f"\n-- where tool's time goes: {name}, {n} instrumented captures alternated with {n} bare ones "
          f"(exclusive time per phase; wrappers installed by this bench only)")
    print(f"   instrumented tool: mean {tot_all * 1000:.1f} ms, quieter-half mean {tot * 1000:.1f} ms "
          f"(uninstrumented median above: {statistics.median(uninstrumented['tool']) * 1000:.1f} ms); "
          f"bare quieter-half mean {btot * 1000:.1f} ms")
    print(f"{'phase':<46} | {'mean':>7} | {'median':>7} | {'quiet½':>7} | {'share':>6} | {'cum.':>6}")
    print("-" * 94)
    phases = list(PHASE_ORDER) + sorted({p for _, d in tool_runs for p in d} - set(PHASE_ORDER))
    cum = acc = 0.0
    for p in phases:
        v = mean(quiet, p)
        if v == 0.0 and p not in PHASE_ORDER:
            continue
        acc += v
        cum += v / tot
        print(f"{p:<46} | {mean(tool_runs, p) * 1000:7.1f} | {med(tool_runs, p) * 1000:7.1f} | {v * 1000:7.1f} | "
              f"{v / tot:6.1%} | {cum:6.1%}")
    rest = tot - acc
    print(f"{'not inside any timed call':<46} | {'':>7} | {'':>7} | {rest * 1000:7.1f} | {rest / tot:6.1%} |")
    print(f"{'TOTAL (ms)':<46} | {tot_all * 1000:7.1f} | {statistics.median(r[0] for r in tool_runs) * 1000:7.1f} | "
          f"{tot * 1000:7.1f} |")
    tool_runs = quiet
    bare_runs = bquiet
    i_other = PHASE_ORDER.index("capture: other (tempdir, metadata dict, ...)")
    i_store = PHASE_ORDER.index("store: metadata schema + json")
    browser = sum(mean(tool_runs, p) for p in PHASE_ORDER[:i_other - 2])
    py_cap = sum(mean(tool_runs, p) for p in PHASE_ORDER[i_other - 2:i_store])
    store = sum(mean(tool_runs, p) for p in PHASE_ORDER[i_store:])
    print(f"   groups (quieter-half mean ms): browser work {browser * 1000:.1f}, of it waiting on purpose "
          f"{(mean(tool_runs, 'settle: settle_ms sleep') + mean(tool_runs, 'settle: fonts.ready + 2 rAF')) * 1000:.1f}; "
          f"Python post-processing (HAR redact, extraction, bookkeeping) {py_cap * 1000:.1f}; "
          f"store (metadata, ingest, sign, SQL, read-back) {store * 1000:.1f}")
    print(f"   bare, same run (quieter-half mean ms): "
          + ", ".join(f"{p} {mean(bare_runs, p) * 1000:.1f}"
                      for p in ("goto + load", "screenshot: full page", "DOM: page.content()"))
          + f"; total {btot * 1000:.1f}")


# ---------------------------------------------------------------- 2. batch throughput
_START: list[float] = []


def _timed_capturer_lifecycle() -> None:
    """Time Capturer.start/close (browser launch and shutdown) so batch rates can be given without them."""
    import evidence.capture.page as cpage

    for name in ("start", "close"):
        orig = getattr(cpage.Capturer, name)

        def make(orig):
            async def timed(self, *a, **k):
                t0 = time.perf_counter()
                try:
                    return await orig(self, *a, **k)
                finally:
                    _START.append(time.perf_counter() - t0)
            return timed

        setattr(cpage.Capturer, name, make(orig))


def batch(ev: Evidence, site: StaticSite, page: str, n_pages: int, rounds: int,
          concs: tuple[int, ...]) -> dict[tuple[str, int], list[tuple[float, float]]]:
    _timed_capturer_lifecycle()
    opts = options()
    run_ids = itertools.count(1)
    combos = [(c, v) for c in concs for v in ("tool", "bare")]
    res: dict[tuple[str, int], list[tuple[float, float]]] = {(v, c): [] for c, v in combos}
    for r in range(rounds):
        k = (r * 3) % len(combos)
        order = combos[k:] + combos[:k]
        if r % 2:
            order = order[::-1]
        for conc, variant in order:
            rid = next(run_ids)
            urls = [site.url(page, f"n={i}&run={rid}") for i in range(1, n_pages + 1)]
            hits0 = site.hits(page)
            if variant == "tool":
                _START.clear()
                t0 = time.perf_counter()
                outs = ev.capture_many(urls, case=CASE, options=opts, concurrency=conc)
                wall = time.perf_counter() - t0
                fails = [o for o in outs if not o.ok]
                if fails:
                    raise SystemExit(f"capture_many: {len(fails)} failed, e.g. {fails[0].url}: {fails[0].error}")
                overhead = sum(_START)
            else:
                wall, overhead = asyncio.run(bare_batch(urls, conc))
            if site.hits(page) - hits0 != n_pages:
                raise SystemExit(f"{variant} c={conc}: server saw {site.hits(page) - hits0} requests, expected {n_pages}")
            res[(variant, conc)].append((wall, overhead))
            log(f"  batch round {r + 1}/{rounds}: {variant:<4} c={conc}: {n_pages / wall:5.2f} pages/s "
                f"({wall:.1f} s, browser start/stop {overhead:.2f} s)")
    return res


def report_batch(res, n_pages: int, page: str, url: str, concs) -> None:
    print(f"\n== 2. batch throughput: {n_pages} distinct URLs ({url}?n=1..{n_pages}&run=R: the same saved page, "
          f"bytes unique per response)")
    print("   bare = one browser, C workers, a fresh context per URL (new_context + new_page, closed after), "
          "goto + full-page screenshot + content()")
    print("   tool = Evidence.capture_many(concurrency=C): every artifact stored and signed")
    print(f"{'variant':<5} | {'C':>2} | {'best p/s':>8} | {'median p/s':>10} | {'median p/s excl. start':>22} | "
          f"{'s/page':>6}")
    print("-" * 72)
    meds = {}
    for c in concs:
        for v in ("bare", "tool"):
            walls = [w for w, _ in res[(v, c)]]
            net = [w - o for w, o in res[(v, c)]]
            best, med, mnet = n_pages / min(walls), n_pages / statistics.median(walls), n_pages / statistics.median(net)
            meds[(v, c)] = (best, med, mnet)
            print(f"{v:<5} | {c:>2} | {best:8.2f} | {med:10.2f} | {mnet:22.2f} | {1 / med:6.2f}")
    print()
    print(f"{'C':>2} | {'bare/tool (median)':>18} | {'bare/tool (best)':>16} | {'excl. start':>11} | "
          f"{'tool speed-up vs C=1':>20} | {'bare speed-up vs C=1':>20}")
    print("-" * 104)
    for c in concs:
        b, t = meds[("bare", c)], meds[("tool", c)]
        print(f"{c:>2} | {b[1] / t[1]:17.2f}x | {b[0] / t[0]:15.2f}x | {b[2] / t[2]:10.2f}x | "
              f"{t[1] / meds[('tool', concs[0])][1]:19.2f}x | {b[1] / meds[('bare', concs[0])][1]:19.2f}x")


# ---------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds, order rotated each round (default 3)")
    parser.add_argument("--per-round", type=int, default=None, help="latency: captures per variant per round (10)")
    parser.add_argument("--pages", type=int, default=None, help="batch: distinct URLs per batch (default 50)")
    parser.add_argument("--latency-pages", default="x,bluesky", help="saved pages for the latency test: "
                        + ",".join(PAGES))
    parser.add_argument("--batch-page", default="x", choices=sorted(PAGES), help="the saved page for the batch")
    parser.add_argument("--breakdown", type=int, default=None, help="instrumented captures for the breakdown (12)")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-ablation", action="store_true")
    parser.add_argument("--workdir", help="where to make the store (default: a fresh temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 rounds, few captures, 8-page batches")
    a = parser.parse_args()
    rounds = a.rounds or (2 if a.quick else 3)
    per_round = a.per_round or (3 if a.quick else 10)
    n_pages = a.pages or (8 if a.quick else 50)
    n_breakdown = a.breakdown or (4 if a.quick else 12)
    lat_pages = [p.strip() for p in a.latency_pages.split(",") if p.strip()]
    for p in lat_pages:
        if p not in PAGES:
            sys.exit(f"unknown page {p!r}; one of {', '.join(PAGES)}")
    concs = (1, 2, 4)

    workdir = make_workdir(a.workdir, prefix="evidence-bench-capture-")
    site = StaticSite()
    try:
        ev = make_store(workdir, case=CASE, title="capture benchmark")
        cap = SyncCapturer(options())
        cap.start()
        bare = BareWarm()
        bare.start()
        try:
            if (cap.browser_info.path, cap.browser_info.source) != (bare.info.path, bare.info.source):
                sys.exit(f"tool and baseline would use different browsers: {cap.browser_info} vs {bare.info}")
            print(f"capture benchmark: {os.cpu_count()} cpus, Python {sys.version.split()[0]}, "
                  f"{cap.browser_info.describe()} (Chromium {cap.version}), sandbox {use_sandbox()}, "
                  f"{rounds} rounds, order rotated each round")
            print(f"both browsers: same executable, launch_args(({HOST_RULES!r},)), headless, "
                  f"viewport {VIEWPORT['width']}x{VIEWPORT['height']}; store in {workdir}")

            # one capture, to show what "tool" produces
            item = ev.capture(site.url(lat_pages[0]), case=CASE, options=options(), capturer=cap)
            print("a tool capture stores: " + ", ".join(f"{x['role']} {x['size'] // 1024} KB" for x in item.artifacts)
                  + f"; flags {item.flags}")

            print(f"\n== 1. warm-browser latency: {rounds} rounds x {per_round} captures per variant, "
                  f"1 warm-up each discarded")
            ratios = {}
            all_times = {}
            for name in lat_pages:
                log(f"latency: {name} ...")
                times = latency(ev, cap, bare, site, name, rounds, per_round)
                all_times[name] = times
                ratios[name] = report_latency(name, site.url(name), len((SOCIAL / PAGES[name][0]).read_bytes()), times)
            if not a.skip_ablation:
                log("ablation ...")
                ablation(ev, cap, bare, site, lat_pages[0], rounds, per_round)
                screenshot_encoding(bare, site, lat_pages[0], rounds, per_round)
            log("breakdown ...")
            breakdown(ev, cap, bare, site, lat_pages[0], n_breakdown, all_times[lat_pages[0]])
        finally:
            cap.close()
            bare.close()

        if not a.skip_batch:
            log("batch throughput ...")
            res = batch(ev, site, a.batch_page, n_pages, rounds, concs)
            report_batch(res, n_pages, a.batch_page, site.url(a.batch_page), concs)

        print("\nsummary: tool/bare latency (medians): "
              + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
              + f"; goal <= {GOAL}x: {'met' if all(v <= GOAL for v in ratios.values()) else 'NOT met'}")
        items = len(ev.items(CASE))
        print(f"store holds {items} captured items")
        ev.close()
    finally:
        site.close()
        if a.keep:
            print(f"work folder kept: {workdir}")
        else:
            for p in workdir.rglob("*"):  # artifacts are read-only
                with contextlib.suppress(OSError):
                    p.chmod(0o700 if p.is_dir() else 0o600)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
