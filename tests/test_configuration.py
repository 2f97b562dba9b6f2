"""The organisation's configuration (orchestration/configuration): outside the code, checked with
messages a person can act on (file, line, field), written by `spaser init` and `spaser demo`."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from orchestration import configuration as cfg
from orchestration.settings import DBT_PROJECT_DIR, Paths


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict], fieldnames=None) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames or list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _edit(folder: Path, stem: str, change) -> None:
    rows = _rows(folder / f"{stem}.csv")
    change(rows)
    _write(folder / f"{stem}.csv", rows, fieldnames=cfg.TABLES[stem])


@pytest.fixture
def demo(tmp_path) -> Path:
    folder = tmp_path / "config"
    assert cfg.write_demo(folder)
    return folder


@pytest.fixture
def new_org(tmp_path) -> tuple[Path, Path]:
    folder, landing = tmp_path / "config", tmp_path / "landing"
    cfg.init(
        folder,
        cfg.NewOrganisation(
            "val",
            "Département du Val",
            "departement",
            "95",
            ["22590099200010", "815 599 306 00017"],
            "2025-S1",
            2026,
            2030,
        ),
        landing,
    )
    return folder, landing


def messages(folder: Path, landing: Path | None = None) -> list[str]:
    return [str(p) for p in cfg.check(folder, landing)]


def test_the_demo_configuration_is_valid(demo):
    assert messages(demo) == []


def test_no_configuration_says_what_to_run(tmp_path):
    [problem] = messages(tmp_path / "nothing")
    assert "spaser init" in problem and "spaser demo" in problem


def test_init_lists_every_indicator_and_parameter_and_the_landing_folders(new_org):
    folder, landing = new_org
    assert messages(folder, landing) == []
    catalogue = cfg.indicator_catalogue()
    targets = _rows(folder / "spaser_cibles.csv")
    assert [t["indicator_id"] for t in targets] == list(catalogue)
    assert all(t["target_value"] == "" for t in targets)  # left to fill in, the example in `source`
    assert "35 en 2030" in next(t for t in targets if t["indicator_id"] == "IMP-12")["source"]
    params = {p["parameter"]: p["value"] for p in _rows(folder / "spaser_parametres.csv")}
    assert set(params) == {p["parameter"] for p in cfg.parameter_catalogue()}
    assert params["insertion_cumul_debut"] == "2026-01-01" and params["siret_declarant_agec58"] == "22590099200010"
    # the SIRET typed with spaces is stored in its normal form
    assert [r["acheteur_siret"] for r in _rows(folder / "organisation_acheteurs.csv")] == [
        "22590099200010",
        "81559930600017",
    ]
    assert (landing / "decp").is_dir() and (landing / "centrales" / "achats").is_dir()
    with pytest.raises(FileExistsError):
        cfg.init(folder, cfg.NewOrganisation("x", "X", "commune", "", [], "2026-S1", 2026, 2030))


def test_demo_never_overwrites_another_organisation(new_org):
    folder, _ = new_org
    before = (folder / "organisations.csv").read_bytes()
    assert cfg.write_demo(folder) is False
    assert (folder / "organisations.csv").read_bytes() == before


@pytest.mark.parametrize(
    "stem, change, expected",
    [
        (
            "organisation_acheteurs",
            lambda r: r[0].update(acheteur_siret="22590099200011"),
            "organisation_acheteurs.csv, ligne 2, champ acheteur_siret : SIRET '22590099200011' invalide",
        ),
        (
            "organisation_acheteurs",
            lambda r: r[0].update(acheteur_siret="225 900 992 00010"),
            "sans séparateurs : 22590099200010",
        ),
        (
            "spaser_cibles",
            lambda r: r.append(dict(r[0], indicator_id="IMP-99")),
            "champ indicator_id : indicateur 'IMP-99' absent du catalogue",
        ),
        (
            "spaser_cibles",
            lambda r: next(t for t in r if t["indicator_id"] == "IMP-12").update(target_year="2024"),
            "champ target_year : année cible 2024 antérieure au début du SPASER (2026)",
        ),
        (
            "spaser_cibles",
            lambda r: r[0].update(org_id="demo"),
            "spaser_cibles.csv, ligne 2, champ org_id : organisation 'demo' absente de organisations.csv",
        ),
        ("spaser_cibles", lambda r: r[0].update(direction="monte"), "champ direction : 'monte' : hausse ou baisse"),
        (
            "spaser_parametres",
            lambda r: r.remove(next(p for p in r if p["parameter"] == "seuil_clause_sociale_dep4_eur")),
            "paramètre seuil_clause_sociale_dep4_eur manquant pour nordval (DEP-4",
        ),
        (
            "spaser_parametres",
            lambda r: next(p for p in r if p["parameter"] == "insertion_cumul_debut").update(value=""),
            "champ value : insertion_cumul_debut : valeur vide",
        ),
        (
            "organisations",
            lambda r: r.append(dict(r[0], org_id="autre")),
            "exactement une organisation doit avoir landing_default = true (2 trouvée(s))",
        ),
        ("organisation_flux", lambda r: r[0].update(feed="marches/pdf"), "champ feed : flux 'marches/pdf' inconnu"),
    ],
)
def test_each_mistake_is_named_with_file_line_and_field(demo, stem, change, expected):
    _edit(demo, stem, change)
    found = messages(demo)
    assert any(expected in m for m in found), found


def test_a_required_feed_needs_its_landing_folder(demo, tmp_path):
    landing = tmp_path / "landing"
    (landing / "decp").mkdir(parents=True)
    found = messages(demo, landing)
    assert any("flux marches/procedures obligatoire mais le dossier de dépôt" in m for m in found)
    assert not any("marches/decp" in m for m in found)


def test_columns_and_files_are_checked(demo):
    (demo / "fournisseurs_trajectoire_dep2.csv").unlink()
    rows = _rows(demo / "organisations.csv")
    _write(demo / "organisations.csv", [dict(r, region="x") for r in rows])
    found = messages(demo)
    assert "fournisseurs_trajectoire_dep2.csv : fichier absent" in found
    assert any(m.startswith("organisations.csv, ligne 1, champ region : colonne(s) inconnue(s)") for m in found)


def test_dbt_reads_a_snapshot_never_the_users_folder(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("SPASER_CONFIG_DIR", str(demo))
    relative = cfg.dbt_seed_path(Paths(home=tmp_path))
    snapshot = DBT_PROJECT_DIR / relative
    assert not Path(relative).is_absolute() and snapshot.parent == DBT_PROJECT_DIR / ".config"
    seeds = sorted(p.name for p in snapshot.iterdir() if p.suffix == ".csv")
    assert seeds == sorted(f"{s}.csv" for s in cfg.TABLES)
    assert (snapshot / "spaser_cibles.csv").read_bytes() == (demo / "spaser_cibles.csv").read_bytes()
    # no configuration: the blank one (headers only, dbt's default), so the project still parses
    monkeypatch.setenv("SPASER_CONFIG_DIR", str(tmp_path / "none"))
    assert cfg.dbt_seed_path(Paths(home=tmp_path)) == cfg.DBT_BLANK_CONFIG
    # the snapshot of a folder that is gone is pruned (the next snapshot written prunes too)
    assert snapshot.is_dir() and snapshot not in cfg.prune_snapshots()
    shutil.rmtree(demo)
    assert snapshot in cfg.prune_snapshots() and not snapshot.exists()


def test_the_blank_configuration_has_every_file_with_its_header():
    blank = DBT_PROJECT_DIR / cfg.DBT_BLANK_CONFIG
    assert sorted(p.name for p in blank.iterdir()) == sorted(f"{s}.csv" for s in cfg.TABLES)
    for stem, columns in cfg.TABLES.items():
        assert (blank / f"{stem}.csv").read_text(encoding="utf-8") == ",".join(columns) + "\n"


def test_fingerprint_follows_the_files(demo):
    first = cfg.fingerprint(demo)
    _edit(demo, "spaser_cibles", lambda r: r[0].update(target_value="99"))
    assert cfg.fingerprint(demo) != first
