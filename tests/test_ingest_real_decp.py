"""The real DECP files of ../shared/data/decp ingest with their counts checked.

Expected counts were measured on these exact files; each quarantine reason is a real defect
documented in ../shared/data/decp/SOURCES.md (e.g. AIFE records without dateNotification).
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.feeds.marches import DECP
from orchestration.ingest.decp import DECP_TABLE
from orchestration.ingest.framework import ingest_files

# file -> (rows read, rows loaded, rows quarantined)
EXPECTED = {
    "official_format/v1_2019/exemple_json_cc-avec-modifications.json": (1, 1, 0),
    "official_format/v1_2019/exemple_json_mar-avec-modifications.json": (1, 1, 0),
    "official_format/v1_2019/exemple_json_mar-basique-avec-uid.json": (1, 1, 0),
    "official_format/v1_2019/exemple_json_paquet.json": (2, 2, 0),
    "official_format/v2_2024/exemple_json_concessions.json": (2, 2, 0),
    "official_format/v2_2024/exemple_json_concessions_avec_modifications.json": (2, 2, 0),
    "official_format/v2_2024/exemple_json_marches_avec_modifications.json": (2, 2, 0),
    "official_format/v2_2024/exemple_json_marches_concessions.json": (4, 4, 0),
    "peer_fixtures/data-economie_decp-augmente_format2019_extract.csv": (9, 9, 0),
    "peer_fixtures/data-economie_decp-v3-marches-valides_format2022_extract.csv": (9, 9, 0),
    "peer_fixtures/decp-processing_decp_test_2019.json": (2, 2, 0),
    "peer_fixtures/decp-processing_decp_test_2022.json": (5, 5, 0),
    "peer_fixtures/eclaireur-public_raw_decp2022_fixture.json": (20, 20, 0),
    "real_data_2019/decp-rama_2019-04-03_e-marchespublics.json": (470, 470, 0),
    "real_data_2019/decp-rama_2019-04-04_data.gouv.fr_aife.json": (4530, 2012, 2518),
    "real_data_2019/decp-rama_2019-04-05_data.gouv.fr_pes.json": (1148, 1148, 0),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    root = SHARED_DATA / "decp"
    files = [root / name for name in EXPECTED]
    con = duckdb.connect(str(tmp_path_factory.mktemp("real") / "warehouse.duckdb"))
    results = ingest_files(con, DECP_TABLE, root, files, DECP.read)
    yield con, {r.file: r for r in results}
    con.close()


def test_every_real_file_ingests_with_its_counts(loaded):
    con, results = loaded
    measured = {f: (r.rows_read, r.rows_loaded, r.rows_quarantined) for f, r in results.items()}
    assert measured == EXPECTED


def test_rows_read_equal_loaded_plus_quarantined_in_tables_and_log(loaded):
    con, _ = loaded
    per_file = con.execute(
        """SELECT l.source_file, l.rows_read, l.rows_loaded, l.rows_quarantined,
                  (SELECT count(*) FROM raw.decp_marches r WHERE r._source_file = l.source_file),
                  (SELECT count(*) FROM quarantine.decp_marches q WHERE q._source_file = l.source_file)
           FROM meta.ingest_log l"""
    ).fetchall()
    assert len(per_file) == len(EXPECTED)
    for file, read, loaded_, quarantined, in_raw, in_quarantine in per_file:
        assert read == loaded_ + quarantined, file
        assert (in_raw, in_quarantine) == (loaded_, quarantined), file


def test_quarantine_reasons_of_the_aife_file(loaded):
    con, results = loaded
    aife = results["real_data_2019/decp-rama_2019-04-04_data.gouv.fr_aife.json"]
    # SOURCES.md: most invalid AIFE records lack dateNotification; some lack an id or a buyer
    assert aife.quarantine_reasons == {
        "dateNotification missing": 2510,
        "missing contract id": 7,
        "missing buyer SIRET": 1,
    }
    row = con.execute(
        """SELECT _source_row, field, raw_value FROM quarantine.decp_marches
           WHERE reason = 'missing buyer SIRET' AND _source_file LIKE '%aife%'"""
    ).fetchall()
    assert row and row[0][1] == "acheteur.id" and row[0][2].startswith("{")


def test_bare_nan_token_is_read_as_null(loaded):
    con, _ = loaded
    # the fixture has `"concessionnaires": NaN` (invalid JSON written by Python's json module)
    kinds = con.execute(
        """SELECT count(*) FROM raw.decp_marches
           WHERE _source_file = 'peer_fixtures/decp-processing_decp_test_2022.json'"""
    ).fetchall()[0][0]
    assert kinds == 5


def test_2019_records_have_no_considerations_and_2024_records_keep_explicit_no(loaded):
    con, _ = loaded
    considered_2019 = con.execute(
        "SELECT count(*) FROM raw.decp_marches WHERE format_version = '2019' "
        "AND (considerations_sociales IS NOT NULL OR considerations_environnementales IS NOT NULL)"
    ).fetchall()[0][0]
    assert considered_2019 == 0
    explicit_no = con.execute(
        "SELECT count(*) FROM raw.decp_marches WHERE list_contains(considerations_sociales, "
        "'Pas de considération sociale')"
    ).fetchall()[0][0]
    assert explicit_no > 0


def test_shapes_are_normalised(loaded):
    con, _ = loaded
    # PES dates carry a timezone suffix; they are still typed as dates
    pes = con.execute(
        "SELECT min(date_notification) FROM raw.decp_marches WHERE _source_file LIKE '%pes.json'"
    ).fetchall()[0][0]
    assert pes is not None
    # 2019 fixture: flat "acheteur.id" key and titulaires nested in lists of lists
    row = con.execute(
        "SELECT acheteur_id, titulaires, parse_warnings FROM raw.decp_marches WHERE id = '2019_83935401'"
    ).fetchall()[0]
    assert row[0] == "21500222100012"
    assert row[1][0]["id"] == "12345678900022"
    # dureeMois "NC" is not a number: NULL, with the warning kept for the auditor
    nc = con.execute(
        "SELECT count(*) FROM raw.decp_marches WHERE list_contains(parse_warnings, 'dureeMois not given: NC')"
    ).fetchall()[0][0]
    assert nc >= 1


def test_tabular_exports_map_markers_lists_and_modifications(loaded):
    con, _ = loaded
    v3 = "peer_fixtures/data-economie_decp-v3-marches-valides_format2022_extract.csv"
    row = con.execute(
        "SELECT considerations_sociales, considerations_environnementales FROM raw.decp_marches "
        "WHERE _source_file = ? AND id = '24-1065297-2'",
        [v3],
    ).fetchall()[0]
    assert row == (["Clause sociale"], ["Critère environnemental", "Clause environnementale"])
    # "INX <value>": the exporter flags the id as inexploitable; kept, with a warning
    flagged = con.execute(
        "SELECT id FROM raw.decp_marches WHERE _source_file = ? AND parse_warnings IS NOT NULL ORDER BY id", [v3]
    ).fetchall()
    assert flagged == [("2023AOVOI40 L1",), ("202424 3 001",)]
    # 2019 export: considerations unknown, modifications carried by booleanModification
    aug = "peer_fixtures/data-economie_decp-augmente_format2019_extract.csv"
    stats = con.execute(
        "SELECT count(*) FILTER (WHERE considerations_sociales IS NULL), count(modifications) "
        "FROM raw.decp_marches WHERE _source_file = ?",
        [aug],
    ).fetchall()[0]
    assert stats == (9, 2)
