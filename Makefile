# Sanshe (三社) — two commands on a fresh machine:
#   make demo    install everything, migrate, seed the demo district, run server + task worker on :8000
#   make test    install whatever is missing and run the whole test suite (SQLite; PostgreSQL via DATABASE_URL)
# and then `make bench`. See README.md. Targets are idempotent: a second run only does what changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Extra arguments for pytest, e.g. `make test ARGS="-k territory -x"`.
ARGS   ?=
# Test processes (pytest-xdist): one per core by default; JOBS=0 runs in this process.
JOBS   ?= auto

PY_STAMP   := $(VENV)/.sanshe-installed
NODE_STAMP := node_modules/.sanshe-installed
PO_FILES   := $(wildcard sanshe/locale/*/LC_MESSAGES/*.po)
MO_FILES   := $(PO_FILES:.po=.mo)

.PHONY: help deps migrate seed demo serve test check lint messages bench totp clean distclean

help:
	@echo "make demo     install, migrate an SQLite database under var/, seed the demo district, and run the"
	@echo "              server and a task worker on http://$(HOST):$(PORT) (PORT=8001 make demo); Ctrl-C stops both"
	@echo "make test     install what is missing and run the whole suite (SQLite; PostgreSQL when DATABASE_URL"
	@echo "              points there); ARGS=\"-k name\" passes arguments to pytest"
	@echo "make bench    district-scale benchmarks on SQLite and (if reachable) PostgreSQL"
	@echo "make totp USER=system_admin   current TOTP code of a demo administrator"
	@echo "make check    Django system checks and missing migrations;  make lint   ruff"
	@echo "make clean    remove var/ (the demo database);  make distclean   also .venv and node_modules"

# --- installation ---------------------------------------------------------------------------------------------
# Python: a virtualenv with exactly the pinned set in requirements.lock (--no-deps: nothing unpinned sneaks in;
# pip check proves the set is complete).
$(PY_STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sanshe needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(PY) || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the pinned Python packages (requirements.lock)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-input --no-deps -r requirements.lock 2>&1 \
	  | grep -v "is neither a file nor a directory"; exit $${PIPESTATUS[0]}
	@$(PY) -m pip check --disable-pip-version-check
	@touch $@

# Front-end assets (htmx, Leaflet, ECharts) from the npm registry, exactly as package-lock.json says.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || .ci/apt-install nodejs npm
	@echo "Installing the front-end packages (npm ci)"
	@npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# Translations: compile each .po that is newer than its .mo.
%.mo: %.po
	@command -v msgfmt >/dev/null || .ci/apt-install gettext
	msgfmt --check-format -o $@ $<

deps: $(PY_STAMP) $(NODE_STAMP) $(MO_FILES)

# --- the demo -------------------------------------------------------------------------------------------------
migrate: deps
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 1

seed: migrate
	@$(PY) manage.py seed_demo

demo: seed
	@$(PY) manage.py serve --host $(HOST) --port $(PORT)

# The server and a task worker without (re)seeding.
serve: migrate
	@$(PY) manage.py serve --host $(HOST) --port $(PORT)

# USER must come from the command line (the environment's USER is the login name).
totp: deps
	@if [ "$(origin USER)" != "command line" ]; then echo "usage: make totp USER=system_admin"; exit 2; fi
	@$(PY) manage.py totp_code "$(USER)"

# --- tests ----------------------------------------------------------------------------------------------------
# On SQLite (in memory) by default; on PostgreSQL when DATABASE_URL points there (pytest-django creates
# test_<name>). End-to-end tests need Debian's chromium: installed here when missing (apt-get, as root); if it
# cannot be, the e2e tests are skipped locally and FAIL under CI=true. pytest's exit code 5 (no tests collected)
# passes with a warning locally and fails under CI.
test: deps
	@.ci/ensure-chromium
	@.ci/describe-database
	@$(PY) -m pytest $(if $(filter 0,$(JOBS)),,-n $(JOBS)) $(ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  echo "!! pytest collected no tests (exit code 5)$(if $(ARGS), for ARGS=$(ARGS),)"; \
	  if [ -n "$$CI" ]; then exit 1; else exit 0; fi; \
	fi; exit $$rc

check: deps
	@$(PY) manage.py check
	@$(PY) manage.py makemigrations --check --dry-run

lint: deps
	@$(VENV)/bin/ruff check .

# After adding UI strings: extract them into the .po, translate the new entries, then `make deps` compiles.
messages: deps
	@$(PY) manage.py makemessages -l zh_Hans -i ".venv/*" -i "node_modules/*" -i "var/*" -i "bench/*"
	@echo "Untranslated entries:"; $(PY) -c 'import re,sys; t=open("sanshe/locale/zh_Hans/LC_MESSAGES/django.po",encoding="utf-8").read(); print(len(re.findall(r"\nmsgstr \"\"\n\n", t)))'

# --- benchmarks -----------------------------------------------------------------------------------------------
bench: deps
	@$(PY) bench/run.py $(ARGS)

clean:
	rm -rf var

distclean: clean
	rm -rf $(VENV) node_modules staticfiles test-artifacts
