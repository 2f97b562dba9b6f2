# Two commands for a newcomer: `make run` and `make test`. Both create .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SPASER := $(BIN)/spaser
DEMO_LAST_SEMESTER := 2026-S1
DEMO_PREVIOUS_SEMESTER := 2025-S2
# Dagster instance: SQLite under .dagster/ (dagster.yaml), or PostgreSQL
# (instances/postgres/dagster.yaml) when SPASER_DAGSTER_PG_URL or SPASER_DAGSTER_PG_HOST is set;
# see docs/operations.md.
export DAGSTER_HOME := $(if $(strip $(SPASER_DAGSTER_PG_URL)$(SPASER_DAGSTER_PG_HOST)),$(CURDIR)/instances/postgres,$(CURDIR))

.PHONY: run test lint ui demo backfill clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## run: demo feeds -> ingest -> dbt -> gates -> releases of the last two demo semesters (the
## governance indicators look back at the previous release), then print the last one
run: $(BIN)/.installed
	@start=$$(date +%s); \
	$(SPASER) demo && \
	$(SPASER) backfill --from $(DEMO_PREVIOUS_SEMESTER) --to $(DEMO_LAST_SEMESTER) && \
	$(SPASER) show --semester $(DEMO_LAST_SEMESTER) --synthese && \
	$(SPASER) paths && \
	echo "make run took $$(( $$(date +%s) - start )) s"

## test: the whole test suite (real DuckDB, dbt, Dagster and GX), one worker per core, a test
## file per worker (its module fixtures are built once), the files that read the shared pipeline
## run on one worker (it is built once), then the slow files first (tests/conftest.py);
## `.venv/bin/python -m pytest tests/x.py` runs one file in a single process
test: $(BIN)/.installed
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder

## lint: Python (ruff lint and format) and SQL style (sqlfluff, jinja templater with dbt builtins)
lint: $(BIN)/.installed
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench
	$(BIN)/sqlfluff lint --processes 2 models dbt_project/macros

## backfill: publish every demo semester
backfill: $(BIN)/.installed
	$(SPASER) demo && $(SPASER) backfill --from 2024-S1 --to $(DEMO_LAST_SEMESTER)

## ui: the Dagster UI on http://127.0.0.1:3000 (UI_PORT=...), on the same instance as the CLI
UI_PORT ?= 3000
ui: $(BIN)/.installed
	$(SPASER) ui --host 127.0.0.1 --port $(UI_PORT)

clean:  # release folders are read-only (0555): make them writable to remove them
	chmod -R u+w .spaser 2>/dev/null || true
	rm -rf .spaser .dagster dbt_project/target dbt_project/logs
