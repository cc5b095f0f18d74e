"""Commands of the approval group: ``approve`` (a supervisor approves a case's contents)."""

from __future__ import annotations

import click

from .common import Ctx, case_option, cli, emit_json, json_option, pass_ctx, say


@cli.command("approve")
@case_option
@click.option("--note", help="A statement recorded with the approval (e.g. what you reviewed).")
@json_option
@pass_ctx
def approve_cmd(c: Ctx, case_ref, note, as_json) -> None:
    """Approve a case's evidence and allegations as they are now (a supervisor's key).

    The approval is a signed custody entry naming every item's record hash and every allegation's
    status; evidence added or allegations changed afterwards are not covered (approve again).
    You may not approve a case in which you took in evidence or made allegations.

    \b
    Example:
        evidence approve --case SMP-2026-014 --note "reviewed all exhibits with the panel secretary"
    """
    r = c.ev().approve_case(case_ref, note=note)
    if as_json:
        from evidence import outputs

        emit_json(outputs.approval(r))
        return
    say(f"Approved case {r['case']}: {r['items']} item(s), {r['allegations']} allegation(s), by {r['by']['name']} "
        f"({r['by']['role']}) at {r['time']} (custody entry {r['seq']})")
    say(f"Contents SHA-256 {r['contents_sha256']}")
