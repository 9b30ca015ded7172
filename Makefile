# The two commands of the README: `make demo` and `make test`. Both install everything they need first.
# `make help` lists every target.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LINTED := hub tests bench tools

.PHONY: help install deploy-tools demo test test-unit test-fuzz test-faults test-e2e test-browser test-bench lint fmt check clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hub needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev,plot]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the hub with everything it needs

# The deployment's validators (tests/unit/test_deploy_*.py): promtool (Debian's prometheus), docker-compose (Debian's),
# systemd-analyze and openssl, as command:package pairs; kubernetes-validate comes with the dev extra. Installed with
# apt-get by `make test` when one is missing and we are root (CI is); otherwise those tests skip and say why (in CI
# they fail). `make demo` does not need them.
DEPLOY_TOOLS := promtool:prometheus docker-compose:docker-compose systemd-analyze:systemd openssl:openssl

deploy-tools: ## install the deployment's validators from Debian's packages when missing (as root)
	@missing=""; for pair in $(DEPLOY_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing$$missing (the deployment's validators)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "note: not installed:$$missing; the deployment's tests skip (as root, make install installs them)"; \
	fi

demo: install ## run the hub on the embedded broker and PostgreSQL with sample data, then stop
	$(BIN)/hub demo

test: install deploy-tools ## the whole test suite, against the real (embedded) broker and database
	$(BIN)/python -m pytest

test-unit: install ## the unit tests only: no broker, no database, under a minute
	$(BIN)/python -m pytest tests/unit tests/corpus -m "not integration" -q

test-fuzz: install ## the property and fuzz tests again with a thousand examples each (Hypothesis ci profile, 3 minutes)
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest tests/unit tests/corpus -m property -q

test-faults: install ## the fault suite (workers killed, database and broker paused, poison) and the recovery tests
	$(BIN)/python -m pytest tests/faults -q
	$(BIN)/python -m pytest tests/recovery -q

test-e2e: install ## features end to end through the real broker and database (format packages, calendars, reports)
	$(BIN)/python -m pytest tests/e2e -q

test-browser: install ## the console in a real browser (Chromium), alone and behind the whole pipeline (two minutes)
	$(BIN)/python -m pytest tests/browser -q

test-bench: install ## smoke runs of the pipeline and alarm-to-console benchmarks: tiny input, no figure checked
	$(BIN)/python -m pytest tests/bench -q

lint: install ## ruff (lint and format check) and strict mypy
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

fmt: install ## format the code and apply ruff's safe fixes
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

check: lint test test-fuzz test-faults test-e2e test-browser test-bench ## lint, then every suite, as CI runs them

clean: ## remove .venv, the embedded stack's state and the tool caches
	rm -rf $(VENV) .hub .pytest_cache .mypy_cache .ruff_cache
