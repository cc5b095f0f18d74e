"""Commands of the archive group: ``export --wacz`` (the WACZ half of ``export``) and ``browse``."""

from __future__ import annotations

import click

from .common import Ctx, cli, pass_ctx, say


def export_wacz(c: Ctx, item_id: str | None, out: str, case_ref: str | None, wacz: bool, roles: tuple[str, ...]) -> None:
    """``evidence export --wacz [ITEM_ID | --case REF] --out FILE.wacz`` (called by the export command)."""
    if not wacz:
        raise click.UsageError("--case goes with --wacz (a case's WACZ); to copy one item's files give its ITEM_ID")
    if roles:
        raise click.UsageError("--role does not go with --wacz: a WACZ holds the captures' WARCs")
    if (item_id is None) == (case_ref is None):
        raise click.UsageError("give either an ITEM_ID or --case REF with --wacz")
    res = c.ev().export_wacz(out=out, case=case_ref, item=item_id)
    say(f"{res['path']}  {res['sha256']}  {res['size']} bytes  {res['captures']} capture(s)")
    say(f"signed records and custody entries beside it: {res['sidecar']}")
    for p in res["pages"]:
        say(f"  page {p['ts']}  {p['url']}  {p.get('title') or ''}".rstrip())


@cli.command("browse")
@click.option("--port", type=int, default=8001, show_default=True, help="The port on 127.0.0.1 to serve on.")
@pass_ctx
def browse(c: Ctx, port: int) -> None:
    """Open the store in Datasette, read-only, on 127.0.0.1 (needs: pip install 'evidence[browse]').

    Tables, the posts view (searchable) and canned queries (a case's items, a post's custody,
    everything by one author). It shows the store as it was when started; Ctrl-C stops it.

    \b
    Example:
        evidence browse --port 8001
    """
    c.ev().browse(port=port, on_start=lambda url: say(f"Datasette (read-only) on {url}  (Ctrl-C to stop)"))
