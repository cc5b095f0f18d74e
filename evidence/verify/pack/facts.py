"""Step 8: every fact the manifest and the report show equals what the pack's signed custody entries say.

The entries are replayed by :func:`evidence.verify.replay.replay` (verification's own replay, shared
with ``evidence verify``; nothing of the writing side's projection is used). The report marks each
fact it shows with ``data-fact="KEY"`` on an element whose whitespace-normalised text is the value:
``case.reference``, ``case.title``, ``case.subject``, ``case.complainant``, ``case.status``,
``allegation.<A n>.clause|status|summary``, ``signer.<fingerprint>.name|role``,
``exhibit.<E n>.item|sha256`` (the exhibit's signed record hash).

A ``trust`` set given to :func:`verify_pack` makes every custody entry and record signer either a key in
the set or one approved by a ``key.trusted`` entry signed by a key already trusted.
"""

from __future__ import annotations

from html.parser import HTMLParser

from ..replay import replay
from .context import INDEX, MANIFEST, _one_line, _str

__all__ = ["FactChecks", "FactParser", "ITEM_ACTIONS"]

ITEM_ACTIONS = ("item.imported", "item.captured", "item.redacted", "item.derived")
INTAKE = ("item.imported", "item.captured")  # a redacted copy is shown only in a redacted pack
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class FactParser(HTMLParser):
    """The text of every element of index.html that carries ``data-fact``: [(key, normalised text)]."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts: list[tuple[str, str]] = []
        self._open: list[list] = []  # [key, tag, depth, parts]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for rec in self._open:
            if rec[1] == tag and tag not in _VOID:
                rec[2] += 1
        key = dict(attrs).get("data-fact")
        if key is not None and tag not in _VOID:
            self._open.append([key, tag, 1, []])
        elif key is not None:
            self.facts.append((key, ""))

    def handle_endtag(self, tag: str) -> None:
        for rec in list(self._open):
            if rec[1] == tag:
                rec[2] -= 1
                if rec[2] == 0:
                    self._open.remove(rec)
                    self.facts.append((rec[0], " ".join("".join(rec[3]).split())))

    def handle_data(self, data: str) -> None:
        for rec in self._open:
            rec[3].append(data)

    def close(self) -> None:
        super().close()
        for rec in self._open:  # never closed: what it held so far
            self.facts.append((rec[0], " ".join("".join(rec[3]).split())))
        self._open = []


class FactChecks:
    """Step 8 (a part of the pack checker; state lives in CheckerBase)."""

    def check_facts(self) -> None:
        entries = [(seq, self.entries[seq]["entry"]) for seq in sorted(self.signed)
                   if isinstance(self.entries[seq]["entry"], dict)]
        if self.trust is not None:
            self._check_trust(entries)
        if self.manifest is None or self.case_ref is None or not entries:
            return
        state = replay(entries)
        truth = self._truth(state, entries)
        truth.update(self.disclosure_facts(entries))  # approval and earlier disclosures (disclosure.py)
        self.r.count("facts", len(truth))
        self._manifest_facts(truth)
        self._vanished(state, entries)
        self._report_facts(truth)

    # -- what the signed entries say ------------------------------------------------------------------

    def _truth(self, state, entries: list[tuple[int, dict]]) -> dict[str, tuple[object, int]]:
        """KEY -> (value, seq of the entry that says so), for every fact of this case the entries state."""
        truth: dict[str, tuple[object, int]] = {}
        c = state.cases.get(self.case_ref.lower())
        if c is not None:
            seqs = c["_seq"]
            for key, col in (("reference", "ref"), ("title", "title"), ("subject", "subject"),
                             ("complainant", "complainant"), ("status", "status")):
                truth[f"case.{key}"] = (c.get(col), seqs.get(col, seqs["*"]))
        summaries = {}
        for seq, e in entries:
            d = e.get("details") if isinstance(e.get("details"), dict) else {}
            subject = e.get("subject") if isinstance(e.get("subject"), dict) else {}
            if e.get("action") == "allegation.made":
                summaries[_str(subject.get("id"))] = (d.get("summary"), seq)
        for a in self._manifest_list("allegations"):
            label, aid = _str(a.get("id")), _str(a.get("allegation"))
            want = state.allegations.get(aid)
            if label is None or want is None:
                continue
            seqs = want["_seq"]
            truth[f"allegation.{label}.clause"] = (want.get("clause"), seqs.get("clause", seqs["*"]))
            truth[f"allegation.{label}.status"] = (want.get("status"), seqs.get("status", seqs["*"]))
            if aid in summaries:
                truth[f"allegation.{label}.summary"] = summaries[aid]
        for fp, k in state.keys.items():
            truth[f"signer.{fp}.name"] = (k.get("name"), k["_seq"]["*"])
            truth[f"signer.{fp}.role"] = (k.get("role"), k["_seq"]["*"])
        items = self._item_entries(entries)
        for ex in self._manifest_list("exhibits"):
            label, item = _str(ex.get("id")), _str(ex.get("item"))
            if label is None or item not in items:
                continue
            seq, rh = items[item][0]
            truth[f"exhibit.{label}.item"] = (item, seq)
            if rh is not None:
                truth[f"exhibit.{label}.sha256"] = (rh, seq)
        return truth

    def _item_entries(self, entries: list[tuple[int, dict]]) -> dict[str, list[tuple[int, str | None]]]:
        """item id -> [(seq, record hash)] of the entries taking evidence into this case (not redactions)."""
        items: dict[str, list[tuple[int, str | None]]] = {}
        for seq, e in entries:
            subject = e.get("subject") if isinstance(e.get("subject"), dict) else {}
            d = e.get("details") if isinstance(e.get("details"), dict) else {}
            if e.get("action") in INTAKE and e.get("case") == self.case_ref and _str(subject.get("id")):
                items.setdefault(subject["id"], []).append((seq, _str(d.get("record_hash"))))
        return items

    def _manifest_list(self, name: str) -> list[dict]:
        value = self.manifest.get(name) if self.manifest is not None else None
        return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []

    # -- the manifest ------------------------------------------------------------------------------------

    def _differs(self, where: str, shown: object, key: str, truth: dict, code: str = "fact-mismatch") -> None:
        if key not in truth:
            return
        value, seq = truth[key]
        if shown != value:
            self.add(where, f"shows {_one_line(repr(shown), 120)}, but signed custody entry {seq} says "
                     f"{_one_line(repr(value), 120)} ({key})", code)

    def _manifest_facts(self, truth: dict) -> None:
        case = self.manifest.get("case") if isinstance(self.manifest.get("case"), dict) else {}
        for key, col in (("reference", "ref"), ("title", "title"), ("subject", "subject"),
                         ("complainant", "complainant"), ("status", "status")):
            self._differs(f"{MANIFEST} case.{col}", case.get(col), f"case.{key}", truth)
        for i, a in enumerate(self._manifest_list("allegations")):
            label = _str(a.get("id"))
            for col in ("clause", "status"):
                self._differs(f"{MANIFEST} allegations[{i}].{col} ({label})", a.get(col),
                              f"allegation.{label}.{col}", truth)
        people = [("keys", i, k) for i, k in enumerate(self._manifest_list("keys"))]
        signer = self.manifest.get("signer")
        if isinstance(signer, dict):
            people.append(("signer", None, signer))
        for where, i, k in people:
            fp = _str(k.get("fingerprint"))
            for col in ("name", "role"):
                shown_at = f"{MANIFEST} {where}{'' if i is None else f'[{i}]'}.{col}"
                self._differs(shown_at, k.get(col), f"signer.{fp}.{col}", truth)
        for i, ex in enumerate(self._manifest_list("exhibits")):
            label = _str(ex.get("id"))
            self._differs(f"{MANIFEST} exhibits[{i}].record_sha256 ({label})", ex.get("record_sha256"),
                          f"exhibit.{label}.sha256", truth)

    def _vanished(self, state, entries: list[tuple[int, dict]]) -> None:
        """Allegations and items the entries record for this case, which the pack leaves out."""
        shown = {_str(a.get("allegation")) for a in self._manifest_list("allegations")}
        for aid, a in sorted(state.allegations.items(), key=lambda kv: kv[1]["_seq"]["*"]):
            if a.get("case_ref") == self.case_ref and aid not in shown:
                self.add(f"{MANIFEST} allegations", f"leaves out allegation {aid} ({a.get('status')}, clause "
                         f"{a.get('clause')}), which signed custody entry {a['_seq']['*']} records for this case",
                         "fact-missing")
        for item, found in sorted(self._item_entries(entries).items(), key=lambda kv: kv[1][0][0]):
            if item not in self.items:
                self.add(f"{MANIFEST} exhibits", f"leaves out item {item}, whose intake signed custody entry "
                         f"{found[0][0]} records for this case", "fact-missing")

    # -- the report ------------------------------------------------------------------------------------

    def _report_facts(self, truth: dict) -> None:
        f = self.files.get(INDEX)
        if f is None or f.data is None:
            return
        parser = FactParser()
        try:
            parser.feed(f.data.decode("utf-8", "replace"))
            parser.close()
        except Exception:  # noqa: BLE001 - hostile HTML; check_index names it
            return
        seen: set[str] = set()
        for key, text in parser.facts:
            seen.add(key)
            self.r.count("report_facts")
            if key not in truth:
                continue  # a fact no signed entry in the pack states (e.g. a key the pack does not register)
            value, seq = truth[key]
            if value is not None and text != " ".join(str(value).split()):
                self.add(f"{INDEX} [data-fact={key}]", f"shows {_one_line(text, 120)!r}, but signed custody entry "
                         f"{seq} says {_one_line(str(value), 120)!r}", "report-fact-mismatch")
        for key in sorted(self._shown_keys(truth) - seen):
            self.add(f"{INDEX} [data-fact={key}]", "is not shown: the report has no element for this fact the "
                     "manifest shows", "report-fact-missing")

    def _shown_keys(self, truth: dict) -> set[str]:
        """The fact keys the manifest shows, that the report must show too."""
        keys = {k for k in truth if k.startswith(("case.", "allegation.", "exhibit."))}
        keys = {k for k in keys if truth[k][0] is not None and not k.endswith(".summary")}
        signer = self.manifest.get("signer")
        fp = _str(signer.get("fingerprint")) if isinstance(signer, dict) else None
        keys |= {k for k in (f"signer.{fp}.name", f"signer.{fp}.role") if k in truth}
        keys |= {k for k in truth if k.startswith(("approval.", "disclosure.")) and truth[k][0] is not None}
        return keys

    # -- trust -------------------------------------------------------------------------------------------

    def _check_trust(self, entries: list[tuple[int, dict]]) -> None:
        trusted = set(self.trust)
        for seq, e in entries:
            actor = e.get("actor") if isinstance(e.get("actor"), dict) else {}
            fp = _str(actor.get("fingerprint"))
            if fp not in trusted:
                self.add(self.entries[seq]["path"], f"custody entry {seq} ({e.get('action')}) is signed by {fp} "
                         f"({actor.get('name')!r}), a key not in the trust list given and approved by none in it",
                         "signer-untrusted")
                continue
            subject = e.get("subject") if isinstance(e.get("subject"), dict) else {}
            if e.get("action") == "key.trusted" and _str(subject.get("id")):
                trusted.add(subject["id"])
        for path, fp in self.record_signers:
            if fp not in trusted:
                self.add(path, f"is signed by {fp}, a key not in the trust list given and approved by none in it",
                         "signer-untrusted")
