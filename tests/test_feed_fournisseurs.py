"""Supplier classification feed: real inclusion files, CSV and Excel classification, demo files
matching the demo DECP titulaires."""

from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import pytest

from orchestration.demo.catalog import siret_is_valid
from orchestration.feeds import all_feeds
from orchestration.ingest.fournisseurs import (
    ASP_TABLE,
    CLASSIFICATION_TABLE,
    LE_MARCHE_TABLE,
    read_classification,
    read_le_marche,
    read_siae_asp,
)
from orchestration.ingest.framework import ingest_files
from orchestration.settings import SEEDS_DIR


def _one(con, sql):
    return con.execute(sql).fetchall()[0][0]


def _seed_types() -> dict[str, dict]:
    with (SEEDS_DIR / "fournisseurs_types.csv").open(encoding="utf-8") as f:
        return {row["type_structure"]: row for row in csv.DictReader(f)}


# --- Real files of ../shared/data/inclusion ----------------------------------------------------


def test_real_asp_siae_list_loads(con, shared_data):
    path = shared_data / "inclusion" / "asp_liste_siae_2019" / "2019_07_liste_siae_nord_pdc_sans_contacts.csv"
    [result] = ingest_files(con, ASP_TABLE, path.parent, [path], read_siae_asp)
    # 310 agreements, all with a SIRET and a measure: nothing quarantined
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (310, 310, 0)
    assert dict(con.execute("SELECT mesure, count(*) FROM raw.fournisseurs_siae_asp GROUP BY 1").fetchall()) == {
        "ACI": 163,
        "AI": 46,
        "EI": 80,
        "ETTI": 21,
    }
    # the known traps, flagged by the GX suite (warn), not quarantined:
    assert _one(con, "SELECT count(DISTINCT siret) FROM raw.fournisseurs_siae_asp") == 291  # several measures per SIRET
    assert _one(con, """SELECT count(*) - count(DISTINCT (siret, mesure)) FROM raw.fournisseurs_siae_asp""") == 1
    departements = {
        r[0] for r in con.execute("SELECT DISTINCT code_departement FROM raw.fournisseurs_siae_asp").fetchall()
    }
    assert {"59L", "59V", "062"} <= departements  # not INSEE codes
    assert (
        _one(
            con,
            "SELECT count(*) FROM raw.fournisseurs_siae_asp WHERE code_departement = '059' AND libelle_dpt = 'AISNE'",
        )
        >= 1
    )
    sirets = [r[0] for r in con.execute("SELECT siret FROM raw.fournisseurs_siae_asp").fetchall()]
    assert all(siret_is_valid(s) for s in sirets)


def test_real_le_marche_directory_loads(con, shared_data):
    path = shared_data / "inclusion" / "le-marche" / "fixture_siaes_dept59_62.csv"
    [result] = ingest_files(con, LE_MARCHE_TABLE, path.parent, [path], read_le_marche)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (322, 322, 0)
    kinds = dict(con.execute("SELECT kind, count(*) FROM raw.fournisseurs_le_marche GROUP BY 1").fetchall())
    assert kinds == {"ACI": 160, "AI": 48, "EI": 73, "ETTI": 29, "GEIQ": 12}
    sirets = [r[0] for r in con.execute("SELECT siret FROM raw.fournisseurs_le_marche").fetchall()]
    # 3 SIRETs with a wrong check digit (GX warn: they can never match a titulaire); 6 repeated sheets
    assert sum(not siret_is_valid(s) for s in sirets) == 3
    assert len(sirets) - len(set(sirets)) == 6


def test_real_kind_references_are_covered_by_the_seed(shared_data):
    types = _seed_types()
    with (shared_data / "inclusion" / "supplier_kinds_le_marche.csv").open(encoding="utf-8") as f:
        le_marche = list(csv.DictReader(f))
    assert {k["kind_code"] for k in le_marche} == set(types)
    for k in le_marche:
        assert (types[k["kind_code"]]["secteur_protege_adapte"] == "true") == (k["parent_group"] == "handicap")
    with (shared_data / "inclusion" / "asp_siae_kinds.csv").open(encoding="utf-8") as f:
        asp = {row["display_code"] for row in csv.DictReader(f)} - {"FDI"}  # a fund, not a supplier
    assert all(types[code]["siae"] == "true" for code in asp)


# --- The buyer's classification: CSV and Excel --------------------------------------------------


def test_classification_csv_and_excel_load(con, tmp_path):
    folder = tmp_path / "classification"
    folder.mkdir()
    header = ["siret", "raison_sociale", "categorie_entreprise", "ess", "type_structure", "source", "date_mise_a_jour"]
    with (folder / "a_classification.csv").open("w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(header)
        w.writerow(["123 456 789 00012", "Société Un", "PME", "Non", "", "SIRENE", "15/01/2026"])
        w.writerow(["987654321", "Groupe Deux (niveau SIREN)", "GE", "", "", "SIRENE", "15/01/2026"])
        w.writerow(["", "Sans identifiant", "PME", "Non", "", "", ""])  # quarantine
        w.writerow(["11111111111111", "Mauvaise date", "PME", "Non", "", "", "31/02/2026"])  # quarantine
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    ws.append([12345678900012, "Société Un", "TPE", True, None, "saisie", dt.datetime(2026, 3, 1)])
    ws.append(["44444444444444", "ESAT Trois", None, "Oui", "ESAT", "Le marché", None])
    wb.save(folder / "b_classification.xlsx")
    results = ingest_files(con, CLASSIFICATION_TABLE, folder, sorted(folder.iterdir()), read_classification)
    assert [(r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results] == [(4, 2, 2), (2, 2, 0)]
    rows = con.execute("""SELECT siret, categorie_entreprise, ess, type_structure, date_mise_a_jour
        FROM raw.fournisseurs_classification ORDER BY _source_file, _source_row""").fetchall()
    assert rows == [
        ("12345678900012", "PME", False, None, dt.date(2026, 1, 15)),
        ("987654321", "GE", None, None, dt.date(2026, 1, 15)),
        ("12345678900012", "TPE", True, None, dt.date(2026, 3, 1)),
        ("44444444444444", None, True, "ESAT", None),
    ]
    reasons = sorted(r[0] for r in con.execute("SELECT reason FROM quarantine.fournisseurs_classification").fetchall())
    assert reasons == ["date_mise_a_jour is not a valid date: '31/02/2026'", "siret is empty"]


# --- Demo files -----------------------------------------------------------------------------------


def test_demo_files_load_and_classify_the_demo_titulaires(con, tmp_path, demo_feeds):
    feed = next(f for f in all_feeds() if f.name == "fournisseurs")
    summary = feed.write_demo(tmp_path / "landing", seed=20240101, n_contracts=600)
    for source in feed.sources:
        root = tmp_path / "landing" / source.folder
        for result in ingest_files(con, source.table, root, sorted(root.iterdir()), source.read):
            assert result.rows_read == result.rows_loaded + result.rows_quarantined
            assert result.rows_read == summary["files"][f"{source.folder}/{result.file}"]
            assert result.rows_quarantined <= 0.05 * result.rows_read
    assert _one(con, "SELECT count(*) FROM quarantine.fournisseurs_classification") == 1  # the line without SIRET
    assert _one(con, "SELECT count(*) FROM quarantine.fournisseurs_siae_asp") == 0
    assert _one(con, "SELECT count(*) FROM quarantine.fournisseurs_le_marche") == 0
    kinds = set(summary["structures"].values())
    assert {"EA", "ESAT"} <= kinds and {"EI", "ACI"} <= kinds

    # The demo DECP (generated by the marché feed with the same seed) has titulaires classified here.
    classified = {r[0] for r in con.execute("SELECT siret FROM raw.fournisseurs_classification").fetchall()}
    decp = json.loads((demo_feeds / "decp" / "decp_2026-S1.json").read_text(encoding="utf-8"))
    holders = [t["titulaire"]["id"] for m in decp["marches"]["marche"] for t in m.get("titulaires", [])]
    sirets = [h for h in holders if h.isdigit() and len(h) == 14]
    share = sum(h in classified for h in sirets) / len(sirets)
    assert 0.6 < share < 1.0  # most are classified, a few are unknown on purpose
    stpa = {s for s, k in summary["structures"].items() if k in ("EA", "ESAT")}
    all_holders = {
        t["titulaire"]["id"]
        for path in (demo_feeds / "decp").glob("*.json")
        for m in json.loads(path.read_text(encoding="utf-8"))["marches"]["marche"]
        for t in m.get("titulaires", [])
    }
    assert stpa & all_holders  # some contracts go to EA/ESAT: DEP-2 has something to count


def test_demo_is_deterministic(tmp_path):
    from orchestration.demo.fournisseurs import write_demo

    assert write_demo(tmp_path / "a", seed=3) == write_demo(tmp_path / "b", seed=3)
    for rel in ("fournisseurs/siae_asp/liste_siae_asp.csv", "fournisseurs/le_marche/export_le_marche.csv"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


@pytest.mark.parametrize(
    "suite", ["raw_fournisseurs_classification", "raw_fournisseurs_siae_asp", "raw_fournisseurs_le_marche"]
)
def test_suites_say_whether_they_block_and_why(suite):
    feed = next(f for f in all_feeds() if f.name == "fournisseurs")
    assert suite in {s.suite for s in feed.sources}
    path = SEEDS_DIR.parent / "expectations" / "gx" / "expectations" / f"{suite}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["name"] == suite and data["expectations"]
    for expectation in data["expectations"]:
        assert expectation["meta"]["severity"] in {"block", "warn"}
        assert expectation["meta"]["why"]
