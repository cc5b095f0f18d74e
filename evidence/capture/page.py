"""Capture one web page with Playwright and Chromium: screenshots, served bytes, DOM, MHTML, HAR, metadata.

:class:`Capturer` keeps one browser running (warm) and captures each page in a
fresh browser context, so pages never share cookies and each gets its own HAR.
Each capture's steps are :class:`evidence.capture.run.PageRun`. Nothing here
touches the store: :mod:`evidence.capture.record` hands the result to
:func:`evidence.ingest.ingest`, the one way evidence enters.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import CaptureError
from .browser import BrowserInfo, launch_options, driver_environment
from .options import CaptureOptions, local_timezone, read_session
from .urls import scrub_credentials, validate_url

__all__ = ["CaptureOptions", "PageCapture", "Capturer", "SyncCapturer", "read_session", "local_timezone"]

@dataclass
class PageCapture:
    """What one capture produced, before it is stored."""

    url: str
    final_url: str | None
    status: int | None
    screenshot: bytes
    screenshot_viewport: bytes
    served: bytes | None
    served_media_type: str | None
    dom: bytes
    mhtml: bytes | None
    har: bytes | None
    metadata: dict
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    warc: bytes | None = None  # the page's HTTP traffic as WARC 1.1 (evidence.capture.traffic)
    media: list = field(default_factory=list)  # the post's media files (evidence.capture.media.MediaFile)
    layout: bytes | None = None  # the word boxes of evidence.capture.layout (JSON), when the page answered


@dataclass
class _Prepared:
    """A fresh, unused browser context and page, made ahead of the capture that will use it."""

    key: tuple
    context: Any
    page: Any
    tmp: str
    har_path: Path
    prepared: dict


def _context_key(opts: CaptureOptions) -> tuple:
    session = read_session(opts.session)["sha256"] if opts.session else None
    return (opts.viewport, opts.device_scale_factor, opts.locale, opts.timezone or local_timezone(),
            opts.ignore_https_errors, opts.user_agent, opts.session, session)


class Capturer:
    """A warm Chromium for captures (asyncio). Use ``async with Capturer(options) as cap: await cap.capture(url)``.

    Every capture gets a fresh browser context (no cookies, cache or storage shared with another
    capture) and its own HAR. To keep that from costing time, the next context is made while the
    current capture is being finished (``spares`` at a time); it stays unused until its capture
    navigates, and the metadata records when it was made. With ``expected`` (the captures still to
    come) no spare is made that no capture would use.
    """

    def __init__(self, options: CaptureOptions | None = None, *, spares: int = 1, expected: int | None = None):
        self.options = (options or CaptureOptions()).check()
        self._pw = None
        self._browser = None
        self.browser_info: BrowserInfo | None = None
        self.version: str | None = None
        self.spares = spares
        self._spares: list[asyncio.Future] = []
        self.expected = expected
        self.env_restored = threading.Event()  # set once Playwright's driver has copied the environment
        self.launching = threading.Event()  # set once Playwright is imported and its driver is being started

    async def __aenter__(self) -> "Capturer":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def start(self) -> None:
        try:
            from playwright.async_api import async_playwright
        finally:
            self.launching.set()
        try:
            with driver_environment():
                self._pw = await async_playwright().start()
        finally:
            self.env_restored.set()
        try:
            self.browser_info, kwargs = launch_options(self._pw, self.options.browser_path,
                                                       extra_args=self.options.browser_args)
            try:
                self._browser = await self._pw.chromium.launch(**kwargs)
            except Exception as exc:  # noqa: BLE001 - report why the browser would not start
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise CaptureError(f"Chromium would not start ({self.browser_info.describe()}): {first}",
                                   hint="run `evidence doctor`") from None
            self.version = self._browser.version
        except BaseException:
            await self._pw.stop()
            self._pw = None
            raise

    async def close(self) -> None:
        spares, self._spares = self._spares, []
        for task in spares:
            try:
                await self._discard(await task)
            except Exception:  # noqa: BLE001 - a spare that failed to be made has nothing to close
                pass
        if self._browser is not None:
            try:
                await self._browser.close()
            except Exception:  # noqa: BLE001
                pass
            self._browser = None
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None

    async def capture(self, url: str, options: CaptureOptions | None = None) -> PageCapture:
        url = validate_url(url)
        opts = (options or self.options).check()
        if self._browser is None:
            raise RuntimeError("Capturer not started")
        from .run import PageRun

        prep = await self._take(opts)
        try:
            return await PageRun(self, url, opts, prep).run()
        except CaptureError as exc:
            exc.message = scrub_credentials(exc.message, url)  # a URL's password is never in an error
            raise
        finally:
            shutil.rmtree(prep.tmp, ignore_errors=True)

    async def _prepare(self, opts: CaptureOptions) -> _Prepared:
        from playwright.async_api import Error as PWError

        tmp = tempfile.mkdtemp(prefix="evidence-capture-")
        har_path = Path(tmp) / "capture.har"
        try:
            context = await self._browser.new_context(**self._context_kwargs(opts, har_path))
            page = await context.new_page()
        except PWError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CaptureError(f"could not prepare the browser: {str(exc).splitlines()[0]}") from None
        return _Prepared(_context_key(opts), context, page, tmp, har_path, clock.stamp())

    async def _take(self, opts: CaptureOptions) -> _Prepared:
        key = _context_key(opts)
        if self.expected is not None:
            self.expected -= 1
        while self._spares:
            task = self._spares.pop(0)
            try:
                prep = await task
            except Exception:  # noqa: BLE001 - make a new one below
                continue
            if prep.key == key and not prep.page.is_closed():
                return prep
            await self._discard(prep)
        return await self._prepare(opts)

    def replenish(self, opts: CaptureOptions) -> None:
        """Start making a spare fresh context for the next capture (while this one is finished)."""
        wanted = self.spares if self.expected is None else min(self.spares, self.expected)
        if self._browser is not None and len(self._spares) < wanted:
            self._spares.append(asyncio.ensure_future(self._prepare(opts)))

    async def _discard(self, prep: _Prepared) -> None:
        try:
            await asyncio.wait_for(prep.context.close(), timeout=30)
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(prep.tmp, ignore_errors=True)

    def _context_kwargs(self, opts: CaptureOptions, har_path: Path) -> dict[str, Any]:
        ctx_kwargs: dict[str, Any] = {
            "viewport": {"width": opts.viewport[0], "height": opts.viewport[1]},
            "device_scale_factor": opts.device_scale_factor,
            "locale": opts.locale,
            "timezone_id": opts.timezone or local_timezone(),
            "ignore_https_errors": opts.ignore_https_errors,
            "accept_downloads": True,
            "record_har_path": str(har_path),
            "record_har_content": "embed",
            "record_har_mode": "full",
            # only network traffic: Chromium's own chrome:// and chrome-extension:// loads (e.g. its PDF
            # viewer) are not evidence, and with them Playwright's HAR export can wait forever
            "record_har_url_filter": re.compile(r"^(https?|wss?)://"),
            "service_workers": "block",
        }
        if opts.user_agent:
            ctx_kwargs["user_agent"] = opts.user_agent
        if opts.session:
            ctx_kwargs["storage_state"] = opts.session
        return ctx_kwargs

class SyncCapturer:
    """A warm browser for synchronous code: ``with SyncCapturer(opts) as cap: cap.capture(url)``.

    Its event loop runs in a thread of its own, so the next capture's fresh context is made while
    the caller stores this one.
    """

    def __init__(self, options: CaptureOptions | None = None, *, spares: int = 1, expected: int | None = None):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="evidence-capture", daemon=True)
        self.capturer = Capturer(options, spares=spares, expected=expected)
        self._starting = None
        self._closing = None

    def __enter__(self) -> "SyncCapturer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def start(self) -> None:
        self.begin()
        self.ready()

    def begin(self, *, wait_for_environment: bool = True) -> None:
        """Start launching the browser and return: the caller's own work overlaps the launch.

        The passphrase is out of ``os.environ`` while Playwright's driver starts (about 0.3 s); by default this
        returns once it is back. A caller that will not read it meanwhile (its passphrase already read) passes
        ``wait_for_environment=False``: this returns once Playwright is imported and its driver starting, so
        the caller's own work overlaps the driver's and Chromium's start-up instead of competing with the
        import for the interpreter."""
        self._thread.start()
        self._starting = asyncio.run_coroutine_threadsafe(self.capturer.start(), self._loop)
        done = self.capturer.env_restored if wait_for_environment else self.capturer.launching
        while not done.wait(0.01) and not self._starting.done():
            pass

    def ready(self) -> None:
        """Wait until the browser launched by :meth:`begin` runs (raises why it would not start)."""
        starting, self._starting = self._starting, None
        if starting is None:
            return
        try:
            starting.result()
        except BaseException:
            self._stop()
            raise

    def capture(self, url: str, options: CaptureOptions | None = None) -> PageCapture:
        self.ready()
        return self._run(self.capturer.capture(url, options))

    def begin_close(self) -> None:
        """Start closing the browser and return at once (the caller stores the capture meanwhile)."""
        if self._closing is None and not self._loop.is_closed() and self._thread.is_alive():
            self._closing = asyncio.run_coroutine_threadsafe(self.capturer.close(), self._loop)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._closing is not None:
            try:
                self._closing.result()
            finally:
                self._stop()
            return
        if self._starting is not None:
            try:
                self._starting.result()
            except BaseException:  # noqa: BLE001 - ready() raised it, or nobody asked: nothing to close
                self._starting = None
        try:
            if self._thread.is_alive():
                self._run(self.capturer.close())
        finally:
            self._stop()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        if not self._loop.is_running():
            self._loop.close()

    @property
    def version(self) -> str | None:
        return self.capturer.version

    @property
    def browser_info(self) -> BrowserInfo | None:
        return self.capturer.browser_info
