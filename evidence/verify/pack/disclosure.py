"""Step 8, approval and disclosures: what the manifest and the report say of them equals the signed entries.

* ``approval``: the newest signed ``case.approved`` entry of the case in the pack; who (name, role: a
  supervisor), when, its contents hash (recomputed from the items and allegations it names), and whether it
  covers this pack (every exhibit's record hash and every allegation's status as approved; an approved item
  the pack does not show must be a redacted copy). A pack that leaves an approval out is reported.
* ``disclosures``: exactly the signed ``bundle.built`` entries of the case in the pack, each with the same
  pack hash, audience, recipient and time.

Report keys (``data-fact``): ``approval.by``, ``approval.role``, ``approval.contents_sha256``,
``approval.status`` (``current`` or ``outdated``), ``disclosure.<seq>.sha256|for|recipient``.
"""

from __future__ import annotations

from ...canonical import canonical_json
from ...digest import sha256_tag
from .context import MANIFEST, _one_line, _str

__all__ = ["DisclosureChecks"]


def _d(e: dict, name: str) -> dict:
    v = e.get(name)
    return v if isinstance(v, dict) else {}


class DisclosureChecks:
    """A part of step 8 (state lives in CheckerBase; called from FactChecks.check_facts)."""

    def disclosure_facts(self, entries: list[tuple[int, dict]]) -> dict[str, tuple[object, int]]:
        """Check the manifest's approval and disclosures against the signed entries; return the report's truth."""
        mine = [(seq, e) for seq, e in entries if e.get("case") == self.case_ref]
        truth = self._approval_facts([(s, e) for s, e in mine if e.get("action") == "case.approved"], entries)
        truth.update(self._disclosure_list([(s, e) for s, e in mine if e.get("action") == "bundle.built"]))
        return truth

    # -- approval ------------------------------------------------------------------------------------------

    def _approval_facts(self, approvals: list[tuple[int, dict]], entries) -> dict:
        shown = self.manifest.get("approval")
        where = f"{MANIFEST} approval"
        if not approvals:
            if shown is not None:
                self.add(where, "names an approval, but no signed case.approved entry of this case is in the pack",
                         "fact-mismatch")
            return {}
        seq, e = approvals[-1]
        if not isinstance(shown, dict):
            self.add(where, f"is missing, but signed custody entry {seq} records an approval of this case",
                     "fact-missing")
            return {}
        d, actor = _d(e, "details"), _d(e, "actor")
        if actor.get("role") != "supervisor":
            self.add(where, f"signed custody entry {seq} approves the case with a key whose role is "
                     f"{actor.get('role')!r}, not supervisor", "approval-bad")
        contents = {"items": d.get("items"), "allegations": d.get("allegations")}
        if sha256_tag(canonical_json(contents)) != d.get("contents_sha256"):
            self.add(where, f"signed custody entry {seq}'s contents_sha256 is not the hash of the items and "
                     "allegations it names", "approval-bad")
        current = self._covers(d, entries)
        by = _d(shown, "by")
        for name, got, want in (("seq", shown.get("seq"), seq), ("time", shown.get("time"), _d(e, "time").get("utc")),
                                ("by.fingerprint", by.get("fingerprint"), actor.get("fingerprint")),
                                ("by.name", by.get("name"), actor.get("name")), ("by.role", by.get("role"), actor.get("role")),
                                ("contents_sha256", shown.get("contents_sha256"), d.get("contents_sha256")),
                                ("current", shown.get("current"), current)):
            if got != want:
                self.add(f"{where}.{name}", f"shows {_one_line(repr(got), 120)}, but signed custody entry {seq} "
                         f"says {_one_line(repr(want), 120)}" + (" (checked against this pack's exhibits and "
                                                                 "allegations)" if name == "current" else ""),
                         "fact-mismatch")
        return {"approval.by": (actor.get("name"), seq), "approval.role": (actor.get("role"), seq),
                "approval.contents_sha256": (d.get("contents_sha256"), seq),
                "approval.status": ("current" if current else "outdated", seq)}

    def _covers(self, d: dict, entries) -> bool:
        """True if the approved items and allegations are this pack's (approved items it does not show are
        redacted copies, recorded by item.redacted entries in the pack)."""
        items = {_str(x.get("id")): x.get("record_hash") for x in d.get("items") or [] if isinstance(x, dict)}
        alleg = {_str(x.get("id")): x.get("status") for x in d.get("allegations") or [] if isinstance(x, dict)}
        shown_items = {_str(x.get("item")): x.get("record_sha256") for x in self._manifest_list("exhibits")}
        shown_alleg = {_str(x.get("allegation")): x.get("status") for x in self._manifest_list("allegations")}
        if any(items.get(i) != h for i, h in shown_items.items()) or alleg != shown_alleg:
            return False
        redacted = {_str(_d(e, "subject").get("id")) for _, e in entries if e.get("action") == "item.redacted"}
        known = {_str(_d(e, "subject").get("id")) for _, e in entries
                 if e.get("action") in ("item.imported", "item.captured", "item.redacted")
                 and e.get("case") == self.case_ref}
        return all(i in shown_items or i in redacted for i in items) and known <= set(items)

    # -- disclosures ---------------------------------------------------------------------------------------

    def _disclosure_list(self, built: list[tuple[int, dict]]) -> dict:
        shown = {x.get("seq"): x for x in self._manifest_list("disclosures")}
        truth: dict = {}
        for seq, e in built:
            d = _d(e, "details")
            row = shown.pop(seq, None)
            if row is None:
                self.add(f"{MANIFEST} disclosures", f"leaves out the pack disclosed by signed custody entry {seq} "
                         f"({d.get('sha256')}, for the {d.get('for')})", "fact-missing")
            else:
                for name, want in (("sha256", d.get("sha256")), ("for", d.get("for")),
                                   ("recipient", d.get("recipient")), ("time", _d(e, "time").get("utc"))):
                    if row.get(name) != want:
                        self.add(f"{MANIFEST} disclosures (entry {seq}).{name}", f"shows "
                                 f"{_one_line(repr(row.get(name)), 120)}, but signed custody entry {seq} says "
                                 f"{_one_line(repr(want), 120)}", "fact-mismatch")
            for name in ("sha256", "for", "recipient"):
                truth[f"disclosure.{seq}.{name}"] = (d.get(name), seq)
        for seq in shown:
            self.add(f"{MANIFEST} disclosures", f"lists a disclosure (entry {seq!r}) that no signed bundle.built "
                     "entry of this case in the pack records", "fact-mismatch")
        return truth
