# Two commands do all the set-up: `make demo` and `make test`. Both build .venv first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python 3.12+: on PATH first, then through pyenv (whose bare shims refuse to run).
PYTHON ?= $(shell for c in python3.13 python3.12 python3; do \
	  command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; exit; }; \
	done; \
	if command -v pyenv >/dev/null 2>&1; then \
	  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do \
	    echo "$$(pyenv root)/versions/$$v/bin/python3"; exit; \
	  done; \
	fi)

.PHONY: venv demo test test-cluster bench lint format-check clean screenshots

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.12' or your OS package python3.12) and retry, or run 'make PYTHON=/path/to/python3.12 ...'."; \
	  exit 1; \
	fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m dashboard.demo

# Two test processes per CPU: most tests wait on a worker, a server or a socket, not the CPU, and
# this is what halved the suite's time on two cores (docs/performance.md, session 15).
PYTEST_ARGS ?= -n $(shell echo $$(( $$(nproc) * 2 )))

# Browser tests run on their own: Playwright's sync API keeps an event loop running in its
# thread for as long as its browser lives, which other tests on the same worker must not meet.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS) -m "not browser and not cluster"
	$(PY) -m pytest $(PYTEST_ARGS) -m "browser"

# Seven hosts in network namespaces on this machine (tests/cluster/, issue 24): needs root,
# iproute2, nginx and PostgreSQL's and Redis's binaries; about six minutes on two cores.
test-cluster: $(STAMP)
	$(PY) -m pytest -n 0 -m cluster tests/cluster

bench: $(STAMP)
	$(PY) -m bench

# PNGs of each main page at 1440 and 390 px wide (light, the main ones dark too) under
# docs/screenshots/, from a sandbox and demo data of their own; needs Chromium, not Redis.
screenshots: $(STAMP)
	$(PY) -m dashboard.screenshots

# Every check CI runs before the tests: ruff (rules, then layout), the import contracts in
# [tool.importlinter], mypy on the paths in [tool.mypy] `files`, djLint on templates, and no model
# change without its migration.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	@$(MAKE) --no-print-directory format-check
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run

# `ruff format .` fixes what this reports.
format-check: $(STAMP)
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var
