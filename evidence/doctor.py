"""``evidence doctor``: is this machine ready? Which browser, which store, which key."""

from __future__ import annotations

import shutil
import sys

from . import __version__
from .config import resolve_key_file, resolve_store_path
from .errors import EvidenceError

__all__ = ["run_doctor"]


def run_doctor(*, store=None, key_file=None, browser_path=None, launch: bool = True) -> dict:
    checks = []

    def add(name, ok, detail, fix=None, required=True):
        checks.append({"name": name, "ok": ok, "detail": detail, "fix": fix, "required": required})

    add("python", sys.version_info >= (3, 11), f"Python {sys.version.split()[0]}, evidence {__version__}",
        "use Python 3.11 or newer")

    # browser
    from .capture.browser import find_browser

    try:
        info = find_browser(browser_path, with_version=True)
        detail = info.describe()
        ok = True
        fix = None
        if launch:
            from .capture.options import CaptureOptions
            from .capture.page import SyncCapturer

            try:
                with SyncCapturer(CaptureOptions(browser_path=browser_path)) as cap:
                    detail = f"{info.path or 'Playwright Chromium'} (version {cap.version}), found via {info.source}; it starts"
            except EvidenceError as exc:
                ok, fix = False, exc.hint or "run `make setup`"
                detail = f"{info.describe()}: {exc.message}"
        add("browser", ok, detail, fix)
    except EvidenceError as exc:
        add("browser", False, exc.message, exc.hint)

    # store
    path = resolve_store_path(store)
    st = None
    try:
        from .store import Store

        st = Store.open(path)
        counts = st.table_counts()
        add("store", True, f"{path}: {counts['cases']} case(s), {counts['items']} item(s), "
                           f"{counts['custody']} custody entries, {counts['keys']} key(s)")
    except EvidenceError as exc:
        add("store", False, exc.message, exc.hint)

    # key
    kf = resolve_key_file(key_file)
    if kf is None:
        add("key", False, "no signing key", "make one with `evidence key create --name ... --email ...`")
    elif not kf.is_file():
        add("key", False, f"key file {kf} not found", "check --key-file / EVIDENCE_KEY")
    else:
        from .keys import load_identity

        try:
            ident = load_identity(kf)
            fp = ident.get("fingerprint")
            registered = st is not None and st.key(fp) is not None
            mode = kf.stat().st_mode & 0o777
            detail = f"{kf} ({ident.get('name')}, {fp})"
            if mode & 0o077:
                add("key", False, detail + f": file mode {oct(mode)} lets others read it", f"chmod 600 {kf}")
            elif st is not None and not registered:
                add("key", False, detail + ": not registered in this store", "run `evidence key register`")
            else:
                add("key", True, detail + (": registered in the store" if registered else ""))
        except EvidenceError as exc:
            add("key", False, exc.message, exc.hint)
    if st is not None:
        st.close()

    # tools a reader of a pack uses
    for tool in ("openssl", "sha256sum", "unzip"):
        found = shutil.which(tool)
        add(tool, bool(found), found or "not found", f"install {tool} to check packs by hand", required=False)
    ok = all(c["ok"] for c in checks if c["required"])
    return {"ok": ok, "checks": checks}
