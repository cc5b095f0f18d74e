"""The clause catalogue: built-in Leeds data quoted verbatim, and loading catalogues from files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from evidence.errors import InputError, NotFound, PolicyError
from evidence.policy.catalogue import Catalogue, Clause, KINDS, builtin_catalogue_path, load_catalogue
from evidence.schemas import load_schema, schema_errors

POLICY_TXT = (
    Path(__file__).resolve().parent / "data" / "policy" / "university-of-leeds-social-media-policy.txt"
)


@pytest.fixture(scope="module")
def policy_text() -> str:
    return POLICY_TXT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(builtin_catalogue_path().read_bytes())


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


# --- the built-in catalogue -------------------------------------------------------------------


def test_builtin_catalogue_validates_against_its_schema(doc):
    assert schema_errors(doc, "policy-catalogue") == []
    assert doc["schema"] == "urn:evidence:policy-catalogue:1"
    assert load_schema("policy-catalogue")["$id"] == "urn:evidence:policy-catalogue:1"
    assert doc["policy"]["id"] == "leeds-social-media-policy"
    assert doc["policy"]["institution"] == "University of Leeds"


def test_schema_describes_every_property():
    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{where}/{name} has no description"
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(load_schema("policy-catalogue"), "")


def test_ids_are_unique(doc):
    ids = [c["id"] for c in doc["clauses"]]
    assert len(ids) == len(set(ids))


def test_source_sha256_is_the_policy_file(doc):
    assert doc["policy"]["source_sha256"] == "sha256:" + hashlib.sha256(POLICY_TXT.read_bytes()).hexdigest()


def test_every_clause_text_is_verbatim(doc, policy_text):
    for c in doc["clauses"]:
        assert c["text"] == c["text"].strip(), c["id"]
        assert c["text"] in policy_text, f"clause {c['id']} is not quoted verbatim"
        if "stem" in c:
            assert c["stem"] in policy_text, f"stem of {c['id']} is not verbatim"


def test_verbatim_keeps_typography(cat):
    # curly quotes, the en dash and the policy's double spaces survive
    assert "\u201cin the name of the University\u201d" in cat.clause("4(ii)").text
    assert "\u2013 whether it takes place online" in cat.clause("2").text
    assert "safety,  or which defames" in cat.clause("6.1").text
    assert "\u2018like\u2019" in cat.clause("6-awareness").text


def test_sections_1_to_13_present_in_order(cat, policy_text):
    ids = cat.ids()
    positions = [ids.index(str(n)) for n in range(1, 14)]
    assert positions == sorted(positions)
    for n in range(1, 14):
        c = cat.clause(str(n))
        assert c.section == str(n)
        assert f"\n{n}. {c.section_title}" in policy_text
    assert cat.clause("6").section_title == "Expected Behaviours on Social Media"


def test_every_clause_section_title_matches_its_section(cat):
    for c in cat:
        assert c.section_title == cat.clause(c.section).section_title, c.id


def test_six_bullets_in_order(cat):
    distinctive = ["threatening", "harass, bully", "false or misleading", "impersonate", "ongoing investigations",
                   "Use of Computer Systems Policy"]
    ids = cat.ids()
    bullets = [f"6.{i}" for i in range(1, 7)]
    assert [ids.index(b) for b in bullets] == sorted(ids.index(b) for b in bullets)
    for clause_id, word in zip(bullets, distinctive):
        c = cat.clause(clause_id)
        assert word in c.text, clause_id
        assert not c.text.startswith("\u00b7"), "bullet mark must be stripped"
        assert c.stem == "Staff/students should not"
        assert c.parent == "6"
        assert c.kind == "prohibition"
        assert c.quoted() == f"Staff/students should not: {c.text}"
    assert "6.7" not in cat


def test_section_6_sub_headings(cat):
    for slug, heading in [("accountability", "Accountability"), ("professionalism", "Professionalism"),
                          ("other-policy-compliance", "Other Policy Compliance"), ("awareness", "Awareness")]:
        c = cat.clause(f"6-{slug}")
        assert c.title == heading
        assert c.parent == "6"


def test_section_9_lettered_in_order(cat):
    ids = cat.ids()
    letters = "abcdefghij"
    lettered = [f"9({x})" for x in letters]
    assert [ids.index(i) for i in lettered] == sorted(ids.index(i) for i in lettered)
    assert cat.clause("9(a)").text.startswith("Familiarising themselves")
    assert cat.clause("9(f)").text.startswith("Adding an appropriate disclaimer")
    assert cat.clause("9(j)").text.startswith("Complying with the General Data Protection")
    for i in lettered:
        c = cat.clause(i)
        assert not re.match(r"^\([a-j]\)", c.text), "item label must be stripped"
        assert c.parent == "9"
        assert c.quoted().startswith("All staff and students are responsible for: ")
    assert "9(k)" not in cat


def test_finer_duties(cat):
    disclaimer = cat.clause("4.disclaimer")
    assert disclaimer.text.startswith("If you disclose your affiliation")
    assert "must state that your views do not represent those of the University" in disclaimer.text
    assert "confidential" in cat.clause("7.confidential").text
    assert "logo" in cat.clause("8.logo").text and "approval" in cat.clause("8.logo").text
    for section in ("4", "7", "8", "10", "11", "12"):
        assert len(cat.children(section)) >= 2, section


def test_kinds_and_parents_are_sound(cat):
    ids = set(cat.ids())
    for c in cat:
        assert c.kind in KINDS
        assert c.parent is None or c.parent in ids
        assert c.parent is None or cat.clause(c.parent).section == c.section


def test_round_trip(cat):
    assert cat.as_dict() == json.loads(cat.raw)
    assert cat.sha256 == "sha256:" + hashlib.sha256(builtin_catalogue_path().read_bytes()).hexdigest()
    assert cat.path == str(builtin_catalogue_path())
    assert load_catalogue() is cat  # the built-in catalogue is read once


# --- lookups -----------------------------------------------------------------------------------


def test_clause_lookup_and_unknown_id(cat):
    assert cat.clause("6.1").id == "6.1"
    assert cat.clause(" 9(F) ").id == "9(f)"
    with pytest.raises(NotFound) as info:
        cat.clause("6.9")
    msg = str(info.value)
    assert "6.9" in msg and "did you mean 6.6" in msg
    assert "run `evidence clauses` to list them" in msg
    with pytest.raises(NotFound, match="4.disclaimer"):
        cat.clause("4.disclaimr")
    with pytest.raises(InputError):
        cat.clause("")


def test_search(cat):
    assert "6.2" in [c.id for c in cat.search("harass")]
    assert "8.logo" in [c.id for c in cat.search("LOGO")]
    assert cat.search("xylophonic") == []
    # straight apostrophe finds a curly one
    assert "4.professional-guidance" in [c.id for c in cat.search("teams' guidance")]
    # keywords are searched too
    assert "4.disclaimer" in [c.id for c in cat.search("views are my own")]
    with pytest.raises(InputError):
        cat.search("  ")


# --- loading files -----------------------------------------------------------------------------


def _write(tmp_path: Path, doc, name="cat.json") -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return p


def test_load_a_copy(tmp_path):
    p = tmp_path / "copy.json"
    shutil.copyfile(builtin_catalogue_path(), p)
    data = p.read_bytes()
    c = load_catalogue(p)
    assert c.raw == data
    assert c.sha256 == "sha256:" + hashlib.sha256(data).hexdigest()
    assert c.path == str(p)
    assert c.clause("6.1").stem == "Staff/students should not"
    assert load_catalogue(str(p)).clauses == c.clauses


def test_not_json(tmp_path):
    p = _write(tmp_path, "{not json")
    with pytest.raises(PolicyError, match="is not JSON"):
        load_catalogue(p)
    q = tmp_path / "binary.json"
    q.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PolicyError, match="is not JSON"):
        load_catalogue(q)


def test_schema_failures(tmp_path, doc):
    missing = {k: v for k, v in doc.items() if k != "clauses"}
    with pytest.raises(PolicyError, match="clauses") as info:
        load_catalogue(_write(tmp_path, missing, "missing.json"))
    assert "urn:evidence:policy-catalogue:1" in str(info.value)

    bad_kind = json.loads(json.dumps(doc))
    bad_kind["clauses"][3]["kind"] = "rule"
    with pytest.raises(PolicyError, match=r"clauses/3/kind.*'rule'"):
        load_catalogue(_write(tmp_path, bad_kind, "kind.json"))

    bad_id = json.loads(json.dumps(doc))
    bad_id["clauses"][0]["id"] = "1 a"
    with pytest.raises(PolicyError, match="clauses/0/id"):
        load_catalogue(_write(tmp_path, bad_id, "id.json"))

    extra = json.loads(json.dumps(doc))
    extra["clauses"][0]["colour"] = "red"
    with pytest.raises(PolicyError, match="colour"):
        load_catalogue(_write(tmp_path, extra, "extra.json"))

    with pytest.raises(PolicyError, match="does not match"):
        load_catalogue(_write(tmp_path, [], "list.json"))


def test_duplicate_ids(tmp_path, doc):
    dup = json.loads(json.dumps(doc))
    dup["clauses"].append(dict(dup["clauses"][0]))
    with pytest.raises(PolicyError, match=r"duplicate clause ids: 1\b"):
        load_catalogue(_write(tmp_path, dup))


def test_unknown_parent(tmp_path, doc):
    orphan = json.loads(json.dumps(doc))
    orphan["clauses"][1]["parent"] = "99"
    with pytest.raises(PolicyError, match=r"parent.*1-social-media-definition -> 99"):
        load_catalogue(_write(tmp_path, orphan))


def test_parent_loop(tmp_path, doc):
    loop = json.loads(json.dumps(doc))
    loop["clauses"][0]["parent"] = "1-social-media-definition"  # and that one's parent is "1"
    with pytest.raises(PolicyError, match="own ancestors"):
        load_catalogue(_write(tmp_path, loop))
    itself = json.loads(json.dumps(doc))
    itself["clauses"][0]["parent"] = "1"
    with pytest.raises(PolicyError, match="1 -> 1"):
        load_catalogue(_write(tmp_path, itself, "self.json"))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no policy catalogue at") as info:
        load_catalogue(tmp_path / "nope.json")
    assert not isinstance(info.value, PolicyError)


def test_directory(tmp_path):
    with pytest.raises(InputError, match="is a folder") as info:
        load_catalogue(tmp_path)
    assert not isinstance(info.value, PolicyError)


def test_unreadable_file(tmp_path):
    """A catalogue the user may not read. As root (who reads everything) the check runs as user nobody."""
    import shutil
    import subprocess
    import tempfile

    work = tempfile.mkdtemp(prefix="evidence-policy-")
    try:
        os.chmod(work, 0o755)
        p = _write(Path(work), "{}")
        p.chmod(0)
        if os.geteuid() != 0:
            with pytest.raises(InputError, match="cannot read policy catalogue") as info:
                load_catalogue(p)
            assert not isinstance(info.value, PolicyError)
            return
        code = ("from evidence.policy.catalogue import load_catalogue\nfrom evidence.errors import InputError, PolicyError\n"
                f"try:\n    load_catalogue({str(p)!r})\nexcept PolicyError:\n    print('policy error')\n"
                "except InputError as e:\n    print('input error:', e)\n")
        root = Path(__file__).resolve().parents[1]
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", code],
                           capture_output=True, text=True, cwd=work, env=dict(os.environ, PYTHONPATH=str(root)))
        assert r.stdout.startswith("input error: cannot read policy catalogue"), r.stdout + r.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_another_institutions_catalogue(tmp_path):
    text = "1. Conduct\nMembers must not post abusive content.\n1.1 Do not harass anyone.\n"
    other = {
        "schema": "urn:evidence:policy-catalogue:1",
        "policy": {
            "id": "example-college-conduct",
            "title": "Example College Online Conduct Code",
            "institution": "Example College",
            "version": "2024-09",
            "source_sha256": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
        },
        "clauses": [
            {"id": "1", "section": "1", "section_title": "Conduct", "title": "Conduct",
             "text": "Members must not post abusive content.", "kind": "prohibition"},
            {"id": "1.1", "section": "1", "section_title": "Conduct", "title": "No harassment",
             "text": "Do not harass anyone.", "kind": "prohibition", "parent": "1", "keywords": ["bullying"]},
        ],
    }
    c = load_catalogue(_write(tmp_path, other))
    assert (c.policy_id, c.institution, c.version) == ("example-college-conduct", "Example College", "2024-09")
    assert c.ids() == ["1", "1.1"]
    assert [x.id for x in c.search("bullying")] == ["1.1"]
    assert c.clause("1.1").quoted() == "Do not harass anyone."
    assert c.as_dict() == other
    with pytest.raises(NotFound):
        c.clause("6.1")


def test_clause_quoted_without_stem():
    c = Clause(id="x", section="1", section_title="S", title="T", text="Be kind.", kind="guidance")
    assert c.quoted() == "Be kind."
    assert c.as_dict() == {"id": "x", "section": "1", "section_title": "S", "title": "T", "text": "Be kind.",
                           "kind": "guidance"}
