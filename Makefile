# The two commands of the README, made real on a fresh machine with Python 3.11+ and make:
#   make run    install into .venv, then run `python -m frivilligsim experiment=ageing_2050`
#   make test   install into .venv, then run the whole test suite (two worker processes)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install run smoke test test-all lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "frivilligsim needs Python 3.11 or later"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m frivilligsim experiment=ageing_2050 $(ARGS)

smoke: install
	$(BIN)/python -m frivilligsim experiment=smoke $(ARGS)

test: install
	$(BIN)/python -m pytest -n 2 $(ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks scripts experiments
	$(BIN)/lint-imports
	$(BIN)/ruff format --check src tests benchmarks scripts experiments

format: install
	$(BIN)/ruff format src tests benchmarks scripts experiments
	$(BIN)/ruff check --fix src tests benchmarks scripts experiments

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
