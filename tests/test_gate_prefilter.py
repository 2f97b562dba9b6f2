"""The gates' SQL prefilter (gates/prefilter.py) changes no verdict: on the demo data, GX on the
flagged rows reports the same failures (expectation, count, sample rows) as GX on every row."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.feeds import all_sources
from orchestration.gates import datasets
from orchestration.gates.prefilter import flagged_sql, suite_expectations
from orchestration.gates.runner import run_suite
from orchestration.ingest.framework import ingest_files

CHECKED = ["decp", "procedures", "insertion/heures", "energie/consommations"]


@pytest.fixture(scope="module")
def raw_warehouse(demo_feeds, tmp_path_factory):
    path = tmp_path_factory.mktemp("prefilter") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    for source in all_sources():
        if source.folder in CHECKED:
            root = demo_feeds / source.folder
            files = sorted(p for p in root.iterdir() if p.suffix.lower() in source.readers)
            ingest_files(con, source.table, root, files, source.read, bulk=source.bulk_for)
    # a duplicate, a null and an out-of-set value so that every kind of expectation fails somewhere
    con.execute("INSERT INTO raw.decp_marches SELECT * FROM raw.decp_marches LIMIT 3")
    con.execute(
        "UPDATE raw.decp_marches SET nature = 'Marche ?' WHERE rowid IN (SELECT rowid FROM raw.decp_marches LIMIT 2)"
    )
    con.close()
    return path


def _failures(result):
    return sorted((f.expectation, f.column, f.unexpected_count, str(f.sample_rows)) for f in result.failures)


@pytest.mark.parametrize("folder", CHECKED)
def test_gx_on_flagged_rows_reports_what_gx_on_every_row_reports(raw_warehouse, folder, tmp_path):
    source = next(s for s in all_sources() if s.folder == folder)
    sql = source.suite_sql or f"SELECT * FROM raw.{source.table.table} ORDER BY _source_file, _source_row"
    assert flagged_sql(source.suite, sql) is not None, "every expectation of the suite is translated"
    full = datasets.fetch(raw_warehouse, sql)
    flagged, total, prefiltered = datasets.fetch_for_suite(raw_warehouse, source.suite, sql)
    assert prefiltered and total == len(full) and len(flagged) < len(full)
    index = list(source.index_columns)
    a = run_suite(source.suite, full, run_name="full", index_columns=index, results_dir=tmp_path / "gx")
    b = run_suite(source.suite, flagged, run_name="flagged", index_columns=index, results_dir=tmp_path / "gx")
    assert a.evaluated == b.evaluated == len(suite_expectations(source.suite))
    assert _failures(a) == _failures(b)
    if folder == "decp":
        assert {f.expectation for f in a.failures} >= {
            "expect_compound_columns_to_be_unique",
            "expect_column_values_to_be_in_set",
        }


def test_a_suite_with_an_untranslated_expectation_is_validated_whole(monkeypatch):
    from orchestration.gates import prefilter

    monkeypatch.setattr(
        prefilter, "suite_expectations", lambda suite: [{"type": "expect_table_row_count_to_be_between", "kwargs": {}}]
    )
    assert prefilter.flagged_sql("any", "SELECT 1 AS x") is None
