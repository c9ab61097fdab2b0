# Two entry points: `make demo` (the main job) and `make test` (the test suite).
# Both create the virtual environment in .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# nbgrader runs `alembic` and Jupyter starts `python`: both must come from the venv.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test lint verify release site

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/dlcourse demo

test: $(BIN)/.installed
	bash ci/install-chromium.sh  # for the site's browser test; warns loudly if it cannot
	$(BIN)/ruff check course autograder tests benchmarks
	$(BIN)/python -m pytest

verify: $(BIN)/.installed
	$(BIN)/dlcourse verify

release: $(BIN)/.installed
	$(BIN)/dlcourse release

site: $(BIN)/.installed
	$(BIN)/dlcourse site build

lint: $(BIN)/.installed
	$(BIN)/ruff check course autograder tests benchmarks
	$(BIN)/ruff format --check course autograder tests benchmarks
