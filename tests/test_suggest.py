"""Clause suggestions: whole-word matches that point to clauses, never allegations."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from evidence.errors import InputError
from evidence.policy.catalogue import load_catalogue
from evidence.policy.suggest import LABEL, RULES, Rule, Suggestion, suggest, term_pattern

DISCLAIMER = "Views are my own and not expressed on behalf of the University of Leeds"


def ids(suggestions: list[Suggestion]) -> list[str]:
    return [s.clause_id for s in suggestions]


def by_id(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.clause_id: s for s in suggestions}


def test_label_says_it_is_an_aid():
    assert "aid" in LABEL and "not findings" in LABEL and "allege nothing" in LABEL


def test_every_rule_points_to_a_builtin_clause():
    cat = load_catalogue()
    for rule in RULES:
        assert rule.clause_ids, rule.topic
        for clause_id in rule.clause_ids:
            assert clause_id in cat, (rule.topic, clause_id)
        for term in rule.terms + rule.unless:
            re.compile(term_pattern(term))


def test_threat():
    out = suggest("Watch your back. I know where you live and you'll regret this.")
    s = by_id(out)["6.1"]
    assert s.matched == ("Watch your back", "I know where you live", "you'll regret")
    assert "threats" in s.topic
    assert "Watch your back" in s.reason


def test_threat_and_abuse_merge_into_one_suggestion():
    out = suggest("You idiot, I'm going to kill you. THREATENING? yes. Another idiot.")
    assert ids(out).count("6.1") == 1
    s = by_id(out)["6.1"]
    assert s.topic == "threats; abusive or insulting language"
    # in text order, each once, as written
    assert s.matched == ("idiot", "going to kill", "THREATENING")


def test_university_named_without_disclaimer():
    out = suggest("Proud to be teaching at the University of Leeds today!")
    assert ids(out) == ["4.disclaimer", "9(f)"]
    for s in out:
        assert s.matched == ("University of Leeds",)
        assert "views are my own" in s.reason


def test_university_named_in_bio_only():
    out = suggest("Great lecture today.", author="Dr A. Person", author_bio="Lecturer @ Leeds Uni")
    assert ids(out) == ["4.disclaimer", "9(f)"]
    assert out[0].matched == ("Leeds Uni",)
    assert "in the author bio" in out[0].reason


def test_disclaimer_withdraws_the_suggestion():
    text = "Proud to be teaching at the University of Leeds today!"
    assert suggest(f"{text} {DISCLAIMER}.") == []
    assert suggest(text, author_bio=DISCLAIMER) == []
    assert suggest(text, author_bio="PhD student. Views my own.") == []
    assert suggest("UoL open day", author="Sam (not on behalf of my employer)") == []


def test_innocuous_text():
    assert suggest("Lovely sunny morning on campus, off to the library.") == []
    assert suggest("") == []


def test_whole_words_only():
    # "rapist" is a term, "ass" is a term: neither may match inside a longer word
    assert suggest("My therapist recommended a classification of assessment tasks and a bass class.") == []
    assert suggest("The skill of the Scunthorpe team was compassionate.") == []
    assert ids(suggest("He is a rapist.")) == ["6.1"]
    assert by_id(suggest("what an ass")).get("6.1").matched == ("ass",)


def test_matched_words_keep_their_case():
    out = by_id(suggest("This is FAKE news and a total Hoax, LEAKED from an Internal Email"))
    assert out["6.3"].matched == ("FAKE news", "Hoax")
    assert out["7.confidential"].matched == ("LEAKED", "Internal Email")


def test_topics_map_to_clauses():
    out = by_id(suggest(
        "Go back to your country, people like you are not welcome. "
        "The disciplinary hearing is a joke. "
        "I used the University logo and crest. "
        "This is the official account of Professor X. "
        "Stop harassing me."
    ))
    assert out["6.2"].matched == ("Go back to your country", "people like you", "harassing")
    assert "discriminatory language" in out["6.2"].topic and "harassment or bullying" in out["6.2"].topic
    assert out["6.5"].matched == ("disciplinary", "hearing")
    assert out["8.logo"].matched == ("logo", "crest")
    assert out["6.4"].matched == ("official account",)


def test_suggestions_follow_catalogue_order():
    out = suggest("Confidential: the misconduct panel lied about the logo at the University of Leeds. Idiots.")
    order = load_catalogue().ids()
    got = ids(out)
    assert got == sorted(got, key=order.index)
    assert set(got) == {"4.disclaimer", "6.1", "6.3", "6.5", "7.confidential", "8.logo", "9(f)"}
    assert len(got) == len(set(got))


def test_parody_label_withdraws_impersonation():
    assert "6.4" in ids(suggest("I am Professor Jones and this is my official account"))
    assert "6.4" not in ids(suggest("I am Professor Jones", author_bio="Parody account"))


def test_phrases_span_whitespace_and_apostrophes():
    out = by_id(suggest("you\u2019ll   regret\nthis"))
    assert out["6.1"].matched == ("you\u2019ll   regret",)
    assert by_id(suggest("a pile on started"))["6.2"].matched == ("pile on",)


def test_custom_catalogue_without_the_clauses(tmp_path):
    text = "1. Conduct\nBe respectful.\n"
    other = {
        "schema": "urn:evidence:policy-catalogue:1",
        "policy": {"id": "tiny", "title": "Tiny", "institution": "Tiny College", "version": "1",
                   "source_sha256": "sha256:" + hashlib.sha256(text.encode()).hexdigest()},
        "clauses": [
            {"id": "1", "section": "1", "section_title": "Conduct", "title": "Conduct", "text": "Be respectful.",
             "kind": "duty"},
            {"id": "6.1", "section": "6", "section_title": "Abuse", "title": "Abuse", "text": "No abuse.",
             "kind": "prohibition"},
        ],
    }
    p = Path(tmp_path / "tiny.json")
    p.write_text(json.dumps(other), encoding="utf-8")
    cat = load_catalogue(p)
    out = suggest("You idiot, leaked from the University of Leeds", cat)
    assert ids(out) == ["6.1"]


def test_custom_rules():
    rule = Rule(topic="cake", clause_ids=("13",), terms=("cake*",), why="words about cake")
    out = suggest("Cakes for everyone", rules=(rule,))
    assert out == [Suggestion("13", "cake", ("Cakes",), "words about cake: \u201cCakes\u201d")]


def test_bad_arguments():
    with pytest.raises(InputError):
        suggest(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        suggest("text", author=42)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        term_pattern("  ")


def test_as_dict():
    s = suggest("what a hoax")[0]
    assert s.as_dict() == {"clause_id": "6.3", "topic": "false statements", "matched": ["hoax"], "reason": s.reason}
