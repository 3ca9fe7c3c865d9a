# The two quick-start commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-scale quality setup system clean

demo: system $(VENV)/.runtime
	$(BIN)/puente build

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks scripts
	$(BIN)/ruff format --check pipeline tests benchmarks scripts
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run.py

# the size x operation table (1,000 / 5,000 / 10,000 articles): an hour or more
bench-scale: setup
	$(BIN)/python benchmarks/scale.py

quality: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/quality/evaluate.py --timing 1000
	$(BIN)/python benchmarks/quality/adaptation.py

# everything for development: the runtime, the test tools and the linters
setup: system $(VENV)/.installed

system:
	@scripts/system-deps.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# the demo needs only what Puente itself runs on
$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(VENV)/.runtime $@

clean:
	rm -rf $(VENV) build .puente
