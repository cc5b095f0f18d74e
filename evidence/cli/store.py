"""The store: ``init``, ``config``, ``timestamp``, ``checkpoint``, ``verify``."""

from __future__ import annotations

import os
import sys

import click

from evidence import errors

from .common import PASS_ENV, Ctx, api, cli, emit_json, json_option, pass_ctx, say


@cli.command()
@json_option
@pass_ctx
def init(c: Ctx, as_json: bool) -> None:
    """Create a new, empty store.

    \b
    Example:
        evidence init --store ~/evidence-store
    """
    ev = api().Evidence.init(c.store)
    try:
        if as_json:
            emit_json({"store": str(ev.store.path), "store_id": ev.store.store_id})
            return
        say(f"Created evidence store {ev.store.path} (id {ev.store.store_id}).")
        say("Next: `evidence key create` (if you have no key yet), then `evidence case open`.")
    finally:
        ev.close()


@cli.group("config")
def config() -> None:
    """Store settings: timestamp authorities (tsa.url, tsa.root, tsa.timeout).

    \b
    Example:
        evidence config set tsa.url http://timestamp.example/tsr
        evidence config list
    """


@config.command("set")
@click.argument("key")
@click.argument("value")
@pass_ctx
def config_set(c: Ctx, key: str, value: str) -> None:
    """Set KEY to VALUE (tsa.root takes a PEM file; its certificates are stored).

    \b
    Example:
        evidence config set tsa.root tsa-root.pem
    """
    stored = c.ev().set_setting(key, value)
    say(f"{key} = {stored if key != 'tsa.root' else '(' + str(stored.count('BEGIN CERTIFICATE')) + ' certificate(s))'}")


@config.command("unset")
@click.argument("key")
@pass_ctx
def config_unset(c: Ctx, key: str) -> None:
    """Remove the setting KEY (back to its default).

    \b
    Example:
        evidence config unset tsa.url
    """
    c.ev().set_setting(key, None)
    say(f"{key} unset")


@config.command("list")
@json_option
@pass_ctx
def config_list(c: Ctx, as_json: bool) -> None:
    """Every setting of the store.

    \b
    Example:
        evidence config list --json
    """
    settings = c.ev().settings()
    if as_json:
        emit_json(settings)
        return
    for k, desc in api().SETTINGS.items():
        v = settings.get(k)
        if k == "tsa.root" and v:
            v = f"({v.count('BEGIN CERTIFICATE')} certificate(s))"
        say(f"{k:12} {v if v is not None else '(not set)'}    # {desc}")


@cli.command("timestamp")
@click.option("--pending", is_flag=True, required=True, help="Retry every token still pending.")
@pass_ctx
def timestamp_cmd(c: Ctx, pending: bool) -> None:
    """Retry trusted timestamps that a timestamp authority did not give before.

    \b
    Example:
        evidence timestamp --pending
    """
    r = c.ev().retry_timestamps()
    say(f"Retried {r['retried']} pending timestamp(s): {r['granted']} granted, {len(r['pending'])} still pending.")
    for row in r["pending"]:
        say(f"  pending {row['subject']} from {row['tsa_url']}: {row['last_error']}")
    if r["pending"]:
        raise errors.TimestampError(f"{len(r['pending'])} timestamp(s) still pending", hint="try again later")


@cli.group("checkpoint")
def checkpoint() -> None:
    """Signed checkpoints of the custody log (a Merkle tree).

    \b
    Example:
        evidence checkpoint export --out checkpoint.txt
    """


@checkpoint.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the signed checkpoint.")
@pass_ctx
def checkpoint_export(c: Ctx, out: str) -> None:
    """Write the latest signed checkpoint to a file to publish or send elsewhere (then `verify --since FILE`).

    \b
    Example:
        evidence checkpoint export --out checkpoint-2026-12-01.txt
    """
    r = c.ev().export_checkpoint(out)
    say(f"Wrote checkpoint of {r['size']} entries (root {r['root']}) to {out}")


@checkpoint.command("show")
@pass_ctx
def checkpoint_show(c: Ctx) -> None:
    """Print the latest signed checkpoint.

    \b
    Example:
        evidence checkpoint show
    """
    note = c.ev().latest_checkpoint()
    if note is None:
        say("No checkpoint yet (the custody log is empty).")
        return
    click.echo(note.decode(), nl=False)


@cli.command("verify")
@click.argument("item_id", required=False)
@click.option("--case", "case_ref", metavar="REF", help="Only this case.")
@click.option("--since", "since", type=click.Path(dir_okay=False),
              help="A checkpoint exported earlier: prove the log still extends it.")
@click.option("--trust", type=click.Path(dir_okay=False),
              help="A file of key fingerprints you trust (one per line); entries by other keys are reported.")
@json_option
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: when on a terminal).")
@click.option("--no-log", is_flag=True, help="Do not write this run to the custody log.")
@pass_ctx
def verify(c: Ctx, item_id: str | None, case_ref: str | None, since: str | None, trust: str | None, as_json: bool,
           progress: bool | None, no_log: bool) -> None:
    """Re-hash every artifact and check every record, signature and custody entry.

    \b
    Example:
        evidence verify
        evidence verify --case SMP-2026-014 --since checkpoint-2026-12-01.txt --trust panel-keys.txt
    """
    if item_id and case_ref:
        raise errors.InputError("give an ITEM or --case, not both")
    show_bar = sys.stderr.isatty() if progress is None else progress
    bar = None

    def on_progress(done: int, total: int) -> None:
        nonlocal bar
        if not show_bar:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Re-hashing artifacts", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    can_log = not no_log and (os.environ.get(PASS_ENV) is not None or sys.stdin.isatty())
    report = c.ev().verify(case=case_ref, item=item_id, progress=on_progress, log=can_log, since=since, trust=trust)
    if bar is not None:
        bar.__exit__(None, None, None)
    if as_json:
        emit_json(report.as_dict())
    else:
        cnt = report.counts
        say(f"Verified {report.scope}: {cnt.get('items', 0)} item(s), {cnt.get('artifacts', 0)} artifact(s), "
            f"{cnt.get('bytes', 0)} bytes, {cnt.get('custody_entries', 0)} custody entries.")
        for n in report.notes:
            say(f"note: {n}")
        if report.ok:
            say("OK: no problems found.")
        else:
            for p in report.problems:
                say(f"PROBLEM {p}")
            say(f"FAILED: {len(report.problems)} problem(s).")
    if not report.ok:
        raise click.exceptions.Exit(errors.IntegrityError.exit_code)
