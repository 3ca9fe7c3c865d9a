# The two quick-start commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench setup system clean

demo: setup
	$(BIN)/puente build

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks scripts
	$(BIN)/ruff format --check pipeline tests benchmarks scripts
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run.py

setup: system $(VENV)/.installed

system:
	@scripts/system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

clean:
	rm -rf $(VENV) build .puente
