# Khlang: `make demo` and `make test` set everything up from nothing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_CACHE_DIR := $(CURDIR)/work/cache/uv
# Temp files of the setup and of the test run (pytest's tmp_path included) stay in the work folder.
export TMPDIR := $(CURDIR)/work/tmp
export UV_NO_PROGRESS := 1
STAMP := $(VENV)/.khlang-installed
KHLANG := $(BIN)/khlang
SCALE ?= small
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## show what each target does
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z_-]+:.*## /{printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements/lock.txt pyproject.toml
	@mkdir -p $(TMPDIR)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements/lock.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP) ## create .venv and install the pinned dependencies (requirements/lock.txt)

demo: setup ## set up, generate the small data set, ingest it, build the panels, print what was made
	$(KHLANG) demo --scale $(SCALE)

test: setup ## set up and run the test suite
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup ## the tests without the slow (multi-engine) ones
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup ## ruff
	$(BIN)/ruff check .

bench: setup ## run the benchmarks (long; not part of the tests)
	$(BIN)/python -m benchmarks.run

cluster-up: setup ## start a local dask scheduler + workers on 127.0.0.1
	$(KHLANG) cluster up

stop: ## stop everything the project started (local dask cluster)
	-@test -x $(KHLANG) && $(KHLANG) cluster down || true

lock: ## re-pin requirements/lock.txt from requirements/requirements.in
	$(BIN)/uv pip compile -q --python-version 3.11 requirements/requirements.in -o requirements/lock.txt --no-header --annotation-style line

clean: stop ## remove the work folder (generated data, store, caches)
	rm -rf work

distclean: clean ## also remove the virtualenv
	rm -rf $(VENV)

.PHONY: help setup demo test test-fast lint bench cluster-up stop lock clean distclean
