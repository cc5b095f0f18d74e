"""evidence: preserve reported social-media posts, prove they were not altered, and build a panel pack.

The public API is :class:`evidence.Evidence` (see :mod:`evidence.api`); every error is in
:mod:`evidence.errors`. Names are loaded on first use, so ``import evidence.verify`` (or the
command line's ``--help``) does not load the writing side.
"""

__version__ = "0.1.0"

from .errors import *  # noqa: E402,F401,F403  (the error tree is small and imports nothing)
from .errors import __all__ as _errors

_LAZY = {
    "Evidence": "api", "Item": "api", "CustodyEntry": "api", "CaptureOutcome": "api", "CaptureOptions": "api",
    "validate_case_ref": "api", "verify_pack": "api",
    "Signer": "keys", "create_key": "keys", "load_signer": "keys",
}

__all__ = ["__version__", *_LAZY, *_errors]


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'evidence' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value
