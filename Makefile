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

# The benchmark peers (polars, schemathesis) are a separate requirements group, never needed to run Khlang.
BENCH_STAMP := $(VENV)/.khlang-bench-installed
$(BENCH_STAMP): $(STAMP) requirements/bench-lock.txt
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements/bench-lock.txt
	@touch $(BENCH_STAMP)

setup: $(STAMP) ## create .venv and install the pinned dependencies (requirements/lock.txt)

# The end-to-end tests drive Debian's chromium (and Thai fonts for readable screenshots); installed when
# missing and we may (root), else say how.
browser: ## install Debian's chromium and Thai fonts if missing (for the end-to-end tests)
	@if command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi garuda; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium and fonts-thai-tlwg (apt-get)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null; } \
	    || echo "could not install chromium: the end-to-end browser tests will skip"; \
	else echo "chromium missing: run 'sudo apt-get install chromium fonts-thai-tlwg' (end-to-end tests skip without it)"; fi

demo: setup ## set up, run the whole pipeline on the small data set, then start the API, the app and the MLflow UI
	$(KHLANG) demo --scale $(SCALE)
	$(KHLANG) serve up
	$(KHLANG) mlflow up
	$(KHLANG) app up
	@echo "running on 127.0.0.1 (make stop stops them all):"
	@echo "  API (OpenAPI at /docs): $$($(KHLANG) serve status)"
	@echo "  app:                    $$($(KHLANG) app status)"
	@echo "  MLflow UI:              $$($(KHLANG) mlflow status)"

# The tests run the benchmark suite's smoke version with its peers, so they install the benchmark group.
test: setup $(BENCH_STAMP) browser ## set up and run the test suite
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup ## the tests without the slow (multi-engine) ones
	@mkdir -p $(TMPDIR)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup ## ruff
	$(BIN)/ruff check .

bench: $(BENCH_STAMP) ## every benchmark beside its peers and targets (khlang bench; long, not part of the tests)
	$(KHLANG) bench $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP) ## the same in under 3 minutes (khlang bench --quick)
	$(KHLANG) bench --quick $(BENCH_ARGS)

bench-foundation: setup ## generate -> ingest -> panel timed at BENCH_SCALE (default small)
	$(BIN)/python -m benchmarks.run

cluster-up: setup ## start a local dask scheduler + workers on 127.0.0.1
	$(KHLANG) cluster up

stop: ## stop everything the project started (app, API, MLflow UI, local dask cluster)
	-@test -x $(KHLANG) && { $(KHLANG) app down; $(KHLANG) serve down; $(KHLANG) mlflow down; $(KHLANG) cluster down; } || true

serve: setup ## the API in the foreground on 127.0.0.1 (port: KHLANG_SERVE_PORT, default 8000)
	$(KHLANG) serve

bench-api: setup ## API latency p50/p95/p99 under a bounded load on the work folder's data
	$(BIN)/python -m benchmarks.api_latency --work-dir work

lock: ## re-pin requirements/lock.txt (and the benchmark group) from requirements/*.in
	$(BIN)/uv pip compile -q --python-version 3.11 requirements/requirements.in -o requirements/lock.txt --no-header --annotation-style line
	$(BIN)/uv pip compile -q --python-version 3.11 requirements/bench.in -o requirements/bench-lock.txt --no-header --annotation-style line

clean: stop ## remove the work folder (generated data, store, caches)
	rm -rf work

distclean: clean ## also remove the virtualenv
	rm -rf $(VENV)

.PHONY: help setup browser demo test test-fast lint bench bench-quick bench-foundation bench-api serve cluster-up stop lock clean distclean
