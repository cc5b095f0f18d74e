"""Record every HTTP(S) exchange a Playwright page makes while it loads (async API).

::

    recorder = Recorder()
    await recorder.attach(context)          # a BrowserContext or a Page, before navigating
    await page.goto(url)
    exchanges = await recorder.finish()     # waits for bodies still being read, then detaches

For each request the recorder keeps the method, URL, request headers and body, the response
status, status text, HTTP version (from Chromium's DevTools protocol where it is available),
response headers and the response body as the browser hands it over (``await response.body()``),
with the time the request started and ended. A request that got no readable body is kept all the
same, with the reason: a redirect (browsers do not keep redirect bodies), a failed or aborted
request (``requestfailed``'s error text), a body still loading when the capture ended, a body
over the size limits.

Memory is bounded by two limits: ``max_body`` per response (default 32 MiB) and ``max_total``
for all bodies of one recording (default 256 MiB). A body whose size is known to be over
``max_body`` before reading is not read at all; one that turns out larger once read (the browser
decodes gzip/br) is cut to the limit; once ``max_total`` is reached further bodies are cut or left
out. Each such body is marked ``truncated="length"`` with the reason in ``body_missing``. At most
four bodies are read at once, so what is held while reading stays under ``4 × max_body`` too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..errors import InputError
from .exchange import Exchange, utc_now

__all__ = ["Recorder", "DEFAULT_MAX_BODY", "DEFAULT_MAX_TOTAL"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 32 * 1024 * 1024
DEFAULT_MAX_TOTAL = 256 * 1024 * 1024
_HEADER_TIMEOUT = 5.0
_READERS = 4  # bodies read at once
_PROTOCOLS = {"http/0.9": "HTTP/0.9", "http/1.0": "HTTP/1.0", "http/1.1": "HTTP/1.1", "h2": "HTTP/2.0",
              "h2c": "HTTP/2.0", "h3": "HTTP/3.0", "quic": "HTTP/3.0"}


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _error_text(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0]


class Recorder:
    """Collects :class:`Exchange` objects from a Playwright ``BrowserContext`` or ``Page``."""

    def __init__(self, *, max_body: int = DEFAULT_MAX_BODY, max_total: int = DEFAULT_MAX_TOTAL):
        if max_body < 0 or max_total < 0:
            raise InputError("recorder size limits must not be negative", hint="give sizes in bytes, 0 or more")
        self.max_body = max_body
        self.max_total = max_total
        self.exchanges: list[Exchange] = []
        self._kept = 0
        self._started: dict[Any, Exchange] = {}
        self._responses: dict[Any, Any] = {}
        self._tasks: set[asyncio.Task] = set()
        self._protocols: dict[str, str] = {}
        self._targets: list[tuple[Any, dict]] = []
        self._cdp: list[Any] = []
        self._reading = asyncio.Semaphore(_READERS)

    # -- attaching ---------------------------------------------------------------------------
    async def attach(self, target) -> None:
        """Listen on ``target`` (a ``BrowserContext`` or a ``Page``); call before navigating."""
        handlers = {"request": self._on_request, "response": self._on_response,
                    "requestfinished": self._on_finished, "requestfailed": self._on_failed}
        pages = getattr(target, "pages", None)
        if pages is not None:  # a BrowserContext: also learn HTTP versions in pages opened later
            handlers["page"] = lambda page: self._spawn(self._watch_protocols(page))
        for event, handler in handlers.items():
            target.on(event, handler)
        self._targets.append((target, handlers))
        for page in pages if pages is not None else [target]:
            await self._watch_protocols(page)

    async def _watch_protocols(self, page) -> None:
        """HTTP versions are not in Playwright's API: ask Chromium's DevTools protocol, if there."""
        try:
            session = await page.context.new_cdp_session(page)
            session.on("Network.responseReceived", self._on_cdp_response)
            session.on("Network.requestWillBeSent", self._on_cdp_redirect)
            await session.send("Network.enable")
        except Exception as exc:  # noqa: BLE001 - not Chromium, or the page closed: versions stay unknown
            log.debug("no DevTools session for HTTP versions: %s", exc)
            return
        self._cdp.append(session)

    def _on_cdp_response(self, params: dict) -> None:
        resp = params.get("response") or {}
        if resp.get("protocol") and resp.get("url"):
            self._protocols[resp["url"]] = resp["protocol"]

    def _on_cdp_redirect(self, params: dict) -> None:
        self._on_cdp_response({"response": params.get("redirectResponse") or {}})

    def _http_version(self, url: str) -> str | None:
        proto = self._protocols.get(url)
        return _PROTOCOLS.get(proto.lower()) if proto else None

    # -- events --------------------------------------------------------------------------------
    def _on_request(self, request) -> None:
        if not _is_http(request.url):
            return
        try:
            body = request.post_data_buffer
        except Exception:  # noqa: BLE001 - an unreadable post body is left out, the request kept
            body = None
        self._started[request] = Exchange(method=request.method, url=request.url, started=utc_now(),
                                          request_body=body, resource_type=request.resource_type)

    def _on_response(self, response) -> None:
        if response.request in self._started:
            self._responses[response.request] = response

    def _on_finished(self, request) -> None:
        self._spawn(self._complete(request, None))

    def _on_failed(self, request) -> None:
        self._spawn(self._complete(request, request.failure or "request failed"))

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- completing an exchange ------------------------------------------------------------
    async def _complete(self, request, failure: str | None) -> None:
        ex = self._started.get(request)
        if ex is None:
            return
        response = self._responses.get(request)
        ex.finished = utc_now()
        ex.request_headers = await self._headers(request)
        try:
            if response is None and failure is None:
                response = await request.response()
            if response is not None:
                await self._fill_response(ex, response)
            if failure is not None:
                self._fail(ex, f"request failed: {failure}")
            elif response is None:
                self._fail(ex, "no response")
            elif request.redirected_to is not None or 300 <= ex.status < 400 and ex.header("location"):
                self._missing(ex, "redirect: browsers do not keep the body of a redirect response")
            else:
                await self._read_body(ex, request, response)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong is said in the WARC
            self._missing(ex, f"body unreadable: {_error_text(exc)}")
        self._started.pop(request, None)
        self._responses.pop(request, None)
        self.exchanges.append(ex)

    async def _headers(self, obj) -> list[tuple[str, str]]:
        try:
            arr = await asyncio.wait_for(obj.headers_array(), _HEADER_TIMEOUT)
            return [(h["name"], h["value"]) for h in arr]
        except Exception:  # noqa: BLE001 - raw headers not reported: fall back to the provisional ones
            return list((getattr(obj, "headers", None) or {}).items())

    async def _fill_response(self, ex: Exchange, response) -> None:
        ex.status = response.status
        ex.status_text = response.status_text or ""
        ex.response_headers = await self._headers(response)
        ex.http_version = self._http_version(ex.url)

    @classmethod
    def _fail(cls, ex: Exchange, reason: str) -> None:
        ex.failure = reason
        if ex.has_response:
            cls._missing(ex, reason)

    @staticmethod
    def _missing(ex: Exchange, reason: str, truncated: str = "unspecified") -> None:
        ex.body_missing = reason
        ex.truncated = truncated

    async def _read_body(self, ex: Exchange, request, response) -> None:
        size = await self._transfer_size(request)
        if size is not None and size > self.max_body:
            ex.body_size = size
            self._missing(ex, f"body of {size} bytes is over the per-response limit of {self.max_body} bytes: "
                              "not kept", "length")
            return
        if self._kept >= self.max_total:
            self._missing(ex, f"body not kept: the recording's total limit of {self.max_total} bytes was reached",
                          "length")
            return
        async with self._reading:  # at most _READERS bodies in flight: transient memory stays bounded too
            body = await response.body()
        coding = (ex.header("content-encoding") or "").strip().lower()
        if coding and coding != "identity":
            ex.body_decoded = coding
        self._keep(ex, body)

    @staticmethod
    async def _transfer_size(request) -> int | None:
        try:
            sizes = await asyncio.wait_for(request.sizes(), _HEADER_TIMEOUT)
        except Exception:  # noqa: BLE001 - sizes unknown: the body is read and checked after
            return None
        size = sizes.get("responseBodySize")
        return size if isinstance(size, int) and size >= 0 else None

    def _keep(self, ex: Exchange, body: bytes) -> None:
        ex.body_size = len(body)
        room = min(self.max_body, self.max_total - self._kept)
        if len(body) <= room:
            ex.body = body
        elif room <= 0:
            self._missing(ex, f"body of {len(body)} bytes not kept: the recording's total limit of "
                              f"{self.max_total} bytes was reached", "length")
        else:
            ex.body = body[:room]
            which = ("per-response limit" if room == self.max_body else "recording's total limit")
            self._missing(ex, f"body cut to {room} of {len(body)} bytes by the {which} "
                              f"({self.max_body if room == self.max_body else self.max_total} bytes)", "length")
        self._kept += len(ex.body or b"")

    # -- finishing -----------------------------------------------------------------------------
    async def finish(self, timeout: float = 15.0) -> list[Exchange]:
        """Wait up to ``timeout`` seconds for bodies being read, keep what is still loading, detach.

        Returns the exchanges in the order their requests started.
        """
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        self.detach()  # no new tasks from here on
        late = list(self._tasks)
        for task in late:
            task.cancel()
        if late:  # a cancelled exchange stays in _started and is kept below as still loading
            await asyncio.gather(*late, return_exceptions=True)
        for request, ex in list(self._started.items()):
            response = self._responses.pop(request, None)
            if response is not None:
                await self._fill_response(ex, response)
                self._missing(ex, "body still loading when the capture ended", "time")
            else:
                ex.failure = "no response before the capture ended"
            ex.request_headers = ex.request_headers or list((request.headers or {}).items())
            self.exchanges.append(ex)
        self._started.clear()
        self.exchanges.sort(key=lambda e: e.started)
        return self.exchanges

    def detach(self) -> None:
        """Stop listening (idempotent)."""
        for target, handlers in self._targets:
            for event, handler in handlers.items():
                try:
                    target.remove_listener(event, handler)
                except Exception:  # noqa: BLE001 - target already closed
                    pass
        self._targets.clear()
        self._cdp.clear()
