"""Catering feed: the real ma-cantine files of ../shared/data/catering load with their counts
checked and their quarantines explained; demo files, CSV and Excel, encodings and separators.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from orchestration.feeds import all_feeds
from orchestration.feeds.restauration import BILANS, ETABLISSEMENTS, FEED, LABEL_LOCAL, TELEDECLARATIONS
from orchestration.ingest.framework import IngestError, ingest_files

EXPECTATIONS = Path(__file__).resolve().parents[1] / "expectations" / "gx" / "expectations"

# Open-data télédéclaration campaigns filtered on the Nord (SOURCES.md): every line loads.
# file -> (read, loaded, quarantined)
REAL_TELEDECLARATIONS = {
    "opendata_extract/campagne_td_2021_dept59.csv": (28, 28, 0),
    "opendata_extract/campagne_td_2022_dept59.csv": (136, 136, 0),
    "opendata_extract/campagne_td_2023_dept59.csv": (363, 363, 0),
}
# ma-cantine's published "bilan simple" examples (current and older column generations).
REAL_BILANS = {
    "examples/importer_des_bilans_simples_exemple.csv": (1, 1, 0),
    "examples/fichier_exemple_ma_cantine.csv": (2, 2, 0),
    # the satellite line of a central kitchen carries no bilan of its own (année_bilan and
    # amounts empty: its purchases are in the central kitchen's bilan) -> quarantine
    "examples/fichier_exemple_ma_cantine_cc_simple.csv": (2, 1, 1),
    "examples/fichier_exemple_staff.csv": (0, 0, 0),  # header only
}
# Other ma-cantine files are not bilans simples: the file fails naming the missing column.
NOT_BILANS_SIMPLES = {
    "examples/importer_des_bilans_detailles_exemple.csv": "valeur_bio",
    "examples/fichier_exemple_complet_ma_cantine.csv": "valeur_bio",
    "examples/fichier_exemple_ma_cantine_cc_complet.csv": "valeur_bio",
    "examples/achats_siret_ancien_format_fichier_exemple_ma_cantine.csv": "année_bilan",
    "examples/importer_des_cantines_exemple_ma_cantine.csv": "année_bilan",
}


def _rows(con, sql):
    return con.execute(sql).fetchall()


def _accounting(results):
    return {r.file: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results}


# --- real files -------------------------------------------------------------------------------


def test_real_opendata_teledeclarations_load_with_their_counts(shared_data, con):
    root = shared_data / "catering" / "ma-cantine"
    results = ingest_files(
        con, TELEDECLARATIONS.table, root, [root / f for f in REAL_TELEDECLARATIONS], TELEDECLARATIONS.read
    )
    assert _accounting(results) == REAL_TELEDECLARATIONS
    # the profile documented in SOURCES.md
    per_year = _rows(
        con,
        """
        SELECT year, count(*),
               count(*) FILTER (WHERE canteen_sector_list LIKE '%Secondaire collège%'),
               count(*) FILTER (WHERE teledeclaration_ratio_bio >= 0.20
                                AND teledeclaration_ratio_bio + teledeclaration_ratio_egalim_hors_bio >= 0.50),
               count(*) FILTER (WHERE teledeclaration_mode IS NULL)
        FROM raw.restauration_teledeclarations GROUP BY year ORDER BY year""",
    )
    # 2021: older schema, mode and canteen attributes empty; 2022: 49 collèges, 9 lines meet
    # both thresholds; 2023: 176 collèges, 55 lines meet both thresholds
    assert per_year == [(2021, 28, 0, 1, 28), (2022, 136, 49, 9, 0), (2023, 363, 176, 55, 0)]
    # shares stay within 0-1 and every line has a SIRET
    assert _rows(
        con,
        """SELECT count(*) FROM raw.restauration_teledeclarations
                         WHERE teledeclaration_ratio_bio + teledeclaration_ratio_egalim_hors_bio > 1
                            OR canteen_siret IS NULL""",
    ) == [(0,)]


def test_real_bilans_simples_load_with_their_counts_and_quarantine_explained(shared_data, con):
    root = shared_data / "catering" / "ma-cantine"
    results = ingest_files(con, BILANS.table, root, [root / f for f in REAL_BILANS], BILANS.read)
    assert _accounting(results) == REAL_BILANS
    assert _rows(con, "SELECT _source_file, _source_row, reason, field FROM quarantine.restauration_bilans") == [
        ("examples/fichier_exemple_ma_cantine_cc_simple.csv", 3, "année_bilan is empty", "année_bilan")
    ]
    # both column generations are typed: current import (externalités, autres EGALim) and older one
    current = _rows(
        con,
        """SELECT siret, annee_bilan, valeur_totale, valeur_bio, valeur_siqo,
                                   valeur_externalites_performance, valeur_egalim_autres
                            FROM raw.restauration_bilans
                            WHERE _source_file LIKE '%importer_des_bilans_simples%'""",
    )
    assert current == [("49741884000847", 2025, 10500.0, 500.5, 20.0, 600.0, 2000.0)]
    older = _rows(
        con,
        """SELECT annee_bilan, valeur_totale, valeur_environnemental, valeur_autres_egalim
                          FROM raw.restauration_bilans
                          WHERE _source_file = 'examples/fichier_exemple_ma_cantine.csv' ORDER BY annee_bilan""",
    )
    assert older == [(2019, 10500.0, 20.0, 600.0), (2020, 30300.0, 700.0, 1000.0)]


@pytest.mark.parametrize("name, column", sorted(NOT_BILANS_SIMPLES.items()))
def test_other_ma_cantine_files_fail_naming_the_missing_column(shared_data, con, name, column):
    root = shared_data / "catering" / "ma-cantine"
    with pytest.raises(IngestError) as err:
        ingest_files(con, BILANS.table, root, [root / name], BILANS.read)
    assert "line 1" in str(err.value) and f"'{column}'" in str(err.value)
    assert _rows(con, "SELECT count(*) FROM meta.ingest_log") == [(0,)]


# --- demo files --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("demo-restauration") / "landing"
    FEED.write_demo(landing, seed=20240101, n_contracts=0)
    return landing


def test_demo_is_deterministic(demo_landing, tmp_path):
    other = tmp_path / "landing"
    FEED.write_demo(other, seed=20240101, n_contracts=0)
    for path in sorted(demo_landing.rglob("*.csv")):
        assert path.read_bytes() == (other / path.relative_to(demo_landing)).read_bytes(), path.name


def test_demo_files_load_with_rows_read_equal_loaded_plus_quarantined(demo_landing, con):
    measured = {}
    for source in FEED.sources:
        root = demo_landing / source.folder
        for r in ingest_files(con, source.table, root, sorted(root.iterdir()), source.read):
            assert r.rows_read == r.rows_loaded + r.rows_quarantined
            assert r.rows_quarantined <= 0.05 * r.rows_read  # under the quarantine-spike gate
            measured[f"{source.folder}/{r.file}"] = (r.rows_read, r.rows_loaded, r.rows_quarantined)
    assert measured == {
        "restauration/etablissements/etablissements_restauration.xlsx": (42, 42, 0),
        "restauration/bilans/bilans_simples_2023.csv": (41, 41, 0),
        "restauration/bilans/bilans_simples_2024.csv": (41, 40, 1),
        "restauration/bilans/bilans_simples_2025.csv": (42, 42, 0),
        "restauration/teledeclarations/campagne_td_2024.csv": (43, 43, 0),
        "restauration/label_local/label_ici_je_mange_local.csv": (38, 38, 0),
    }
    assert _rows(con, "SELECT reason FROM quarantine.restauration_bilans") == [
        ("valeur_totale is not a valid decimal: 'NC'",)
    ]
    # 36 collèges and 6 other establishments, all with valid SIRETs
    from orchestration.demo.catalog import siret_is_valid

    kinds = _rows(
        con,
        """SELECT type_etablissement, count(*) FROM raw.restauration_etablissements
                          GROUP BY ALL ORDER BY 1""",
    )
    assert kinds == [("Collège", 36), ("autre", 6)]
    assert all(siret_is_valid(s) for (s,) in _rows(con, "SELECT siret FROM raw.restauration_etablissements"))


# --- CSV and Excel, encodings, separators ----------------------------------------------------


def _write_csv(path: Path, header, rows, *, delimiter=";", encoding="cp1252") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _write_xlsx(path: Path, header, rows) -> Path:
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.append(list(header))
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def test_establishments_list_loads_from_csv_and_excel_alike(con, tmp_path):
    header = ("siret", "nom", "type_etablissement", "uai")
    rows = [
        ("19590101000015", "Collège Jean Moulin", "Collège", "0599010A"),
        ("22590099201109", "Foyer de l'enfance", "autre", ""),
    ]
    csv_file = _write_csv(tmp_path / "a" / "liste.csv", header, rows)
    xlsx_file = _write_xlsx(tmp_path / "b" / "liste.xlsx", header, [r[:3] + (r[3] or None,) for r in rows])
    ingest_files(con, ETABLISSEMENTS.table, csv_file.parent, [csv_file], ETABLISSEMENTS.read)
    ingest_files(con, ETABLISSEMENTS.table, xlsx_file.parent, [xlsx_file], ETABLISSEMENTS.read)
    loaded = _rows(
        con,
        """SELECT _source_file, siret, nom, type_etablissement, uai
                           FROM raw.restauration_etablissements ORDER BY 1, 2""",
    )
    by_file = {}
    for f, *values in loaded:
        by_file.setdefault(f, []).append(tuple(values))
    assert by_file["liste.csv"] == [
        ("19590101000015", "Collège Jean Moulin", "Collège", "0599010A"),
        ("22590099201109", "Foyer de l'enfance", "autre", None),
    ]
    assert by_file["liste.xlsx"] == by_file["liste.csv"]


def test_bilan_resaved_by_excel_and_as_xlsx_load_like_the_published_format(con, tmp_path):
    header = ("siret", "année_bilan", "valeur_totale", "valeur_bio", "valeur_siqo", "valeur_egalim_autres")
    # as published: comma, UTF-8 without BOM, decimal point
    published = _write_csv(
        tmp_path / "p" / "bilans.csv",
        header,
        [("19590101000015", "2025", "1000.5", "200", "100", "50")],
        delimiter=",",
        encoding="utf-8",
    )
    # re-saved by Excel: semicolon, cp1252, decimal comma
    resaved = _write_csv(
        tmp_path / "r" / "bilans.csv", header, [("19590101000015", "2025", "1000,5", "200", "100", "50")]
    )
    workbook = _write_xlsx(tmp_path / "x" / "bilans.xlsx", header, [("19590101000015", 2025, 1000.5, 200, 100, 50)])
    for f in (published, resaved, workbook):
        [r] = ingest_files(con, BILANS.table, f.parent, [f], BILANS.read)
        assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (1, 1, 0), f
    assert _rows(con, "SELECT DISTINCT siret, annee_bilan, valeur_totale, valeur_bio FROM raw.restauration_bilans") == [
        ("19590101000015", 2025, 1000.5, 200.0)
    ]


def test_label_list_defects_go_to_quarantine_with_line_and_reason(con, tmp_path):
    header = ("annee", "siret", "nom", "niveau_label", "mention_bio", "part_locale")
    f = _write_csv(
        tmp_path / "l" / "labels.csv",
        header,
        [
            ("2025", "19590101000015", "Collège A", "2", "Oui", "0,45"),
            ("2025", "19590111000013", "Collège B", "deux", "Non", "0,30"),
            ("", "19590121000011", "Collège C", "1", "Non", "0,22"),
            ("2025", "19590131000019", "Collège D", "1", "Peut-être", "0,22"),
        ],
    )
    [r] = ingest_files(con, LABEL_LOCAL.table, f.parent, [f], LABEL_LOCAL.read)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 1, 3)
    assert _rows(con, "SELECT _source_row, field, reason FROM quarantine.restauration_label_local ORDER BY 1") == [
        (3, "niveau_label", "niveau_label is not a valid integer: 'deux'"),
        (4, "annee", "annee is empty"),
        (5, "mention_bio", "mention_bio is not a valid boolean: 'Peut-être'"),
    ]
    assert _rows(con, "SELECT mention_bio, part_locale FROM raw.restauration_label_local") == [(True, 0.45)]


# --- registry and suites -----------------------------------------------------------------------


def test_feed_is_registered_with_its_sources_suites_and_coverage():
    feed = next(f for f in all_feeds() if f.name == "restauration")
    assert [s.folder for s in feed.sources] == [
        "restauration/etablissements",
        "restauration/bilans",
        "restauration/teledeclarations",
        "restauration/label_local",
    ]
    for source in feed.sources:
        suite = json.loads((EXPECTATIONS / f"{source.suite}.json").read_text(encoding="utf-8"))
        assert suite["name"] == source.suite == f"raw_{source.table.table}"
        for expectation in suite["expectations"]:
            assert expectation["meta"]["severity"] in ("block", "warn") and expectation["meta"]["why"]
    sql = feed.coverage_sql("2026-S1")
    assert "restauration/bilans" in sql and "f.annee <= 2026" in sql
