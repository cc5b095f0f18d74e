"""Every error the library raises on purpose, in one place.

All of them derive from :class:`EvidenceError`. Each class carries the exit code
the command line uses for it, so the command line maps errors to exit codes in
exactly one place (``cli.main``) and a script using the library can catch one
base class.

Exit codes
==========

==== ===================================================================
code meaning
==== ===================================================================
0    success
1    an unexpected internal error (a bug: please report it)
2    the command line was used wrongly (unknown option, missing argument)
3    store problem: no store, not a store, not SQLite, newer format
4    key problem: no key, wrong passphrase, key not registered
5    not found or not allowed: unknown/closed/duplicate case, unknown item
6    bad input: missing/unreadable file, malformed time, URL or option
7    capture failed: DNS, connection refused, TLS, redirect loop, timeout
8    verification found a problem (artifact, record, custody, pack)
9    trusted timestamp problem: TSA unreachable, refused, or untrusted
10   some items of a batch failed (the others were stored)
11   the disk is full (nothing was written; free space and run it again)
12   a program the command needs is not installed (the message names the package)
==== ===================================================================

Messages are one line and say what to do next; the command line prints them
without a traceback.
"""

from __future__ import annotations

__all__ = [
    "EvidenceError",
    "StoreError",
    "StoreNotFound",
    "NotAStore",
    "StoreReadOnly",
    "DiskFull",
    "KeyProblem",
    "NoKey",
    "WrongPassphrase",
    "KeyNotRegistered",
    "KeyNotTrusted",
    "NotFound",
    "CaseError",
    "UnknownCase",
    "CaseClosed",
    "DuplicateCase",
    "UnknownItem",
    "InputError",
    "CaptureError",
    "IntegrityError",
    "TimestampError",
    "BatchFailed",
    "PolicyError",
    "TSAUnreachable",
    "TSARefused",
    "TSAInvalid",
    "TimestampInvalid",
    "ProofError",
    "NoteError",
    "ToolMissing",
    "DuplicateKey",
    "RedactionLeak",
    "NotAllowed",
]


class EvidenceError(Exception):
    """Base class of every error this library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class StoreError(EvidenceError):
    """The store is missing, is not an evidence store, or cannot be opened."""

    exit_code = 3


class StoreNotFound(StoreError):
    pass


class NotAStore(StoreError):
    pass


class StoreReadOnly(StoreError):
    """The store cannot be written (a read-only mount, no write permission). Reading still works."""


class DiskFull(EvidenceError):
    """The disk is full: nothing was written, and what was stored before is intact."""

    exit_code = 11


class KeyProblem(EvidenceError):
    """A signing key is missing, locked with another passphrase, or unknown to the store."""

    exit_code = 4


class NoKey(KeyProblem):
    pass


class WrongPassphrase(KeyProblem):
    pass


class KeyNotRegistered(KeyProblem):
    pass


class KeyNotTrusted(KeyProblem):
    """The key is registered but no trusted supervisor or administrator has approved it yet."""


class NotFound(EvidenceError):
    """Something named on the command line does not exist, or may not be used now."""

    exit_code = 5


class CaseError(NotFound):
    pass


class UnknownCase(CaseError):
    pass


class CaseClosed(CaseError):
    pass


class DuplicateCase(CaseError):
    pass


class UnknownItem(NotFound):
    pass


class InputError(EvidenceError):
    """A file, time, URL or option given by the user cannot be used."""

    exit_code = 6


class PolicyError(InputError):
    """A policy catalogue is unreadable or does not match its schema."""


class CaptureError(EvidenceError):
    """A page could not be captured (nothing was stored as evidence)."""

    exit_code = 7


class IntegrityError(EvidenceError):
    """Verification found at least one problem. ``problems`` lists them all."""

    exit_code = 8

    def __init__(self, message: str, problems: list | None = None, **kw):
        super().__init__(message, **kw)
        self.problems = list(problems or [])


class TimestampError(EvidenceError):
    """A timestamp authority was unreachable, refused, or answered wrongly."""

    exit_code = 9


class BatchFailed(EvidenceError):
    """Some items of a batch failed; the rest were stored."""

    exit_code = 10


class TSAUnreachable(TimestampError):
    """The TSA could not be asked (network, timeout, HTTP 5xx, not a TSA answer). Retryable."""


class TSARefused(TimestampError):
    """The TSA answered but refused: PKIStatus rejection/waiting/revocation, HTTP 3xx or 4xx."""


class TSAInvalid(TimestampError):
    """The TSA's answer cannot be trusted: unparseable, wrong imprint or nonce, bad signature/chain."""


class TimestampInvalid(IntegrityError):
    """A stored timestamp does not prove what it claims (``problems`` holds the reason)."""


class ProofError(IntegrityError):
    """A Merkle inclusion or consistency proof does not verify; the message says why."""


class NoteError(IntegrityError):
    """A signed note or checkpoint is malformed or its signatures do not verify."""


class ToolMissing(EvidenceError):
    """A program the library needs (e.g. Tesseract for OCR) is not installed; the message names the package."""

    exit_code = 12


class DuplicateKey(KeyProblem):
    """A key with this name and e-mail exists already (``key create --new`` makes another on purpose)."""



class RedactionLeak(EvidenceError):
    """A redacted pack would still name a redacted term; ``places`` lists every file (and part) that does.
    Nothing is written."""

    exit_code = 13

    def __init__(self, message: str, places: list | None = None, **kw):
        super().__init__(message, **kw)
        self.places = list(places or [])


class NotAllowed(NotFound):
    """The action is not allowed in the case's present state (e.g. approving one's own work, a pack that needs an
    approval covering its contents)."""
