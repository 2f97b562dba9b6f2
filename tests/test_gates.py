"""GX gates: severities, failing rows named, exceptions never counted as passes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from orchestration.gates.runner import build_data_docs_index, run_suite
from orchestration.settings import GX_PROJECT_DIR

SUITES = sorted((GX_PROJECT_DIR / "gx" / "expectations").glob("*.json"))


@pytest.fixture
def gx_results(tmp_path):
    return tmp_path / "gx"


def test_every_expectation_says_whether_it_blocks_and_why():
    assert {p.stem for p in SUITES} >= {
        "raw_decp_marches",
        "raw_procedures_internes",
        "ingest_log",
        "mart_spaser_indicateurs",
        "feed_coverage",
    }
    # every raw source of the registry that names a suite has it committed
    from orchestration.feeds import all_sources

    assert {s.suite for s in all_sources() if s.suite} <= {p.stem for p in SUITES}
    for path in SUITES:
        suite = json.loads(path.read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            assert expectation["meta"]["severity"] in {"block", "warn"}, (path.name, expectation["type"])
            assert expectation["meta"]["why"], (path.name, expectation["type"])


def test_the_raw_layer_is_checked_by_its_gates_only():
    """One definition of each check: the raw tables are checked by their GX suites, which run
    (and block) before dbt, never again by dbt tests on the sources. Every raw table dbt reads
    as a source has a suite that requires its identifying columns."""
    from orchestration.dbt_manifest import spaser_dbt_project
    from orchestration.feeds import all_sources
    from orchestration.gates.prefilter import suite_expectations

    manifest = json.loads(spaser_dbt_project.manifest_path.read_text(encoding="utf-8"))
    on_sources = [
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and any(p.startswith("source.") for p in n["depends_on"]["nodes"])
    ]
    assert on_sources == []
    suites = {s.table.table: s.suite for s in all_sources()}
    raw = {source["name"] for source in manifest["sources"].values() if source["schema"] == "raw"}
    # the observatory's SIRENE tables are checked by the observatory's own tests
    assert raw - set(suites) == {"sirene_etablissements", "sirene_unites_legales"}

    def required(suite: str) -> set[str]:
        return {
            e["kwargs"]["column"]
            for e in suite_expectations(suite)
            if e["type"] == "expect_column_values_to_not_be_null" and e["meta"]["severity"] == "block"
        }

    for table in raw & set(suites):
        assert required(suites[table]), table
    # the columns only a dbt test on the source required before
    assert {"siret_acheteur", "mois"} <= required("raw_insertion_heures")
    assert "siret_acheteur" in required("raw_procedures_internes")
    assert "annee" in required("raw_centrales_declarations_agec58")
    assert "_source_file" in required("raw_decp_marches")


def _mart_frame(**changes) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "org_id": ["o", "o"],
            "period_type": ["semestre", "semestre"],
            "period": ["2026-S1", "2026-S1"],
            "indicator_id": ["A", "B"],
            "unit": ["%", "nombre"],
            "value": [50.0, 3.0],
            "is_available": [True, True],
            "unavailable_reason": [None, None],
            "status": ["en retard", "sans cible"],
            "indicators_in_period": [2, 2],
            "catalogue_size": [2, 2],
            "in_catalogue": [True, True],
        }
    )
    for column, values in changes.items():
        df[column] = values
    return df


def test_clean_mart_passes(gx_results):
    result = run_suite(
        "mart_spaser_indicateurs",
        _mart_frame(),
        run_name="t1",
        index_columns=["org_id", "period", "indicator_id"],
        results_dir=gx_results,
    )
    assert result.passed and not result.failures
    # the validation's own page at once; the site index once per run (publication), or at once
    # when a gate fails (test_ratio_out_of_range_blocks_and_names_the_row)
    assert (gx_results / "data_docs" / result.validation_page).exists()
    assert not (gx_results / "data_docs" / "index.html").exists()
    build_data_docs_index(gx_results)
    assert result.run_name in (gx_results / "data_docs" / "index.html").read_text(encoding="utf-8")


def test_ratio_out_of_range_blocks_and_names_the_row(gx_results):
    result = run_suite(
        "mart_spaser_indicateurs",
        _mart_frame(value=[150.0, 3.0]),
        run_name="t2",
        index_columns=["org_id", "period", "indicator_id"],
        results_dir=gx_results,
    )
    assert not result.passed
    [failure] = result.blocking_failures
    assert failure.expectation == "expect_column_values_to_be_between" and failure.column == "value"
    assert failure.sample_rows == [{"value": 150.0, "org_id": "o", "period": "2026-S1", "indicator_id": "A"}]
    assert "ratio lies within 0-100" in failure.describe()
    # the page of this validation, never the index: the gate step rebuilds that once (test_pipeline)
    assert result.validation_page and (gx_results / "data_docs" / result.validation_page).exists()
    assert not (gx_results / "data_docs" / "index.html").exists()


def test_missing_catalogue_indicator_blocks(gx_results):
    df = _mart_frame(indicators_in_period=[1, 1])
    result = run_suite(
        "mart_spaser_indicateurs",
        df,
        run_name="t3",
        index_columns=["org_id", "period", "indicator_id"],
        results_dir=gx_results,
    )
    assert [f.expectation for f in result.blocking_failures] == ["expect_column_pair_values_to_be_equal"]


def test_an_expectation_that_raises_is_a_failure_not_a_pass(gx_results):
    df = _mart_frame().drop(columns=["status"])  # the suite's status expectation cannot run
    result = run_suite(
        "mart_spaser_indicateurs",
        df,
        run_name="t4",
        index_columns=["org_id", "period", "indicator_id"],
        results_dir=gx_results,
    )
    assert not result.passed
    assert any(f.column == "status" and f.exception for f in result.failures)


def test_every_run_is_kept(gx_results):
    for name in ("2025-S2__gate", "2026-S1__gate"):
        run_suite(
            "mart_spaser_indicateurs", _mart_frame(), run_name=name, index_columns=["org_id"], results_dir=gx_results
        )
    runs = {p.name for p in (gx_results / "validations" / "mart_spaser_indicateurs").iterdir()}
    assert {"2025-S2__gate", "2026-S1__gate"} <= runs


def test_a_file_whose_header_differs_from_its_contract_warns_naming_the_file(tmp_path, gx_results):
    """The readers note a header that differs from the column contract in meta.ingest_log.notes
    (wording checked in test_text_readers.py); the ingest_log gate warns on those files only."""
    import duckdb

    from orchestration.gates import datasets

    warehouse = tmp_path / "warehouse.duckdb"
    notes = {
        "clean.csv": None,
        "extra.csv": "line 1: column(s) not in the contract, ignored: 'Commune', 'remarque'",
        "renamed.csv": "line 1: column 'Commune' looks like 'commune' renamed: 'commune' is loaded as empty",
        "dup.xlsx": "sheet S: row 1: duplicate column(s) 'montant': the last one is read",
        "json.json": "2 lone UTF-16 surrogate escape(s), read as U+FFFD (first at byte 10)",
    }
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute(
            """CREATE TABLE meta.ingest_log (feed VARCHAR, raw_table VARCHAR, source_file VARCHAR,
               rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, superseded_at TIMESTAMP,
               notes VARCHAR)"""
        )
        for name, note in notes.items():
            con.execute("INSERT INTO meta.ingest_log VALUES ('f', 't', ?, 10, 10, 0, NULL, ?)", [name, note])
    df, rows, _ = datasets.fetch_for_suite(warehouse, "ingest_log", datasets.INGEST_LOG.sql)
    result = run_suite(
        "ingest_log", df, run_name="t", index_columns=datasets.INGEST_LOG.index_columns, results_dir=gx_results
    )
    assert result.passed and rows == 5  # a warning, never a block
    [warning] = result.warnings
    assert warning.column == "columns_off_contract" and warning.unexpected_count == 3
    assert sorted(r["source_file"] for r in warning.sample_rows) == ["dup.xlsx", "extra.csv", "renamed.csv"]
