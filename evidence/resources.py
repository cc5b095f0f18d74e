"""Where the files shipped beside the code are: JSON Schemas, report templates, data.

In an installed wheel ``schemas/`` and ``reports/`` live inside the ``evidence``
package; in a checkout they are top-level folders beside it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["schemas_dir", "reports_dir", "data_dir"]

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder shipped with evidence is missing (reinstall the package)")


@cache
def schemas_dir() -> Path:
    return _find("schemas")


@cache
def reports_dir() -> Path:
    return _find("reports")


def data_dir() -> Path:
    return _PKG / "data"
