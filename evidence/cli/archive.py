"""Commands of the archive group (filled in as the work lands)."""

from __future__ import annotations

from .common import cli  # noqa: F401
