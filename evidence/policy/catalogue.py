"""The conduct policy as data: a catalogue of clauses that evidence is mapped to.

A catalogue is a JSON document following ``schemas/policy-catalogue.schema.json``
(``urn:evidence:policy-catalogue:1``). Every clause quotes the policy text
verbatim, so a panel reads the institution's own words, never a paraphrase.
The University of Leeds Social Media Policy ships built in
(``evidence/data/policies/leeds-social-media-policy.json``); another
institution's policy is loaded from a file of the same shape.

A catalogue keeps the exact bytes it was read from (:attr:`Catalogue.raw`) and
their SHA-256 (:attr:`Catalogue.sha256`), so a case can record precisely which
catalogue its clause ids refer to.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterator

from ..digest import sha256_tag
from ..errors import InputError, NotFound, PolicyError
from ..resources import data_dir
from ..schemas import schema_errors, schema_id

__all__ = [
    "KINDS",
    "SCHEMA_NAME",
    "BUILTIN_POLICY_ID",
    "Clause",
    "Catalogue",
    "load_catalogue",
    "builtin_catalogue_path",
]

SCHEMA_NAME = "policy-catalogue"
BUILTIN_POLICY_ID = "leeds-social-media-policy"
KINDS = ("prohibition", "duty", "guidance", "procedure", "definition", "scope")

# Typographic characters folded to ASCII for searching only (quoted text is never changed).
# A catalogue is a few hundred clauses: these limits refuse files that could only exhaust memory or the stack.
MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _fold(value: str) -> str:
    return value.translate(_FOLD).casefold()


@dataclass(frozen=True)
class Clause:
    """One citable part of a policy, its ``text`` quoted verbatim."""

    id: str
    section: str
    section_title: str
    title: str
    text: str
    kind: str
    stem: str | None = None
    parent: str | None = None
    keywords: tuple[str, ...] = ()

    def quoted(self) -> str:
        """The clause as a panel reads it: ``"<stem>: <text>"`` for a list item, else the text."""
        if self.stem:
            return f"{self.stem}: {self.text}"
        return self.text

    def matches(self, word: str) -> bool:
        """True if ``word`` occurs (case-insensitively) in the id, titles, text or keywords."""
        needle = _fold(word)
        fields = (self.id, self.title, self.section_title, self.text, *self.keywords)
        return any(needle in _fold(f) for f in fields)

    def as_dict(self) -> dict[str, Any]:
        """The clause as it appears in a catalogue document (optional members only when set)."""
        out: dict[str, Any] = {
            "id": self.id,
            "section": self.section,
            "section_title": self.section_title,
            "title": self.title,
            "text": self.text,
            "kind": self.kind,
        }
        if self.stem is not None:
            out["stem"] = self.stem
        if self.parent is not None:
            out["parent"] = self.parent
        if self.keywords:
            out["keywords"] = list(self.keywords)
        return out

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Clause:
        """Build a clause from one (schema-valid) member of a catalogue's ``clauses``."""
        return cls(
            id=doc["id"],
            section=doc["section"],
            section_title=doc["section_title"],
            title=doc["title"],
            text=doc["text"],
            kind=doc["kind"],
            stem=doc.get("stem"),
            parent=doc.get("parent"),
            keywords=tuple(doc.get("keywords", ())),
        )


@dataclass(frozen=True)
class Catalogue:
    """A policy's clauses in policy order, with the exact bytes they were loaded from."""

    policy_id: str
    title: str
    institution: str
    version: str
    clauses: tuple[Clause, ...]
    raw: bytes
    sha256: str
    path: str | None
    source_sha256: str | None = None
    in_force_from: str | None = None  # YYYY-MM-DD, or None: the catalogue states no date in force
    source: dict | None = field(default=None, hash=False)  # {title, url, publisher, retrieved}: where the policy text was obtained
    states_in_force: bool = False  # the document has an in_force_from member (possibly null)
    _index: dict[str, Clause] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.id: c for c in self.clauses})

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses)

    def __len__(self) -> int:
        return len(self.clauses)

    def __contains__(self, clause_id: object) -> bool:
        return clause_id in self._index

    def ids(self) -> list[str]:
        """Every clause id, in policy order."""
        return [c.id for c in self.clauses]

    def clause(self, clause_id: str) -> Clause:
        """The clause with id ``clause_id``.

        An exact id is preferred; otherwise a case-insensitive match is accepted
        (``9(F)`` finds ``9(f)``). Raises :class:`NotFound` naming the closest
        ids when there is no such clause.
        """
        if not isinstance(clause_id, str) or not clause_id.strip():
            raise InputError(f"a clause id must be a non-empty string, not {clause_id!r}")
        wanted = clause_id.strip()
        found = self._index.get(wanted)
        if found is not None:
            return found
        folded = [c for c in self.clauses if c.id.casefold() == wanted.casefold()]
        if len(folded) == 1:
            return folded[0]
        close = difflib.get_close_matches(wanted, self.ids(), n=4, cutoff=0.6)
        did_you_mean = f"; did you mean {', '.join(close)}?" if close else ""
        raise NotFound(
            f"no clause {wanted!r} in {self.policy_id}{did_you_mean}",
            hint="run `evidence clauses` to list them",
        )

    def search(self, word: str) -> list[Clause]:
        """Clauses whose id, title, section title, text or keywords contain ``word``.

        Case-insensitive; curly quotes and dashes match their plain forms.
        Results are in policy order.
        """
        if not isinstance(word, str) or not word.strip():
            raise InputError("give a word to search the policy for")
        needle = word.strip()
        return [c for c in self.clauses if c.matches(needle)]

    def children(self, clause_id: str) -> list[Clause]:
        """The clauses whose parent is ``clause_id``, in policy order."""
        return [c for c in self.clauses if c.parent == clause_id]

    def as_dict(self) -> dict[str, Any]:
        """The catalogue as a ``urn:evidence:policy-catalogue:1`` document."""
        policy: dict[str, Any] = {
            "id": self.policy_id,
            "title": self.title,
            "institution": self.institution,
            "version": self.version,
        }
        if self.source_sha256 is not None:
            policy["source_sha256"] = self.source_sha256
        if self.in_force_from is not None or self.states_in_force:
            policy["in_force_from"] = self.in_force_from
        if self.source is not None:
            policy["source"] = dict(self.source)
        return {
            "schema": schema_id(SCHEMA_NAME),
            "policy": policy,
            "clauses": [c.as_dict() for c in self.clauses],
        }


def builtin_catalogue_path() -> Path:
    """Where the built-in University of Leeds catalogue is installed."""
    return data_dir() / "policies" / f"{BUILTIN_POLICY_ID}.json"


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Load, validate and index a policy catalogue.

    ``None`` loads the built-in University of Leeds catalogue. A path is read as
    bytes, parsed as JSON, validated against the ``policy-catalogue`` schema,
    and checked for unique ids and existing parents.

    Raises :class:`InputError` when the file is missing or unreadable, and
    :class:`PolicyError` when it is not JSON or not a valid catalogue.
    """
    if path is None:
        return _builtin()
    return _load(Path(os.fspath(path)))


@cache
def _builtin() -> Catalogue:
    return _load(builtin_catalogue_path())


def _load(path: Path) -> Catalogue:
    shown = str(path)
    try:
        st = os.stat(path)  # before opening: a FIFO or device is never opened
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{shown} is a folder, not a policy catalogue file (give the path of its .json file)")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{shown} is not a regular file (a device, pipe or socket); "
                             "give the path of the catalogue's .json file")
        if st.st_size > MAX_BYTES:
            raise PolicyError(_too_big(shown))
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"no policy catalogue at {shown} (check the path)") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InputError(f"cannot read policy catalogue {shown}: {reason}") from None
    return catalogue_from_bytes(raw, shown)


def _too_big(shown: str) -> str:
    return (f"policy catalogue {shown} is larger than {MAX_BYTES // (1024 * 1024)} MB; "
            "a catalogue of clauses is far smaller: check that this is the right file")


def _depth(doc: Any) -> int:
    """How deeply ``doc``'s arrays and objects nest (without recursion)."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                todo.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def catalogue_from_bytes(raw: bytes, shown: str) -> Catalogue:
    """A catalogue from its exact bytes (``shown`` names it in messages)."""
    if len(raw) > MAX_BYTES:
        raise PolicyError(_too_big(shown))
    too_deep = PolicyError(f"policy catalogue {shown} nests arrays and objects more than {MAX_DEPTH} levels deep; "
                           "a catalogue needs 4: check that this is the right file")
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise too_deep from None
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"policy catalogue {shown} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise PolicyError(f"policy catalogue {shown} is not JSON: {exc}") from None
    if _depth(doc) > MAX_DEPTH:
        raise too_deep
    problems = schema_errors(doc, SCHEMA_NAME)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise PolicyError(
            f"policy catalogue {shown} does not match the {schema_id(SCHEMA_NAME)} schema: "
            + "; ".join(problems[:5])
            + more
        )
    clauses = tuple(Clause.from_dict(c) for c in doc["clauses"])
    _check_structure(clauses, shown)
    policy = doc["policy"]
    return Catalogue(
        policy_id=policy["id"],
        title=policy["title"],
        institution=policy["institution"],
        version=policy["version"],
        clauses=clauses,
        raw=raw,
        sha256=sha256_tag(raw),
        path=shown,
        source_sha256=policy.get("source_sha256"),
        in_force_from=policy.get("in_force_from"),
        states_in_force="in_force_from" in policy,
        source=policy.get("source"),
    )


def _check_structure(clauses: tuple[Clause, ...], shown: str) -> None:
    """Ids unique; every parent another existing clause, with no loops (what JSON Schema cannot say)."""
    seen: set[str] = set()
    duplicates: list[str] = []
    for c in clauses:
        if c.id in seen and c.id not in duplicates:
            duplicates.append(c.id)
        seen.add(c.id)
    if duplicates:
        raise PolicyError(f"policy catalogue {shown} has duplicate clause ids: {', '.join(duplicates)}")
    bad = [f"{c.id} -> {c.parent}" for c in clauses if c.parent is not None and (c.parent not in seen or c.parent == c.id)]
    if bad:
        raise PolicyError(
            f"policy catalogue {shown} has clauses whose parent is not another clause of the catalogue: {', '.join(bad)}"
        )
    parent_of = {c.id: c.parent for c in clauses}
    for c in clauses:
        chain = [c.id]
        up = c.parent
        while up is not None:
            if up in chain:
                loop = " -> ".join([*chain, up])
                raise PolicyError(f"policy catalogue {shown} has clauses that are their own ancestors: {loop}")
            chain.append(up)
            up = parent_of[up]
