"""Several organisations in one warehouse: the département, its partner SPL (its own buyer SIRET
in the shared DECP) and an EPCI whose required feed is missing. Each has its own configuration
lines, indicators and releases; the EPCI's missing feed blocks its own publication only."""

from __future__ import annotations

import csv
import json
import shutil

import duckdb
import pytest
from conftest import SEMESTER, run

from orchestration.cli import main

SPL_SIRET = "81259930600014"  # a buyer of the demo DECP, moved from the département to its SPL


def _move_siret_to_the_spl(config):
    path = config / "organisation_acheteurs.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["acheteur_siret"] != SPL_SIRET]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _require(config, org: str, feed: str):
    path = config / "organisation_flux.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["org_id"] == org and r["feed"] == feed:
            r["required"] = "true"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_each_organisation_is_published_on_its_own(demo_home, capsys):
    config = demo_home / "config"
    _move_siret_to_the_spl(config)
    assert (
        main(
            [
                "init",
                "--ajouter",
                "--org-id",
                "spl_amenagement",
                "--nom",
                "SPL Nord-Val Aménagement",
                "--type",
                "spl",
                "--departement",
                "59",
                "--siret",
                SPL_SIRET,
                "--spaser-debut",
                "2026",
                "--premier-semestre",
                "2024-S1",
            ]
        )
        == 0
    ), capsys.readouterr().out
    assert (
        main(
            [
                "init",
                "--ajouter",
                "--org-id",
                "cc_val",
                "--nom",
                "Communauté de communes du Val",
                "--type",
                "epci",
                "--siret",
                "20005376700014",
                "--spaser-debut",
                "2026",
            ]
        )
        == 0
    )
    # the EPCI also requires its energy sites register, which it has not delivered
    _require(config, "cc_val", "energie/sites")
    assert (demo_home / "landing" / "organisations" / "cc_val" / "energie" / "sites").is_dir()
    # the SPL delivers its own energy sites register in its landing folder
    spl_sites = demo_home / "landing" / "organisations" / "spl_amenagement" / "energie" / "sites"
    shutil.copy(next((demo_home / "landing" / "energie" / "sites").iterdir()), spl_sites)
    capsys.readouterr()

    result = run()
    assert not result.success  # the EPCI was not published: the run says so
    publications = demo_home / "publications"
    assert sorted(p.name for p in publications.iterdir() if p.is_dir()) == ["nordval", "spl_amenagement"]
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.to_string()
    assert "cc_val 2026-S1 non publié : flux obligatoire(s) sans ligne pour le semestre" in message
    assert "energie/sites" in message and "nordval" not in message

    with duckdb.connect(str(demo_home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        # the SPL's contracts are its own, not the département's
        owners = dict(
            con.execute(
                """SELECT org_id, count(*) FROM marts.fct_marches
                                     WHERE acheteur_id = ? GROUP BY 1""",
                [SPL_SIRET],
            ).fetchall()
        )
        assert set(owners) == {"spl_amenagement"} and owners["spl_amenagement"] > 0
        # its energy sites come from its own landing folder, keyed with its organisation
        sites = con.execute("""SELECT DISTINCT org_id, split_part(_source_file, '/', 1) FROM marts.dim_energie_sites
                               ORDER BY 1""").fetchall()
        assert ("spl_amenagement", "spl_amenagement") in sites and any(o == "nordval" for o, _ in sites)
    spl = publications / "spl_amenagement" / SEMESTER / "v1"
    manifest = json.loads((spl / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["organisation"] == "spl_amenagement"
    with duckdb.connect() as con:
        orgs = con.execute(
            "SELECT DISTINCT org_id, org_name FROM read_parquet(?)", [str(spl / "mart_spaser_indicateurs.parquet")]
        ).fetchall()
        imp12 = con.execute(
            "SELECT is_available FROM read_parquet(?) WHERE indicator_id = 'IMP-12' AND period = ?",
            [str(spl / "mart_spaser_indicateurs.parquet"), SEMESTER],
        ).fetchall()
    assert orgs == [("spl_amenagement", "SPL Nord-Val Aménagement")] and imp12 == [(True,)]
