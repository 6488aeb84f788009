# The two commands a new user needs: `make run` and `make test`. Everything else is detail.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.PHONY: help run test lint format install clean bench

VENV := .venv
VPY := $(VENV)/bin/python
# The first Python >= 3.12 found: the pyenv version named in .python-version, then PATH.
PYTHON ?= $(shell for p in "$$(pyenv root 2>/dev/null)/versions/$$(cat .python-version 2>/dev/null)/bin/python" \
	"$$HOME/.pyenv/versions/$$(cat .python-version 2>/dev/null)/bin/python" \
	python3.14 python3.13 python3.12 python3 python; do \
	command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)

help:
	@echo "make run   - the whole product (web, worker, beat) with demo data on http://127.0.0.1:$${PORT:-8000}"
	@echo "make test  - the whole test suite against PostgreSQL and Redis"
	@echo "make bench SIZE=100000 - every benchmark beside its baseline, into docs/benchmarks.md"

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: no Python >= 3.12 found (tried pyenv, python3.12+, python3). Install Python 3.12 or set PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@echo "[helpdesk] installing into $(VENV) with $(PYTHON)"
	@[ -x $(VPY) ] || "$(PYTHON)" -m venv $(VENV)
	@set -o pipefail; $(VPY) -m pip install -q -e ".[dev]" 2>&1 | { grep -v '^WARNING: Location' || true; }
	@touch $@

install: $(VENV)/.installed

run: install
	@$(VPY) -m helpdesk.dev run

# Two pytest-xdist workers (one per core here); JOBS=0 runs in one process.
JOBS ?= 2

test: install
	@$(VPY) -m helpdesk.dev test -n $(JOBS) $(ARGS)

# A database of SIZE seeded tickets (helpdesk_bench_SIZE on DATABASE_URL's server, else the
# embedded one; seeded on first use), every bench/ scenario, the tables into OUT.
SIZE ?= 100000
ROUNDS ?= 5
OUT ?= docs/benchmarks.md

bench: install
	@$(VPY) -m bench.suite --size $(SIZE) --rounds $(ROUNDS) --out $(OUT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo --no-cache
	HELPDESK_DEV=1 DATABASE_POOL=0 $(VPY) manage.py makemigrations --check --dry-run 2>&1 | grep -v -e RuntimeWarning -e "warnings.warn" ; test $${PIPESTATUS[0]} -eq 0
	HELPDESK_DEV=1 $(VENV)/bin/mypy helpdesk customers tickets channels_inbox surveys helpcentre privacy reports desk portal

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/pg var/redis var/staticfiles var/celerybeat-schedule
