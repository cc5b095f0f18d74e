"""Clause suggestions for a post: an aid to the investigator, never an allegation.

:func:`suggest` looks for words and phrases in a post (and, for some topics, in
the author's name and bio) and names the policy clauses an investigator may
want to read next. A suggestion is a word match and nothing more: it does not
say the post breaches anything, and a post that breaches the policy may get
no suggestion at all. Anything shown to a person must carry :data:`LABEL`.

The rules are data (:data:`RULES`): each :class:`Rule` names a topic, the
clause ids it points to, the terms that trigger it, and optionally terms whose
presence withdraws it (a disclaimer, a "parody" label). Terms are matched
case-insensitively as whole words or phrases:

* words of a phrase match across any whitespace (``"views are my own"``);
* an apostrophe matches ``'`` or ``’``; a hyphen matches a hyphen, a space or nothing
  (``"pile-on"`` finds "pile-on", "pile on" and "pileon");
* a term ending in a letter followed by ``*`` also matches longer words that start
  with it (``"harass*"`` finds "harassed", "harassment");
* a term never matches inside a longer word ("therapist" does not contain "rapist",
  "classification" does not contain "ass").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import InputError
from .catalogue import Catalogue, load_catalogue

__all__ = ["LABEL", "FIELDS", "Rule", "RULES", "Suggestion", "suggest", "suggest_for_item", "suggest_view", "term_pattern"]

LABEL = "Suggestions are an aid to the investigator: they are word matches, not findings, and allege nothing."

#: The parts of a post a rule can look at, and how a reason names them.
FIELDS = {"text": "text", "author": "author name", "author_bio": "author bio"}
_OWN = ("text", "author", "author_bio")


@dataclass(frozen=True)
class Rule:
    """One topic: terms that, when present, point to some clauses.

    ``fields`` are the parts of the post searched for ``terms`` (keys of
    :data:`FIELDS`); when any of ``unless`` is found in ``unless_fields`` the
    rule does not fire. ``why`` says in plain words what the match means (never
    what the author did); the matched words are appended, or put where ``why``
    says ``{matched}``.
    """

    topic: str
    clause_ids: tuple[str, ...]
    terms: tuple[str, ...]
    why: str
    fields: tuple[str, ...] = ("text",)
    unless: tuple[str, ...] = ()
    unless_fields: tuple[str, ...] = _OWN


@dataclass(frozen=True)
class Suggestion:
    """A clause worth reading, with the exact words of the post that led to it."""

    clause_id: str
    topic: str
    matched: tuple[str, ...]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"clause_id": self.clause_id, "topic": self.topic, "matched": list(self.matched), "reason": self.reason}


_UNIVERSITY_NAMES = (
    "University of Leeds",
    "Leeds University",
    "Leeds Uni",
    "Uni of Leeds",
    "UniofLeeds",
    "UoL",
)

_DISCLAIMERS = (
    "views are my own",
    "views my own",
    "views are mine",
    "views mine",
    "my own views",
    "my views only",
    "opinions are my own",
    "opinions my own",
    "opinions are mine",
    "my own opinions",
    "personal views",
    "personal account",
    "not on behalf of",
    "not expressed on behalf of",
    "not speaking on behalf of",
    "not speaking for",
    "do not represent",
    "don't represent",
    "does not represent",
    "doesn't represent",
    "not representing",
)

RULES: tuple[Rule, ...] = (
    Rule(
        topic="threats",
        clause_ids=("6.1",),
        why="words often found in threats or intimidation",
        terms=(
            "threat*", "kill you", "i will kill", "i'll kill", "gonna kill", "going to kill", "kill yourself", "kys",
            "hurt you", "beat you up", "punch you", "shoot you", "stab you", "watch your back",
            "you'll regret", "you will regret", "i know where you live", "we know where you live",
            "coming for you", "come for you", "you're dead", "you are dead", "dead meat", "hope you die",
            "deserve to die", "make you pay", "burn it down", "bomb",
        ),
    ),
    Rule(
        topic="abusive or insulting language",
        clause_ids=("6.1",),
        why="words often used as abuse or insults",
        terms=(
            "idiot", "idiots", "idiotic", "moron", "morons", "moronic", "stupid", "imbecile", "cretin", "pathetic",
            "disgusting", "scum", "loser", "losers", "clown", "useless", "incompetent", "shut up", "shut your mouth",
            "fuck*", "f***", "f*** you", "shit", "shite", "bullshit", "bastard", "bastards", "bitch", "dickhead",
            "twat", "wanker", "ass", "asshole", "arse", "arsehole", "piss off",
        ),
    ),
    Rule(
        topic="defamatory accusations",
        clause_ids=("6.1",),
        why="words that accuse someone of crime or wrongdoing, which can defame or disparage",
        terms=(
            "fraud", "fraudster", "fraudulent", "corrupt", "criminal", "crook", "thief", "rapist", "paedophile",
            "pedophile", "paedo", "predator", "abuser", "racist", "bigot",
        ),
    ),
    Rule(
        topic="harassment or bullying",
        clause_ids=("6.2",),
        why="words often found in harassment or bullying",
        terms=(
            "harass*", "bully", "bullies", "bullied", "bullying", "stalk", "stalking", "stalked", "stalker",
            "troll", "trolls", "trolling", "pile-on", "dogpile", "dox", "doxx", "doxxed", "doxxing", "doxed",
            "doxing", "mass report", "name and shame", "nobody likes you", "no one likes you", "everyone hates you",
            "make your life hell", "make her life hell", "make his life hell", "make their life hell",
        ),
    ),
    Rule(
        topic="discriminatory language",
        clause_ids=("6.2",),
        why="phrases often used to demean people for a protected characteristic",
        terms=(
            "go back to your country", "go back to where you came from", "go back home", "people like you",
            "your kind", "you people", "your lot", "not welcome here", "don't belong here",
            "don't belong in this country", "get back in the kitchen", "a woman's place", "women can't",
            "immigrants out", "illegals", "deport them", "retard", "retarded", "spastic", "cripple", "that's so gay",
        ),
    ),
    Rule(
        topic="false statements",
        clause_ids=("6.3",),
        why="words about truth and falsehood, which may relate to false or misleading statements",
        terms=(
            "fake", "fake news", "lie", "lies", "lying", "lied", "liar", "liars", "hoax", "fabricated", "fabricating",
            "fabrication", "made up", "misleading", "misinformation", "disinformation", "false claim", "false claims",
            "never happened", "cover-up", "doctored", "photoshopped",
        ),
    ),
    Rule(
        topic="impersonation",
        clause_ids=("6.4",),
        why="words claiming an identity or an official status, with no parody label",
        terms=(
            "official account", "official page", "verified account", "i am professor", "i'm professor",
            "this is professor", "i am prof", "i'm prof", "this is prof", "i am dr", "i'm dr", "this is dr",
            "i am the vice-chancellor", "vice-chancellor here", "pretending to be", "impersonat*",
            "fake account",
        ),
        fields=_OWN,
        unless=("parody", "fan account", "satire", "satirical", "not affiliated", "unofficial"),
    ),
    Rule(
        topic="ongoing investigation or proceedings",
        clause_ids=("6.5",),
        why="words about investigations, hearings or disciplinary proceedings",
        terms=(
            "disciplinary", "investigation", "investigations", "investigating", "under investigation", "hearing",
            "misconduct panel", "misconduct", "academic misconduct", "grievance", "grievances", "tribunal",
            "suspended", "suspension", "formal complaint", "complaint against", "appeal panel",
            "fitness to practise", "fitness to practice",
        ),
    ),
    Rule(
        topic="confidential information",
        clause_ids=("7.confidential",),
        why="words suggesting confidential or internal material",
        terms=(
            "confidential", "private and confidential", "leak", "leaks", "leaked", "leaking", "internal email",
            "internal emails", "internal memo", "internal document", "internal documents", "do not share",
            "don't share", "do not forward", "not for circulation", "not for distribution", "embargoed",
            "under embargo", "nda",
        ),
    ),
    Rule(
        topic="University logo or branding",
        clause_ids=("8.logo",),
        why="words about the University's logo, crest or brand",
        terms=(
            "logo", "logos", "crest", "official University", "University branding", "University brand",
            "branding", "trademark", "coat of arms",
        ),
    ),
    Rule(
        topic="personal data",
        clause_ids=("9(j)",),
        why="words suggesting someone's personal data",
        terms=(
            "home address", "phone number", "mobile number", "student number", "student id", "staff number",
            "date of birth", "medical record*", "personal data", "lives at",
        ),
    ),
    Rule(
        topic="University named without a disclaimer",
        clause_ids=("4.disclaimer", "9(f)"),
        why=(
            "names the University ({matched}) and no disclaimer such as \u201cviews are my own\u201d was found in "
            "the text, author name or bio (section 4 asks personal accounts that disclose the affiliation to say "
            "their views are not the University's)"
        ),
        terms=_UNIVERSITY_NAMES,
        fields=_OWN,
        unless=_DISCLAIMERS,
    ),
)


def term_pattern(term: str) -> str:
    """The regular expression (no flags) that matches ``term`` as a whole word or phrase."""
    if not term.strip():
        raise InputError("a suggestion term must not be empty")
    term = term.strip()
    prefix = len(term) > 1 and term.endswith("*") and term[-2].isalpha()
    if prefix:
        term = term[:-1]
    words = []
    for word in term.split():
        piece = []
        for ch in word:
            if ch in "'\u2019":
                piece.append("['\u2019]")
            elif ch == "-":
                piece.append("[-\u2010\u2011\u2013\\s]?")
            else:
                piece.append(re.escape(ch))
        words.append("".join(piece))
    body = r"\s+".join(words)
    if prefix:
        body += r"\w*"
    return rf"(?<!\w){body}(?!\w)"


@cache
def _compiled(terms: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so a phrase wins over a word it starts with at the same position.
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))
    return re.compile("|".join(f"(?:{term_pattern(t)})" for t in ordered), re.IGNORECASE)


_Match = tuple[int, int, str]  # (field position in FIELDS, offset in that field, the words as written)
_FIELD_ORDER = {name: i for i, name in enumerate(FIELDS)}


def _find(terms: tuple[str, ...], parts: dict[str, str], fields: tuple[str, ...]) -> list[_Match]:
    """Every match of ``terms`` in ``fields`` of ``parts``, in field then text order."""
    if not terms:
        return []
    pattern = _compiled(terms)
    found: list[_Match] = []
    for name in fields:
        if name not in FIELDS:
            raise InputError(f"suggest: unknown field {name!r} in a rule (use one of {', '.join(FIELDS)})")
        value = parts.get(name) or ""
        found.extend((_FIELD_ORDER[name], m.start(), m.group(0)) for m in pattern.finditer(value))
    return sorted(found)


def _describe(matches: list[_Match]) -> str:
    names = list(FIELDS)
    shown: list[str] = []
    for index, _, words in matches:
        name = names[index]
        item = f"\u201c{words}\u201d" if name == "text" else f"\u201c{words}\u201d in the {FIELDS[name]}"
        if item not in shown:
            shown.append(item)
    return ", ".join(shown)


def suggest(
    text: str,
    catalogue: Catalogue | None = None,
    *,
    author: str | None = None,
    author_bio: str | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> list[Suggestion]:
    """Clauses an investigator may want to read for a post, from word matches alone.

    ``catalogue`` defaults to the built-in Leeds catalogue; clause ids a rule
    names that the catalogue lacks are skipped. ``author`` and ``author_bio``
    are searched only by rules that look at them (impersonation, the
    disclaimer check). Suggestions come in the catalogue's clause order, one per
    clause: topics that point to the same clause are merged, their matched
    words listed once each, as written in the post. Show :data:`LABEL` with them.
    """
    for name, value in (("text", text), ("author", author), ("author_bio", author_bio)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"suggest: {name} must be a string, not {type(value).__name__}")
    if text is None:
        raise InputError("suggest: give the text of the post")
    cat = catalogue if catalogue is not None else load_catalogue()
    parts = {"text": text, "author": author or "", "author_bio": author_bio or ""}

    merged: dict[str, tuple[list[str], list[_Match], list[str]]] = {}
    for rule in RULES if rules is None else rules:
        matches = _find(rule.terms, parts, rule.fields)
        if not matches:
            continue
        if _find(rule.unless, parts, rule.unless_fields):
            continue
        described = _describe(matches)
        reason = rule.why.replace("{matched}", described) if "{matched}" in rule.why else f"{rule.why}: {described}"
        for clause_id in rule.clause_ids:
            if clause_id not in cat:
                continue
            topics, found, reasons = merged.setdefault(clause_id, ([], [], []))
            if rule.topic not in topics:
                topics.append(rule.topic)
            found.extend(matches)
            reasons.append(reason)

    order = {cid: i for i, cid in enumerate(cat.ids())}
    out = []
    for cid, (topics, found, reasons) in sorted(merged.items(), key=lambda kv: order[kv[0]]):
        words = tuple(dict.fromkeys(w for _, _, w in sorted(found)))
        out.append(Suggestion(clause_id=cid, topic="; ".join(topics), matched=words, reason="; ".join(reasons)))
    return out


def _author_bio(item) -> str | None:
    """The author's self-description, where the captured page's JSON-LD gives one."""
    import json

    if item.kind != "capture" or not item.has("metadata"):
        return None
    try:
        meta = json.loads(item.path("metadata").read_bytes())
    except (OSError, ValueError):
        return None
    for block in (meta.get("page") or {}).get("json_ld") or []:
        parsed = block.get("parsed")
        for node in parsed if isinstance(parsed, list) else [parsed]:
            author = node.get("author") if isinstance(node, dict) else None
            if isinstance(author, list):
                author = author[0] if author else None
            if isinstance(author, dict) and isinstance(author.get("description"), str):
                return author["description"]
    return None


def suggest_for_item(item, catalogue: Catalogue | None = None, *,
                     ocr_text: str | None = None) -> tuple[str, list[Suggestion]]:
    """(the post text read, suggestions) for an evidence item; ("", []) when the item has no text.

    ``ocr_text`` (the item's OCR text layer) is read when the item has no post text: a supplied screenshot."""
    post = item.post() if hasattr(item, "post") else {}
    text = post.get("text") or ocr_text or ""
    if not text:
        return "", []
    return text, suggest(text, catalogue, author=post.get("author_name"), author_bio=_author_bio(item))


def suggest_view(item, policy: str | None = None, *, ocr_text: str | None = None) -> dict:
    """What ``evidence suggest`` shows: the label, the item, the text read and the suggestions."""
    from .catalogue import load_catalogue

    text, found = suggest_for_item(item, load_catalogue(policy), ocr_text=ocr_text)
    return {"label": LABEL, "item": item.id, "kind": item.kind, "text": text, "suggestions": found}
