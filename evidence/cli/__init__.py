"""The ``evidence`` command line: a thin click layer over :class:`evidence.api.Evidence`.

Each command parses its options, calls one library method, and prints. Errors from the library
(:class:`evidence.errors.EvidenceError`) become a one-line message and the exit code listed in
:mod:`evidence.errors`; that mapping lives only in :func:`evidence.cli.common.main`.

One module per command group: :mod:`.common` (root group, context, printing, exit codes), :mod:`.keys`,
:mod:`.cases`, :mod:`.items`, :mod:`.capture`, :mod:`.policy`, :mod:`.pack`, :mod:`.store`. The library is
imported only inside the commands that need it, so ``evidence --help`` starts quickly.

Run from a checkout without installing: ``python cli.py --help`` or ``python -m evidence --help``.
"""

from __future__ import annotations

import click

from . import approval, archive, capture, cases, items, keys, pack, policy, recapture, store  # noqa: F401  (each registers its commands)
from .common import Ctx, cli, main, run

__all__ = ["cli", "main", "run"]

# Commands that need no store or key: they take neither --store nor --key-file after the command.
_NO_STORE = {"verify-bundle", "clauses", "demo", "record"}


def _set_on_ctx(ctx: click.Context, param: click.Parameter, value):
    if value is not None:
        setattr(ctx.find_object(Ctx), param.name, value)
    return value


def _accept_global_options_after_the_command(group: click.Group) -> None:
    """``evidence case list --store X`` as well as ``evidence --store X case list``."""
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            _accept_global_options_after_the_command(cmd)
        if cmd.help and not cmd.short_help:
            cmd.short_help = cmd.help.strip().splitlines()[0]  # the whole first line, never cut off
        if name in _NO_STORE:
            continue
        taken = {o for p in cmd.params for o in getattr(p, "opts", [])}
        if "--store" not in taken:
            cmd.params.append(click.Option(["--store"], type=click.Path(), expose_value=False, callback=_set_on_ctx,
                                           is_eager=True, help="The store folder (as before the command)."))
        if "--key-file" not in taken:
            cmd.params.append(click.Option(["--key-file", "key_file"], type=click.Path(), expose_value=False,
                                           callback=_set_on_ctx, is_eager=True,
                                           help="Your private key file (as before the command)."))


_accept_global_options_after_the_command(cli)
