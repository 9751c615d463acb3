# NovaDesk: `make run` starts the portal with demo data and a worker; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint format messages install migrate seed worker web clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# German catalogs are compiled here, from the .po files kept in the repository.
messages: $(STAMP)
	$(BIN)/pybabel compile --statistics -d locale -D django

migrate: install messages
	$(BIN)/python manage.py migrate --noinput

# Links in e-mails point at the port served, unless SITE_URL says otherwise.
DEV_SITE_URL = $${SITE_URL:-http://127.0.0.1:$${PORT:-8000}}

seed: migrate
	SITE_URL=$(DEV_SITE_URL) $(BIN)/python manage.py seed_demo

# PORT=8010 make run serves on another port.
run: seed
	SITE_URL=$(DEV_SITE_URL) $(BIN)/python manage.py run_dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/structure.py
	$(BIN)/python tools/annotations.py --min 100
	$(BIN)/python tools/typecheck.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The help-centre search has a PostgreSQL and an SQLite implementation: its tests run on both.
SEARCH_TESTS = tests/knowledge/test_search.py tests/tickets/test_desk_search.py
test: install messages lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-search.sqlite3 $(BIN)/python -m pytest -q $(SEARCH_TESTS)

# Realistic volume on PostgreSQL (benchmarks/README.md): `make seed-scale` builds 100,000
# tickets in SCALE_DATABASE_URL, `make bench` measures the budgets of docs/performance.md against it.
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/novadesk_scale
SCALE_TICKETS ?= 100000
SEED_ARGS ?=
BENCH_ARGS ?=

# `make bench-telemetry` measures usage-report ingestion (docs/performance.md) in a database of its
# own, TELEMETRY_BENCH_DATABASE_URL, whose telemetry tables it empties; BENCH_TELEMETRY_ARGS
# passes options to benchmarks/telemetry.py (e.g. "--duration 30 --batches 6000").
TELEMETRY_BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/novadesk_telemetry_bench
BENCH_TELEMETRY_ARGS ?=

# `make bench-help` measures the help centre (search page, search API, suggestions) with 5,000
# generated articles in HELP_BENCH_DATABASE_URL, a database of its own; `make bench` runs it after
# the ticket budgets. BENCH_HELP_ARGS passes options to benchmarks/help_centre.py (e.g. "--articles 20000").
HELP_BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/novadesk_hd_bench
BENCH_HELP_ARGS ?=

.PHONY: seed-scale bench bench-telemetry bench-help

seed-scale: install messages
	$(BIN)/python benchmarks/create_database.py $(SCALE_DATABASE_URL)
	DATABASE_URL=$(SCALE_DATABASE_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(SCALE_DATABASE_URL) $(BIN)/python manage.py seed_scale --tickets $(SCALE_TICKETS) $(SEED_ARGS)

bench: install messages
	DATABASE_URL=$(SCALE_DATABASE_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(SCALE_DATABASE_URL) $(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-help

bench-telemetry: install messages
	$(BIN)/python benchmarks/create_database.py $(TELEMETRY_BENCH_DATABASE_URL)
	DATABASE_URL=$(TELEMETRY_BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(TELEMETRY_BENCH_DATABASE_URL) $(BIN)/python benchmarks/telemetry.py $(BENCH_TELEMETRY_ARGS)

bench-help: install messages
	$(BIN)/python benchmarks/create_database.py $(HELP_BENCH_DATABASE_URL)
	DATABASE_URL=$(HELP_BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(HELP_BENCH_DATABASE_URL) $(BIN)/python benchmarks/help_centre.py $(BENCH_HELP_ARGS)

clean:
	rm -rf var/celery-broker var/cache var/test-novadesk.sqlite3 test-artifacts
