"""The national observatory (issue 16, item 1) on a small generated national DECP and its SIRENE
extract: real DuckDB, real dbt, the Dagster job `observatoire`.

One module-scoped build (~20 s): the demo generator's national mode (2 500 contracts, 30 other
buyers, 2025-S1..2026-S1, with the SIRENE extract of its buyers) is ingested, the DECP chain the
semester build keeps (fct_marches and its ancestors) is built by hand, then `spaser observatoire`
(the CLI, in this process) runs the observatory job: its own dbt invocation, the validated Data
Package of its files, the publication tables and the pages. The figures of a few buyers and of a département are
checked against a count made here, in plain Python over the generated JSON records.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from conftest import demo_config, manifest_models, run_dbt

from orchestration.instance import write_local_instance

N_CONTRACTS, N_BUYERS, MIN_CONTRACTS = 2500, 30, 15
SOCIAL = {"Clause sociale", "Critère social", "Marché réservé"}
ENVIRONMENTAL = {"Clause environnementale", "Critère environnemental"}
BAD_SIRET = "2200000000001X"  # appended to the generated extract: must be quarantined


@dataclass(frozen=True)
class CliRun:
    """What `spaser <args>` returned and printed (run in this process)."""

    code: int
    out: str
    err: str

    @property
    def success(self) -> bool:
        return self.code == 0


def spaser_cli(*args: str, dagster_home: Path) -> CliRun:
    """`spaser <args>` as the console script runs it, on the SPASER_HOME of the environment and
    the Dagster instance in `dagster_home` (never the repository's)."""
    from orchestration.cli import main

    saved = os.environ.get("DAGSTER_HOME")
    write_local_instance(dagster_home)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved
    return CliRun(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def observatory(tmp_path_factory):
    from orchestration.demo.generator import generate_demo
    from orchestration.feeds.marches import DECP, PROCEDURES
    from orchestration.ingest.framework import ingest_files

    home = tmp_path_factory.mktemp("observatoire") / "spaser"
    demo_config(home)
    # the demo organisation is compared with the communes (the generated buyers hold no other
    # département council)
    organisations = home / "config" / "organisations.csv"
    organisations.write_text(organisations.read_text("utf-8").replace(",departement,59,", ",commune,59,"), "utf-8")
    (home / "config" / "observatoire.csv").write_text(f"parameter,value\nmin_marches,{MIN_CONTRACTS}\n", "utf-8")
    summary = generate_demo(
        home / "landing",
        n_contracts=N_CONTRACTS,
        n_buyers=N_BUYERS,
        first_semester="2025-S1",
        last_semester="2026-S1",
    )
    etablissements = home / "landing" / "sirene" / "StockEtablissement_utf8.csv"
    with etablissements.open("a", encoding="utf-8", newline="") as fh:
        fh.write(BAD_SIRET[:9] + ",00010," + BAD_SIRET + "," * 50 + "\n")
    with mock.patch.dict(os.environ, {"SPASER_HOME": str(home)}):
        os.environ.pop("SPASER_CONFIG_DIR", None)
        home.joinpath("warehouse").mkdir(parents=True)
        con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"))
        for source in (DECP, PROCEDURES):
            folder = home / "landing" / source.folder
            files = sorted(p for p in folder.iterdir() if p.suffix in source.readers)
            ingest_files(con, source.table, folder, files, source.read, bulk=source.bulk_for)
        con.close()
        # the DECP chain a semester build keeps (fct_marches and its ancestors), without tests
        upstream = run_dbt(
            home,
            "build",
            "--select",
            "+tag:observatoire",
            "--exclude",
            "tag:observatoire",
            "resource_type:test",
            "resource_type:unit_test",
        )
        assert upstream.returncode == 0, upstream.stdout[-3000:]
        result = spaser_cli("observatoire", dagster_home=home.parent / "dagster")
    return home, result, summary


def _rows(home: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def _independent_counts(landing: Path) -> dict:
    """Per (buyer, period, indicator): [known, yes, known amount, yes amount], from the generated
    JSON: one contract per (buyer, id) at its first publication (republications carry the same
    considerations and initial amount), 2024 format (considerations always present)."""
    seen: dict[tuple[str, str], dict] = {}
    for path in sorted((landing / "decp").glob("*.json")):
        for record in json.loads(path.read_text(encoding="utf-8"))["marches"]["marche"]:
            seen.setdefault((record["acheteur"]["id"], record["id"]), record)
    counts: dict = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for (buyer, _), record in seen.items():
        day = record["dateNotification"]
        for period in (day[:4], f"{day[:4]}-S{1 if int(day[5:7]) <= 6 else 2}"):
            _count(counts, buyer, period, record)
    return counts


def _count(counts: dict, buyer: str, period: str, record: dict) -> None:
    sociales = set(record["considerationsSociales"]["considerationSociale"])
    env = set(record["considerationsEnvironnementales"]["considerationEnvironnementale"])
    amount = record["montant"]
    for indicator, yes in (
        ("NAT-1", bool(env & ENVIRONMENTAL)),
        ("NAT-2", bool(sociales & SOCIAL)),
        ("IMP-11", "Clause sociale" in sociales),
        ("MAR-RES", "Marché réservé" in sociales),
        ("DEP-4@40000", "Clause sociale" in sociales and amount > 40000),
    ):
        if indicator.startswith("DEP-4") and not amount > 40000:
            continue
        c = counts[(buyer, period, indicator)]
        c[0] += 1
        c[1] += yes
        c[2] += amount
        c[3] += amount if yes else 0.0


def test_the_job_publishes_tables_and_pages(observatory):
    home, result, _ = observatory
    assert result.success, result.err + "".join(p.read_text("utf-8")[-5000:] for p in (home / "logs").glob("*"))
    counts = {
        r["table_name"]: r["n"]
        for r in _rows(
            home,
            """SELECT table_name, estimated_size AS n FROM duckdb_tables()
               WHERE schema_name = 'publication' AND table_name LIKE 'mart_observatoire_%'""",
        )
    }
    assert set(counts) == {
        "mart_observatoire_acheteurs",
        "mart_observatoire_departements",
        "mart_observatoire_types",
        "mart_observatoire_national",
    }
    assert all(n > 0 for n in counts.values())
    folder = home / "observatoire"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in index and "<svg" in index and 'class="sortable"' in index
    departements = {
        r["departement"] for r in _rows(home, "SELECT departement FROM marts.mart_observatoire_departements")
    }
    for code in departements:  # every département listed, linked to its own page
        assert f'href="departements/{code}.html"' in index
        assert (folder / "departements" / f"{code}.html").exists()
    assert (folder / "donnees" / "mart_observatoire_acheteurs.parquet").exists()
    # the publication tables carry the dbt descriptions
    comments = _rows(
        home,
        """SELECT comment FROM duckdb_columns() WHERE schema_name = 'publication'
           AND table_name = 'mart_observatoire_acheteurs' AND column_name = 'n_connus'""",
    )
    assert comments and "denominator" in comments[0]["comment"]


def test_sirene_extract_rows_are_accounted_for(observatory):
    home, _, summary = observatory
    log = {
        r["raw_table"]: r
        for r in _rows(
            home,
            """SELECT raw_table, rows_read, rows_loaded, rows_quarantined FROM meta.ingest_log
               WHERE feed = 'sirene' AND superseded_at IS NULL""",
        )
    }
    etab = log["sirene_etablissements"]
    assert etab["rows_read"] == summary["files"]["sirene/StockEtablissement_utf8.csv"]["rows"] + 1
    assert etab["rows_read"] == etab["rows_loaded"] + etab["rows_quarantined"]
    assert etab["rows_quarantined"] == 1
    reason = _rows(home, "SELECT reason, raw_value FROM quarantine.sirene_etablissements")
    assert len(reason) == 1 and "siret" in reason[0]["reason"] and BAD_SIRET in reason[0]["raw_value"]
    unit = log["sirene_unites_legales"]
    assert unit["rows_read"] == unit["rows_loaded"] == summary["files"]["sirene/StockUniteLegale_utf8.csv"]["rows"]


def test_kinds_and_departements_come_from_the_extract(observatory):
    from orchestration.demo import catalog as cat
    from orchestration.demo.generator import build_extra_buyers

    home, _, _ = observatory
    buyers = {r["acheteur_id"]: r for r in _rows(home, "SELECT * FROM intermediate.int_observatoire__acheteurs")}
    expected_kind = {"21": "commune", "26": "hopital", "20": "epci"}
    for siret, dept in build_extra_buyers(20240101, N_BUYERS)[0]:
        if siret not in buyers:
            continue  # drew no contract
        assert buyers[siret]["departement"] == dept
        if siret[:2] in expected_kind:
            assert buyers[siret]["type_acheteur"] == expected_kind[siret[:2]], siret
        else:
            assert buyers[siret]["type_acheteur"] in ("autre", "etat")
    main = buyers[cat.ORG_MAIN_SIRET]
    assert (main["type_acheteur"], main["departement"], main["categorie_juridique"]) == ("departement", "59", "7220")


def test_buyer_figures_match_an_independent_count(observatory):
    home, _, _ = observatory
    counts = _independent_counts(home / "landing")
    rows = _rows(
        home,
        """SELECT * FROM publication.mart_observatoire_acheteurs
           WHERE seuil_eur IS NULL OR seuil_eur = 40000""",
    )
    published = {
        (r["acheteur_id"], r["period"], r["indicator_id"] + ("@40000" if r["seuil_eur"] else "")): r for r in rows
    }
    # the three biggest buyers outside the organisation, and one small one
    from orchestration.demo import catalog as cat

    sizes = defaultdict(int)
    for (buyer, _, indicator), c in counts.items():
        if indicator == "NAT-1" and buyer not in cat.ORG_BUYER_SIRETS:
            sizes[buyer] += c[0]
    ranked = sorted(sizes, key=lambda b: (-sizes[b], b))
    checked = ranked[:3] + ranked[-1:]
    for key, (known, yes, amount_known, amount_yes) in counts.items():
        if key[0] not in checked:
            continue
        row = published[key]
        assert (row["n_connus"], row["n_oui"]) == (known, yes), key
        assert row["valeur_pct"] == pytest.approx(100 * yes / known), key
        assert row["valeur_montant_pct"] == pytest.approx(100 * amount_yes / amount_known), key
        assert row["n_exclus_qualite"] == 0 and row["part_exclus_qualite_pct"] == 0
        assert row["statut"] == ("classé" if known >= MIN_CONTRACTS else "trop peu de marchés"), key
        assert (row["rang"] is None) == (known < MIN_CONTRACTS), key
    assert sum(1 for k in counts if k[0] in checked) > 10


def test_departement_sums_its_buyers_and_ranks(observatory):
    from orchestration.demo.generator import build_extra_buyers

    home, _, _ = observatory
    counts = _independent_counts(home / "landing")
    dept_of = dict(build_extra_buyers(20240101, N_BUYERS)[0])
    departements = _rows(
        home,
        """SELECT * FROM publication.mart_observatoire_departements
           WHERE period_type = 'annee' AND indicator_id = 'NAT-2'""",
    )
    target = max((r for r in departements if r["departement"] != "59"), key=lambda r: (r["n_connus"], r["departement"]))
    known = yes = 0
    for (buyer, year, indicator), c in counts.items():
        if indicator == "NAT-2" and year == target["period"] and dept_of.get(buyer) == target["departement"]:
            known, yes = known + c[0], yes + c[1]
    assert (target["n_connus"], target["n_oui"]) == (known, yes)
    # ranks: among the ranked départements of the period, by value, 1 = highest
    same = [r for r in departements if r["period"] == target["period"] and r["statut"] == "classé"]
    for r in same:
        assert r["rang"] == 1 + sum(1 for o in same if o["valeur_pct"] > r["valeur_pct"] + 1e-9)
        assert r["n_classes"] == len(same)
    assert all(r["rang"] is None for r in departements if r["statut"] != "classé")


def test_minimum_of_contracts_is_configuration(observatory):
    """The threshold reached dbt from the configuration's observatoire.csv: every published
    figure below it is 'trop peu de marchés', unranked, every other one ranked."""
    home, _, _ = observatory
    rows = _rows(home, "SELECT n_connus, statut, rang FROM publication.mart_observatoire_acheteurs")
    few = [r for r in rows if 0 < r["n_connus"] < MIN_CONTRACTS]
    assert few and all(r["statut"] == "trop peu de marchés" and r["rang"] is None for r in few)
    assert all(r["statut"] == "classé" and r["rang"] >= 1 for r in rows if r["n_connus"] >= MIN_CONTRACTS)


def test_quartiles_of_a_kind(observatory):
    home, _, _ = observatory
    buyers = _rows(
        home,
        """SELECT valeur_pct FROM publication.mart_observatoire_acheteurs
           WHERE type_acheteur = 'commune' AND period_type = 'annee' AND period = '2025'
             AND indicator_id = 'NAT-1' AND statut = 'classé' ORDER BY valeur_pct""",
    )
    kind = _rows(
        home,
        """SELECT * FROM publication.mart_observatoire_types WHERE type_acheteur = 'commune'
           AND period_type = 'annee' AND period = '2025' AND indicator_id = 'NAT-1'""",
    )[0]
    values = [r["valeur_pct"] for r in buyers]
    assert kind["n_acheteurs_classes"] == len(values) > 1
    n = len(values)
    position = 0.5 * (n - 1)  # linear interpolation, as quantile_cont
    lower = values[int(position)]
    upper = values[min(int(position) + 1, n - 1)]
    assert kind["mediane_acheteurs_pct"] == pytest.approx(lower + (upper - lower) * (position - int(position)))
    assert kind["q1_acheteurs_pct"] <= kind["mediane_acheteurs_pct"] <= kind["q3_acheteurs_pct"]


def test_where_the_organisation_stands(observatory):
    """The report's comparison: the organisation's value beside its kind's quartiles, its rank
    among the ranked buyers of its kind (counted here from the generated records), and one
    French sentence for a semester the observatory has no figure for."""
    from orchestration.demo import catalog as cat
    from orchestration.observatory.standing import standing_rows, standing_section

    home, _, _ = observatory
    counts = _independent_counts(home / "landing")
    semester = "2025-S2"
    own = [c for (b, p, i), c in counts.items() if b in cat.ORG_BUYER_SIRETS and p == semester and i == "NAT-2"]
    known, yes = sum(c[0] for c in own), sum(c[1] for c in own)
    current = [{"indicator_id": "NAT-2", "value": 100 * yes / known, "denominator": known, "is_available": True}]
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        rows = {r["indicator_id"]: r for r in standing_rows(con, "nordval", semester, current)}
        kind = _rows(
            home,
            """SELECT * FROM publication.mart_observatoire_types WHERE type_acheteur = 'commune'
               AND period = '2025-S2' AND indicator_id = 'NAT-2'""",
        )[0]
        assert standing_rows(con, "nordval", "2024-S1", current) is None
        absent = standing_section(con, {"semester": "2024-S1", "organisation": "nordval"}, current)
        present = standing_section(con, {"semester": semester, "organisation": "nordval"}, current)
    finally:
        con.close()
    peers = [
        100 * c[1] / c[0]
        for (b, p, i), c in counts.items()
        if b[:2] == "21" and b != cat.FOREIGN_BUYER_SIRET and p == semester and i == "NAT-2" and c[0] >= MIN_CONTRACTS
    ]
    nat2 = rows["NAT-2"]
    assert (nat2["kind"], nat2["known"], nat2["peers"]) == ("commune", known, len(peers))
    assert nat2["ranked"] and nat2["rank"] == 1 + sum(1 for v in peers if v > 100 * yes / known)
    assert (nat2["q1"], nat2["median"], nat2["q3"]) == (
        kind["q1_acheteurs_pct"],
        kind["mediane_acheteurs_pct"],
        kind["q3_acheteurs_pct"],
    )
    reserved = [c for (b, p, i), c in counts.items() if b in cat.ORG_BUYER_SIRETS and p == semester and i == "MAR-RES"]
    assert rows["MAR-RES"]["value"] == pytest.approx(100 * sum(c[1] for c in reserved) / sum(c[0] for c in reserved))
    assert rows["DEP-4"]["seuil_eur"] == 70000  # the organisation's own threshold (its configuration)
    assert "Aucun chiffre de l'observatoire national" in absent and "<table" not in absent
    assert "Médiane des départements" in present and "Communes" in present


def test_the_semester_report_says_when_there_is_no_observatory(first_run):
    """The shared demo run has no observatory: its report says so in one sentence."""
    home, _ = first_run
    reports = list((home / "publications" / "nordval").glob("*/v1/rapport_*.html"))
    assert reports
    text = reports[0].read_text(encoding="utf-8")
    assert "Où en sommes-nous ?" in text and "Aucun chiffre de l'observatoire national" in text


def test_every_observatory_column_is_documented(observatory):
    """tests/test_column_docs.py reads the demo warehouse, which the semester build fills without
    the observatory's models: their columns are checked here, on the observatory's warehouse,
    by the same rule (every produced column described, no described column missing)."""
    home, _, _ = observatory
    produced: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _rows(home, "SELECT table_schema, table_name, column_name FROM information_schema.columns"):
        produced[(r["table_schema"], r["table_name"])].append(r["column_name"])
    checked = 0
    for name, node in manifest_models().items():
        if "observatoire" not in node["config"].get("tags", []):
            continue
        columns = produced[(node["schema"], node.get("alias") or name)]
        documented = {c: (spec.get("description") or "").strip() for c, spec in node["columns"].items()}
        assert columns, name
        assert [c for c in columns if not documented.get(c)] == [], name
        assert [c for c in documented if c not in columns] == [], name
        checked += 1
    assert checked == 10


# --- the published files are a Data Package (issue 16, item 2)


def _package(home: Path) -> dict:
    return json.loads((home / "observatoire" / "donnees" / "datapackage.json").read_text(encoding="utf-8"))


def test_the_published_files_are_a_valid_data_package(observatory):
    """datapackage.json beside the files: one resource per national table's CSV, its fields the
    CSV's columns with the French titles and descriptions of the dbt docs, types, keys, enums
    and units; frictionless finds nothing (metadata, every row). The buyer table's fields are
    the proposed schema's, and its Parquet column types are those the schema declares."""
    from orchestration.observatory.build import MARTS
    from orchestration.observatory.datapackage import BUYER_TABLE, SCHEMA_DIR
    from orchestration.publication.datapackage import duckdb_type, frictionless_problems
    from orchestration.publication.verify import sha256_file

    home, _, _ = observatory
    data = home / "observatoire" / "donnees"
    assert frictionless_problems(data / "datapackage.json") == []
    assert sorted(p.name for p in (home / "observatoire").iterdir() if p.name.startswith(".")) == []  # no staging
    package = _package(home)
    assert package["profile"] == "tabular-data-package" and package["licenses"][0]["name"] == "etalab-2.0"
    assert package["spaser"]["parametres"] == {"min_marches": MIN_CONTRACTS, "seuils_dep4_eur": ["40000", "90000"]}
    resources = {r["name"]: r for r in package["resources"]}
    assert list(resources) == list(MARTS)
    for name, r in resources.items():
        assert r["path"] == f"{name}.csv" and r["hash"] == "sha256:" + sha256_file(data / r["path"])
        assert r["title"].startswith("Observatoire : ")
        with (data / r["path"]).open(encoding="utf-8") as f:
            assert f.readline().rstrip("\n").split(",") == [field["name"] for field in r["schema"]["fields"]]
        for field in r["schema"]["fields"]:  # French title and description from the dbt meta
            assert field.get("title") and field.get("description"), (name, field["name"])
        fields = {f["name"]: f for f in r["schema"]["fields"]}
        assert fields["statut" if "statut" in fields else "indicator_id"]["constraints"]["required"]
        assert fields["indicator_id"]["constraints"]["enum"] == ["NAT-1", "NAT-2", "IMP-11", "DEP-4", "MAR-RES"]
        assert fields["period"]["constraints"]["pattern"] == r"^[0-9]{4}(-S[12])?$"
        assert fields["valeur_pct"]["unit"] == "%" and fields["valeur_pct"]["constraints"]["maximum"] == 100
        assert fields["montant_oui"]["type"] == "number" and fields["montant_oui"]["unit"] == "EUR HT"
    keys = {name: r["schema"]["primaryKey"] for name, r in resources.items()}
    assert keys == {
        "mart_observatoire_acheteurs": ["acheteur_id", "period_type", "period", "indicator_id", "seuil_eur"],
        "mart_observatoire_departements": ["departement", "period_type", "period", "indicator_id", "seuil_eur"],
        "mart_observatoire_types": ["type_acheteur", "period_type", "period", "indicator_id", "seuil_eur"],
        "mart_observatoire_national": ["period_type", "period", "indicator_id", "seuil_eur"],
    }
    buyers = resources[BUYER_TABLE]["schema"]["fields"]
    statut = next(f for f in buyers if f["name"] == "statut")
    assert statut["constraints"]["enum"] == ["classé", "trop peu de marchés", "non disponible"]
    schema = json.loads((SCHEMA_DIR / "schema.json").read_text(encoding="utf-8"))
    assert buyers == schema["fields"]  # the same definitions, all of them, in order
    con = duckdb.connect()
    parquet = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{data / (BUYER_TABLE + '.parquet')}')").fetchall()
    assert [(c, duckdb_type(t)) for c, t, *_ in parquet] == [(f["name"], f["type"]) for f in buyers]


def _published_copy(home: Path, target: Path) -> Path:
    """A copy of the observatory's home (configuration, warehouse, published files) to spoil."""
    import shutil

    for folder in ("config", "warehouse", "observatoire"):
        shutil.copytree(home / folder, target / folder)
    return target


def test_an_invalid_value_blocks_the_observatory(observatory, tmp_path, monkeypatch):
    """A value outside the schema (a status no one defined) fails the publication step with the
    table, row and field, in French; the publication tables, the files and the pages stay those
    of the last valid build, and no staging folder is left."""
    from dagster import build_op_context

    from orchestration.observatory.job import observatoire_publication
    from orchestration.publication.datapackage import DataPackageError
    from orchestration.publication.verify import sha256_file
    from orchestration.resources import SpaserResource

    home = _published_copy(observatory[0], tmp_path / "spaser")
    monkeypatch.setenv("SPASER_HOME", str(home))
    monkeypatch.delenv("SPASER_CONFIG_DIR", raising=False)
    csv_file = home / "observatoire" / "donnees" / "mart_observatoire_acheteurs.csv"
    before = sha256_file(csv_file), (home / "observatoire" / "index.html").read_bytes()
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"))
    try:
        con.execute(
            """UPDATE marts.mart_observatoire_acheteurs SET statut = 'excellent'
               WHERE (acheteur_id, period, indicator_id) = (
                   SELECT (acheteur_id, period, indicator_id) FROM marts.mart_observatoire_acheteurs
                   WHERE statut = 'classé' AND indicator_id = 'NAT-2' ORDER BY ALL LIMIT 1)"""
        )
        cur = con.execute("SELECT * FROM marts.mart_observatoire_acheteurs ORDER BY ALL")  # as the CSV
        column = [d[0] for d in cur.description].index("statut")
        statuses = [r[column] for r in cur.fetchall()]
    finally:
        con.close()
    line = 2 + statuses.index("excellent")  # the header is line 1
    with pytest.raises(DataPackageError) as failure:
        observatoire_publication(build_op_context(resources={"spaser": SpaserResource(home=str(home))}))
    message = str(failure.value)
    assert message.startswith("observatoire national : le Data Package n'est pas valide"), message
    assert "rien n'est publié" in message
    assert f"table mart_observatoire_acheteurs, ligne {line}, champ statut : constraint-error" in message, message
    assert "valeur 'excellent'" in message and message.count("\n  - ") == 1
    assert (sha256_file(csv_file), (home / "observatoire" / "index.html").read_bytes()) == before
    assert sorted(p.name for p in (home / "observatoire").iterdir() if p.name.startswith(".")) == []
    published = _rows(
        home, "SELECT count(*) AS n FROM publication.mart_observatoire_acheteurs WHERE statut = 'excellent'"
    )
    assert published == [{"n": 0}]


def test_the_proposed_schema_is_generated_and_its_example_validates(tmp_path):
    """schema/observatoire-spaser/schema.json is what `python -m orchestration.observatory.datapackage`
    writes from the dbt docs and tests; its example validates and a spoiled copy does not."""
    from orchestration.observatory.datapackage import SCHEMA_DIR, buyer_schema
    from orchestration.publication.datapackage import csv_problems

    schema = SCHEMA_DIR / "schema.json"
    committed = json.loads(schema.read_text(encoding="utf-8"))
    assert committed == buyer_schema(), (
        "run `.venv/bin/python -m orchestration.observatory.datapackage`, bump the schema's version and note it "
        "in schema/observatoire-spaser/CHANGELOG.md"
    )
    assert f"## {committed['version']}" in (SCHEMA_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    example = SCHEMA_DIR / "exemple-valide.csv"
    assert csv_problems(example, schema) == []
    header, *lines = example.read_text(encoding="utf-8").splitlines()
    assert header.split(",") == [f["name"] for f in committed["fields"]]
    for line in lines:  # the example's figures are consistent: value = 100 x numerator / denominator
        row = dict(zip(header.split(","), line.split(",")))
        if row["n_connus"] != "0":
            assert float(row["valeur_pct"]) == pytest.approx(100 * int(row["n_oui"]) / int(row["n_connus"]), abs=0.01)
        assert (row["rang"] != "") == (row["statut"] == "classé")
    lines[0] = lines[0].replace(",classé,", ",excellent,")
    lines[1] = lines[1].replace(",36.88,", ",136.88,")
    lines[2] = lines[2].replace(",IMP-11,", ",IMP-99,")
    bad = tmp_path / "observatoire.csv"
    bad.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    problems = csv_problems(bad, schema)
    assert [p.split(" (")[0] for p in problems] == [
        "table observatoire, ligne 2, champ statut : constraint-error",
        "table observatoire, ligne 3, champ valeur_pct : constraint-error",
        "table observatoire, ligne 4, champ indicator_id : constraint-error",
    ], problems


# --- spaser observatoire (the CLI)


def test_the_cli_says_what_it_published(observatory):
    """The fixture ran `spaser observatoire`: it says where the page, tables and files are."""
    home, result, _ = observatory
    assert result.code == 0 and " réussi en " in result.out, result.err
    assert f"page nationale : {home / 'observatoire' / 'index.html'}" in result.out
    assert "publication.mart_observatoire_acheteurs" in result.out
    assert f"fichiers dans {home / 'observatoire' / 'donnees'}" in result.out


def test_the_cli_says_in_french_that_nothing_is_built_yet(spaser_home, tmp_path):
    """Before any `spaser run`, `spaser observatoire` fails in French and says what to do."""
    result = spaser_cli("observatoire", dagster_home=tmp_path / "dagster")
    assert result.code == 1
    assert "en ÉCHEC" in result.err and "étape observatoire_sirene" in result.err, result.err
    assert "aucun marché dans l'entrepôt (marts.fct_marches absent)" in result.err
    assert "lancer d'abord `spaser run`" in result.err
    assert not (spaser_home / "observatoire").exists()
