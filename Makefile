# The two commands a new user runs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck contracts unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/python examples/demo.py

lint: $(STAMP_DEV)
	$(BIN)/ruff check hischange tests bench examples
	$(BIN)/ruff format --check hischange tests bench examples

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --no-incremental

contracts: $(STAMP_DEV)
	$(BIN)/lint-imports

unit: $(STAMP_DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck contracts unit

bench: $(STAMP_DEV)
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/custody.py
	$(BIN)/python bench/sqlreview.py
	$(BIN)/python bench/evidence.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build dist
