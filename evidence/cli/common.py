"""What every command shares: the root group, the context (store, key, passphrase), printing, and the one
place where library errors become a message and an exit code (:func:`main`).

Only click, :mod:`evidence.errors` and (lazily, inside commands) :mod:`evidence.api` are imported here, so
``evidence --help`` starts quickly.
"""

from __future__ import annotations

import json
import os
import re
import sys

import click

import evidence
from evidence import errors

PASS_ENV = "EVIDENCE_PASSPHRASE"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def api():
    """The library API, imported on first use (not at startup)."""
    from evidence import api as _api

    return _api


class Ctx:
    def __init__(self, store: str | None, key_file: str | None):
        self.store = store
        self.key_file = key_file
        self._ev = None

    def passphrase(self) -> bytes:
        env = os.environ.get(PASS_ENV)
        if env is not None:
            return env.encode("utf-8")
        if not sys.stdin.isatty():
            raise errors.WrongPassphrase("a passphrase is needed to unlock the key",
                                         hint=f"set {PASS_ENV}, or run in a terminal to be asked")
        return click.prompt("Passphrase for your signing key", hide_input=True, err=True).encode("utf-8")

    def ev(self):
        if self._ev is None:
            self._ev = api().Evidence.open(self.store, key_file=self.key_file, passphrase=self.passphrase)
        return self._ev

    def close(self) -> None:
        if self._ev is not None:
            for w in self._ev.warnings:
                warn(w)
            self._ev.close()


pass_ctx = click.make_pass_decorator(Ctx)

# ---------------------------------------------------------------- printing
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def visible(value) -> str:
    """``value`` as text with control characters made visible (ESC -> ``\\x1b``), for printing to a terminal.

    Text from posts, case titles, names and notes is someone else's: an ANSI escape in it must not
    move the cursor, recolour the screen or hide what follows."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


def say(text: str = "", **kw) -> None:
    """Print one line; control characters in it are made visible (except newlines and tabs)."""
    click.echo("\n".join(visible(line) for line in str(text).split("\n")), **kw)


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def warn(msg: str) -> None:
    click.secho(f"warning: {visible(msg)}", fg="yellow", err=True)


def table(rows: list[list], headers: list[str]) -> None:
    if not rows:
        return
    rows = [[visible(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    click.echo("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip())
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def short(fp: str) -> str:
    return fp.replace("sha256:", "")[:16]


class OldNames(click.Option):
    """An option whose names after the first are older spellings: accepted, not shown in --help."""

    def get_help_record(self, ctx):
        names, self.opts = self.opts, self.opts[:1]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = names


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (schema: schemas/cli-*.schema.json).")
case_option = click.option("--case", "case_ref", required=True, metavar="REF", help="The case's reference, e.g. SMP-2026-014.")


# ---------------------------------------------------------------- the root group
@click.group(context_settings=CONTEXT)
@click.version_option(evidence.__version__, prog_name="evidence")
@click.option("--store", envvar="EVIDENCE_STORE", type=click.Path(file_okay=True, dir_okay=True),
              help="The store folder (default: EVIDENCE_STORE, then your data directory). Also accepted after the command.")
@click.option("--key-file", envvar="EVIDENCE_KEY", type=click.Path(),
              help="Your private key file (default: EVIDENCE_KEY, then the key made by `evidence key create`). "
                   "Also accepted after the command.")
@click.pass_context
def cli(ctx: click.Context, store: str | None, key_file: str | None) -> None:
    """Preserve reported social-media posts as signed, verifiable evidence.

    \b
    Example:
        evidence init
        evidence key create --name "A. Investigator" --email a@uni.example
        evidence case open SMP-2026-014 --title "Posts about a colleague"
        evidence capture https://example.org/post/1 --case SMP-2026-014
        evidence bundle --case SMP-2026-014 --out pack.zip
    """
    obj = Ctx(store, key_file)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


# ---------------------------------------------------------------- the entry point
def _expand_evidence(argv: list[str]) -> list[str]:
    """``--evidence A B C`` -> ``--evidence A --evidence B --evidence C`` (click options take one value)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        out.append(tok)
        if tok == "--evidence":
            i += 1
            first = True
            while i < len(argv) and not argv[i].startswith("-"):
                if not first:
                    out.append("--evidence")
                out.append(argv[i])
                first = False
                i += 1
            continue
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command line; map every library error to its one-line message and exit code (the one place)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "allege" in argv:
        argv = _expand_evidence(argv)
    try:
        code = cli.main(args=argv, prog_name="evidence", standalone_mode=False)
        return code if isinstance(code, int) else 0  # click returns an Exit's code when not standalone
    except errors.EvidenceError as exc:
        click.secho(f"error: {visible(exc)}", fg="red", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: say so, keep the traceback available
        if os.environ.get("EVIDENCE_DEBUG"):
            raise
        click.secho(f"internal error: {type(exc).__name__}: {exc} (set EVIDENCE_DEBUG=1 for a traceback and report it)",
                    fg="red", err=True)
        return 1


def run() -> None:
    """The ``evidence`` console command: :func:`main`, then the process ends with its exit code."""
    code = main()
    # Everything is written, closed and flushed by now. Freezing the objects spares the interpreter's last
    # garbage collection over the ~70,000 objects a capture leaves (about 0.05 s of a 1.5 s capture; memory
    # is given back with the process). Not in main(), which tests and other programs call in-process.
    import gc

    gc.freeze()
    sys.exit(code)
