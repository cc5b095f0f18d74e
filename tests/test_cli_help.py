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


def test_docs_cli_md_is_current():
    """docs/cli.md is generated from the app (python -m evidence.cli.docs) and shows every command's example."""
    from evidence.cli import docs

    import difflib

    current = (docs.Path(docs.__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    assert docs.render() == current, "".join(list(difflib.unified_diff(current.splitlines(True), docs.render().splitlines(True)))[:40])
    text = (docs.Path(docs.__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for path, _ in COMMANDS:
        assert f"## {' '.join(('evidence', *path))}\n" in text, path
    assert text.count("Example:") >= len(COMMANDS)


def test_readme_using_it_names_only_real_commands_and_options():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Using it", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    named = set()
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("evidence "):
            continue
        words = line.split()[1:]
        cmd, path = cli, []
        while words and isinstance(cmd, click.Group) and words[0] in cmd.commands:
            cmd = cmd.commands[words.pop(0)]
            path.append(cmd.name)
        assert path, line
        named.add(" ".join(path))
        opts = {o for p in cmd.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
        for w in words:
            if w.startswith("--"):
                assert w.split("=", 1)[0] in opts, (line, w)
    leaves = {" ".join(p) for p, c in walk(cli) if not isinstance(c, click.Group) or c.invoke_without_command}
    assert leaves - named == set(), leaves - named
