"""Which Chromium to drive, and how to start it quietly on a closed network.

Discovery order:

1. ``--browser-path`` / ``EVIDENCE_BROWSER`` (an executable);
2. Playwright's own Chromium, if ``playwright install chromium`` put one in its cache;
3. a system Chromium or Chrome on ``PATH`` (``chromium``, ``chromium-browser``,
   ``google-chrome``, ``google-chrome-stable``) or at the usual Debian/Ubuntu paths.

The flags keep Chromium from phoning home (no background networking, component
updates, sync, crash reports, translation, field trials). Its sandbox stays on,
except when running as root, where Chromium cannot use it.

Neither the browser nor Playwright's driver is given the investigator's passphrase: both start
with this process's environment less :data:`evidence.config.SECRET_ENV`. The driver keeps Node's
compile cache in the state folder (:func:`driver_environment`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import SECRET_ENV, child_env
from ..errors import CaptureError

__all__ = ["BrowserInfo", "find_browser", "launch_args", "launch_options", "use_sandbox", "QUIET_FLAGS",
           "driver_environment"]

QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--disable-client-side-phishing-detection",
    "--disable-crash-reporter",
    "--metrics-recording-only",
    "--no-pings",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
    "--disable-field-trial-config",
    "--password-store=basic",
    "--use-mock-keychain",
)

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
SYSTEM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium",
                "/snap/bin/chromium", "/usr/bin/google-chrome", "/opt/google/chrome/chrome")


@dataclass(frozen=True)
class BrowserInfo:
    path: str | None  # None: Playwright's own (it knows the path)
    source: str  # "option", "EVIDENCE_BROWSER", "playwright", "system"
    version: str | None = None

    def describe(self) -> str:
        v = f" ({self.version})" if self.version else ""
        return f"{self.path or 'Playwright Chromium'}{v}, found via {self.source}"


def _playwright_chromium(expected: str | None = None) -> str | None:
    """Path of Playwright's own Chromium if it has been installed (``playwright install chromium``).

    ``expected`` is ``playwright.chromium.executable_path`` from a running Playwright; without
    it, one is started just to ask.
    """
    if expected is None:
        try:
            from playwright.sync_api import sync_playwright

            with driver_environment(), sync_playwright() as p:
                expected = p.chromium.executable_path
        except Exception:  # noqa: BLE001 - no driver, or no browser registry: not installed
            return None
    return expected if expected and Path(expected).is_file() else None


def _system_chromium() -> str | None:
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in SYSTEM_PATHS:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


def browser_version(path: str) -> str | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20, env=child_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else None


def find_browser(explicit: str | os.PathLike | None = None, *, with_version: bool = False,
                 playwright_path: str | None = None) -> BrowserInfo:
    """The browser captures will use. Raises :class:`CaptureError` with set-up advice if there is none."""
    if explicit:
        source, path = "option", str(explicit)
    elif os.environ.get("EVIDENCE_BROWSER"):
        source, path = "EVIDENCE_BROWSER", os.environ["EVIDENCE_BROWSER"]
    else:
        path = _playwright_chromium(playwright_path)
        source = "playwright"
        if path is None:
            path = _system_chromium()
            source = "system"
    if path is None:
        raise CaptureError("no Chromium or Chrome found",
                           hint="run `make setup` (installs Debian's chromium as root), or `playwright install chromium`, "
                                "or pass --browser-path / set EVIDENCE_BROWSER")
    if source in ("option", "EVIDENCE_BROWSER"):
        resolved = shutil.which(path) or path
        if not (Path(resolved).is_file() and os.access(resolved, os.X_OK)):
            raise CaptureError(f"browser {path} ({source}) is not an executable file",
                               hint="give the path of a Chromium or Chrome executable")
        path = resolved
    return BrowserInfo(path=path, source=source, version=browser_version(path) if with_version else None)


def use_sandbox() -> bool:
    """Chromium's sandbox stays on unless we are root (where Chromium refuses to start with it)."""
    return not (hasattr(os, "geteuid") and os.geteuid() == 0)


def launch_args(extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    return [*QUIET_FLAGS, *extra]


def launch_options(playwright, browser_path: str | None = None, *, headless: bool = True,
                   extra_args: tuple[str, ...] | list[str] = ()) -> tuple[BrowserInfo, dict]:
    """(the browser found, keyword arguments for ``playwright.chromium.launch``): quiet flags, sandbox rule."""
    try:
        expected = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - no browser registry: Playwright's own Chromium is not installed
        expected = None
    info = find_browser(browser_path, playwright_path=expected)
    kwargs = {"args": launch_args(extra_args), "chromium_sandbox": use_sandbox(), "headless": headless,
              "timeout": 60_000, "env": child_env()}
    if info.source != "playwright":
        kwargs["executable_path"] = info.path
    return info, kwargs


_ENV_LOCK = threading.Lock()


@contextmanager
def driver_environment():
    """The environment Playwright's driver starts with (it copies ``os.environ``), set while it starts:

    * the passphrase is not in it (:data:`evidence.config.SECRET_ENV`);
    * Node's compile cache is kept in this tool's state folder (``node-compile-cache``), so the driver's
      JavaScript (a 3.6 MB bundle) is compiled once per machine and Node version, not on every start: the
      driver is up about 0.07 s sooner. Node checks what it reads from the cache against the code and
      version, and carries on without it if the folder cannot be written. Left alone when the user set
      ``NODE_COMPILE_CACHE`` or ``NODE_DISABLE_COMPILE_CACHE`` themselves.
    """
    from ..config import state_dir

    with _ENV_LOCK:
        saved = {k: os.environ.pop(k) for k in SECRET_ENV if k in os.environ}
        cache = None
        if not {"NODE_COMPILE_CACHE", "NODE_DISABLE_COMPILE_CACHE"} & set(os.environ):
            try:
                cache = os.environ["NODE_COMPILE_CACHE"] = str(state_dir() / "node-compile-cache")
            except Exception:  # noqa: BLE001 - no state folder: the driver compiles as usual
                pass
        try:
            yield
        finally:
            if cache is not None:
                os.environ.pop("NODE_COMPILE_CACHE", None)
            os.environ.update(saved)
