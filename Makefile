# Animo — one command to run the embedded demo, one to test. `make help` lists targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install prometheus run test bench-components bench-ingest eval-moderation test-unit test-integration test-e2e lint typecheck schemas bench soak clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml devtools/pyproject.toml
	@$(UV) sync --frozen --all-packages --quiet
	@touch $@

install: $(VENV)/.synced ## Install Python, uv and every package into .venv (from uv.lock)

prometheus: ## Install Debian's Prometheus for the real-scrape test (needs root; skipped otherwise)
	@command -v prometheus >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing prometheus (apt)…"; apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	  else echo "prometheus is not installed and this is not root: its scrape test will be skipped"; fi; }

run: install ## Run Animo on the embedded default: broker, five services, demo feed
	@$(VENV)/bin/animo-dev run

test: install lint prometheus ## Lint, then unit, integration (real Tansu broker) and end-to-end tests
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-unit: install ## Unit tests only (no broker, no processes)
	@$(VENV)/bin/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: install ## Integration tests against a real Tansu broker
	@$(VENV)/bin/python -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: install ## End-to-end tests: real processes, ingest through to reporting
	@$(VENV)/bin/python -m pytest tests/e2e $(PYTEST_ARGS)

lint: install ## Ruff, mypy --strict, and the committed event schemas against the code
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check --quiet .
	@$(VENV)/bin/mypy shared/src services/*/src devtools/src
	@$(VENV)/bin/python -m animo_shared.schemas --check

schemas: install ## Regenerate the committed JSON Schemas of every event
	@$(VENV)/bin/python -m animo_shared.schemas --write

bench: install ## The whole pipeline end to end (broker + five services + load); results in benchmarks/results/<date>.json and .md
	@$(VENV)/bin/python -m benchmarks.pipeline

soak: install ## Ten minutes of steady mixed load through the whole system (RSS, lag, errors, exact totals); results in benchmarks/results/soak.json and .md
	@$(VENV)/bin/python -m benchmarks.soak $(SOAK_ARGS)

bench-components: install ## Each component's own benchmark (ingest, query matching, moderation, crm, reporting, publisher)
	@$(VENV)/bin/python -m benchmarks.ingest
	@$(VENV)/bin/python -m animo_ingest.query.bench
	@$(VENV)/bin/python -m animo_moderation.bench
	@$(VENV)/bin/python -m benchmarks
	@$(VENV)/bin/python -m benchmarks.crm
	@$(VENV)/bin/python -m benchmarks.reporting
	@$(VENV)/bin/python -m animo_publisher.bench

bench-ingest: install ## Ingest: batch and single-mention HTTP rates with p50/p99, query matching
	@$(VENV)/bin/python -m benchmarks.ingest
	@$(VENV)/bin/python -m animo_ingest.query.bench

eval-moderation: install ## Moderation quality on ../shared/data/moderation; results in benchmarks/results/
	@$(VENV)/bin/python -m animo_moderation.evaluate

clean: ## Remove the virtualenv, tools and local data
	rm -rf $(VENV) $(TOOLS) var
