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


# The DECP frame's SIRET columns as first written, record by record: the suite's SQL computes them
# once per distinct identifier and joins them back, and must give the same values.
_SIRET_BY_RECORD = """
    SELECT _source_file, record_path, _source_row,
        siret_ok(acheteur_id) AS acheteur_siret_valide,
        len(list_filter(coalesce(titulaires, []), lambda t: coalesce(t.type_identifiant, 'SIRET') = 'SIRET'
            AND NOT siret_ok(t.id))) AS titulaires_siret_invalides
    FROM raw.decp_marches
"""


def test_the_decp_frame_checks_each_identifier_as_a_record_by_record_check_does(raw_warehouse, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(raw_warehouse.read_bytes())
    con = duckdb.connect(str(path))
    # holders of every kind: invalid, absent or spaced identifiers, other types, repeats, no list
    con.execute(
        """
        UPDATE raw.decp_marches SET titulaires = CASE rowid % 6
            WHEN 0 THEN [{'type_identifiant': 'SIRET', 'id': '12345678901234', 'denomination_sociale': NULL},
                         {'type_identifiant': NULL, 'id': NULL, 'denomination_sociale': 'x'}]
            WHEN 1 THEN [{'type_identifiant': 'TVA', 'id': 'FR123', 'denomination_sociale': NULL},
                         {'type_identifiant': 'SIRET', 'id': '1234 5678 90123', 'denomination_sociale': NULL},
                         {'type_identifiant': 'SIRET', 'id': '1234 5678 90123', 'denomination_sociale': NULL}]
            WHEN 2 THEN NULL
            WHEN 3 THEN []
            WHEN 4 THEN [{'type_identifiant': 'SIRET', 'id': '12345678901234', 'denomination_sociale': NULL}]
            ELSE titulaires END,
            acheteur_id = CASE WHEN rowid % 5 = 0 THEN NULL WHEN rowid % 5 = 1 THEN '123' ELSE acheteur_id END
        WHERE rowid < 60
        """
    )
    con.close()
    decp = next(s for s in all_sources() if s.folder == "decp")
    con = datasets.connect(path)
    frame = con.execute(f"SELECT * FROM ({decp.suite_sql})").df()
    expected = con.execute(f"SELECT * FROM ({_SIRET_BY_RECORD}) ORDER BY _source_file, record_path, _source_row").df()
    con.close()
    columns = ["acheteur_siret_valide", "titulaires_siret_invalides"]
    assert frame[columns].equals(expected[columns])
    assert set(frame["titulaires_siret_invalides"].head(60)) >= {0, 1, 2}
    assert set(frame["acheteur_siret_valide"]) == {True, False}


def test_the_flagged_frame_keeps_the_frames_order(raw_warehouse):
    decp = next(s for s in all_sources() if s.folder == "decp")
    full = datasets.fetch(raw_warehouse, decp.suite_sql)
    flagged, _, _ = datasets.fetch_for_suite(raw_warehouse, decp.suite, decp.suite_sql)
    keys = ["_source_file", "record_path", "_source_row"]
    position = {tuple(row): i for i, row in enumerate(full[keys].itertuples(index=False))}
    assert [position[tuple(row)] for row in flagged[keys].itertuples(index=False)] == sorted(
        position[tuple(row)] for row in flagged[keys].itertuples(index=False)
    )
    assert len(flagged) > 5


def test_the_frames_order_is_split_off_only_at_its_top_level():
    from orchestration.gates.prefilter import split_order

    assert split_order('SELECT a, b FROM t ORDER BY a, "b"') == ("SELECT a, b FROM t ", ["a", '"b"'])
    for kept_whole in (
        "SELECT a FROM (SELECT a FROM t ORDER BY a)",
        "SELECT a, row_number() OVER (ORDER BY a) FROM t",
        "SELECT m.a FROM t AS m ORDER BY m.a",
        "SELECT a FROM t ORDER BY a DESC",
        "SELECT a FROM t",
    ):
        assert split_order(kept_whole) is None, kept_whole
