"""The policy: ``clauses``, ``allege`` (and ``allege withdraw``/``list``), ``suggest``, ``redact``."""

from __future__ import annotations

import click

from .common import Ctx, api, case_option, cli, emit_json, json_option, pass_ctx, say

POLICY_HELP = "Another institution's clause catalogue (JSON); default: the built-in Leeds policy."


@cli.command("clauses")
@click.option("--search", "word", help="Only clauses mentioning this word.")
@click.option("--policy", type=click.Path(dir_okay=False), help=POLICY_HELP)
@json_option
def clauses(word: str | None, policy: str | None, as_json: bool) -> None:
    """List the policy's clauses (the University of Leeds Social Media Policy unless --policy).

    \b
    Example:
        evidence clauses --search harass
    """
    cat, found = api().clauses(policy, search=word)
    if as_json:
        emit_json({"policy": {"id": cat.policy_id, "title": cat.title, "version": cat.version, "sha256": cat.sha256},
                   "clauses": [c.as_dict() for c in found]})
        return
    say(f"{cat.title} ({cat.institution}), version {cat.version}, {cat.sha256}")
    if not found:
        say(f"No clause mentions {word!r}.")
    for c in found:
        say(f"{c.id:28} [{c.kind}] {c.title}")
        say(f"{'':28} {c.quoted()[:300]}{'...' if len(c.quoted()) > 300 else ''}")


@cli.group("allege", invoke_without_command=True)
@click.option("--case", "case_ref", metavar="REF", help="The case's reference (required to allege).")
@click.option("--clause", help="The clause allegedly breached, as `evidence clauses` lists it (e.g. 6.1).")
@click.option("--evidence", "evidence_ids", multiple=True, help="Item ids (several may follow one --evidence).")
@click.option("--summary", help="Your reasoning: why the exhibits breach the clause.")
@click.option("--policy", type=click.Path(dir_okay=False), help=POLICY_HELP)
@json_option
@click.pass_context
def allege(ctx: click.Context, case_ref, clause, evidence_ids, summary, policy, as_json) -> None:
    """Link exhibits to the policy clause they allegedly breach (signed and logged).

    \b
    Example:
        evidence allege --case SMP-2026-014 --clause 6.1 --evidence 01JD3M4Q8Z 01JD3M5R2A --summary "Threats"
        evidence allege list --case SMP-2026-014
    """
    if ctx.invoked_subcommand:
        return
    missing = [n for n, v in (("--case", case_ref), ("--clause", clause), ("--evidence", evidence_ids),
                              ("--summary", summary)) if not v]
    if missing:
        raise click.UsageError("missing " + ", ".join(missing) + " (e.g. evidence allege --case REF --clause 6.1 "
                               "--evidence ITEM [ITEM...] --summary \"...\")")
    c = ctx.find_object(Ctx)
    a = c.ev().allege(case=case_ref, clause=clause, evidence=list(evidence_ids), summary=summary, policy=policy)
    if as_json:
        from evidence import outputs

        emit_json(outputs.allegation(a))
        return
    say(f"Allegation {a['id']}: clause {a['clause']} in case {a['case']}, exhibits {', '.join(a['evidence'])}")


@allege.command("withdraw")
@click.argument("allegation_id")
@click.option("--reason", required=True, help="Why it is withdrawn (recorded).")
@pass_ctx
def allege_withdraw(c: Ctx, allegation_id: str, reason: str) -> None:
    """Withdraw an allegation (it is kept, marked withdrawn, with the reason).

    \b
    Example:
        evidence allege withdraw 01JD3N0000 --reason "complainant withdrew"
    """
    a = c.ev().withdraw_allegation(allegation_id, reason=reason)
    say(f"Withdrew allegation {a['id']} (clause {a['clause']}).")


@allege.command("list")
@case_option
@json_option
@pass_ctx
def allege_list(c: Ctx, case_ref: str, as_json: bool) -> None:
    """The allegations of a case, withdrawn ones included.

    \b
    Example:
        evidence allege list --case SMP-2026-014 --json
    """
    rows = c.ev().allegations(case_ref)
    if as_json:
        from evidence import outputs

        emit_json([outputs.allegation(a) for a in rows])
        return
    if not rows:
        say(f"No allegations in case {case_ref}.")
    for a in rows:
        say(f"{a['id']}  {a['status']:9} clause {a['clause']:10} exhibits {', '.join(a['evidence'])}")
        say(f"    {a['summary']}")
        if a["withdrawn_reason"]:
            say(f"    withdrawn: {a['withdrawn_reason']}")


@cli.command("suggest")
@click.argument("item_id")
@click.option("--policy", type=click.Path(dir_okay=False), help=POLICY_HELP)
@json_option
@pass_ctx
def suggest_cmd(c: Ctx, item_id: str, policy: str | None, as_json: bool) -> None:
    """Clauses a captured post's text may touch: an aid to the investigator, never an allegation.

    \b
    Example:
        evidence suggest 01JD3M4Q8Z
    """
    view = c.ev().suggest(item_id, policy=policy)
    text, found = view["text"], view["suggestions"]
    if as_json:
        from evidence import outputs

        emit_json(outputs.suggestions(view))
        return
    say(view["label"])
    if not text:
        say(f"Item {view['item']} has no post text to read (it is {'an image' if view['kind'] == 'import' else 'without text'}); "
            "look at it and allege by hand.")
        return
    if not found:
        say("No clause's indicator words appear in the text.")
    for sgn in found:
        say(f"  {sgn.clause_id:16} {sgn.topic}: matched {', '.join(repr(m) for m in sgn.matched)}")
        say(f"  {'':16} {sgn.reason}")


@cli.command("redact")
@click.argument("item_id")
@click.option("--region", "regions", multiple=True, help="x,y,w,h in pixels to black out (repeatable).")
@click.option("--term", "terms", multiple=True,
              help="A word or name to remove wherever the item shows it: blacked out in its screenshot, replaced by "
                   "[REDACTED] in every text a redacted pack carries (repeatable).")
@click.option("--reason", required=True, help="Why (recorded), e.g. \"third party's name\".")
@click.option("--role", help="Which image of the item (default: its screenshot, or the supplied image).")
@json_option
@pass_ctx
def redact_cmd(c: Ctx, item_id: str, regions: tuple[str, ...], terms: tuple[str, ...], reason: str, role: str | None,
               as_json: bool) -> None:
    """Make a redacted copy of an item for disclosure: regions and terms (the original is never changed).

    \b
    Example:
        evidence redact 01JD3M4Q8Z --term "Smith" --region 10,200,300,40 --reason "third party's name"
    """
    it = c.ev().redact(item_id, regions=list(regions), reason=reason, role=role, terms=list(terms))
    if as_json:
        from evidence import outputs

        emit_json(outputs.item(it))
        return
    art = next((a for a in it.artifacts if a["role"] == "redacted"), None)
    shown = f"{art['sha256']} ({art['image']['width']}x{art['image']['height']})" if art else "its record's text"
    say(f"Redacted copy {it.id} of item {it.derived_from}: {shown}")
