"""Issue 10 items 5 and 6, run as a user runs them: a supervisor approves a case (`evidence approve`), `bundle
--require-approval` refuses without an approval covering the contents, packs name their recipient and list the
earlier disclosures, the declaration states who, with what, from where, how and by which clock; verify-bundle
checks approval and disclosures against the signed entries, and catches a signer who states them falsely."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from conftest import CASE, PASSPHRASE, make_png
from evidence.keys import create_key, load_signer


def _key(tmp: Path, run, name: str, role: str) -> Path:
    """A second person's key, registered in the store and approved by its creator (the `ready` key)."""
    path = tmp / f"{name.split()[-1].lower()}.key.pem"
    create_key(name, f"{name.split()[-1].lower()}@uni.example", role, PASSPHRASE.encode(), key_file=path,
               make_default=False)
    assert run("--key-file", path, "key", "register").code == 0
    fp = load_signer(path, PASSPHRASE.encode()).fingerprint
    r = run("key", "approve", fp)
    assert r.code == 0, r
    return path


@pytest.fixture
def case(ready, run, tmp_path):
    shot = run("import", make_png(tmp_path / "shot.png", size=(200, 120)), "--case", CASE, "--received-from",
               "complainant", "--received-at", "2026-11-20T09:14Z")
    assert shot.code == 0, shot
    item = shot.out.split()[0]
    r = run("allege", "--case", CASE, "--clause", "6.1", "--evidence", item, "--summary", "Threats.")
    assert r.code == 0, r
    sup = _key(tmp_path, run, "S. Supervisor", "supervisor")
    return {"item": item, "sup": sup, "tmp": tmp_path}


def _pack(path: Path) -> tuple[dict, str]:
    z = zipfile.ZipFile(path)
    return json.loads(z.read("manifest.json")), z.read("index.html").decode()


def test_approve_then_require_approval(case, run, tmp_path):
    # without an approval, --require-approval refuses and writes nothing
    r = run("bundle", "--case", CASE, "--out", tmp_path / "p0.zip", "--no-pdf", "--require-approval")
    assert r.code == 5 and "has not been approved" in r.err and "evidence approve" in r.err, r
    assert not (tmp_path / "p0.zip").exists()
    # the investigator may not approve (role), the supervisor may
    r = run("approve", "--case", CASE)
    assert r.code == 4 and "may not approve" in r.err and "supervisor" in r.err, r
    r = run("--key-file", case["sup"], "approve", "--case", CASE, "--note", "reviewed E1", "--json")
    assert r.code == 0, r
    got = json.loads(r.out)
    assert got["by"]["name"] == "S. Supervisor" and got["current"] and got["items"] == 1 and got["allegations"] == 1
    _check_schema("cli-approve", got)
    entry = [e for e in json.loads(run("custody", "--case", CASE, "--json").out) if e["action"] == "case.approved"]
    assert len(entry) == 1 and entry[0]["details"]["items"][0]["id"] == case["item"]
    # now the pack is approved: manifest, report, verify-bundle
    r = run("bundle", "--case", CASE, "--out", tmp_path / "p1.zip", "--require-approval", "--for", "panel",
            "--recipient", "Panel secretary, Conduct Office")
    assert r.code == 0, r
    assert "Approved by S. Supervisor (supervisor)" in r.out
    manifest, html = _pack(tmp_path / "p1.zip")
    assert manifest["approval"]["current"] is True and manifest["approval"]["by"]["name"] == "S. Supervisor"
    assert manifest["recipient"] == {"for": "panel", "name": "Panel secretary, Conduct Office"}
    assert 'data-fact="approval.by">S. Supervisor<' in html and ">current<" in html
    assert "Panel secretary, Conduct Office" in html
    sup_fp = load_signer(case["sup"], PASSPHRASE.encode()).fingerprint
    names = zipfile.ZipFile(tmp_path / "p1.zip").namelist()
    assert f"keys/{sup_fp[7:23]}.pub.pem" in names  # the approver's key and its registration are in the pack
    regs = [json.loads(zipfile.ZipFile(tmp_path / "p1.zip").read(n)) for n in names
            if n.startswith("custody/0") and n.endswith(".json")]
    assert any(e["action"] == "key.registered" and e["subject"]["id"] == sup_fp for e in regs)
    assert run("verify-bundle", tmp_path / "p1.zip").code == 0
    # new evidence after the approval: not covered
    r = run("import", make_png(tmp_path / "more.png", color="blue"), "--case", CASE, "--received-from",
            "complainant", "--received-at", "2026-11-21T09:14Z")
    assert r.code == 0, r
    r = run("bundle", "--case", CASE, "--out", tmp_path / "p2.zip", "--no-pdf", "--require-approval")
    assert r.code == 5 and "covers an earlier state" in r.err and "1 item(s) added since" in r.err, r
    assert not (tmp_path / "p2.zip").exists()
    r = run("bundle", "--case", CASE, "--out", tmp_path / "p2.zip", "--no-pdf")
    assert r.code == 0 and "Not approved as packed" in r.out, r
    manifest, html = _pack(tmp_path / "p2.zip")
    assert manifest["approval"]["current"] is False and ">outdated<" in html and "Not approved as packed" in html
    # the later pack lists the first disclosure, which verify-bundle checks against its signed entry
    assert [(d["for"], d["recipient"]) for d in manifest["disclosures"]] == [("panel", "Panel secretary, Conduct Office")]
    digest = "sha256:" + hashlib.sha256((tmp_path / "p1.zip").read_bytes()).hexdigest()
    assert manifest["disclosures"][0]["sha256"] == digest and digest in html
    assert run("verify-bundle", tmp_path / "p2.zip").code == 0
    # the supervisor approves again; the pack is covered again
    assert run("--key-file", case["sup"], "approve", "--case", CASE).code == 0
    assert run("bundle", "--case", CASE, "--out", tmp_path / "p3.zip", "--no-pdf", "--require-approval").code == 0


def test_no_approving_your_own_work(case, run, tmp_path):
    # a supervisor who took in evidence of the case may not approve it
    r = run("--key-file", case["sup"], "import", make_png(tmp_path / "own.png", color="green"), "--case", CASE,
            "--received-from", "complainant", "--received-at", "2026-11-20T10:00Z")
    assert r.code == 0, r
    r = run("--key-file", case["sup"], "approve", "--case", CASE)
    assert r.code == 5 and "may not approve it yourself" in r.err and "another supervisor" in r.err, r
    other = _key(tmp_path, run, "T. Head", "supervisor")
    assert run("--key-file", other, "approve", "--case", CASE).code == 0
    # an administrator runs the store, not the investigation
    admin = _key(tmp_path, run, "U. Admin", "administrator")
    r = run("--key-file", admin, "approve", "--case", CASE)
    assert r.code == 4 and "may not approve" in r.err, r
    assert run("approve", "--case", "NO-SUCH-CASE").code == 5


def test_declaration_and_policy_in_force(case, run, tmp_path):
    r = run("bundle", "--case", CASE, "--out", tmp_path / "p.zip", "--no-pdf")
    assert r.code == 0, r
    manifest, html = _pack(tmp_path / "p.zip")
    record = json.loads(zipfile.ZipFile(tmp_path / "p.zip").read("records/E1.json"))
    host = record["source"]["host"]  # the signed record states where it was taken in
    import getpass
    import socket

    assert host["name"] == socket.gethostname() and host["user"] == getpass.getuser()
    assert host["clock"]["source"] == "system clock"
    decl = html.split('id="declaration"', 1)[1].split("</section>", 1)[0]
    assert "A. Investigator (investigator)" in decl and f"host {host['name']}" in decl
    assert f"user {host['user']}" in decl and "evidence " in decl and "system clock" in decl
    assert "a date the catalogue does not state" in html  # the built-in catalogue states no date in force
    assert "hr.leeds.ac.uk" in html
    assert manifest["disclosures"] == [] and "this is the first pack built of this case" in html
    assert "not approved" in html


def test_policy_version_in_force_on_the_date_of_each_post(tmp_path):
    """A catalogue with a date in force: posts before it are flagged, posts on or after it are not."""
    from evidence.pack.disclosure import policy_in_force
    from evidence.policy.catalogue import builtin_catalogue_path, catalogue_from_bytes

    doc = json.loads(builtin_catalogue_path().read_bytes())
    doc["policy"]["in_force_from"] = "2024-04-01"
    doc["policy"]["source"] = {"title": "Social Media Policy", "url": "https://example.invalid/p", "retrieved": "2026-11-01"}
    cat = catalogue_from_bytes(json.dumps(doc).encode(), "test catalogue")
    assert cat.in_force_from == "2024-04-01" and cat.as_dict()["policy"]["source"]["retrieved"] == "2026-11-01"
    got = policy_in_force(cat, [{"id": "E1", "post": {"published": "2024-03-31T23:00:00Z"}},
                                {"id": "E2", "post": {"published": "2026-11-18T21:47:12Z"}}, {"id": "E3", "post": {}}])
    assert [(g["id"], g["state"]) for g in got] == [("E1", "not yet in force"), ("E2", "in force")]
    doc["policy"]["in_force_from"] = "1 April 2024"
    from evidence.errors import PolicyError

    with pytest.raises(PolicyError):
        catalogue_from_bytes(json.dumps(doc).encode(), "bad catalogue")


def _resigned(src: Path, dest: Path, change, html: tuple[str, str] | None = None) -> Path:
    """A copy of pack ``src`` whose manifest ``change`` alters, signed again by the pack's own signer: a signer
    stating a false fact, which only the facts check can catch."""
    from evidence.config import resolve_key_file

    signer = load_signer(resolve_key_file(None), PASSPHRASE.encode())
    z = zipfile.ZipFile(src)
    files = {n: z.read(n) for n in z.namelist()}
    m = json.loads(files["manifest.json"])
    change(m)
    if html:
        files["index.html"] = files["index.html"].replace(html[0].encode(), html[1].encode())
        for f in m["files"]:
            if f["path"] == "index.html":
                f["sha256"] = "sha256:" + hashlib.sha256(files["index.html"]).hexdigest()
                f["size"] = len(files["index.html"])
    files["manifest.json"] = (json.dumps(m, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {p}\n" for p, d in sorted(files.items())
                   if not p.startswith("SHA256SUMS")).encode()
    files["SHA256SUMS"], files["SHA256SUMS.sig"] = sums, signer.sign(sums)
    files.pop("SHA256SUMS.tsr", None)
    from packmaker import write_zip  # entries as a pack writes them (time, mode)

    write_zip(dest, sorted(files.items()))
    return dest


def test_verify_bundle_catches_false_approval_and_disclosures(case, run, tmp_path):
    from evidence import verify_pack

    assert run("bundle", "--case", CASE, "--out", tmp_path / "first.zip", "--no-pdf").code == 0
    assert run("--key-file", case["sup"], "approve", "--case", CASE).code == 0
    assert run("import", make_png(tmp_path / "late.png", color="yellow"), "--case", CASE, "--received-from",
               "complainant", "--received-at", "2026-11-22T09:14Z").code == 0
    assert run("bundle", "--case", CASE, "--out", tmp_path / "p.zip", "--no-pdf").code == 0
    assert verify_pack(tmp_path / "p.zip").ok

    def codes(change, html=None) -> set[str]:
        rep = verify_pack(_resigned(tmp_path / "p.zip", tmp_path / "bad.zip", change, html))
        return {p.code for p in rep.problems}

    assert codes(lambda m: None) == set()  # re-signed unchanged: still fine
    assert "report-fact-mismatch" in codes(lambda m: None, ('data-fact="approval.status">outdated<',
                                                            'data-fact="approval.status">current<'))
    assert "report-fact-mismatch" in codes(lambda m: None, ('data-fact="approval.by">S. Supervisor<',
                                                            'data-fact="approval.by">A. Nother<'))

    def claim_current(m):
        m["approval"]["current"] = True

    def hide_approval(m):
        m["approval"] = None

    def other_recipient(m):
        m["disclosures"][0]["recipient"] = "someone else"

    def hide_disclosure(m):
        m["disclosures"] = []

    assert "fact-mismatch" in codes(claim_current)  # the approval predates the last import
    assert "fact-missing" in codes(hide_approval)
    assert "fact-mismatch" in codes(other_recipient)
    assert "fact-missing" in codes(hide_disclosure)


def _check_schema(name: str, doc) -> None:
    import jsonschema

    from conftest import ROOT

    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    jsonschema.validate(doc, schema)
