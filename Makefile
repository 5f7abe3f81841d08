# The two commands a new user runs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck contracts unit unit-pg test-units bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,web]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/python examples/demo.py $(ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check hischange tests bench examples
	$(BIN)/ruff format --check hischange tests bench examples

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --no-incremental

contracts: $(STAMP_DEV)
	$(BIN)/lint-imports

unit: $(STAMP_DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The CLI tests (and the custody scan comparisons) again, each test's store a fresh
# PostgreSQL schema (HISCHANGE_TEST_PG_URL: a server the tests may create schemas in;
# .ci/pg.sh starts a throwaway one). PG_TESTS=tests runs the whole suite so (~4 min).
PG_TESTS ?= tests/cli tests/services/test_custody_incremental.py
unit-pg: $(STAMP_DEV)
	@if [ -z "$$HISCHANGE_TEST_PG_URL" ]; then \
		echo "unit-pg: SKIPPED PostgreSQL (HISCHANGE_TEST_PG_URL is not set)" >&2; \
	else \
		HISCHANGE_TEST_STORE=postgresql $(BIN)/python -m pytest $(PG_TESTS) $(PYTEST_ARGS); \
	fi

test-units: unit unit-pg

# A throwaway PostgreSQL cluster (when pg_ctl exists; with CI=true it must) for the store
# conformance suite (SQLite and PostgreSQL) and the CLI tests' PostgreSQL pass.
test: lint typecheck contracts $(STAMP_DEV)
	bash .ci/pg.sh with $(MAKE) --no-print-directory test-units

bench: $(STAMP_DEV)
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/custody.py
	$(BIN)/python bench/sqlreview.py
	$(BIN)/python bench/evidence.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build dist
