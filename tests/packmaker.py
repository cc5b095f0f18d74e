"""An independent, minimal writer of valid panel packs (docs/pack-format.md), with knobs for defects.

Test support for ``tests/test_verify_bundle.py``. It builds a pack by hand, from the
contract alone: fresh Ed25519 keys, records and custody entries written as dicts and
canonicalised with :func:`evidence.canonical.canonical_json`, the built-in policy
catalogue copied byte for byte, a checkpoint note (:mod:`evidence.checkpoint`) with
inclusion proofs (:class:`evidence.merkle.MemoryTree`), and optionally RFC 3161
timestamps from a loopback TSA. Being test code it may use writing-side modules; it
does not use the real pack builder, so the verifier is checked against the document,
not against another implementation's habits.

Usage::

    pack = build_pack()                 # a valid pack, held as {path: bytes}
    pack.files["index.html"] += b"..."  # make a defect
    pack.seal()                         # re-make manifest files, SHA256SUMS and its signature
    pack.write(tmp_path / "pack.zip")
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidence.canonical import canonical_json
from evidence.log.checkpoint import format_checkpoint, sign_note
from evidence.digest import sha256_tag
from evidence.ids import new_ulid
from evidence.log.merkle import MemoryTree

__all__ = ["Key", "Pack", "build_pack", "write_zip", "zip_info", "CASE", "STORE_ID"]

ROOT = Path(__file__).resolve().parents[1]
POLICY_FILE = ROOT / "evidence" / "data" / "policies" / "leeds-social-media-policy.json"
CASE = "SMP-2026-014"
OTHER_CASE = "SMP-2026-099"
STORE_ID = "7d0f6c1e-3b1a-4c5e-9a51-2f4e8b6d0c11"
T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
SUMS_FILES = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr")

CSP = "default-src 'none'; style-src 'self'; img-src 'self'"

# Small stand-ins for captured files: the verifier only hashes them.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
PNG_REDACTED = b"\x89PNG\r\n\x1a\n" + bytes(255 - (i % 256) for i in range(700))
HTML_SERVED = b"<!doctype html><html><body><article>You are an incompetent fraud. Watch your back.</article></body></html>\n"
JPEG = b"\xff\xd8\xff\xe0" + b"JFIF\x00" + bytes((i * 7) % 256 for i in range(900)) + b"\xff\xd9"


class Key:
    """A fresh Ed25519 key with its fingerprint (sha256 of the SubjectPublicKeyInfo DER)."""

    def __init__(self, name: str, role: str = "investigator"):
        self.private = Ed25519PrivateKey.generate()
        self.public = self.private.public_key()
        der = self.public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.fingerprint = sha256_tag(der)
        self.fp16 = self.fingerprint[7:23]
        self.pem = self.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.name = name
        self.role = role

    @property
    def path(self) -> str:
        return f"keys/{self.fp16}.pub.pem"

    @property
    def note_name(self) -> str:
        return f"evidence-{self.fp16}"

    def actor(self) -> dict:
        return {"fingerprint": self.fingerprint, "name": self.name, "role": self.role}

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def _stamp(minutes: int) -> dict:
    t = T0 + timedelta(minutes=minutes)
    return {"utc": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "local": t.strftime("%Y-%m-%dT%H:%M:%S+00:00")}


def zip_info(name: str, *, mode: int = 0o100644, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A deterministic entry: time 1980-01-01 00:00:00, Unix permissions ``mode``."""
    zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    zi.create_system = 3
    zi.external_attr = mode << 16
    zi.compress_type = compress
    return zi


def write_zip(path: str | Path | None, entries: Iterable[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    """Write ``entries`` (in the order given, duplicates and odd names allowed) as a ZIP; return its bytes."""
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": wanted by some tests
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in entries:
                zi = name if isinstance(name, zipfile.ZipInfo) else zip_info(name)
                zf.writestr(zi, data)
    raw = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(raw)
    return raw


class Pack:
    """A pack under construction: ``files`` maps each path to its exact bytes."""

    def __init__(self, signer: Key, keys: dict[str, Key], tsa=None):
        self.files: dict[str, bytes] = {}
        self.signer = signer
        self.keys = keys
        self.tsa = tsa
        self.log: list[bytes] = []  # every entry of the store's log, in order
        self.in_pack: set[int] = set()  # seqs of the entries the pack holds
        self.intake: dict[str, int] = {}  # E<n> -> seq of its intake entry
        self.allegation_seq: dict[str, list[int]] = {}
        self.checkpoint_signer: Key = signer

    # -- views ---------------------------------------------------------------------

    @property
    def manifest(self) -> dict:
        return json.loads(self.files["manifest.json"])

    @manifest.setter
    def manifest(self, value: dict) -> None:
        self.files["manifest.json"] = (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @property
    def proofs(self) -> dict:
        return json.loads(self.files["custody/proofs.json"])

    @proofs.setter
    def proofs(self, value: dict) -> None:
        self.files["custody/proofs.json"] = (json.dumps(value, indent=2) + "\n").encode("utf-8")

    def copy(self) -> "Pack":
        other = copy.copy(self)
        other.files = dict(self.files)
        other.keys = dict(self.keys)
        other.in_pack = set(self.in_pack)
        return other

    # -- sealing ----------------------------------------------------------------------

    def set_signer(self, key: Key) -> None:
        """Make ``key`` the pack's signer (VERIFY.txt, manifest signer and keys, keys/ file)."""
        self.signer = key
        self.keys[key.fingerprint] = key
        self.files[key.path] = key.pem
        self.files["VERIFY.txt"] = verify_txt(key)
        m = self.manifest
        m["signer"] = {"fingerprint": key.fingerprint, "name": key.name, "role": key.role, "key": key.path}
        if not any(k["fingerprint"] == key.fingerprint for k in m["keys"]):
            m["keys"].append({"fingerprint": key.fingerprint, "path": key.path, "name": key.name, "role": key.role})
            m["keys"].sort(key=lambda k: k["path"])
        self.manifest = m

    def seal(self, signer: Key | None = None, *, manifest_files: bool = True, timestamp: bool = True) -> "Pack":
        """Re-make manifest.json's files list, SHA256SUMS, its signature (and timestamp)."""
        if signer is not None and signer is not self.signer:
            self.set_signer(signer)
        if manifest_files:
            m = self.manifest
            m["files"] = [{"path": p, "size": len(d), "sha256": sha256_tag(d)}
                          for p, d in sorted(self.files.items()) if p != "manifest.json" and p not in SUMS_FILES]
            self.manifest = m
        sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {p}\n"
                       for p, d in sorted(self.files.items()) if p not in SUMS_FILES).encode("utf-8")
        self.files["SHA256SUMS"] = sums
        self.files["SHA256SUMS.sig"] = self.signer.sign(sums)
        if timestamp:  # timestamp=False leaves an existing SHA256SUMS.tsr as it is (stale)
            if self.tsa is not None:
                self.files["SHA256SUMS.tsr"] = _timestamp(self.tsa, sums)
            else:
                self.files.pop("SHA256SUMS.tsr", None)
        return self

    # -- writing ------------------------------------------------------------------------

    def entries(self, *, extra: Iterable[tuple[str | zipfile.ZipInfo, bytes]] = ()) -> list:
        return [(p, d) for p, d in sorted(self.files.items())] + list(extra)

    def zip_bytes(self, **kw) -> bytes:
        return write_zip(None, self.entries(**kw))

    def write(self, path: str | Path, **kw) -> Path:
        write_zip(path, self.entries(**kw))
        return Path(path)

    # -- defects that need the pack's secrets -------------------------------------------------

    def custody_path(self, seq: int) -> str:
        return f"custody/{seq:08d}.json"

    def remove_custody_entry(self, seq: int, *, manifest: bool = True, proofs: bool = True) -> None:
        """Take custody entry ``seq`` out of the pack (and, by default, out of manifest.json and proofs.json)."""
        self.files.pop(self.custody_path(seq), None)
        self.files.pop(f"custody/{seq:08d}.sig", None)
        self.in_pack.discard(seq)
        if manifest:
            m = self.manifest
            m["custody"]["entries"] = [e for e in m["custody"]["entries"] if e["seq"] != seq]
            self.manifest = m
        if proofs and "custody/proofs.json" in self.files:
            p = self.proofs
            p["proofs"] = [x for x in p["proofs"] if x["seq"] != seq]
            self.proofs = p

    def sign_checkpoint(self, key: Key, *, size: int | None = None, origin: str | None = None,
                        time_line: str | None = "default") -> None:
        """(Re-)write custody/checkpoint.txt signed by ``key`` (and proofs.json to match)."""
        tree = MemoryTree(self.log)
        size = tree.size if size is None else size
        root = tree.root(size)
        ext = [] if time_line is None else [
            f"time {_stamp(len(self.log) + 1)['utc']}" if time_line == "default" else time_line]
        body = format_checkpoint(origin or f"evidence.store/{STORE_ID}", size, root, ext)
        self.files["custody/checkpoint.txt"] = sign_note(body, key.note_name, key.private)
        self.checkpoint_signer = key
        self.proofs = {
            "checkpoint_size": size,
            "root": base64.b64encode(root).decode("ascii"),
            "proofs": [{"seq": s, "index": s - 1,
                        "path": [base64.b64encode(h).decode("ascii") for h in tree.inclusion_proof(s - 1, size)]}
                       for s in sorted(self.in_pack) if s <= size],
        }


def _timestamp(tsa, data: bytes) -> bytes:
    from evidence.log.tsa import request_timestamp

    return request_timestamp(data, tsa.url, tsa.root_pem).response


def verify_txt(signer: Key) -> bytes:
    return (
        "This ZIP is a panel pack of case " + CASE + ", made with evidence.\n"
        "\n"
        f"Signer key fingerprint: {signer.fingerprint}\n"
        f"Signer: {signer.name} ({signer.role})\n"
        "\n"
        "To check it by hand, unzip it into an empty folder and run there:\n"
        "\n"
        "  sha256sum -c SHA256SUMS\n"
        f"  openssl pkeyutl -verify -pubin -inkey {signer.path} -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig\n"
        "\n"
        "Compare the fingerprint above with the one the investigator gave you separately.\n"
    ).encode("utf-8")


def facts_of(manifest: dict) -> dict[str, str]:
    """The data-fact keys and values a report shows for ``manifest`` (the contract of reports/report.html.j2)."""
    facts = {f"case.{k}": manifest["case"][col] for k, col in (("reference", "ref"), ("title", "title"),
                                                                ("subject", "subject"), ("complainant", "complainant"),
                                                                ("status", "status"))}
    for a in manifest["allegations"]:
        facts[f"allegation.{a['id']}.clause"] = a["clause"]
        facts[f"allegation.{a['id']}.status"] = a["status"]
    s = manifest["signer"]
    facts[f"signer.{s['fingerprint']}.name"] = s["name"]
    facts[f"signer.{s['fingerprint']}.role"] = s["role"]
    for e in manifest["exhibits"]:
        facts[f"exhibit.{e['id']}.item"] = e["item"]
        facts[f"exhibit.{e['id']}.sha256"] = e["record_sha256"]
    return facts


def index_html(exhibits: list[dict], allegations: list[dict], *, extra: str = "", csp: str | None = CSP,
               facts: dict[str, str] | None = None) -> bytes:
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">' if csp is not None else "",
        f"<title>Case {CASE}</title>",
        '<link rel="stylesheet" href="report.css"><link rel="stylesheet" href="pages.css" media="print">',
        "</head><body>",
        f"<h1>Case {CASE}</h1>",
        "<nav>" + " ".join(f'<a href="#exhibit-{e["id"]}">{e["id"]}</a>' for e in exhibits) + "</nav>",
    ]
    body = []
    for e in exhibits:
        shown = e["shown"]
        body.append(
            f'<section id="exhibit-{e["id"]}" class="exhibit"><h2>Exhibit {e["id"]}</h2>'
            f'<a href="{shown}"><img src="{shown}" alt="Exhibit {e["id"]}"></a>'
            + "".join(f'<p><a href="{a["path"]}">{a["role"]}</a> <code>{a["sha256"]}</code></p>'
                      for a in e["artifacts"])
            + f'<p><a href="{e["record"]}">signed record</a> (<a href="{e["signature"]}">signature</a>)</p></section>')
    for a in allegations:
        body.append(f'<section id="allegation-{a["id"]}"><h2>Allegation {a["id"]} (clause {a["clause"]}, '
                    f'{a["status"]})</h2><p>Exhibits: '
                    + ", ".join(f'<a href="#exhibit-{x}">{x}</a>' for x in a["exhibits"])
                    + "".join(f' <a href="{r["path"]}">record</a>' for r in a["records"]) + "</p></section>")
    if facts:
        body.append("<dl class=\"facts\">" + "".join(f'<dt>{k}</dt><dd data-fact="{k}">{html.escape(v)}</dd>'
                                                   for k, v in facts.items()) + "</dl>")
    tail = ['<p><a href="VERIFY.txt">How to check this pack</a> &middot; <a href="manifest.json">manifest</a></p>',
            extra, "</body></html>", ""]
    return "\n".join(head + body + tail).encode("utf-8")


def build_pack(*, tsa=None, checkpoint: bool = True, redaction: bool = False, withdrawn: bool = True,
               seal: bool = True) -> Pack:
    """A valid pack of case CASE: two exhibits (a capture by Alice, an import by Bob), two allegations
    (A2 withdrawn unless ``withdrawn=False``), the custody entries, a checkpoint with proofs (unless
    ``checkpoint=False``), timestamps when ``tsa`` (a tests.tsa_server.LoopbackTSA) is given, and with
    ``redaction=True`` a redacted copy of E1's screenshot shown instead of the original."""
    alice = Key("A. Investigator", "investigator")
    bob = Key("B. Officer", "officer")
    pack = Pack(signer=alice, keys={alice.fingerprint: alice, bob.fingerprint: bob}, tsa=tsa)
    files = pack.files
    policy_raw = POLICY_FILE.read_bytes()
    catalogue = json.loads(policy_raw)
    clauses = {c["id"]: c for c in catalogue["clauses"]}
    policy_ref = {"id": catalogue["policy"]["id"], "title": catalogue["policy"]["title"],
                  "version": catalogue["policy"]["version"], "sha256": sha256_tag(policy_raw)}

    def log(actor: Key, action: str, subject: dict, case: str | None, details: dict, *, keep: bool = True) -> int:
        seq = len(pack.log) + 1
        entry = {"schema": "urn:evidence:custody-entry:1", "store": STORE_ID, "seq": seq,
                 "prev": sha256_tag(pack.log[-1]) if pack.log else None, "time": _stamp(seq),
                 "actor": actor.actor(), "action": action, "subject": subject, "case": case, "details": details}
        data = canonical_json(entry)
        pack.log.append(data)
        if keep:
            pack.in_pack.add(seq)
            files[f"custody/{seq:08d}.json"] = data
            files[f"custody/{seq:08d}.sig"] = actor.sign(data)
        return seq

    def record(eid: str, signer: Key, kind: str, arts: list[tuple[str, str, bytes, str]], source: dict,
               seq_minutes: int, **extra: Any) -> dict:
        item = new_ulid()
        rec = {"schema": "urn:evidence:record:1", "id": item, "store": STORE_ID, "case": CASE, "kind": kind,
               "artifacts": [{"role": role, "sha256": sha256_tag(data), "size": len(data), "media_type": mt}
                             for role, _path, data, mt in arts],
               "source": source, "created": _stamp(seq_minutes), "signer": signer.actor(),
               "tool": {"name": "evidence", "version": "0.1.0"}, **extra}
        data = canonical_json(rec)
        return {"id": eid, "item": item, "record": rec, "bytes": data, "hash": sha256_tag(data),
                "sig": signer.sign(data), "arts": arts, "signer": signer}

    # keys and the case
    for k in (alice, bob):
        log(k, "key.registered", {"type": "key", "id": k.fingerprint}, None,
            {"public_key": k.pem.decode("ascii"), "name": k.name, "role": k.role})
    log(alice, "case.opened", {"type": "case", "id": CASE}, CASE,
        {"title": "Posts about a colleague", "subject": "J. Doe", "complainant": "K. Smith"})

    # exhibits
    e1 = record("E1", alice, "capture",
                [("screenshot", "exhibits/E1/screenshot.png", PNG, "image/png"),
                 ("html_served", "exhibits/E1/html_served.html", HTML_SERVED, "text/html")],
                {"type": "web", "url": "https://x.example/someone/status/1", "final_url": None, "http_status": 200},
                5)
    pack.intake["E1"] = log(alice, "item.captured", {"type": "item", "id": e1["item"]}, CASE,
                            {"record_hash": e1["hash"], "kind": "capture",
                             "artifacts": [{"role": a["role"], "sha256": a["sha256"]} for a in e1["record"]["artifacts"]]})
    e2 = record("E2", bob, "import", [("original", "exhibits/E2/original.jpg", JPEG, "image/jpeg")],
                {"type": "supplied", "received_from": "complainant",
                 "received_at": {"utc": "2026-11-20T09:14:00Z", "given": "2026-11-20T09:14Z"},
                 "original_filename": "IMG_0001.jpg"}, 6)
    pack.intake["E2"] = log(bob, "item.imported", {"type": "item", "id": e2["item"]}, CASE,
                            {"record_hash": e2["hash"], "kind": "import",
                             "artifacts": [{"role": a["role"], "sha256": a["sha256"]} for a in e2["record"]["artifacts"]]})
    # another case's entries, which the pack leaves out (a gap in the pack's sequence)
    log(alice, "case.opened", {"type": "case", "id": OTHER_CASE}, OTHER_CASE,
        {"title": "Another matter", "subject": "X", "complainant": "Y"}, keep=False)
    log(bob, "artifact.viewed", {"type": "item", "id": new_ulid()}, OTHER_CASE, {"role": "original"}, keep=False)
    red = None
    if redaction:
        red = record("E1", alice, "redaction", [("redacted", "exhibits/E1/redacted-screenshot.png", PNG_REDACTED,
                                                  "image/png")],
                     {"type": "derived", "original": {"item": e1["item"], "role": "screenshot",
                                                      "sha256": sha256_tag(PNG)},
                      "regions": [{"x": 0, "y": 0, "w": 10, "h": 10}], "reason": "third party's name"}, 8,
                     derived_from={"item": e1["item"], "artifact": sha256_tag(PNG), "role": "screenshot"})
        pack.intake["E1-redaction"] = log(alice, "item.redacted", {"type": "item", "id": red["item"]}, CASE,
                                          {"record_hash": red["hash"], "kind": "redaction",
                                           "original": e1["item"], "role": "screenshot"})

    exhibits_manifest = []
    for ex in (e1, e2):
        eid = ex["id"]
        files[f"records/{eid}.json"] = ex["bytes"]
        files[f"records/{eid}.sig"] = ex["sig"]
        arts, withheld = [], []
        for (role, path, data, mt), signed in zip(ex["arts"], ex["record"]["artifacts"]):
            if red is not None and ex is e1 and role == "screenshot":
                withheld.append({k: signed[k] for k in ("role", "sha256", "size", "media_type")})
                continue  # the redacted copy is shown instead of the original screenshot
            files[path] = data
            arts.append({"role": role, "path": path, "sha256": signed["sha256"], "size": signed["size"],
                         "media_type": signed["media_type"]})
        entry = {"id": eid, "item": ex["item"], "kind": ex["record"]["kind"], "record": f"records/{eid}.json",
                 "signature": f"records/{eid}.sig", "record_sha256": ex["hash"], "signer": ex["signer"].fingerprint,
                 "artifacts": arts, "withheld": withheld, "shown": arts[0]["path"], "redaction": None}
        if red is not None and ex is e1:
            files["records/E1-redaction.json"] = red["bytes"]
            files["records/E1-redaction.sig"] = red["sig"]
            role, path, data, mt = red["arts"][0]
            files[path] = data
            entry["redaction"] = {"item": red["item"], "record": "records/E1-redaction.json",
                                  "signature": "records/E1-redaction.sig", "record_sha256": red["hash"],
                                  "of_role": "screenshot", "path": path,
                                  "artifact": {"role": role, "path": path, "sha256": sha256_tag(data),
                                               "size": len(data), "media_type": mt},
                                  "reason": "third party's name", "regions": 1}
            entry["shown"] = path
        exhibits_manifest.append(entry)

    # allegations
    allegations_manifest = []

    def allegation(aid: str, clause_id: str, cited: list[dict], summary: str, minutes: int) -> tuple[dict, dict]:
        c = clauses[clause_id]
        clause = {"id": c["id"], "title": c["title"], "section": c["section"], "section_title": c["section_title"],
                  "kind": c["kind"], "text": c["text"], **({"stem": c["stem"]} if c.get("stem") else {})}
        rec = {"schema": "urn:evidence:allegation:1", "allegation": new_ulid(), "store": STORE_ID, "case": CASE,
               "event": "made", "clause": clause, "policy": policy_ref,
               "evidence": [{"item": x["item"], "record_sha256": x["hash"]} for x in cited],
               "summary": summary, "created": _stamp(minutes), "signer": alice.actor(),
               "tool": {"name": "evidence", "version": "0.1.0"}}
        data = canonical_json(rec)
        files[f"records/{aid}.json"] = data
        files[f"records/{aid}.sig"] = alice.sign(data)
        seq = log(alice, "allegation.made", {"type": "allegation", "id": rec["allegation"]}, CASE,
                  {"record_hash": sha256_tag(data), "clause": clause_id, "summary": summary,
                   "evidence": [x["item"] for x in cited], "policy_sha256": policy_ref["sha256"]})
        pack.allegation_seq[aid] = [seq]
        m = {"id": aid, "allegation": rec["allegation"], "clause": clause_id, "status": "open",
             "exhibits": [x["id"] for x in cited],
             "records": [{"path": f"records/{aid}.json", "signature": f"records/{aid}.sig", "sha256": sha256_tag(data)}]}
        allegations_manifest.append(m)
        return rec, m

    allegation("A1", "6.1", [e1, e2], "The post threatens a named member of staff; the screenshot shows it.", 9)
    a2, a2m = allegation("A2", "6.5", [e2], "The post discloses a confidential investigation.", 10)
    if withdrawn:
        made_hash = a2m["records"][0]["sha256"]
        rec = dict(a2, event="withdrawn", withdraws=made_hash, reason="the complainant withdrew this part",
                   created=_stamp(11))
        data = canonical_json(rec)
        files["records/A2-withdrawn.json"] = data
        files["records/A2-withdrawn.sig"] = alice.sign(data)
        pack.allegation_seq["A2"].append(log(alice, "allegation.withdrawn", {"type": "allegation",
                                                                              "id": a2["allegation"]}, CASE,
                                             {"record_hash": sha256_tag(data), "reason": rec["reason"],
                                              "clause": "6.5"}))
        a2m["status"] = "withdrawn"
        a2m["records"].append({"path": "records/A2-withdrawn.json", "signature": "records/A2-withdrawn.sig",
                               "sha256": sha256_tag(data)})
    log(alice, "verify.run", {"type": "store", "id": STORE_ID}, None, {"ok": True}, keep=False)

    # policy, keys, checkpoint, timestamps
    files[f"policy/{policy_ref['id']}.json"] = policy_raw
    for k in (alice, bob):
        files[k.path] = k.pem
    if checkpoint:
        pack.sign_checkpoint(alice)
    if tsa is not None:
        files["timestamps/tsa-root.pem"] = tsa.root_pem
        for eid in ("E1", "E2"):
            files[f"timestamps/{eid}.tsr"] = _timestamp(tsa, files[f"records/{eid}.json"])
        if checkpoint:
            files["custody/checkpoint.tsr"] = _timestamp(tsa, files["custody/checkpoint.txt"])

    # the report and the manifest
    files["report.css"] = b"body { font-family: serif; max-width: 50em; margin: auto; }\n"
    files["pages.css"] = b"@page { margin: 2cm; } section.exhibit { page-break-before: always; }\n"
    files["VERIFY.txt"] = verify_txt(alice)
    newest = max(pack.in_pack)
    manifest = {
        "schema": "urn:evidence:pack-manifest:1",
        "case": {"ref": CASE, "title": "Posts about a colleague", "subject": "J. Doe", "complainant": "K. Smith",
                 "status": "open", "opened": _stamp(3)["utc"]},
        "as_of": _stamp(newest)["utc"],
        "redacted": redaction,
        "signer": {"fingerprint": alice.fingerprint, "name": alice.name, "role": alice.role, "key": alice.path},
        "tool": {"name": "evidence", "version": "0.1.0"},
        "policy": {**{k: policy_ref[k] for k in ("id", "title", "version", "sha256")},
                   "path": f"policy/{policy_ref['id']}.json"},
        "exhibits": exhibits_manifest,
        "allegations": allegations_manifest,
        "custody": {"entries": [{"seq": s, "path": f"custody/{s:08d}.json", "signature": f"custody/{s:08d}.sig",
                                 "hash": sha256_tag(pack.log[s - 1])} for s in sorted(pack.in_pack)],
                    "checkpoint": "custody/checkpoint.txt" if checkpoint else None,
                    "proofs": "custody/proofs.json" if checkpoint else None},
        "keys": sorted(({"fingerprint": k.fingerprint, "path": k.path, "name": k.name, "role": k.role}
                        for k in (alice, bob)), key=lambda k: k["path"]),
        "files": [],
    }
    files["index.html"] = index_html(exhibits_manifest, allegations_manifest, facts=facts_of(manifest))
    pack.manifest = manifest
    if seal:
        pack.seal()
    return pack
