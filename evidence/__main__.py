"""``python -m evidence``: the command line."""

from evidence.cli import run

run()
