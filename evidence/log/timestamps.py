"""RFC 3161 tokens for what the log covers: records taken in, checkpoints and packs' SHA256SUMS.

With timestamp authorities configured (store settings ``tsa.url``, ``tsa.root``), every
record taken in, every checkpoint and every pack's SHA256SUMS gets a token from each TSA.
A TSA that is down or says no never loses evidence: the token is marked pending and
:meth:`Timestamper.retry_pending` (``evidence timestamp --pending``) asks again; an answer
that fails the checks is refused and written to the custody log.
"""

from __future__ import annotations

from .. import clock, settings
from ..digest import sha256_tag
from ..errors import InputError, TimestampError, TSAInvalid

__all__ = ["Timestamper"]


class Timestamper:
    def __init__(self, log):
        self.log = log
        self.store = log.store

    def urls(self) -> list[str]:
        return settings.split_urls(self.store.setting("tsa.url") or "")

    def roots(self) -> bytes | None:
        pem = self.store.setting("tsa.root")
        return pem.encode("ascii") if pem else None

    def configured(self) -> bool:
        return bool(self.urls() and self.roots())

    def granted(self, subject: str) -> bytes | None:
        """A granted token's DER bytes for ``subject`` (``item:<id>``, ``checkpoint:<size>``, ``sums:<hash>``)."""
        for r in self.store.timestamps(subject=subject):
            if r["status"] == "granted" and r["response"]:
                return bytes(r["response"])
        return None

    def of(self, subject: str) -> list[dict]:
        """The tokens of ``subject`` (granted or pending), without their DER bytes."""
        return [{k: v for k, v in r.items() if k != "response"} for r in self.store.timestamps(subject=subject)]

    def request(self, subject: str, data: bytes, signer, *, log_failure: bool = True) -> list[dict]:
        """Ask every configured TSA for a token over ``data``; store it, or mark it pending. Returns the rows."""
        store = self.store
        roots = self.roots()
        timeout = float(store.setting("tsa.timeout") or 10)
        out = []
        for url in self.urls():
            existing = [r for r in store.timestamps(subject=subject) if r["tsa_url"] == url]
            if existing and existing[0]["status"] == "granted":
                out.append(existing[0])
                continue
            now = clock.stamp()["utc"]
            row = {"subject": subject, "tsa_url": url, "data_hash": sha256_tag(data),
                   "attempts": (existing[0]["attempts"] if existing else 0) + 1,
                   "requested_utc": existing[0]["requested_utc"] if existing else now, "updated_utc": now}
            try:
                from .tsa import request_timestamp  # only when a TSA is configured (keeps start-up quick)

                got = request_timestamp(data, url, roots, timeout=timeout)
            except TimestampError as exc:
                row.update(status="pending", response=None, gen_time=None, serial=None, last_error=str(exc))
                with store.write() as tx:
                    tx.upsert_timestamp(row)
                if isinstance(exc, TSAInvalid) and log_failure:
                    self.log.write("timestamp.failed", subject={"type": "timestamp", "id": subject},
                                   details={"tsa": url, "error": str(exc), "data_hash": row["data_hash"]},
                                   signer=signer, checkpoint=False)
                self.log.warnings.append(f"timestamp for {subject} from {url} is pending: {exc.message}")
            else:
                row.update(status="granted", response=got.response, gen_time=got.gen_time, serial=got.serial,
                           last_error=None)
                with store.write() as tx:
                    tx.upsert_timestamp(row)
            out.append(row)
        return out

    def _subject_data(self, subject: str) -> bytes | None:
        kind, _, ident = subject.partition(":")
        if kind == "item":
            row = self.store.item(ident)
            return bytes(row["record"]) if row else None
        if kind == "checkpoint":
            cp = next((c for c in self.store.checkpoints() if c["size"] == int(ident)), None)
            return bytes(cp["note"]) if cp else None
        return None

    def retry_pending(self) -> dict:
        """Retry every pending token (records and checkpoints). Returns counts and what is still pending."""
        if not self.configured():
            raise InputError("no timestamp authority is configured",
                             hint="evidence config set tsa.url URL; evidence config set tsa.root ROOT.pem")
        signer = self.log.signer()
        pending = self.store.timestamps(status="pending")
        granted = 0
        for row in pending:
            data = self._subject_data(row["subject"])
            if data is None:
                continue
            for r in self.request(row["subject"], data, signer):
                granted += r["status"] == "granted"
        # records and checkpoints that never got a row (TSA configured later) are not back-filled here:
        # timestamps prove when a token was obtained, so a late token is honest but proves less.
        still = self.store.timestamps(status="pending")
        return {"retried": len(pending), "granted": granted, "pending": [dict(r, response=None) for r in still]}

    def for_pack_sums(self, sums: bytes) -> bytes | None:
        """A token over a pack's SHA256SUMS, reused when the same SHA256SUMS was timestamped before."""
        if not self.configured():
            return None
        subject = f"sums:{sha256_tag(sums)}"
        tok = self.granted(subject)
        if tok:
            return tok
        self.request(subject, sums, self.log.signer())
        return self.granted(subject)
