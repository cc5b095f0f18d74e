"""Capture one web page with Playwright and Chromium: screenshots, served bytes, DOM, MHTML, HAR, metadata.

:class:`Capturer` keeps one browser running (warm) and captures each page in a
fresh browser context, so pages never share cookies and each gets its own HAR.
Nothing here touches the store: :meth:`evidence.api.Evidence.capture` hands the
result to :func:`evidence.intake.ingest`, the one way evidence enters.

Every wait is bounded by the capture's timeout. A page that never finishes
loading is captured when the time is up (and the metadata says so); dialogs are
dismissed and recorded; pop-ups are closed and recorded; downloads started by
the page are refused and recorded.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import CaptureError
from .browser import BrowserInfo, launch_args, launch_options, use_sandbox
from .options import CaptureOptions, local_timezone, read_session
from .urls import validate_url

__all__ = ["CaptureOptions", "PageCapture", "Capturer", "SyncCapturer", "read_session", "local_timezone"]

HTML_TYPES = ("text/html", "application/xhtml+xml")


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


_NET_ERRORS = [
    ("ERR_NAME_NOT_RESOLVED", "dns", "DNS lookup failed: the host name {host} does not resolve", "check the URL"),
    ("ERR_NAME_RESOLUTION_FAILED", "dns", "DNS lookup failed for {host}", "check the URL and the network"),
    ("ERR_CONNECTION_REFUSED", "refused", "connection refused by {host}", "check the URL; the site may be down"),
    ("ERR_CONNECTION_RESET", "reset", "connection reset by {host}", "try again later"),
    ("ERR_CONNECTION_CLOSED", "reset", "{host} closed the connection without answering", "try again later"),
    ("ERR_EMPTY_RESPONSE", "reset", "{host} closed the connection without answering", "try again later"),
    ("ERR_ADDRESS_UNREACHABLE", "unreachable", "{host} is unreachable", "check the network"),
    ("ERR_INTERNET_DISCONNECTED", "unreachable", "no network connection", "check the network"),
    ("ERR_TOO_MANY_REDIRECTS", "redirect-loop", "redirect loop: {url} redirects too many times", "check the URL"),
    ("ERR_CERT_", "tls", "TLS certificate error for {host} ({code})",
     "the site's certificate is not trusted; to capture anyway, add --ignore-https-errors (it is recorded)"),
    ("ERR_SSL_", "tls", "TLS error for {host} ({code})", "the site's TLS set-up is broken"),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls", "TLS client certificate error for {host}", ""),
    ("ERR_UNSAFE_PORT", "refused", "Chromium refuses to connect to port {port} of {host} (an unsafe port)", "check the URL"),
    ("ERR_TIMED_OUT", "timeout", "connection to {host} timed out", "try again later, or raise --timeout"),
    ("ERR_CONNECTION_TIMED_OUT", "timeout", "connection to {host} timed out", "try again later, or raise --timeout"),
    ("ERR_INVALID_URL", "url", "Chromium refused the URL {url} as invalid", "check the URL"),
    ("ERR_BLOCKED_BY_CLIENT", "blocked", "the request for {url} was blocked", ""),
]


def _classify(exc: Exception, url: str, timeout: float) -> CaptureError:
    from urllib.parse import urlsplit

    text = str(exc)
    parts = urlsplit(url)
    host, port = parts.hostname or url, parts.port or (443 if parts.scheme == "https" else 80)
    m = re.search(r"net::(ERR_[A-Z_]+)", text)
    code = m.group(1) if m else None
    if code:
        for needle, reason, msg, hint in _NET_ERRORS:
            if code.startswith(needle):
                err = CaptureError(msg.format(host=host, url=url, code=code, port=port), hint=hint or None)
                err.reason = reason
                err.code = code
                return err
        err = CaptureError(f"could not load {url}: {code}")
        err.reason, err.code = "network", code
        return err
    if "Timeout" in type(exc).__name__ or "Timeout" in text.split("\n", 1)[0]:
        err = CaptureError(f"no response from {host} within {timeout:g} s", hint="try again later, or raise --timeout")
        err.reason, err.code = "timeout", "timeout"
        return err
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    err = CaptureError(f"could not capture {url}: {first}")
    err.reason, err.code = "browser", None
    return err


def _epoch_to_utc(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or value <= 0:
        return None
    return clock.utc_string(datetime.fromtimestamp(int(value), timezone.utc))


# two animation frames after load: late script work reaches the DOM and the screen (Playwright's
# screenshot waits for web fonts itself)
_SETTLE_JS = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))"""

_HEIGHT_JS = """() => Math.max(
  document.documentElement ? document.documentElement.scrollHeight : 0,
  document.body ? document.body.scrollHeight : 0,
  document.documentElement ? document.documentElement.clientHeight : 0)"""


SECRET_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization"}
REDACTED = "[redacted]"


def _redact_cookie_header(name: str, value: str) -> str:
    """Keep cookie names, drop their values: ``a=1; b=2`` -> ``a=[redacted]; b=[redacted]``."""
    if name == "authorization" or name == "proxy-authorization":
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} {REDACTED}".strip()
    if name == "set-cookie":
        first, _, attrs = value.partition(";")
        cname = first.split("=", 1)[0].strip()
        return f"{cname}={REDACTED}" + (f";{attrs}" if attrs else "")
    parts = []
    for piece in value.split(";"):
        cname = piece.split("=", 1)[0].strip()
        if cname:
            parts.append(f"{cname}={REDACTED}")
    return "; ".join(parts)


def redact_headers(headers: list[dict]) -> list[dict]:
    out = []
    for h in headers:
        name = str(h.get("name", ""))
        if name.lower() in SECRET_HEADERS:
            out.append({"name": name, "value": _redact_cookie_header(name.lower(), str(h.get("value", "")))})
        else:
            out.append({"name": name, "value": str(h.get("value", ""))})
    return out


def redact_har(data: bytes) -> tuple[bytes, int]:
    """The HAR without cookie or authorization values (a logged-in investigator's session must not travel in a pack)."""
    try:
        har = json.loads(data)
        entries = har["log"]["entries"]
    except (ValueError, KeyError, TypeError):
        return data, 0
    count = 0
    for e in entries:
        for part in ("request", "response"):
            msg = e.get(part) or {}
            for h in msg.get("headers") or []:
                if str(h.get("name", "")).lower() in SECRET_HEADERS and h.get("value"):
                    h["value"] = _redact_cookie_header(str(h["name"]).lower(), str(h["value"]))
                    count += 1
            for c in msg.get("cookies") or []:
                if c.get("value"):
                    c["value"] = REDACTED
                    count += 1
    return json.dumps(har, ensure_ascii=False, indent=1).encode("utf-8"), count


def final_url_guess(page, response, url: str) -> str:
    if response is not None and response.url:
        return response.url
    return page.url if page.url and page.url != "about:blank" else url


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
    navigates, and the metadata records when it was made.
    """

    def __init__(self, options: CaptureOptions | None = None, *, spares: int = 1):
        self.options = (options or CaptureOptions()).check()
        self._pw = None
        self._browser = None
        self.browser_info: BrowserInfo | None = None
        self.version: str | None = None
        self.spares = spares
        self._spares: list[asyncio.Future] = []

    async def __aenter__(self) -> "Capturer":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def start(self) -> None:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
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
        prep = await self._take(opts)
        try:
            return await self._capture(url, opts, prep)
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

    def _replenish(self, opts: CaptureOptions) -> None:
        if self._browser is not None and len(self._spares) < self.spares:
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

    async def _capture(self, url: str, opts: CaptureOptions, prep: _Prepared) -> PageCapture:
        from playwright.async_api import Error as PWError

        started = clock.stamp()
        t_start = time.monotonic()
        deadline = t_start + opts.timeout
        timeout_ms = opts.timeout * 1000

        def remaining_ms(minimum: float = 500) -> float:
            return max(minimum, (deadline - time.monotonic()) * 1000)

        session = read_session(opts.session) if opts.session else None
        context, page, har_path = prep.context, prep.page, prep.har_path

        events: dict[str, list] = {"dialogs": [], "popups": [], "downloads": [], "page_errors": []}
        main_download: list = []
        flags: list[str] = []
        warnings: list[str] = []
        context_closed = False

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
            main_download.append(download)

        try:
            page.set_default_timeout(timeout_ms)
            page.on("dialog", lambda d: asyncio.ensure_future(on_dialog(d)))
            page.on("download", lambda d: asyncio.ensure_future(on_download(d)))
            page.on("pageerror", lambda e: events["page_errors"].append(str(e)[:500]) if len(events["page_errors"]) < 50 else None)
            context.on("page", lambda p: asyncio.ensure_future(on_popup(p)) if p is not page else None)

            response = None
            download_body: bytes | None = None
            try:
                response = await page.goto(url, wait_until="commit", timeout=timeout_ms)
            except PWError as exc:
                if "Download is starting" in str(exc):
                    await asyncio.sleep(0.05)
                    if main_download:
                        d = main_download[0]
                        try:
                            p = await asyncio.wait_for(d.path(), timeout=remaining_ms() / 1000)
                            download_body = Path(p).read_bytes() if p else None
                        except (asyncio.TimeoutError, PWError, OSError):
                            download_body = None
                    warnings.append("the server sent the page as a download; its body is kept, the screenshot shows a blank page")
                    flags.append("non-html")
                else:
                    raise _classify(exc, url, opts.timeout) from None

            timed_out = False
            if response is not None and opts.wait_until != "commit":
                try:
                    await page.wait_for_load_state(opts.wait_until, timeout=remaining_ms(1))
                except PWError:
                    timed_out = True
            wait_for_found = None
            if opts.wait_for:
                try:
                    await page.wait_for_selector(opts.wait_for, timeout=remaining_ms(1), state="attached")
                    wait_for_found = True
                except PWError:
                    wait_for_found = False
                    timed_out = True
                    warnings.append(f"--wait-for {opts.wait_for!r} did not appear within the timeout")
            if timed_out:
                flags.append("timed-out")
                warnings.append(f"the page had not finished loading after {opts.timeout:g} s; captured as it was")

            scroll_steps = 0
            if opts.scroll:
                scroll_steps = await self._scroll(page, opts, deadline)
            try:
                await asyncio.wait_for(page.evaluate(_SETTLE_JS), timeout=2)
            except (asyncio.TimeoutError, PWError):
                pass
            if opts.settle_ms:
                await asyncio.sleep(opts.settle_ms / 1000)

            # ---- the main document as served
            served: bytes | None = download_body
            served_note = None
            if response is not None:
                try:
                    served = await asyncio.wait_for(response.body(), timeout=max(2.0, remaining_ms() / 1000))
                except (asyncio.TimeoutError, PWError) as exc:
                    served = None
                    served_note = "the server did not finish sending the document" if isinstance(exc, asyncio.TimeoutError) \
                        else f"not available from the browser: {str(exc).splitlines()[0][:200]}"
                    warnings.append(f"the served document could not be kept ({served_note})")
            status = response.status if response is not None else None
            declared = (response.headers.get("content-type", "") if response is not None else "").split(";")[0].strip().lower()
            if served is not None and declared == "application/pdf" and not served.startswith(b"%PDF"):
                # Chromium's PDF viewer replaces the document it shows (also in the browser's own
                # record of the response); read the exact bytes again from the same page
                served, served_note = await self._refetch(page, final_url_guess(page, response, url))
                if served is None:
                    warnings.append(f"the served PDF could not be kept ({served_note})")
            headers = []
            served_type = None
            if response is not None:
                try:
                    headers = await response.headers_array()
                except PWError:
                    headers = [{"name": k, "value": v} for k, v in response.headers.items()]
                ctype = next((h["value"] for h in headers if h["name"].lower() == "content-type"), None)
                served_type = ctype.split(";")[0].strip().lower() if ctype else None
                if served_type and served_type not in HTML_TYPES and "non-html" not in flags:
                    flags.append("non-html")
                    warnings.append(f"the page is not HTML ({served_type}); its body is kept and what renders is screenshotted")
            if status is not None and (status >= 400):
                flags.append("http-error")
                warnings.append(f"HTTP {status} {response.status_text or ''}".rstrip() +
                                " was recorded as evidence (a removed post is a fact worth keeping)")

            # ---- screenshots
            try:
                height = int(await asyncio.wait_for(page.evaluate(_HEIGHT_JS), timeout=5))
            except (asyncio.TimeoutError, PWError, ValueError, TypeError):
                height = opts.viewport[1]
            capped = height > opts.max_height
            shot_timeout = max(15_000.0, remaining_ms())
            try:
                if capped:
                    flags.append("height-capped")
                    warnings.append(f"the page is {height} px tall; the full-page screenshot stops at {opts.max_height} px")
                    full = await page.screenshot(full_page=True, type="png", timeout=shot_timeout,
                                                 clip={"x": 0, "y": 0, "width": opts.viewport[0],
                                                       "height": opts.max_height})
                else:
                    full = await page.screenshot(full_page=True, type="png", timeout=shot_timeout)
                viewport_png = await page.screenshot(full_page=False, type="png", timeout=shot_timeout)
            except PWError as exc:
                raise CaptureError(f"the page did not render a screenshot: {str(exc).splitlines()[0]}",
                                   hint="the page may be frozen; try again, or raise --timeout") from None

            # ---- DOM, MHTML
            try:
                dom = (await page.content()).encode("utf-8")
            except PWError:
                dom = b""
                warnings.append("the rendered DOM could not be read")
            mhtml = None
            try:
                cdp = await context.new_cdp_session(page)
                snap = await asyncio.wait_for(cdp.send("Page.captureSnapshot", {"format": "mhtml"}),
                                              timeout=max(10.0, remaining_ms() / 1000))
                mhtml = snap["data"].encode("utf-8")
                await cdp.detach()
            except (asyncio.TimeoutError, PWError, KeyError) as exc:
                warnings.append(f"no MHTML snapshot: {str(exc).splitlines()[0] if str(exc) else 'timed out'}")
            try:
                user_agent = await asyncio.wait_for(page.evaluate("() => navigator.userAgent"), timeout=5)
            except (asyncio.TimeoutError, PWError):
                user_agent = opts.user_agent
            self._replenish(opts)  # the next capture's fresh context is made while this one is finished

            # ---- network facts
            final_url = page.url if page.url and page.url != "about:blank" else (response.url if response else None)
            server = tls = None
            redirects: list[dict] = []
            request_headers: list[dict] = []
            if response is not None:
                try:
                    server = await response.server_addr()
                except PWError:
                    server = None
                try:
                    sec = await response.security_details()
                except PWError:
                    sec = None
                if sec:
                    tls = {"protocol": sec.get("protocol"), "issuer": sec.get("issuer"),
                           "subject": sec.get("subjectName"), "valid_from": _epoch_to_utc(sec.get("validFrom")),
                           "valid_to": _epoch_to_utc(sec.get("validTo"))}
                try:
                    request_headers = await response.request.headers_array()
                except PWError:
                    request_headers = []
                chain = []
                req = response.request.redirected_from
                while req is not None and len(chain) < 50:
                    chain.append(req)
                    req = req.redirected_from
                for req in reversed(chain):
                    r = await req.response()
                    loc = None
                    if r is not None:
                        loc = r.headers.get("location")
                    redirects.append({"url": req.url, "status": r.status if r else None, "location": loc})
        except BaseException:
            try:
                await context.close()
            except Exception:  # noqa: BLE001
                pass
            context_closed = True
            raise
        finally:
            if not context_closed:
                try:
                    # writes the HAR; bounded, so a stuck HAR export can never hang a capture
                    await asyncio.wait_for(context.close(), timeout=30)
                except asyncio.TimeoutError:
                    warnings.append("the browser did not finish writing the HAR within 30 s; no HAR is kept")
                    har_path.unlink(missing_ok=True)
                except Exception:  # noqa: BLE001
                    pass
        finished = clock.stamp()
        har = har_path.read_bytes() if har_path.exists() else None
        if har is not None:
            har, har_redacted = redact_har(har)
        else:
            har_redacted = 0
        headers = redact_headers(headers)
        request_headers = redact_headers(request_headers)
        if har is None:
            warnings.append("no HAR was written")
        if events["dialogs"]:
            flags.append("dialogs-dismissed")
        if any(d for d in events["downloads"]) and not download_body:
            flags.append("downloads-refused")
        if opts.ignore_https_errors:
            flags.append("ignored-https-errors")
        if opts.session:
            flags.append("logged-in-session")

        from ..extract import extract_page

        page_facts = extract_page(dom or (served or b""), final_url or url)
        if served and served_type in HTML_TYPES and dom:
            served_facts = extract_page(served, final_url or url)
            post = dict(page_facts["post"])
            for k, v in served_facts["post"].items():
                if post.get(k) in (None, [], "") and v not in (None, [], ""):
                    post[k] = v
            page_facts["post"] = post
        metadata = {
            "requested_url": url,
            "final_url": final_url,
            "redirects": redirects,
            "http": {"status": status, "status_text": response.status_text if response is not None else None,
                     "headers": headers, "request_headers": request_headers},
            "server": {"ip": server.get("ipAddress"), "port": server.get("port")} if server else None,
            "tls": tls,
            "served": {"available": served is not None, "media_type": served_type,
                       "size": len(served) if served is not None else None, "note": served_note},
            "page": {"title": page_facts.get("title"), "lang": page_facts.get("lang"),
                     "canonical_url": page_facts.get("canonical_url"), "meta": page_facts.get("meta", {}),
                     "json_ld": page_facts.get("json_ld", [])},
            "post": page_facts.get("post"),
            "capture": {"started": started, "finished": finished, "context_prepared": prep.prepared,
                        "timed_out": "timed-out" in flags,
                        "timeout_seconds": opts.timeout, "wait_until": opts.wait_until, "wait_for": opts.wait_for,
                        "wait_for_found": wait_for_found, "scrolled": opts.scroll, "scroll_steps": scroll_steps,
                        "page_height": height, "max_height": opts.max_height, "height_capped": capped,
                        "ignore_https_errors": opts.ignore_https_errors},
            "browser": {"name": "chromium", "version": self.version,
                        "executable": self.browser_info.path if self.browser_info else None,
                        "found_via": self.browser_info.source if self.browser_info else None,
                        "user_agent": user_agent, "headless": True, "sandbox": use_sandbox(),
                        "args": list(launch_args(opts.browser_args))},
            "emulation": {"viewport": {"width": opts.viewport[0], "height": opts.viewport[1]},
                          "device_scale_factor": opts.device_scale_factor, "locale": opts.locale,
                          "timezone": opts.timezone or local_timezone(),
                          "user_agent_override": opts.user_agent},
            "session": ({"used": True, "label": opts.session_label or session["file"], **session}
                        if session else {"used": False}),
            "events": events,
            "secrets_redacted": {"note": "cookie and authorization values are replaced by [redacted] in the "
                                         "headers here and in the HAR; names are kept",
                                 "har_values": har_redacted},
            "warnings": warnings,
        }
        return PageCapture(url=url, final_url=final_url, status=status, screenshot=full,
                           screenshot_viewport=viewport_png, served=served, served_media_type=served_type, dom=dom,
                           mhtml=mhtml, har=har, metadata=metadata, flags=sorted(set(flags)), warnings=warnings)

    async def _refetch(self, page, url: str) -> tuple[bytes | None, str]:
        """The body of ``url`` fetched again from inside the page (same cookies, HTTP cache first)."""
        import base64

        from playwright.async_api import Error as PWError

        js = """async (u) => {
          const r = await fetch(u, {credentials: 'include', cache: 'force-cache'});
          const b = new Uint8Array(await r.arrayBuffer()); let s = '';
          for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
          return btoa(s); }"""
        try:
            data = base64.b64decode(await asyncio.wait_for(page.evaluate(js, url), timeout=30))
        except (asyncio.TimeoutError, PWError, ValueError) as exc:
            return None, f"re-reading it failed: {str(exc).splitlines()[0] if str(exc) else 'timed out'}"
        return data, ("Chromium's PDF viewer replaces the document it shows, so these bytes were read again "
                      "with fetch() from the same page (HTTP cache, else a second request)")

    async def _scroll(self, page, opts: CaptureOptions, deadline: float) -> int:
        """Scroll down a viewport at a time to load lazy content; stop at the bottom, the height cap or the deadline."""
        from playwright.async_api import Error as PWError

        steps = 0
        last = -1
        try:
            while time.monotonic() < deadline - 1 and steps < 200:
                pos = await asyncio.wait_for(page.evaluate(
                    "() => { window.scrollBy(0, window.innerHeight); return [window.scrollY + window.innerHeight,"
                    " document.documentElement.scrollHeight]; }"), timeout=5)
                steps += 1
                await asyncio.sleep(0.15)
                bottom, height = pos
                if bottom >= opts.max_height or (bottom >= height and height == last):
                    break
                last = height
            await asyncio.wait_for(page.evaluate("() => window.scrollTo(0, 0)"), timeout=5)
            await asyncio.sleep(0.1)
        except (asyncio.TimeoutError, PWError):
            pass
        return steps


class SyncCapturer:
    """A warm browser for synchronous code: ``with SyncCapturer(opts) as cap: cap.capture(url)``.

    Its event loop runs in a thread of its own, so the next capture's fresh context is made while
    the caller stores this one.
    """

    def __init__(self, options: CaptureOptions | None = None):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="evidence-capture", daemon=True)
        self.capturer = Capturer(options)

    def __enter__(self) -> "SyncCapturer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def start(self) -> None:
        self._thread.start()
        try:
            self._run(self.capturer.start())
        except BaseException:
            self._stop()
            raise

    def capture(self, url: str, options: CaptureOptions | None = None) -> PageCapture:
        return self._run(self.capturer.capture(url, options))

    def close(self) -> None:
        if self._loop.is_closed():
            return
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
