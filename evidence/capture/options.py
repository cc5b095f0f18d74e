"""How to capture: the options a user can give, checked before any browser starts."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

__all__ = ["CaptureOptions", "WAIT_UNTIL", "local_timezone", "parse_viewport", "read_session"]

WAIT_UNTIL = ("load", "domcontentloaded", "networkidle", "commit")


def local_timezone() -> str:
    """The machine's IANA time zone name, or UTC."""
    tz = os.environ.get("TZ")
    if tz and "/" in tz:
        return tz.lstrip(":")
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name:
            return name
    except OSError:
        pass
    return "UTC"


@dataclass
class CaptureOptions:
    """How to capture. Every field has the default a user would expect."""

    viewport: tuple[int, int] = (1280, 800)
    device_scale_factor: int = 1
    wait_until: str = "load"
    wait_for: str | None = None
    timeout: float = 30.0  # seconds, for the whole page load
    scroll: bool = False
    user_agent: str | None = None
    locale: str = "en-GB"
    timezone: str | None = None  # None: the machine's own
    session: str | None = None  # a Playwright storage-state file
    session_label: str | None = None
    ignore_https_errors: bool = False
    max_height: int = 20_000
    browser_path: str | None = None
    browser_args: tuple[str, ...] = ()
    settle_ms: int = 0  # extra wait after the page settled (the load state, --wait-for and --scroll come first)
    keep_media: bool = True  # fetch and keep the post's own images and videos (evidence.capture.media)
    media_limit_mb: int = 200  # at most this much of the post's media (files, manifests, segments) per capture

    def check(self) -> "CaptureOptions":
        w, h = self.viewport
        if not (100 <= w <= 10_000 and 100 <= h <= 10_000):
            raise InputError(f"viewport {w}x{h} is out of range", hint="e.g. --viewport 1280x800")
        if self.wait_until not in WAIT_UNTIL:
            raise InputError(f"unknown --wait-until {self.wait_until!r}", hint="one of: " + ", ".join(WAIT_UNTIL))
        if not (0 < self.timeout <= 3600):
            raise InputError(f"timeout {self.timeout} s is out of range", hint="give seconds, e.g. --timeout 30")
        if not (1 <= self.device_scale_factor <= 4):
            raise InputError("device scale must be 1 to 4")
        if not (500 <= self.max_height <= 200_000):
            raise InputError("max height must be 500 to 200000 pixels")
        if not (1 <= self.media_limit_mb <= 100_000):
            raise InputError(f"media limit {self.media_limit_mb} MB is out of range", hint="e.g. --media-limit 200")
        if self.session:
            read_session(self.session)
        return self


def parse_viewport(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", text or "")
    if not m:
        raise InputError(f"malformed viewport {text!r}", hint="use WIDTHxHEIGHT, e.g. 1280x800")
    return int(m.group(1)), int(m.group(2))


def read_session(path: str | os.PathLike) -> dict:
    """Facts about a Playwright storage-state file: its SHA-256, origins and cookie domains (never the cookies)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no session file {p}", hint="record one with `evidence session record URL --out FILE`") from None
    except OSError as exc:
        raise InputError(f"cannot read session file {p}: {exc.strerror}") from None
    try:
        state = json.loads(data)
        cookies = state.get("cookies", [])
        origins = state.get("origins", [])
        if not isinstance(cookies, list) or not isinstance(origins, list):
            raise ValueError
    except (ValueError, AttributeError):
        raise InputError(f"{p} is not a Playwright storage-state file",
                         hint="record one with `evidence session record URL --out FILE`") from None
    return {
        "sha256": "sha256:" + hashlib.sha256(data).hexdigest(),
        "file": p.name,
        "cookie_domains": sorted({str(c.get("domain", "")).lstrip(".") for c in cookies if isinstance(c, dict)}),
        "origins": sorted({str(o.get("origin", "")) for o in origins if isinstance(o, dict)}),
    }
