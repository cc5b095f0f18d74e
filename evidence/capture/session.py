"""Record a logged-in browser session (Playwright storage state) for captures of what only members see.

The investigator logs in by hand in a visible browser window; the cookies and
local storage are then saved to a file with mode 0600. Captures made with
``--session FILE`` record the file's SHA-256, its label and its cookie domains,
never the cookies themselves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from ..errors import CaptureError, InputError
from .browser import launch_options, driver_environment
from .options import read_session
from .urls import validate_url

__all__ = ["record_session"]


def record_session(url: str, out: str | os.PathLike, *, wait: Callable[[], None],
                   browser_path: str | None = None) -> dict:
    """Open a visible browser at ``url``, call ``wait()`` while the user logs in, then save the state to ``out``."""
    url = validate_url(url)
    out = Path(out)
    if out.exists():
        raise InputError(f"{out} already exists; a session file is never overwritten", hint="choose another --out")
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise InputError("recording a session needs a display (a visible browser window) and none is set",
                         hint="run it on a desktop session, or under Xvfb: xvfb-run evidence session record ...")
    from playwright.sync_api import Error as PWError
    from playwright.sync_api import sync_playwright

    with driver_environment():
        pw_cm = sync_playwright()
        p = pw_cm.__enter__()
    try:
        _, kwargs = launch_options(p, browser_path, headless=False)
        try:
            browser = p.chromium.launch(**kwargs)
        except PWError as exc:
            raise CaptureError(f"the browser would not open a window: {str(exc).splitlines()[0]}",
                               hint="check the display, or run `evidence doctor`") from None
        try:
            context = browser.new_context()
            page = context.new_page()
            try:
                page.goto(url, timeout=60_000)
            except PWError as exc:
                raise CaptureError(f"could not open {url}: {str(exc).splitlines()[0]}") from None
            wait()
            state = context.storage_state()
        finally:
            browser.close()
    finally:
        pw_cm.__exit__(None, None, None)
    data = json.dumps(state, indent=2).encode("utf-8")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return read_session(out)
