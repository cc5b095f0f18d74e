"""The JSON Schemas in ``schemas/``: the documented contract of every JSON document evidence writes.

Each schema file is ``schemas/<name>.schema.json`` and its ``$id`` is
``urn:evidence:<name>:<version>``; documents name the schema they follow in
their ``schema`` member with the same URN.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from .errors import InputError
from .resources import schemas_dir

__all__ = ["load_schema", "validate", "schema_errors", "schema_id"]


def schema_id(name: str, version: int = 1) -> str:
    return f"urn:evidence:{name}:{version}"


@cache
def load_schema(name: str) -> dict:
    path = schemas_dir() / f"{name}.schema.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no JSON Schema named {name!r} in {schemas_dir()}") from None


@cache
def _validator(name: str):
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


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
