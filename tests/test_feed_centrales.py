"""Centrales d'achat feed: real reference files, configured column mapping, demo files, export."""

from __future__ import annotations

import csv
import datetime as dt
import json

import duckdb
import openpyxl
import pytest

from orchestration.feeds import all_feeds
from orchestration.ingest.centrales import (
    ACHATS_TABLE,
    AGEC58_FIELDS,
    AGEC58_TABLE,
    REFERENTIEL_TABLE,
    parse_periode,
    read_centrale_achats,
    read_declarations_agec58,
    read_referentiel,
)
from orchestration.ingest.centrales_export import export_declaration_agec58, validate_declaration
from orchestration.ingest.framework import IngestError, ingest_files
from orchestration.settings import SEEDS_DIR


def _one(con, sql):
    return con.execute(sql).fetchall()[0][0]


# --- Real files of ../shared/data/centrales ----------------------------------------------------


def test_real_centrales_reference_list_loads(con, shared_data):
    path = shared_data / "centrales" / "centrales_achat_reference.csv"
    [result] = ingest_files(con, REFERENTIEL_TABLE, path.parent, [path], read_referentiel)
    # 4 centrales (UGAP, RESAH, UNIHA, CAIH), nothing to quarantine: every line has a code and a name
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)
    codes = [r[0] for r in con.execute("SELECT code FROM raw.centrales_referentiel ORDER BY _source_row").fetchall()]
    assert codes == ["UGAP", "RESAH", "UNIHA", "CAIH"]
    # only UGAP carries a (third-party, unverified) SIRET candidate
    assert _one(con, "SELECT count(siret_candidat) FROM raw.centrales_referentiel") == 1


def test_real_agec58_example_loads_and_its_defects_are_visible(con, shared_data):
    folder = shared_data / "centrales" / "schema_declaration_biens_reemploi_agec58"
    path = folder / "exemple-valide.csv"
    [result] = ingest_files(con, AGEC58_TABLE, folder, [path], read_declarations_agec58)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    # The official example is schema-valid, but its random amounts exceed the totals on 2 of 3
    # lines: the GX suite raw_centrales_declarations_agec58 warns on them (never quarantined).
    incoherent = _one(
        con,
        """SELECT count(*) FROM raw.centrales_declarations_agec58
        WHERE montant_reemploi_et_reutilisation + montant_produits_issus_don + montant_produits_recycles
              > montant_total""",
    )
    assert incoherent == 2  # lines 1 and 2 (868.4 > 500.9, 988.2 > 228.6)
    assert validate_declaration(path, folder / "schema.json") == []


def test_agec58_categories_of_the_minimums_seed_are_the_schema_enum(shared_data):
    schema = json.loads(
        (shared_data / "centrales" / "schema_declaration_biens_reemploi_agec58" / "schema.json").read_text(
            encoding="utf-8"
        )
    )
    enum = {f["name"]: f for f in schema["fields"]}["type_produit_acquis"]["constraints"]["enum"]
    with (SEEDS_DIR / "centrales_agec58_minimums.csv").open(encoding="utf-8") as f:
        seeded = {row["type_produit_agec58"] for row in csv.DictReader(f)}
    assert seeded == set(enum)
    assert [f["name"] for f in schema["fields"]] == AGEC58_FIELDS


# --- Column mapping by configuration ------------------------------------------------------------


def _write_csv(path, header, rows, encoding="cp1252"):
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def test_resah_csv_mapped_by_the_seed(con, tmp_path):
    folder = tmp_path / "achats"
    folder.mkdir()
    path = folder / "RESAH_2026-S1.csv"
    _write_csv(
        path,
        [
            "Période",
            "Segment",
            "Categorie_AGEC58",
            "Montant_HT",
            "Consideration_env",
            "Heures_insertion",
            "Montant_reemploi",
            "Montant_recycle",
            "Siret_titulaire",
        ],
        [
            ["2026-T1", "Textile", "", "1 234,50", "Clause environnementale", "12,5", "100,00", "", "77348143700905"],
            ["T2 2026", "Restauration", "", "5000", "Pas de considération environnementale", "", "", "", ""],
            ["2026-T5", "Textile", "", "10", "", "", "", "", ""],  # no such quarter: quarantine
            ["2026-T2", "Textile", "", "", "", "", "", "", ""],  # no amount: quarantine
            ["2026-T2", "Textile", "", "10", "Peut-être", "", "", "", ""],  # unreadable flag: quarantine
        ],
    )
    [result] = ingest_files(con, ACHATS_TABLE, folder, [path], read_centrale_achats)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    rows = con.execute("""SELECT centrale, periode_debut, periode_fin, montant_ht, consideration_environnementale,
        heures_insertion, montant_reemploi_ht, montant_recycle_ht, siret_fournisseur
        FROM raw.centrales_achats ORDER BY _source_row""").fetchall()
    assert rows[0] == (
        "RESAH",
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        1234.5,
        True,
        12.5,
        100.0,
        None,
        "77348143700905",
    )
    assert rows[1][1:5] == (dt.date(2026, 4, 1), dt.date(2026, 6, 30), 5000.0, False)
    reasons = sorted(r[0] for r in con.execute("SELECT reason FROM quarantine.centrales_achats").fetchall())
    assert reasons[0].startswith("Montant_HT is empty")
    assert reasons[1].startswith("consideration_environnementale is not yes/no")
    assert reasons[2].startswith("periode is not a recognised period")


def test_ugap_excel_with_percent_conversion(con, tmp_path):
    folder = tmp_path / "achats"
    folder.mkdir()
    path = folder / "ugap_commandes_mars.xlsx"  # the code is case-insensitive
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "N° commande",
            "Date de commande",
            "SIRET client",
            "Famille d'achat",
            "Catégorie AGEC",
            "Montant HT (€)",
            "Achat responsable (environnement)",
            "Heures d'insertion",
            "Part réemploi (%)",
            "Part matières recyclées (%)",
            "SIRET titulaire",
        ]
    )
    ws.append(["C1", dt.datetime(2026, 3, 2), "22590099200010", "Papeterie", None, 2000, "Oui", None, 10, 50, None])
    ws.append(
        [
            "C2",
            "15/03/2026",
            22590099200010,
            "Véhicules",
            "Véhicules et pièces détachées",
            "30000,00",
            "Non",
            40,
            None,
            None,
            "123 456 789 00012",
        ]
    )
    ws.append([None] * 11)  # formatted empty row: not data
    wb.save(path)
    [result] = ingest_files(con, ACHATS_TABLE, folder, [path], read_centrale_achats)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = con.execute("""SELECT centrale, date_achat, periode_debut, siret_acheteur, montant_ht,
        montant_reemploi_ht, montant_recycle_ht, heures_insertion, siret_fournisseur
        FROM raw.centrales_achats ORDER BY _source_row""").fetchall()
    assert rows[0] == (
        "UGAP",
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 2),
        "22590099200010",
        2000.0,
        200.0,
        1000.0,
        None,
        None,
    )
    assert rows[1][4:] == (30000.0, None, None, 40.0, "12345678900012")


def test_ugap_sirets_stored_as_numbers_read_back_or_quarantined(con, tmp_path):
    """A SIRET cell a spreadsheet stored as a number: leading zeros restored, the exponent form
    read back, digits lost (more than 15) quarantined; never a wrong identifier (issue 12)."""
    folder = tmp_path / "achats"
    folder.mkdir()
    path = folder / "UGAP_2026-S1.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["N° commande", "Date de commande", "SIRET client", "Montant HT (€)", "SIRET titulaire"])
    ws.append(["C1", "02/03/2026", 552013500017, 10, 2.2590099200010e13])
    ws.append(["C2", "02/03/2026", 1.2345678901234567e16, 10, None])
    wb.save(path)
    [result] = ingest_files(con, ACHATS_TABLE, folder, [path], read_centrale_achats)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert con.execute("SELECT siret_acheteur, siret_fournisseur FROM raw.centrales_achats").fetchall() == [
        ("00552013500017", "22590099200010")
    ]
    assert "more than 15 digits" in _one(con, "SELECT reason FROM quarantine.centrales_achats")


def test_unknown_centrale_file_name_fails_the_file(tmp_path):
    path = tmp_path / "ACME_2026.csv"
    _write_csv(path, ["x"], [["1"]])
    with pytest.raises(IngestError, match="centrale code configured"):
        list(read_centrale_achats(path))


def test_missing_mapped_column_fails_the_file(tmp_path):
    path = tmp_path / "CAIH_2026-S1.csv"
    _write_csv(path, ["Mois", "Domaine"], [["01/2026", "x"]])
    with pytest.raises(IngestError, match="missing required column 'Total HT'"):
        list(read_centrale_achats(path))


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        ("02/2024", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2026-T4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("Q1 2025", dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
        ("2026-S2", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_parse_periode(text, start, end):
    assert parse_periode(text) == (start, end)


@pytest.mark.parametrize("text", ["2026-13", "2026-T5", "mars 2026", ""])
def test_parse_periode_rejects(text):
    with pytest.raises(ValueError):
        parse_periode(text)


# --- Demo files ---------------------------------------------------------------------------------


def test_demo_files_load_with_accounting(con, tmp_path):
    feed = next(f for f in all_feeds() if f.name == "centrales")
    summary = feed.write_demo(tmp_path / "landing", seed=20240101, n_contracts=600)
    totals = {"read": 0, "quarantined": 0}
    for source in feed.sources:
        root = tmp_path / "landing" / source.folder
        files = sorted(root.iterdir())
        assert files, source.folder
        for result in ingest_files(con, source.table, root, files, source.read):
            assert result.rows_read == result.rows_loaded + result.rows_quarantined
            assert result.rows_read == summary["files"][f"{source.folder}/{result.file}"]
            assert result.rows_quarantined <= 0.05 * result.rows_read  # under the ingest_log gate
            totals["read"] += result.rows_read
            totals["quarantined"] += result.rows_quarantined
    assert {p.suffix for p in (tmp_path / "landing" / "centrales" / "achats").iterdir()} == {".csv", ".xlsx"}
    # the one quarantined line is the documented defect
    [(file, row, reason)] = con.execute(
        "SELECT _source_file, _source_row, reason FROM quarantine.centrales_achats"
    ).fetchall()
    assert (file, row) == ("UGAP_2026-S1.xlsx", summary["defects"]["env_illisible"]["row"])
    assert "Oui (partiel)" in reason
    assert totals["quarantined"] == 1
    # a credit note and an incoherent re-used share are loaded (flagged by GX, not quarantined)
    assert _one(con, "SELECT count(*) FROM raw.centrales_achats WHERE montant_ht < 0") == 1
    assert (
        _one(
            con,
            """SELECT count(*) FROM raw.centrales_achats
        WHERE montant_ht > 0 AND coalesce(montant_reemploi_ht, 0) + coalesce(montant_recycle_ht, 0) > montant_ht""",
        )
        == 1
    )
    assert _one(con, "SELECT count(DISTINCT centrale) FROM raw.centrales_achats") == 3


def test_demo_is_deterministic(tmp_path):
    from orchestration.demo.centrales import write_demo

    a = write_demo(tmp_path / "a", seed=7)
    b = write_demo(tmp_path / "b", seed=7)
    assert a == b
    for rel in a["files"]:
        if rel.endswith(".csv"):
            assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


# --- AGEC art. 58 declaration export ------------------------------------------------------------


def test_declaration_export_is_schema_valid(tmp_path, shared_data):
    warehouse = tmp_path / "warehouse.duckdb"
    c = duckdb.connect(str(warehouse))
    c.execute("CREATE SCHEMA marts")
    c.execute("""CREATE TABLE marts.mart_centrales_declaration_agec58 AS SELECT * FROM (VALUES
        ('o', 2025, '22590099200010', 'Département du Nord-Val', 'Papier', 1000.0, 0.0, 0.0, 350.5, 'UGAP'),
        ('o', 2025, '22590099200010', 'Département du Nord-Val', 'Mobilier urbain', 2000.0, 100.0, 0.0, 0.0, NULL),
        ('o', 2024, '22590099200010', 'Département du Nord-Val', 'Papier', 9.0, 0.0, 0.0, 0.0, NULL)
        ) AS t(org_id, annee, siret, raison_sociale, type_produit_acquis, montant_total,
               montant_reemploi_et_reutilisation, montant_produits_issus_don, montant_produits_recycles, commentaires)""")
    c.close()
    out = tmp_path / "declaration.csv"
    assert export_declaration_agec58(warehouse, "o", 2025, out) == 2
    schema = shared_data / "centrales" / "schema_declaration_biens_reemploi_agec58" / "schema.json"
    assert validate_declaration(out, schema) == []
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(AGEC58_FIELDS)
    assert lines[1] == "2025,22590099200010,Département du Nord-Val,Mobilier urbain,2000.00,100.00,0.00,0.00,"
    # a wrong category or SIRET is reported
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(AGEC58_FIELDS) + "\n2025,123,X,Chaussures,1,0,0,0,\n", encoding="utf-8")
    errors = validate_declaration(bad, schema)
    assert any("siret" in e for e in errors) and any("type_produit_acquis" in e for e in errors)


@pytest.mark.parametrize(
    "suite", ["raw_centrales_achats", "raw_centrales_referentiel", "raw_centrales_declarations_agec58"]
)
def test_suites_say_whether_they_block_and_why(suite):
    feed = next(f for f in all_feeds() if f.name == "centrales")
    assert suite in {s.suite for s in feed.sources}
    path = SEEDS_DIR.parent / "expectations" / "gx" / "expectations" / f"{suite}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == suite and data["expectations"]
    for expectation in data["expectations"]:
        assert expectation["meta"]["severity"] in {"block", "warn"}
        assert expectation["meta"]["why"]
