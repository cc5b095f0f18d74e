"""Commands of the archive group: ``export --wacz`` (the WACZ half of ``export``) and ``browse``."""

from __future__ import annotations

import click

from .common import Ctx, cli, say  # noqa: F401


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
