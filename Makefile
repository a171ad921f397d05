# ccc-telephony. `make run` and `make test` do all set-up on a fresh machine: virtualenv,
# host packages (apt), the Asterisk 22 chroot (cached in /var/cache/ccc-telephony), a private
# PostgreSQL (unless DATABASE_URL is set), migrations and sounds. Root is required for the
# Asterisk sandbox (debootstrap, chroot). See README.md.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
INSTANCE ?= dev

.PHONY: venv packages run up down status test unit integration lint format sounds bench bench-reports clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

## The service in the foreground with the whole sandbox; Ctrl-C stops everything it started.
run: venv
	$(BIN)/ccc-telephony sandbox run --instance $(INSTANCE)

## The same stack in the background; returns when ARI, AMI, the API and the database answer.
up: venv
	$(BIN)/ccc-telephony sandbox up --instance $(INSTANCE)

down: venv
	$(BIN)/ccc-telephony sandbox down --instance $(INSTANCE)

status: venv
	$(BIN)/ccc-telephony sandbox status --instance $(INSTANCE)

## Host packages the tests use directly (sox, SIPp, espeak-ng, ...), installed when missing.
packages: venv
	$(BIN)/ccc-telephony sandbox packages

## Every test: unit, then integration against the real Asterisk and PostgreSQL.
test: packages
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile --durations=25

unit: packages
	$(BIN)/pytest -q tests/unit

integration: packages
	$(BIN)/pytest -q tests/integration

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

sounds: venv
	$(BIN)/ccc-telephony prompts generate

bench: venv
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/run.py $(BENCH_ARGS)

## The reports over a year of synthetic data (bench/RESULTS.md), on the bench instance's database.
bench-reports: venv
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/reports_bench.py --instance bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .run sounds/generated
