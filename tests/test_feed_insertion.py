"""Insertion feed (no public format, contract docs/feeds/insertion.md): readers, demo files,
row accounting, and that the demo hours are reported on real contracts of the marché demo."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from orchestration.feeds.insertion import FEED, HEURES, PARCOURS
from orchestration.ingest.framework import IngestError, ingest_files
from orchestration.ingest.insertion import HEURES_TABLE, PARCOURS_TABLE, parse_mois, read_heures, read_parcours

HEADER = "siret_acheteur;id_marche;mois;heures_realisees;siret_titulaire;structure_insertion"


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("03/2026", dt.date(2026, 3, 1)),
        ("3/2026", dt.date(2026, 3, 1)),
        ("2026-03", dt.date(2026, 3, 1)),
        ("01/03/2026", dt.date(2026, 3, 1)),
        ("2026-03-01 00:00:00", dt.date(2026, 3, 1)),
    ],
)
def test_month_formats(text, month):
    assert parse_mois(text) == month


@pytest.mark.parametrize("text", ["13/2026", "15/03/2026", "mars 2026", "2026"])
def test_not_a_month(text):
    with pytest.raises(ValueError):
        parse_mois(text)


def test_hours_csv_quarantines_untypeable_lines(con, tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    (root / "heures.csv").write_bytes(
        (
            HEADER + "\r\n"
            "22590099200010;2025T000001;03/2026;151,5;59332299300613;GEIQ\r\n"
            "22590099200010;2025T000001;13/2026;20;;GEIQ\r\n"
            "22590099200010;2025T000002;04/2026;vingt;;GEIQ\r\n"
            "22590099200010;;04/2026;10;;GEIQ\r\n"
        ).encode("cp1252")
    )
    [r] = ingest_files(con, HEURES_TABLE, root, [root / "heures.csv"], read_heures)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 1, 3)
    assert r.quarantine_reasons == {
        "mois is not a month (MM/AAAA): '13/2026'": 1,
        "heures_realisees is not a valid decimal: 'vingt'": 1,
        "id_marche is empty": 1,
    }
    assert con.execute("SELECT mois, heures_realisees FROM raw.insertion_heures").fetchall() == [
        (dt.date(2026, 3, 1), 151.5)
    ]


def test_hours_excel_with_a_date_typed_month(con, tmp_path):
    import openpyxl

    root = tmp_path / "landing"
    root.mkdir()
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(";"))
    wb.active.append([22590099200010, "2025T000001", dt.datetime(2026, 2, 1), 35.0, None, "ETTI"])
    wb.active.append(["22590099200010", "2025T000001", "03/2026", "12,5", None, "ETTI"])
    wb.save(root / "heures.xlsx")
    [r] = ingest_files(con, HEURES_TABLE, root, [root / "heures.xlsx"], read_heures)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)
    assert con.execute(
        "SELECT siret_acheteur, mois, heures_realisees FROM raw.insertion_heures ORDER BY mois"
    ).fetchall() == [("22590099200010", dt.date(2026, 2, 1), 35.0), ("22590099200010", dt.date(2026, 3, 1), 12.5)]


def test_missing_required_column_fails_the_file(tmp_path):
    path = tmp_path / "heures.csv"
    path.write_text("siret_acheteur;id_marche;heures_realisees\r\n", encoding="cp1252")
    with pytest.raises(IngestError, match="line 1: missing required column 'mois'"):
        list(read_heures(path))


def test_pathways_csv(con, tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    (root / "parcours.csv").write_bytes(
        (
            "id_parcours;date_entree;date_sortie;type_sortie\r\n"
            "P1;03/02/2025;15/01/2026;CDI\r\n"
            "P2;03/02/2025;;\r\n"
            "P3;31/02/2025;;\r\n"
        ).encode("cp1252")
    )
    [r] = ingest_files(con, PARCOURS_TABLE, root, [root / "parcours.csv"], read_parcours)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    assert r.quarantine_reasons == {"date_entree is not a valid date: '31/02/2025'": 1}


# --- Demo files -----------------------------------------------------------------------------------

N_CONTRACTS = 600
# raw table -> file -> (rows read, loaded, quarantined): measured on the demo (seed 20240101, 600 contracts)
DEMO_EXPECTED = {
    "insertion_heures": {
        "heures_insertion_2024.csv": (191, 190, 1),  # month 13/2024
        "heures_insertion_2025.xlsx": (567, 567, 0),  # incl. one line with negative hours (flagged)
        "heures_insertion_2026.csv": (401, 401, 0),  # incl. an unknown contract and a wrong buyer SIRET
    },
    "insertion_parcours": {"parcours_insertion.csv": (261, 261, 0)},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from orchestration.demo.generator import generate_demo

    landing = tmp_path_factory.mktemp("demo") / "landing"
    summary = FEED.write_demo(landing, seed=20240101, n_contracts=N_CONTRACTS)
    generate_demo(landing, seed=20240101, n_contracts=N_CONTRACTS)
    return landing, summary


def test_demo_files_load_with_their_counts_and_quarantines(demo, con):
    landing, _ = demo
    measured = {}
    for source in (HEURES, PARCOURS):
        root = landing / source.folder
        results = ingest_files(con, source.table, root, sorted(root.iterdir()), source.read)
        measured[source.table.table] = {r.file: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results}
        for r in results:
            assert r.rows_read == r.rows_loaded + r.rows_quarantined > 0
            assert r.rows_quarantined / r.rows_read < 0.05
    assert measured == DEMO_EXPECTED
    assert con.execute("SELECT _source_file, _source_row, reason FROM quarantine.insertion_heures").fetchall() == [
        ("heures_insertion_2024.csv", 9, "mois is not a month (MM/AAAA): '13/2024'")
    ]


def test_demo_hours_are_reported_on_contracts_of_the_decp_demo(demo):
    landing, summary = demo
    import csv

    published = set()
    for path in (landing / "decp").glob("*.json"):
        for record in json.loads(path.read_text(encoding="utf-8"))["marches"]["marche"]:
            published.add(f"{record['acheteur']['id']}|{record['id']}")
    with (landing / "insertion" / "heures" / "heures_insertion_2024.csv").open(encoding="cp1252") as f:
        keys = {f"{r['siret_acheteur']}|{r['id_marche']}" for r in csv.DictReader(f, delimiter=";")}
    assert keys and keys <= published
    assert summary["defects"]["marche_inconnu"]["id_marche"] not in {k.split("|")[1] for k in published}


def test_demo_is_deterministic(demo, tmp_path):
    landing, summary = demo
    again = FEED.write_demo(tmp_path / "landing", seed=20240101, n_contracts=N_CONTRACTS)
    assert again == summary
    for rel in summary["files"]:
        if rel.endswith(".csv"):
            assert (tmp_path / "landing" / "insertion" / rel).read_bytes() == (landing / "insertion" / rel).read_bytes()
