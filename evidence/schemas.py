"""The JSON Schemas in ``schemas/``: the documented contract of every JSON document evidence writes.

Each schema file is ``schemas/<name>.schema.json`` and its ``$id`` is
``urn:evidence:<name>:<version>``; documents name the schema they follow in
their ``schema`` member with the same URN.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from .errors import InputError
from .resources import schemas_dir

__all__ = ["load_schema", "validate", "schema_errors", "schema_id"]


def schema_id(name: str, version: int = 1) -> str:
    return f"urn:evidence:{name}:{version}"


@cache
def _schema_text(name: str) -> bytes:
    path = schemas_dir() / f"{name}.schema.json"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no JSON Schema named {name!r} in {schemas_dir()}") from None


@cache
def load_schema(name: str) -> dict:
    return json.loads(_schema_text(name).decode("utf-8"))


def checked_marker(text: bytes) -> Path:
    """Where the fact "this exact schema text passed its metaschema with this jsonschema" is kept."""
    from importlib.metadata import version

    from .config import state_dir

    key = hashlib.sha256(text + b"\0jsonschema " + version("jsonschema").encode()).hexdigest()
    return state_dir() / "schema-checked" / key


def check_schema_once(cls, schema: dict, text: bytes) -> None:
    """``cls.check_schema(schema)`` (about 70 ms a schema), skipped when the same schema text with the same
    jsonschema version already passed it on this machine; the marker is named by the hash of both."""
    try:
        marker = checked_marker(text)
        if marker.is_file():
            return
    except Exception:  # noqa: BLE001 - no marker: check every time
        marker = None
    cls.check_schema(schema)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            tmp = marker.with_name(marker.name + f".{os.getpid()}.tmp")
            tmp.write_bytes(b"checked\n")
            os.replace(tmp, marker)
        except OSError:
            pass


@cache
def _validator(name: str):
    import jsonschema  # imported on first validation: commands that validate nothing start quicker

    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    check_schema_once(cls, schema, _schema_text(name))
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def prepare(*names: str) -> None:
    """Load and check these schemas now (e.g. while a browser launches) so a later validation is quick."""
    for name in names:
        _validator(name)


def schema_errors(doc: Any, name: str) -> list[str]:
    """Every way ``doc`` breaks schema ``name``, as readable one-line strings (empty if valid)."""
    errors = sorted(_validator(name).iter_errors(doc), key=lambda e: list(e.absolute_path))
    out = []
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        out.append(f"{where}: {e.message}")
    return out


def validate(doc: Any, name: str, *, what: str | None = None) -> None:
    """Raise :class:`InputError` naming the first problems if ``doc`` breaks schema ``name``."""
    errs = schema_errors(doc, name)
    if errs:
        more = f" (and {len(errs) - 3} more)" if len(errs) > 3 else ""
        raise InputError(f"{what or name} does not match its schema: " + "; ".join(errs[:3]) + more)
