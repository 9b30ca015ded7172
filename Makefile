# The two commands of the README: `make demo` and `make test`. Both install everything they need first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hub needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev,plot]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/hub demo

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check hub tests bench
	$(BIN)/ruff format --check hub tests bench
	$(BIN)/mypy

check: lint test

clean:
	rm -rf $(VENV) .hub .pytest_cache .mypy_cache .ruff_cache
