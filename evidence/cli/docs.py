"""Write ``docs/cli.md`` from the click app itself: ``python -m evidence.cli.docs [--check]``.

Every command's --help (summary, options, example) in one page, so the reference cannot drift from
the code; ``tests/test_cli_help.py`` checks the page is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import cli

HEADER = """# The `evidence` command line

Generated from the command line itself by `python -m evidence.cli.docs` (do not edit by hand; a test
checks it is current). Every command also takes `--store DIR` and `--key-file FILE`, before or after the
command name, and `-h`/`--help`. Exit codes are listed in `evidence/errors.py` (0 success, 2 usage,
3 store, 4 key, 5 not found, 6 bad input, 7 capture failed, 8 verification found a problem,
9 timestamp, 10 some items of a batch failed, 11 disk full). With `--json`, each output follows
`schemas/cli-<name>.schema.json` (see `evidence/outputs.py` for which).
"""


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, (*path, name))


def render() -> str:
    parts = [HEADER]
    parts.append("## Commands\n\n" + "\n".join(
        f"- [`evidence {' '.join(p)}`](#evidence-{'-'.join(p)}): {c.short_help or ''}" for p, c in _walk(cli)) + "\n")
    for path, cmd in [((), cli), *_walk(cli)]:
        name = " ".join(("evidence", *path))
        parent = None
        ctx = click.Context(cli, info_name="evidence", max_content_width=100, terminal_width=100,
                            help_option_names=["-h", "--help"])
        for part in path:
            parent = ctx
            group = ctx.command
            ctx = click.Context(group.commands[part], info_name=part, parent=parent, max_content_width=100,
                                terminal_width=100, help_option_names=["-h", "--help"])
        text = cmd.get_help(ctx)
        parts.append(f"## {name}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
    text = render()
    if "--check" in argv:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(f"{target} is out of date: run python -m evidence.cli.docs", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
