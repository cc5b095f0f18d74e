"""``evidence case ...``: open, update, list, show and close cases."""

from __future__ import annotations

import click

from .common import Ctx, cli, emit_json, json_option, pass_ctx, say, table


@cli.group()
def case() -> None:
    """Open, update, list, show and close cases.

    \b
    Example:
        evidence case open SMP-2026-014 --title "Posts about a colleague"
        evidence case list
    """


@case.command("open")
@click.argument("ref")
@click.option("--title", required=True, help="A short title for the case.")
@click.option("--subject", help="Whom the reported posts are about, or by.")
@click.option("--complainant", help="Who reported them.")
@json_option
@pass_ctx
def case_open(c: Ctx, ref: str, title: str, subject: str | None, complainant: str | None, as_json: bool) -> None:
    """Open a case with reference REF, such as SMP-2026-014.

    \b
    Example:
        evidence case open SMP-2026-014 --title "Posts about a colleague" --subject "J. Doe" --complainant "K. Smith"
    """
    row = c.ev().open_case(ref, title=title, subject=subject, complainant=complainant)
    if as_json:
        from evidence import outputs

        emit_json(outputs.case(row))
        return
    say(f"Opened case {row['ref']}: {row['title']}")


@case.command("update")
@click.argument("ref")
@click.option("--title", help="The case's new title.")
@click.option("--subject", help="Whom the reported posts are about, or by (new value).")
@click.option("--complainant", help="Who reported them (new value).")
@json_option
@pass_ctx
def case_update(c: Ctx, ref: str, title: str | None, subject: str | None, complainant: str | None,
                as_json: bool) -> None:
    """Change an open case's title or parties (the change is signed and logged).

    \b
    Example:
        evidence case update SMP-2026-014 --subject "J. Doe (School of Law)"
    """
    row = c.ev().update_case(ref, title=title, subject=subject, complainant=complainant)
    if as_json:
        from evidence import outputs

        emit_json(outputs.case(row))
        return
    say(f"Updated case {row['ref']}: {row['title']}")


@case.command("list")
@json_option
@pass_ctx
def case_list(c: Ctx, as_json: bool) -> None:
    """Every case in the store.

    \b
    Example:
        evidence case list --json
    """
    cases = c.ev().cases()
    if as_json:
        from evidence import outputs

        emit_json([outputs.case(x) for x in cases])
        return
    if not cases:
        say("No cases yet. Open one with `evidence case open REF --title ...`.")
    table([[x["ref"], x["status"], x["items"], x["opened_utc"], x["title"]] for x in cases],
          ["CASE", "STATUS", "ITEMS", "OPENED", "TITLE"])


@case.command("show")
@click.argument("ref")
@json_option
@pass_ctx
def case_show(c: Ctx, ref: str, as_json: bool) -> None:
    """One case and its items.

    \b
    Example:
        evidence case show SMP-2026-014
    """
    ev = c.ev()
    row = ev.case(ref)
    items = [i.summary() for i in ev.items(row["ref"])]
    if as_json:
        from evidence import outputs

        emit_json(outputs.case(row, items=items))
        return
    for k in ("ref", "title", "subject", "complainant", "status", "opened_utc", "closed_utc", "close_reason"):
        if row.get(k):
            say(f"{k.replace('_utc', '').replace('_', ' ').capitalize():12} {row[k]}")
    say(f"{'Items':12} {len(items)}")
    for i in items:
        say(f"  {i['id']}  {i['kind']:9} {i['created']}  {i['source']}")


@case.command("close")
@click.argument("ref")
@click.option("--reason", required=True, help="Why the case is closed (recorded).")
@pass_ctx
def case_close(c: Ctx, ref: str, reason: str) -> None:
    """Close a case: nothing more can be added to it.

    \b
    Example:
        evidence case close SMP-2026-014 --reason "panel decided 2026-12-01"
    """
    row = c.ev().close_case(ref, reason=reason)
    say(f"Closed case {row['ref']}.")
