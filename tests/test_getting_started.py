"""docs/getting-started.md, followed literally: a fresh SPASER_HOME, `spaser init` for a fictional
département with two buyer SIRETs, the configuration checked (a mistake reported with file, line
and field, then fixed), a target filled in, its partner SPL added (section 7), DECP dropped in
(JSON and the official XML example), `spaser run`, the releases of both organisations read back;
and no file of the repository touched on the way."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.instance import write_local_instance
from orchestration.settings import REPO_ROOT

SEMESTER = "2026-S1"
# buyer SIRETs of the generated DECP files (the demo generator's buyers), under new names: the
# département's two establishments, and its partner SPL
SIRETS = ["22590099200010", "22590099200424"]
SPL_SIRET = "81259930600014"


def _repo_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "srv" / "spaser"
    for var in (
        "SPASER_CONFIG_DIR",
        "SPASER_LANDING_DIR",
        "SPASER_WAREHOUSE_DIR",
        "SPASER_PUBLICATIONS_DIR",
        "SPASER_GX_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SPASER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    write_local_instance(tmp_path / "dagster")
    return home


@pytest.mark.slow
def test_getting_started_from_nothing_to_a_release(fresh_home, demo_feeds, shared_data, capsys):
    before = _repo_status()
    config = fresh_home / "config"

    # 2. nothing configured yet: the check says what to do
    assert main(["config", "check"]) == 1
    assert "spaser init" in capsys.readouterr().out

    # 2. spaser init (a typo in the second SIRET on purpose: reported, nothing else)
    code = main(
        [
            "init",
            "--org-id",
            "val",
            "--nom",
            "Département du Val",
            "--departement",
            "95",
            "--siret",
            SIRETS[0],
            "--siret",
            "225 900 992 00425",
            "--spaser-debut",
            "2026",
            "--spaser-fin",
            "2030",
            "--premier-semestre",
            "2025-S1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "organisation_acheteurs.csv, ligne 3, champ acheteur_siret : SIRET '22590099200425' invalide" in out
    assert (fresh_home / "landing" / "decp").is_dir() and (fresh_home / "landing" / "energie" / "sites").is_dir()

    # 3. fixed in the file, one target filled in (the Nord SPASER's IMP-12 as the example says)
    buyers = _rows(config / "organisation_acheteurs.csv")
    buyers[1]["acheteur_siret"] = SIRETS[1]
    _write(config / "organisation_acheteurs.csv", buyers)
    targets = _rows(config / "spaser_cibles.csv")
    assert len(targets) == len(_rows(REPO_ROOT / "seeds" / "spaser_indicateurs.csv"))  # every indicator listed
    imp12 = next(t for t in targets if t["indicator_id"] == "IMP-12")
    assert "exemple du SPASER du Nord : 35 en 2030" in imp12["source"]
    imp12.update(target_value="35", target_year="2030", source="SPASER du Val 2026-2030")
    _write(config / "spaser_cibles.csv", targets)
    assert main(["config", "check"]) == 0, capsys.readouterr().out

    # 7. its partner SPL, in the same warehouse (before the first run: one run publishes both)
    add_spl = ["init", "--ajouter", "--org-id", "spl_val", "--nom", "SPL du Val Aménagement", "--type", "spl"]
    add_spl += ["--departement", "95", "--siret", SPL_SIRET, "--spaser-debut", "2026"]
    assert main(add_spl) == 0, capsys.readouterr().out
    assert (fresh_home / "landing" / "organisations" / "spl_val" / "energie" / "sites").is_dir()

    # 4. DECP dropped in: generated JSON files and the official XML example (another buyer's)
    for path in sorted((demo_feeds / "decp").iterdir()):
        shutil.copy(path, fresh_home / "landing" / "decp" / path.name)
    shutil.copy(
        shared_data / "decp" / "official_format" / "v2_2024" / "exemple_xml_Marche.xml", fresh_home / "landing" / "decp"
    )

    # 5. spaser run, then the release
    capsys.readouterr()
    assert main(["run", "--semester", SEMESTER]) == 0, capsys.readouterr().out
    # quiet by default: a line per phase and the verdict; dbt's and Dagster's logs in a file
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 12, out
    assert "  lecture des flux " in out and "  modèles dbt " in out and "  publication " in out
    [log] = (fresh_home / "logs").glob(f"*-{SEMESTER}.log")
    assert f"journal détaillé : {log}" in out and "spaser_dbt_models" in log.read_text(encoding="utf-8")
    release = fresh_home / "publications" / "val" / SEMESTER / "v1"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["organisation"] == "val"
    from orchestration.configuration import fingerprint

    assert manifest["configuration_sha256"] == fingerprint(config)
    assert any(i["file"].endswith("exemple_xml_Marche.xml") for i in manifest["inputs"])
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT org_name, target_value, target_year, status, is_available FROM read_parquet(?) "
            "WHERE indicator_id = 'IMP-12' AND period = ?",
            [str(release / "mart_spaser_indicateurs.parquet"), SEMESTER],
        ).fetchall()
    assert rows == [("Département du Val", 35.0, 2030, rows[0][3], True)]
    assert rows[0][3] in ("atteint", "en bonne voie", "en retard")
    assert main(["show", "--semester", SEMESTER]) == 0
    assert "IMP-12" in capsys.readouterr().out

    # the SPL's own release: its contracts (by its buyer SIRET in the shared DECP), not the département's
    spl = fresh_home / "publications" / "spl_val" / SEMESTER / "v1"
    assert json.loads((spl / "manifest.json").read_text(encoding="utf-8"))["organisation"] == "spl_val"
    with duckdb.connect(str(fresh_home / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        owners = con.execute(
            "SELECT acheteur_id, list(DISTINCT org_id) FROM marts.fct_marches WHERE org_id IS NOT NULL "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert dict(owners) == {SIRETS[0]: ["val"], SIRETS[1]: ["val"], SPL_SIRET: ["spl_val"]}

    # nothing of the repository was written by any step
    assert _repo_status() == before
