"""Every address the page's main frame went to on the way to what was captured.

A capture follows HTTP redirects (3xx), refresh headers, ``<meta http-equiv=refresh>`` and script
navigations (``location = ...``). Each is a *hop*, recorded in the metadata (``hops``) with its
address, how it was reached, its HTTP status, the server's IP address and the class of that
address. A hop after the first to a loopback, private (RFC 1918, unique local), link-local or
unspecified address is flagged (``private-hop``) and warned about: a public page that sends the
browser into the investigator's own network is worth a look, and what came from there is not
the public post. The first address is the one the investigator asked for; it is classed, not
flagged.

A hop that could not be loaded leaves Chromium on its own error page (``chrome-error://``). That
page is never kept as the capture: :func:`error_page_failure` names the hop and the network error,
and the capture fails like any other unreachable page (``capture.failed``, reason ``error-page``).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ..errors import CaptureError
from .neterrors import classify

__all__ = ["Navigations", "collect_hops", "hop_warnings", "address_class", "is_error_page", "error_page_failure", "via_of_reason", "PRIVATE_CLASSES"]

PRIVATE_CLASSES = ("loopback", "private", "link-local", "unspecified")

_REASONS = {"metaTagRefresh": "meta-refresh", "scriptInitiated": "script", "httpHeaderRefresh": "refresh-header",
            "anchorClick": "link", "formSubmissionGet": "form", "formSubmissionPost": "form", "reload": "reload"}


def via_of_reason(reason: str | None) -> str:
    """How a navigation that was not an HTTP redirect was started, from Chromium's ClientNavigationReason."""
    return _REASONS.get(reason or "", reason or "navigation")


def _ip_class(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or (ip.version == 4 and ip in ipaddress.ip_network("100.64.0.0/10")):
        return "private"
    return "public"


def address_class(url: str, server_ip: str | None = None) -> str:
    """loopback, private, link-local, unspecified, public, or unknown (a name whose address is not known).

    The host in the URL decides when it is an IP address or ``localhost``; otherwise the IP address
    the browser connected to (``server_ip``), when there was a connection.
    """
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        host = ""
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    for candidate in (host.strip("[]"), (server_ip or "").strip("[]")):
        try:
            return _ip_class(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return "unknown"


def is_error_page(url: str | None) -> bool:
    return bool(url) and url.startswith("chrome-error:")


def error_page_failure(hop_url: str, failure: str | None, timeout: float) -> CaptureError:
    """The error a capture fails with when the page ended on Chromium's error page."""
    code = re.search(r"(ERR_[A-Z_]+)", failure or "")
    why = classify(Exception(f"net::{code.group(1)}"), hop_url, timeout) if code else None
    detail = f": {why.message}" if why else (f" ({failure})" if failure else "")
    err = CaptureError(f"the page went on to {hop_url}, which could not be loaded{detail}; the browser showed its "
                       "own error page, which is not kept as evidence",
                       hint="capture the address the page went to directly, or check whether it is reachable")
    err.reason, err.code = "error-page", code.group(1) if code else None
    return err


async def _server_ip(response) -> str | None:
    try:
        addr = await response.server_addr()
    except Exception:  # noqa: BLE001 - no address known (cache, closed context)
        return None
    return (addr or {}).get("ipAddress")


async def collect_hops(requests: list, reasons: list[tuple[str, str]], failures: dict) -> list[dict]:
    """The hops from the main frame's navigation requests, in order.

    ``reasons``: (url, ClientNavigationReason) as Chromium announced renderer-started navigations;
    ``failures``: request -> the browser's failure text.
    """
    hops: list[dict] = []
    pending = list(reasons)
    for i, req in enumerate(requests[:100]):
        prev = req.redirected_from
        if i == 0:
            via = "start"
        elif prev is not None:
            try:
                prev_resp = await prev.response()
            except Exception:  # noqa: BLE001
                prev_resp = None
            via = f"http-{prev_resp.status}" if prev_resp is not None else "http-redirect"
        else:
            match = next((r for r in pending if r[0] == req.url), None)
            if match:
                pending.remove(match)
            via = via_of_reason(match[1] if match else None)
        try:
            resp = await req.response()
        except Exception:  # noqa: BLE001
            resp = None
        ip = await _server_ip(resp) if resp is not None else None
        cls = address_class(req.url, ip)
        hops.append({"url": req.url, "via": via, "status": resp.status if resp is not None else None,
                     "server_ip": ip, "address": cls, "private": i > 0 and cls in PRIVATE_CLASSES,
                     "error": failures.get(req)})
    return hops


def hop_warnings(hops: list[dict]) -> list[str]:
    return [f"hop {i}: the page was sent on ({h['via']}) to {h['url']}, a {h['address']} address; what came from "
            "there is not from the public web" for i, h in enumerate(hops) if h["private"]]


class Navigations:
    """What one capture's main frame navigated to, heard while the capture runs."""

    def __init__(self) -> None:
        self.requests: list = []  # the main frame's navigation requests, in order
        self.failures: dict = {}  # request -> the browser's failure text
        self.reasons: list[tuple[str, str]] = []  # (url, ClientNavigationReason)

    async def watch(self, context, page) -> None:
        """Listen on ``page``; ask Chromium (CDP) why the main frame navigates: each hop's ``via``."""
        from playwright.async_api import Error as PWError

        def main_nav(request) -> bool:
            try:
                return request.is_navigation_request() and request.frame.parent_frame is None
            except PWError:
                return False

        def on_request(request) -> None:
            if main_nav(request) and len(self.requests) < 100:
                self.requests.append(request)

        def on_failed(request) -> None:
            if main_nav(request):
                self.failures[request] = request.failure or "failed"

        page.on("request", on_request)
        page.on("requestfailed", on_failed)
        try:
            cdp = await context.new_cdp_session(page)
            main_id = (await cdp.send("Page.getFrameTree"))["frameTree"]["frame"]["id"]
            cdp.on("Page.frameRequestedNavigation", lambda p: self.reasons.append((p.get("url"), p.get("reason")))
                   if p.get("frameId") == main_id and len(self.reasons) < 100 else None)
            await cdp.send("Page.enable")
        except (PWError, KeyError):
            pass  # hops are still recorded; their ``via`` is "navigation"

    def error_page_failure(self, requested: str, timeout: float) -> CaptureError:
        failed = [r for r in self.requests if r in self.failures]
        last = failed[-1] if failed else None
        return error_page_failure(last.url if last is not None else requested, self.failures.get(last), timeout)

    async def hops(self) -> list[dict]:
        return await collect_hops(self.requests, self.reasons, self.failures)
