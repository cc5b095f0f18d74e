#!/usr/bin/env python3
"""Run the ``evidence`` command line from a checkout without installing it: ``python cli.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evidence.cli import main, run  # noqa: E402

if __name__ == "__main__":
    run()
