"""Every release is a Frictionless Data Package (datapackage.json, validated before the release is
sealed: an invalid value blocks it like a gate), and the proposed "indicateurs SPASER" Table
Schema in schema/indicateurs-spaser/ is the one the releases use for the indicator table."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import pytest
from test_publication_safety import ORG, SEMESTER, _publish, _release, _warehouse

from orchestration.publication.datapackage import (
    INDICATEURS_FR,
    INDICATOR_MODEL,
    SCHEMA_DIR,
    DataPackageError,
    catalogue_ids,
    csv_problems,
    frictionless_problems,
    indicator_schema,
    model_docs,
)
from orchestration.publication.publish import PUBLISHED_TABLES, staging_folder
from orchestration.publication.verify import sha256_file, verify_release

SCHEMA = SCHEMA_DIR / "schema.json"


def _schema_fields() -> dict[str, dict]:
    return {f["name"]: f for f in json.loads(SCHEMA.read_text(encoding="utf-8"))["fields"]}


def _package(release: Path) -> dict:
    return json.loads((release / "datapackage.json").read_text(encoding="utf-8"))


def _check_package(release: Path) -> dict:
    """What every release's package holds: one valid resource per published table's CSV, listed
    in the manifest (so `spaser verify` covers it), the indicator fields of the schema."""
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    package = _package(release)
    assert manifest["datapackage"] == "datapackage.json"
    assert manifest["outputs"]["datapackage_json"]["sha256"] == sha256_file(release / "datapackage.json")
    assert verify_release(release) == []
    assert frictionless_problems(release / "datapackage.json") == []  # metadata, every row
    assert package["profile"] == "tabular-data-package" and package["licenses"][0]["name"] == "etalab-2.0"
    assert package["spaser"] | {"motif": None} == {
        "organisation": manifest["organisation"],
        "semestre": manifest["semester"],
        "version": manifest["version"],
        "publie_le": manifest["published_at"],
        "motif": None,
        "schema_indicateurs": "indicateurs-spaser " + json.loads(SCHEMA.read_text(encoding="utf-8"))["version"],
    }
    assert package["created"] == manifest["published_at"]
    resources = {r["name"]: r for r in package["resources"]}
    assert list(resources) == list(PUBLISHED_TABLES)
    for name, r in resources.items():
        assert r["path"] == f"{name}.csv" and r["format"] == "csv" and r["encoding"] == "utf-8"
        assert r["hash"] == "sha256:" + manifest["outputs"][name]["csv"]["sha256"]
        assert r["title"] != name  # a French title
        with (release / r["path"]).open(encoding="utf-8") as f:  # the fields are the CSV's columns
            assert f.readline().rstrip("\n").split(",") == [field["name"] for field in r["schema"]["fields"]]
    schema = _schema_fields()
    for name in ("mart_spaser_indicateurs", "mart_spaser_indicateurs_historique"):
        for field in resources[name]["schema"]["fields"]:
            assert field == schema[field["name"]], (name, field["name"])  # the same definitions
        assert resources[name]["schema"]["primaryKey"] == ["org_id", "period_type", "period", "indicator_id"]
    return resources


# --- a release of a small hand-made warehouse (hostile text, neutralised cells in the CSV)


def _home(spaser_home: Path) -> duckdb.DuckDBPyConnection:
    warehouse = spaser_home / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    con = duckdb.connect(str(warehouse))
    _warehouse(con)
    return con


def test_a_release_is_a_valid_data_package_listed_in_its_manifest(spaser_home):
    with _home(spaser_home) as con:
        _publish(con, spaser_home)
    release = _release(spaser_home)
    resources = _check_package(release)
    indicators = resources["mart_spaser_indicateurs"]["schema"]
    assert {
        f["name"]: f["constraints"]["enum"] for f in indicators["fields"] if "enum" in f.get("constraints", {})
    } == {
        "period_type": ["semestre", "annee"],  # accepted_values of the dbt model
        "indicator_id": catalogue_ids(),  # the catalogue seed
        "status": ["atteint", "en bonne voie", "en retard", "sans cible", "non disponible"],
    }
    # cells the CSV neutralised ('=HYPERLINK..., '-2+3) are valid text: the package validated
    lines = (release / "indicateur_lignes.csv").read_text(encoding="utf-8")
    assert ",'-2+3" in lines
    assert resources["fct_marches"]["schema"]["primaryKey"] == ["contrat_key"]  # unique + not_null tests
    types = {f["name"]: f["type"] for f in resources["fct_marches"]["schema"]["fields"]}
    assert types == {
        "org_id": "string",
        "semestre": "string",
        "contrat_key": "string",
        "objet": "string",
        "acheteur_id": "string",
        "acheteur_nom": "string",
        "montant": "number",
        "delta": "integer",
        "titulaires": "string",  # JSON text
    }


@pytest.mark.parametrize(
    "corrupt, expected",
    [
        # an indicator id outside the catalogue (published ordered by period_type DESC, indicator_id:
        # the semester's BES-1 then GOV-1 are rows 2 and 3; BES-1 renamed ZZZ-9 comes after GOV-1),
        # in the semester's table and in the history
        (
            "UPDATE marts.mart_spaser_indicateurs SET indicator_id = 'ZZZ-9' WHERE indicator_id = 'BES-1'",
            [
                "table mart_spaser_indicateurs, ligne 3, champ indicator_id : constraint-error",
                "table mart_spaser_indicateurs_historique, ligne 3, champ indicator_id : constraint-error",
            ],
        ),
        # text in a numeric column of the schema
        (
            "ALTER TABLE marts.mart_spaser_indicateurs ALTER value TYPE VARCHAR; "
            "UPDATE marts.mart_spaser_indicateurs SET value = 'beaucoup' WHERE indicator_id = 'BES-1'",
            [
                "table mart_spaser_indicateurs, ligne 2, champ value : type-error (type is \"number/default\"), valeur 'beaucoup'"
            ],
        ),
        # a status outside the model's accepted values
        (
            "UPDATE marts.mart_spaser_indicateurs SET status = 'presque' WHERE indicator_id = 'GOV-1'",
            ["table mart_spaser_indicateurs, ligne 3, champ status : constraint-error"],
        ),
        # a duplicate contract key (unique and not_null in dbt: the primary key)
        (
            "UPDATE marts.fct_marches SET contrat_key = 'c01' WHERE contrat_key = 'c02'",
            ["table fct_marches, ligne 4, champ(s) contrat_key : primary-key"],
        ),
    ],
)
def test_an_invalid_value_blocks_the_release(spaser_home, corrupt, expected):
    with _home(spaser_home) as con:
        con.execute(corrupt)
        with pytest.raises(DataPackageError) as failure:
            _publish(con, spaser_home)
    message = str(failure.value)
    for line in expected:
        assert line in message, message
    assert f"{ORG} {SEMESTER} v1 : le Data Package n'est pas valide" in message and "rien n'est publié" in message
    folder = spaser_home / "publications" / ORG / SEMESTER
    assert not folder.exists() or list(folder.iterdir()) == []  # no release
    assert list(staging_folder(spaser_home / "publications").iterdir()) == []  # staging cleaned


def test_the_package_is_validated_while_the_report_renders_and_still_blocks(spaser_home, monkeypatch):
    """The frictionless validation runs beside the report's rendering (Chromium prints the PDF in
    its own process): the render sees the validation under way, and an invalid package still
    publishes nothing once both are done."""
    from orchestration.publication import publish

    started, rendered = threading.Event(), []
    real = publish.validate_release_package

    def validate(path, manifest):
        started.set()
        real(path, manifest)

    def render(folder: Path, manifest: dict) -> list[Path]:
        assert started.wait(30), "the validation did not start before the render ended"
        rendered.append((folder / "datapackage.json").exists())
        return []

    monkeypatch.setattr(publish, "validate_release_package", validate)
    with _home(spaser_home) as con:
        con.execute("UPDATE marts.mart_spaser_indicateurs SET status = 'presque' WHERE indicator_id = 'GOV-1'")
        with pytest.raises(DataPackageError, match="champ status : constraint-error"):
            publish.publish_semester(
                con, spaser_home / "publications", ORG, SEMESTER, reason=None, gates=[], render=render
            )
    assert rendered == [True]
    folder = spaser_home / "publications" / ORG / SEMESTER
    assert not folder.exists() or list(folder.iterdir()) == []
    assert list(staging_folder(spaser_home / "publications").iterdir()) == []


# --- the proposed schema in the repository


def test_the_repository_schema_is_the_generated_one():
    """schema.json is written by `python -m orchestration.publication.datapackage` from the dbt
    model, the catalogue and INDICATEURS_FR: a changed model or catalogue shows here."""
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == indicator_schema(), (
        "run `.venv/bin/python -m orchestration.publication.datapackage`, bump the schema's version and "
        "note it in schema/indicateurs-spaser/CHANGELOG.md"
    )
    assert INDICATEURS_FR.keys() == model_docs()[INDICATOR_MODEL].columns.keys()  # a French title each
    assert f"## {committed['version']}" in (SCHEMA_DIR / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_example_validates_and_a_bad_file_is_rejected(tmp_path):
    example = SCHEMA_DIR / "exemple-valide.csv"
    assert csv_problems(example, SCHEMA) == []
    header, *rows = example.read_text(encoding="utf-8").splitlines()
    assert header.split(",") == list(_schema_fields())
    bad = tmp_path / "indicateurs.csv"
    rows[0] = rows[0].replace(",GOV-2,", ",GOV-99,").replace(",2026-S1,", ",2026-S3,")
    rows[1] = rows[1].replace(",34.96,", ",beaucoup,")
    bad.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    problems = csv_problems(bad, SCHEMA)
    assert any(p.startswith("table indicateurs, ligne 2, champ indicator_id : constraint-error") for p in problems)
    assert any(p.startswith("table indicateurs, ligne 2, champ period : constraint-error") for p in problems)
    assert any(p.startswith("table indicateurs, ligne 3, champ value : type-error") for p in problems)
    assert len(problems) == 3, problems


# --- the pipeline's release


def test_the_pipeline_release_is_a_valid_data_package(first_run):
    home, _ = first_run
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    resources = _check_package(release)  # reads only
    fields = [f for f in resources["mart_spaser_indicateurs"]["schema"]["fields"]]
    assert fields == json.loads(SCHEMA.read_text(encoding="utf-8"))["fields"]  # all of them, in order
    for r in resources.values():
        for f in r["schema"]["fields"]:
            assert f.get("title") and f.get("description"), (r["name"], f["name"])
