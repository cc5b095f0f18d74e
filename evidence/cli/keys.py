"""``evidence key ...``: investigators' signing keys."""

from __future__ import annotations

import os
import sys

import click

from evidence import errors

from .common import OldNames, PASS_ENV, Ctx, cli, emit_json, json_option, pass_ctx, say, table

# The same as evidence.keys.ROLES (a test checks it): listed here so that --help needs no library import.
ROLES = ("investigator", "examiner", "reviewer", "supervisor", "administrator")


@cli.group()
def key() -> None:
    """Investigators' signing keys: create, register, approve, list, export.

    \b
    Example:
        evidence key create --name "A. Investigator" --email a@uni.example
        evidence key list
    """


@key.command("create")
@click.option("--name", required=True, help="Your name, as it should appear in records.")
@click.option("--email", required=True, help="Your e-mail address, as it should appear in records.")
@click.option("--role", default="investigator", show_default=True, type=click.Choice(ROLES),
              help="Your role; supervisors and administrators may approve other keys.")
@click.option("--out", "--key-file", "key_out", type=click.Path(), cls=OldNames,
              help="Where to write the private key (default: your config folder).")
@click.option("--no-register", is_flag=True, help="Only make the key; do not register it in the store.")
@click.option("--new", "new", is_flag=True,
              help="Make another key even if one with this name and e-mail exists already.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (schema: schemas/cli-key-create.schema.json).")
@pass_ctx
def key_create(c: Ctx, name: str, email: str, role: str, key_out: str | None, no_register: bool, new: bool,
               as_json: bool) -> None:
    """Make an Ed25519 key pair, protected by a passphrase, and register it in the store.

    The passphrase is read from EVIDENCE_PASSPHRASE, or asked for in a terminal.

    \b
    Example:
        evidence key create --name "A. Investigator" --email a@uni.example --role investigator
    """
    from .common import api

    env = os.environ.get(PASS_ENV)
    if env is not None:
        pw = env.encode("utf-8")
    elif sys.stdin.isatty():
        pw = click.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True).encode("utf-8")
    else:
        raise errors.InputError("a passphrase is needed for the new key", hint=f"set {PASS_ENV}, or run in a terminal")
    made = api().Evidence.create_key(name, email, role, pw, key_file=key_out, store=c.store,
                                     register=not no_register, new=new)
    if as_json:
        from evidence import outputs

        emit_json(outputs.key_created(made))
        return
    signer = made.signer
    say(f"Created key {signer.fingerprint}")
    say(f"  private key: {signer.key_file} (mode 0600; keep it and its passphrase to yourself)")
    if no_register:
        return
    if made.store is None:
        say(f"Not registered in a store ({made.not_registered}); run `evidence key register` once the store exists.")
        return
    say(f"Registered in store {made.store}.")


@key.command("register")
@pass_ctx
def key_register(c: Ctx) -> None:
    """Register your existing key in this store (for a store shared by several investigators).

    \b
    Example:
        evidence key register --store /shared/evidence --key-file ~/my.key
    """
    ev = c.ev()
    row = ev.register_key()
    say(f"Key {row['fingerprint']} ({row['name']}) is registered in {ev.store.path}.")


@key.command("approve")
@click.argument("fingerprint")
@pass_ctx
def key_approve(c: Ctx, fingerprint: str) -> None:
    """Trust another investigator's registered key to write in this store (supervisor or administrator).

    FINGERPRINT may be the start of a fingerprint, as `evidence key list` shows it.

    \b
    Example:
        evidence key approve 3f2a9c01d4e5b6a7
    """
    row = c.ev().approve_key(fingerprint)
    say(f"Approved key {row['fingerprint']} ({row['name']}, {row['role']}): it may now write in this store.")


@key.command("list")
@json_option
@pass_ctx
def key_list(c: Ctx, as_json: bool) -> None:
    """The public keys registered in the store.

    \b
    Example:
        evidence key list --json
    """
    keys = c.ev().keys()
    if as_json:
        from evidence import outputs

        emit_json(outputs.keys(keys))
        return
    if not keys:
        say("No keys registered. Make one with `evidence key create`.")
    table([[k["fingerprint"], k["name"], k["email"], k["role"], "yes" if k.get("trusted") else "no", k["registered_utc"]]
           for k in keys], ["FINGERPRINT", "NAME", "EMAIL", "ROLE", "TRUSTED", "REGISTERED"])


@key.command("export")
@click.argument("fingerprint")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the PEM to this new file instead of standard output.")
@pass_ctx
def key_export(c: Ctx, fingerprint: str, out: str | None) -> None:
    """Print a registered public key (PEM), for a reader to check signatures with openssl.

    \b
    Example:
        evidence key export 3f2a9c01 --out investigator.pem
    """
    if out:
        k = c.ev().export_key(fingerprint, out)
        say(f"Wrote {k['fingerprint']} to {out}")
    else:
        click.echo(c.ev().key(fingerprint)["public_pem"], nl=False)
