"""One capture of one page, step by step, in a fresh browser context made ahead by the Capturer.

:class:`PageRun` loads the page, lets it settle, keeps the document as served, takes the
screenshots, the DOM and an MHTML snapshot, reads the network facts, closes the context
(which writes the HAR) and assembles the metadata. Every wait is bounded by the capture's
timeout. Dialogs are dismissed and recorded; pop-ups are closed and recorded; downloads
started by the page are refused and recorded.
"""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import CaptureError
from .browser import launch_args, use_sandbox
from .headers import redact_har, redact_headers
from .layout import collect_layout, layout_bytes
from .hops import Navigations, hop_warnings, is_error_page
from .neterrors import classify
from .traffic import Traffic
from .shots import VIEWPORT_IS_FULL_PAGE, VIEWPORT_TAKEN, fills_viewport_exactly
from .urls import scrub_credentials, strip_credentials
from .options import CaptureOptions, local_timezone, read_session
from .conditions import is_blank, state_conditions, watch_requests
from .media import keep_media

__all__ = ["PageRun", "HTML_TYPES", "SETTLE_JS"]

HTML_TYPES = ("text/html", "application/xhtml+xml")

# two animation frames after load: late script work reaches the DOM and the screen (Playwright's
# screenshot waits for web fonts itself)
SETTLE_JS = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))"""

_HEIGHT_JS = """() => Math.max(
  document.documentElement ? document.documentElement.scrollHeight : 0,
  document.body ? document.body.scrollHeight : 0,
  document.documentElement ? document.documentElement.clientHeight : 0)"""

_REFETCH_JS = """async (u) => {
  const r = await fetch(u, {credentials: 'include', cache: 'force-cache'});
  const b = new Uint8Array(await r.arrayBuffer()); let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s); }"""

_SCROLL_JS = ("() => { window.scrollBy(0, window.innerHeight); return [window.scrollY + window.innerHeight,"
              " document.documentElement.scrollHeight]; }")


def _pw_error():
    from playwright.async_api import Error

    return Error


def _first_line(exc: BaseException, default: str = "timed out") -> str:
    return str(exc).splitlines()[0] if str(exc) else default


def _epoch_to_utc(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or value <= 0:
        return None
    return clock.utc_string(datetime.fromtimestamp(int(value), timezone.utc))


async def _all(*aws):
    """Run ``aws`` side by side and return their results; when one fails, the others are let finish (or
    fail) first, so nothing keeps running behind a failed capture, and the first failure is raised."""
    results = await asyncio.gather(*aws, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def final_url_guess(page, response, url: str) -> str:
    if response is not None and response.url:
        return response.url
    return page.url if page.url and page.url != "about:blank" else url


class PageRun:
    """The state of one capture while it runs; :meth:`run` returns a :class:`evidence.capture.page.PageCapture`."""

    def __init__(self, capturer, url: str, opts: CaptureOptions, prep):
        # the browser is given the URL as asked (with a user name and password, if any); everything
        # recorded names it without them
        self.nav_url = url
        url, self.had_credentials = strip_credentials(url)
        self.capturer, self.url, self.opts, self.prep = capturer, url, opts, prep
        self.context, self.page, self.har_path = prep.context, prep.page, prep.har_path
        self.started = clock.stamp()
        self.deadline = time.monotonic() + opts.timeout
        self.timeout_ms = opts.timeout * 1000
        self.session = read_session(opts.session) if opts.session else None
        self.events: dict[str, list] = {"dialogs": [], "popups": [], "downloads": [], "page_errors": []}
        self.main_download: list = []
        self.flags: list[str] = []
        self.warnings: list[str] = []
        self.response = None
        self.download_body: bytes | None = None
        self.facts: dict[str, Any] = {}
        self.navs = Navigations()  # every hop of the main frame
        self.hops: list[dict] = []
        self.traffic, self.warc = Traffic(), None
        self._extracted: dict[tuple[bytes, str], dict] = {}
        if self.had_credentials:
            self.warn("the URL held a user name or password: they were used to load the page and removed from "
                      "everything recorded", "credentials-removed")

    def remaining_ms(self, minimum: float = 500) -> float:
        return max(minimum, (self.deadline - time.monotonic()) * 1000)

    def warn(self, text: str, flag: str | None = None) -> None:
        self.warnings.append(text)
        if flag:
            self.flags.append(flag)

    # ------------------------------------------------------------ the steps
    async def run(self):
        PWError = _pw_error()
        closed = False
        pending: list[asyncio.Future] = []
        try:
            self.attach_handlers()
            watch_requests(self)
            # the WARC (issue 13) and the hops' reasons: both listen before the page navigates
            await _all(self.traffic.attach(self.context), self.navs.watch(self.context, self.page))
            await self.navigate()
            await self.settle()
            self.check_error_page()
            # the document as served is read from the network while the full-page screenshot is rendered
            _, _, cdp = await _all(self.keep_served(), self.take_screenshots(), self.devtools())
            if self.facts["height_capped"]:  # said here, after the served document's warnings: a fixed order
                self.warn(f"the page is {self.facts['page_height']} px tall; the full-page screenshot stops at "
                          f"{self.opts.max_height} px", "height-capped")
            # What is left asks different parts of Chromium (the page, the network, the browser's own records),
            # so it runs side by side, none of it changing the page: the viewport screenshot and then the blank
            # check (decoding the PNG, in a thread), the rendered DOM, then the post's own media through this
            # context (see media.py; it reads the DOM), the text's layout (for redaction by term), the MHTML
            # snapshot and the network facts.
            pending.append(asyncio.ensure_future(self.viewport_and_blank(cdp)))
            await self.read_dom()
            self.capturer.replenish(self.opts)  # the next capture's fresh context is made while this one is finished
            pending.append(asyncio.ensure_future(keep_media(self)))
            self.layout, _, _ = await _all(collect_layout(self.page), self.keep_snapshot(cdp), self.network_facts())
            self.check_error_page()
            self.facts["blank"], self.media = await _all(*pending)
            if cdp is not None:
                try:
                    await cdp.detach()
                except PWError:
                    pass
            await self.collect_traffic()
        except BaseException:
            for task in pending:
                task.cancel()  # no-op for those already done
            try:
                await self.context.close()
            except Exception:  # noqa: BLE001
                pass
            closed = True
            raise
        finally:
            if not closed:
                # the WARC is compressed (in a thread) while the context closes and writes the HAR
                await _all(self.close_context(PWError), self.keep_traffic())
        # the record is made off the event loop (decoding the screenshot, reading the page): a batch's other
        # captures drive their browsers meanwhile
        return await asyncio.to_thread(self.result)

    def attach_handlers(self) -> None:
        PWError = _pw_error()
        page, events = self.page, self.events

        async def on_dialog(dialog) -> None:
            events["dialogs"].append({"type": dialog.type, "message": dialog.message[:2000],
                                      "default_value": dialog.default_value or None})
            try:
                await dialog.dismiss()
            except PWError:
                pass

        async def on_popup(popup) -> None:
            events["popups"].append({"url": popup.url})
            try:
                await popup.close()
            except PWError:
                pass

        async def on_download(download) -> None:
            events["downloads"].append({"url": download.url, "suggested_filename": download.suggested_filename})
            self.main_download.append(download)

        page.set_default_timeout(self.timeout_ms)
        page.on("dialog", lambda d: asyncio.ensure_future(on_dialog(d)))
        page.on("download", lambda d: asyncio.ensure_future(on_download(d)))
        page.on("pageerror", lambda e: events["page_errors"].append(str(e)[:500])
                if len(events["page_errors"]) < 50 else None)
        self.context.on("page", lambda p: asyncio.ensure_future(on_popup(p)) if p is not page else None)

    def check_error_page(self) -> None:
        """Chromium's own error page (a hop that could not be loaded) is never kept as the capture."""
        if is_error_page(self.page.url):
            raise self.navs.error_page_failure(self.url, self.opts.timeout)

    async def navigate(self) -> None:
        PWError = _pw_error()
        try:
            self.response = await self.page.goto(self.nav_url, wait_until="commit", timeout=self.timeout_ms)
        except PWError as exc:
            if "Download is starting" not in str(exc):
                raise classify(exc, self.url, self.opts.timeout) from None
            await asyncio.sleep(0.05)
            if self.main_download:
                try:
                    p = await asyncio.wait_for(self.main_download[0].path(), timeout=self.remaining_ms() / 1000)
                    self.download_body = Path(p).read_bytes() if p else None
                except (asyncio.TimeoutError, PWError, OSError):
                    self.download_body = None
            self.warn("the server sent the page as a download; its body is kept, the screenshot shows a blank page",
                      "non-html")

    async def settle(self) -> None:
        PWError = _pw_error()
        opts, page = self.opts, self.page
        timed_out = False
        if self.response is not None and opts.wait_until != "commit":
            try:
                await page.wait_for_load_state(opts.wait_until, timeout=self.remaining_ms(1))
            except PWError:
                timed_out = True
        self.facts["wait_for_found"] = None
        if opts.wait_for:
            try:
                await page.wait_for_selector(opts.wait_for, timeout=self.remaining_ms(1), state="attached")
                self.facts["wait_for_found"] = True
            except PWError:
                self.facts["wait_for_found"] = False
                timed_out = True
                self.warn(f"--wait-for {opts.wait_for!r} did not appear within the timeout")
        if timed_out:
            self.warn(f"the page had not finished loading after {opts.timeout:g} s; captured as it was", "timed-out")
        self.facts["scroll_steps"] = await self.scroll() if opts.scroll else 0
        try:
            await asyncio.wait_for(page.evaluate(SETTLE_JS), timeout=2)
        except (asyncio.TimeoutError, PWError):
            pass
        if opts.settle_ms:
            await asyncio.sleep(opts.settle_ms / 1000)

    async def scroll(self) -> int:
        """Scroll down a viewport at a time to load lazy content; stop at the bottom, the height cap or the deadline."""
        PWError = _pw_error()
        page, steps, last = self.page, 0, -1
        try:
            while time.monotonic() < self.deadline - 1 and steps < 200:
                bottom, height = await asyncio.wait_for(page.evaluate(_SCROLL_JS), timeout=5)
                steps += 1
                await asyncio.sleep(0.15)
                if bottom >= self.opts.max_height or (bottom >= height and height == last):
                    break
                last = height
            await asyncio.wait_for(page.evaluate("() => window.scrollTo(0, 0)"), timeout=5)
            await asyncio.sleep(0.1)
        except (asyncio.TimeoutError, PWError):
            pass
        return steps

    async def _served_body(self) -> tuple[bytes | None, str | None]:
        PWError = _pw_error()
        try:
            return await asyncio.wait_for(self.response.body(), timeout=max(2.0, self.remaining_ms() / 1000)), None
        except (asyncio.TimeoutError, PWError) as exc:
            note = ("the server did not finish sending the document" if isinstance(exc, asyncio.TimeoutError)
                    else f"not available from the browser: {_first_line(exc)[:200]}")
            self.warn(f"the served document could not be kept ({note})")
            return None, note

    async def keep_served(self) -> None:
        """The main document as served, its status and headers."""
        PWError = _pw_error()
        await self.follow_to_final_response()
        response = self.response
        served, note = (await self._served_body()) if response is not None else (self.download_body, None)
        declared = (response.headers.get("content-type", "") if response is not None else "").split(";")[0].strip().lower()
        if served is not None and declared == "application/pdf" and not served.startswith(b"%PDF"):
            # Chromium's PDF viewer replaces the document it shows (also in the browser's own
            # record of the response); read the exact bytes again from the same page
            served, note = await self.refetch(final_url_guess(self.page, response, self.url))
            if served is None:
                self.warn(f"the served PDF could not be kept ({note})")
        headers, served_type = [], None
        if response is not None:
            try:
                headers = await response.headers_array()
            except PWError:
                headers = [{"name": k, "value": v} for k, v in response.headers.items()]
            ctype = next((h["value"] for h in headers if h["name"].lower() == "content-type"), None)
            served_type = ctype.split(";")[0].strip().lower() if ctype else None
            if served_type and served_type not in HTML_TYPES and "non-html" not in self.flags:
                self.warn(f"the page is not HTML ({served_type}); its body is kept and what renders is screenshotted",
                          "non-html")
        status = response.status if response is not None else None
        if status is not None and status >= 400:
            self.warn(f"HTTP {status} {response.status_text or ''}".rstrip() +
                      " was recorded as evidence (a removed post is a fact worth keeping)", "http-error")
        self.served, self.served_note, self.served_type = served, note, served_type
        self.headers, self.status = headers, status

    async def follow_to_final_response(self) -> None:
        """After a meta refresh or script navigation the document shown is the last one the main frame loaded."""
        requests = self.navs.requests
        if self.response is None or not requests or requests[-1] is self.response.request:
            return
        try:
            last = await asyncio.wait_for(requests[-1].response(), timeout=max(2.0, self.remaining_ms() / 1000))
        except (asyncio.TimeoutError, _pw_error()):
            return
        if last is not None:
            self.response = last

    async def refetch(self, url: str) -> tuple[bytes | None, str]:
        """The body of ``url`` fetched again from inside the page (same cookies, HTTP cache first)."""
        PWError = _pw_error()
        try:
            data = base64.b64decode(await asyncio.wait_for(self.page.evaluate(_REFETCH_JS, url), timeout=30))
        except (asyncio.TimeoutError, PWError, ValueError) as exc:
            return None, f"re-reading it failed: {_first_line(exc)}"
        return data, ("Chromium's PDF viewer replaces the document it shows, so these bytes were read again "
                      "with fetch() from the same page (HTTP cache, else a second request)")

    async def take_screenshots(self) -> None:
        """The full-page screenshot; when it is exactly the viewport's size it is the viewport screenshot too."""
        PWError = _pw_error()
        opts, page = self.opts, self.page
        try:
            height = int(await asyncio.wait_for(page.evaluate(_HEIGHT_JS), timeout=5))
        except (asyncio.TimeoutError, PWError, ValueError, TypeError):
            height = opts.viewport[1]
        capped = height > opts.max_height
        self.viewport_png = None
        try:
            if capped:
                self.full = await page.screenshot(full_page=True, type="png", timeout=self.shot_timeout(),
                                                  clip={"x": 0, "y": 0, "width": opts.viewport[0],
                                                        "height": opts.max_height})
            else:
                self.full = await page.screenshot(full_page=True, type="png", timeout=self.shot_timeout())
        except PWError as exc:
            raise self.no_screenshot(exc) from None
        if not capped and fills_viewport_exactly(self.full, opts.viewport, opts.device_scale_factor):
            self.viewport_png, self.facts["viewport_screenshot"] = self.full, VIEWPORT_IS_FULL_PAGE
        self.facts.update(page_height=height, height_capped=capped)

    def shot_timeout(self) -> float:
        return max(15_000.0, self.remaining_ms())

    @staticmethod
    def no_screenshot(exc: BaseException) -> CaptureError:
        return CaptureError(f"the page did not render a screenshot: {_first_line(exc)}",
                            hint="the page may be frozen; try again, or raise --timeout")

    async def devtools(self):
        """A DevTools (CDP) session on the page, for the MHTML snapshot and the viewport screenshot (None: none)."""
        try:
            return await self.context.new_cdp_session(self.page)
        except _pw_error():
            return None

    async def viewport_and_blank(self, cdp) -> bool | None:
        """The viewport screenshot (unless the full page is it), then whether it is one colour."""
        if self.viewport_png is None:
            self.viewport_png = await self.viewport_screenshot(cdp)
        return await asyncio.to_thread(is_blank, self.viewport_png)

    async def viewport_screenshot(self, cdp) -> bytes:
        """What the window showed. Asked of Chromium directly (DevTools' Page.captureScreenshot, encoded for
        speed: the same pixels as ``page.screenshot()`` but for a text caret, which Playwright hides; about half
        the time; a larger PNG): it changes nothing in the page, so it can be taken while the DOM, the layout and
        the MHTML snapshot are read. Playwright's own screenshot (which adds a style to the page while it shoots)
        only when that is not available."""
        PWError = _pw_error()
        if cdp is not None:
            try:
                shot = await asyncio.wait_for(cdp.send("Page.captureScreenshot",
                                                       {"format": "png", "optimizeForSpeed": True}),
                                              timeout=self.shot_timeout() / 1000)
                return base64.b64decode(shot["data"], validate=True)
            except (asyncio.TimeoutError, PWError, KeyError, ValueError):
                pass
        try:
            return await self.page.screenshot(full_page=False, type="png", timeout=self.shot_timeout())
        except PWError as exc:
            raise self.no_screenshot(exc) from None

    async def read_dom(self) -> None:
        """The rendered DOM (read before the media step, which parses it)."""
        try:
            self.dom = (await self.page.content()).encode("utf-8")
        except _pw_error():
            self.dom = b""
            self.warn("the rendered DOM could not be read")

    async def keep_snapshot(self, cdp) -> None:
        """An MHTML snapshot of the page (through ``cdp``, a DevTools session), and the user agent the page saw."""
        PWError = _pw_error()
        page = self.page
        self.mhtml = None
        if cdp is None:
            self.warn("no MHTML snapshot: no DevTools session")
        else:
            try:
                snap = await asyncio.wait_for(cdp.send("Page.captureSnapshot", {"format": "mhtml"}),
                                              timeout=max(10.0, self.remaining_ms() / 1000))
                self.mhtml = snap["data"].encode("utf-8")
            except (asyncio.TimeoutError, PWError, KeyError) as exc:
                self.warn(f"no MHTML snapshot: {_first_line(exc)}")
        try:
            self.user_agent = await asyncio.wait_for(page.evaluate("() => navigator.userAgent"), timeout=5)
        except (asyncio.TimeoutError, PWError):
            self.user_agent = self.opts.user_agent

    async def _redirects(self, response) -> list[dict]:
        chain, req = [], response.request.redirected_from
        while req is not None and len(chain) < 50:
            chain.append(req)
            req = req.redirected_from
        out = []
        for req in reversed(chain):
            r = await req.response()
            out.append({"url": req.url, "status": r.status if r else None,
                        "location": r.headers.get("location") if r is not None else None})
        return out

    async def network_facts(self) -> None:
        PWError = _pw_error()
        page, response = self.page, self.response
        self.final_url = page.url if page.url and page.url != "about:blank" else (response.url if response else None)
        self.server = self.tls = None
        self.redirects, self.request_headers = [], []
        if response is None:
            return
        try:
            self.server = await response.server_addr()
        except PWError:
            pass
        try:
            sec = await response.security_details()
        except PWError:
            sec = None
        if sec:
            self.tls = {"protocol": sec.get("protocol"), "issuer": sec.get("issuer"), "subject": sec.get("subjectName"),
                        "valid_from": _epoch_to_utc(sec.get("validFrom")), "valid_to": _epoch_to_utc(sec.get("validTo"))}
        try:
            self.request_headers = await response.request.headers_array()
        except PWError:
            pass
        self.redirects = await self._redirects(response)
        self.hops = await self.navs.hops()
        for text in hop_warnings(self.hops):
            self.warn(text, "private-hop")

    async def collect_traffic(self) -> None:
        """The page's HTTP traffic, its bodies read (before the context closes)."""
        await self.traffic.collect(nav_url=self.nav_url if self.had_credentials else None,
                                   timeout=max(2.0, min(15.0, self.remaining_ms() / 1000)))

    async def keep_traffic(self) -> None:
        """The collected traffic as a WARC; a problem is a warning, not a failure."""
        started = datetime.fromisoformat(self.started["utc"].replace("Z", "+00:00"))
        self.warc = await self.traffic.warc(self.url, started)
        if self.warc is None:
            self.warn(f"no WARC of the traffic is kept ({self.traffic.note or 'not recorded'})")

    async def close_context(self, PWError) -> None:
        try:
            # writes the HAR; bounded, so a stuck HAR export can never hang a capture
            await asyncio.wait_for(self.context.close(), timeout=30)
        except asyncio.TimeoutError:
            self.warn("the browser did not finish writing the HAR within 30 s; no HAR is kept")
            self.har_path.unlink(missing_ok=True)
        except Exception:  # noqa: BLE001
            pass

    # ------------------------------------------------------------ the result
    def extract(self, doc: bytes, url: str) -> dict:
        """:func:`evidence.extract.extract_page` of ``doc`` at ``url``, computed once per capture (the media
        step and the record both read it). A shallow copy: callers may replace its keys."""
        key = (doc, url)
        if key not in self._extracted:
            from ..extract import extract_page

            self._extracted[key] = extract_page(doc, url)
        return dict(self._extracted[key])

    def _post_facts(self) -> dict:
        url = self.final_url or self.url
        page_facts = self.extract(self.dom or (self.served or b""), url)
        if self.served and self.served_type in HTML_TYPES and self.dom:
            served_facts = self.extract(self.served, url)
            post = dict(page_facts["post"])
            for k, v in served_facts["post"].items():
                if post.get(k) in (None, [], "") and v not in (None, [], ""):
                    post[k] = v
            page_facts["post"] = post
        return page_facts

    def _final_flags(self) -> None:
        if self.events["dialogs"]:
            self.flags.append("dialogs-dismissed")
        if any(d for d in self.events["downloads"]) and not self.download_body:
            self.flags.append("downloads-refused")
        if self.opts.ignore_https_errors:
            self.flags.append("ignored-https-errors")
        if self.opts.session:
            self.flags.append("logged-in-session")

    def result(self):
        from .page import PageCapture

        finished = clock.stamp()
        har, har_redacted = redact_har(self.har_path.read_bytes()) if self.har_path.exists() else (None, 0)
        if har is None:
            self.warn("no HAR was written")
        self._final_flags()
        conditions = state_conditions(self, self.media)
        if self.had_credentials:
            har = self.without_credentials(har)
        metadata = self.metadata(self._post_facts(), finished, har_redacted)
        metadata.update(conditions=conditions, media=self.media.metadata(self.opts.media_limit_mb))
        if self.had_credentials:
            metadata = scrub_credentials(metadata, self.nav_url)
        return PageCapture(url=self.url, final_url=self.final_url, status=self.status, screenshot=self.full,
                           screenshot_viewport=self.viewport_png, served=self.served,
                           served_media_type=self.served_type, dom=self.dom, mhtml=self.mhtml, har=har,
                           metadata=metadata, flags=sorted(set(self.flags)), warnings=self.warnings,
                           warc=self.warc, media=self.media.files,
                           layout=layout_bytes(getattr(self, "layout", None)))

    def without_credentials(self, har: bytes | None) -> bytes | None:
        """The URL's user name and password out of every text this capture keeps (before the metadata is made)."""
        def scrub_bytes(data: bytes | None) -> bytes | None:
            if data is None:
                return None
            return scrub_credentials(data.decode("utf-8", "surrogateescape"), self.nav_url).encode("utf-8", "surrogateescape")

        self.final_url = scrub_credentials(self.final_url, self.nav_url)
        self.dom, self.mhtml = scrub_bytes(self.dom), scrub_bytes(self.mhtml)
        if self.served is not None and self.served_type in HTML_TYPES:
            self.served = scrub_bytes(self.served)
        return scrub_bytes(har)

    def metadata(self, page_facts: dict, finished: dict, har_redacted: int) -> dict:
        opts, response, cap, f = self.opts, self.response, self.capturer, self.facts
        served = self.served
        return {
            "requested_url": self.url, "final_url": self.final_url, "redirects": self.redirects, "hops": self.hops,
            "http": {"status": self.status, "status_text": response.status_text if response is not None else None,
                     "headers": redact_headers(self.headers), "request_headers": redact_headers(self.request_headers)},
            "server": {"ip": self.server.get("ipAddress"), "port": self.server.get("port")} if self.server else None,
            "tls": self.tls,
            "served": {"available": served is not None, "media_type": self.served_type,
                       "size": len(served) if served is not None else None, "note": self.served_note},
            "page": {"title": page_facts.get("title"), "lang": page_facts.get("lang"),
                     "canonical_url": page_facts.get("canonical_url"), "meta": page_facts.get("meta", {}),
                     "json_ld": page_facts.get("json_ld", [])},
            "post": page_facts.get("post"),
            "capture": {"started": self.started, "finished": finished, "context_prepared": self.prep.prepared,
                        "timed_out": "timed-out" in self.flags, "timeout_seconds": opts.timeout,
                        "wait_until": opts.wait_until, "wait_for": opts.wait_for,
                        "wait_for_found": f["wait_for_found"], "scrolled": opts.scroll,
                        "scroll_steps": f["scroll_steps"], "page_height": f["page_height"],
                        "max_height": opts.max_height, "height_capped": f["height_capped"],
                        "viewport_screenshot": f.get("viewport_screenshot", VIEWPORT_TAKEN),
                        "ignore_https_errors": opts.ignore_https_errors},
            "browser": {"name": "chromium", "version": cap.version,
                        "executable": cap.browser_info.path if cap.browser_info else None,
                        "found_via": cap.browser_info.source if cap.browser_info else None,
                        "user_agent": self.user_agent, "headless": True, "sandbox": use_sandbox(),
                        "args": list(launch_args(opts.browser_args))},
            "emulation": {"viewport": {"width": opts.viewport[0], "height": opts.viewport[1]},
                          "device_scale_factor": opts.device_scale_factor, "locale": opts.locale,
                          "timezone": opts.timezone or local_timezone(), "user_agent_override": opts.user_agent},
            "session": ({"used": True, "label": opts.session_label or self.session["file"], **self.session}
                        if self.session else {"used": False}),
            "events": self.events,
            "secrets_redacted": {"note": "cookie and authorization values are replaced by [redacted] in the "
                                         "headers here and in the HAR; names are kept", "har_values": har_redacted},
            "warnings": self.warnings,
        }
