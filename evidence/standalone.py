"""What needs no store: checking a pack, the clause catalogue, the demo, the doctor, recording a session,
and reading a reader's trust list. :mod:`evidence.api` re-exports each, so callers use one API."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from .errors import InputError

__all__ = ["read_input", "read_trust_list", "verify_pack", "clauses", "run_demo", "doctor", "record_session"]


def read_input(path: str | os.PathLike, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None


def read_trust_list(path: str | os.PathLike) -> set[str]:
    """Key fingerprints a reader trusts: one per line (``sha256:<hex>`` or the hex), ``#`` starts a comment."""
    out = set()
    for n, line in enumerate(read_input(path, "trust list").decode("utf-8", "replace").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fp = line if line.startswith("sha256:") else "sha256:" + line
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", fp):
            raise InputError(f"{path} line {n}: {line!r} is not a key fingerprint",
                             hint="one sha256:<64 hex> per line, as `evidence key list` shows")
        out.add(fp)
    if not out:
        raise InputError(f"{path} names no key fingerprint", hint="one sha256:<64 hex> per line")
    return out


def verify_pack(path: str | os.PathLike, *, key: str | None = None,
                trust: str | os.PathLike | set[str] | None = None):
    """Check a pack offline, without a store (see :mod:`evidence.verify.pack`). ``trust`` is a file of
    trusted key fingerprints (see :func:`read_trust_list`) or a set of them."""
    from .verify.pack import verify_pack as _verify

    if not Path(path).exists():
        raise InputError(f"no such file: {path}")
    if trust is None:
        return _verify(path, key=key)
    trusted = trust if isinstance(trust, set) else read_trust_list(trust)
    return _verify(path, key=key, trust=trusted)


def clauses(policy: str | None = None, *, search: str | None = None) -> tuple:
    """The catalogue (``policy`` file, or the built-in Leeds policy) and its clauses (matching ``search``)."""
    from .policy.catalogue import load_catalogue

    cat = load_catalogue(policy)
    return cat, (cat.search(search) if search else list(cat.clauses))


def run_demo(workdir: str | os.PathLike, *, echo: Callable[[str], None] = print, with_pdf: bool = True) -> dict:
    """The built-in demo: a whole investigation on fictional posts, offline (see :mod:`evidence.demo`)."""
    from .demo import run_demo as _run

    return _run(workdir, echo=echo, with_pdf=with_pdf)


def doctor(*, store: str | None = None, key_file: str | None = None, browser_path: str | None = None) -> list:
    """Which browser, store and key would be used, and what is wrong with them (see :mod:`evidence.doctor`)."""
    from .doctor import run_doctor

    return run_doctor(store=store, key_file=key_file, browser_path=browser_path)


def record_session(url: str, out: str | os.PathLike, **kw) -> dict:
    """Log in by hand in a visible browser and keep the session (see :mod:`evidence.capture.session`)."""
    from .capture.session import record_session as _record

    return _record(url, out, **kw)
