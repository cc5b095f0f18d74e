"""Every command's --help: a one-line summary, help for every option, at least one example."""

from __future__ import annotations

import click
import pytest

from evidence.cli import cli


def walk(group: click.Group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from walk(cmd, (*prefix, name))


COMMANDS = [((), cli), *walk(cli)]


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) or "evidence" for p, _ in COMMANDS])
def test_help_has_summary_option_help_and_example(run, path, cmd):
    r = run(*path, "--help")
    assert r.code == 0, r
    summary = cmd.help.strip().splitlines()[0]
    assert summary.endswith((".", ")")) and "(e.g." not in summary.replace("(e.g. ", "") and len(summary) < 110, summary
    assert summary in " ".join(r.out.split())
    assert "Example:" in r.out and "\b" in cmd.help, path
    example = " ".join(r.out.split("Example:", 1)[1].split())
    assert "evidence " + " ".join(path) in example or "evidence " + " ".join(path[:-1]) in example, (path, example)
    for p in cmd.params:
        if isinstance(p, click.Option) and not p.hidden and "--help" not in p.opts:
            assert p.help and p.help.strip(), (path, p.opts)


def test_group_listing_shows_whole_summaries(run):
    out = run("--help").out
    for name, cmd in cli.commands.items():
        assert cmd.short_help.endswith((".", ")")), name
    assert "..." not in out.split("Commands:")[1]
