# The two commands of the README's Quick start, and their parts.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test bench clean cli-docs

setup:
	@scripts/setup.sh

demo: setup
	$(PY) cli.py demo --out demo-output

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf build dist *.egg-info .pytest_cache

# docs/cli.md is generated from the command line itself (a test checks it is current)
cli-docs: setup
	$(PY) -m evidence.cli.docs
