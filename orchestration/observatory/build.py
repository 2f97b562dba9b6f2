"""The observatory's steps: SIRENE ingest, its own dbt invocation, the publication tables.

The observatory reads the DECP chain the semester build keeps up to date (marts.fct_marches and
intermediate.int_marches__classified hold every buyer's contracts, not only the
organisation's): `spaser run` first, then `spaser observatoire`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ..ingest.framework import FileResult, ensure_tables, ingest_files, withdraw_absent
from ..ingest.sirene import FOLDER as SIRENE_FOLDER
from ..ingest.sirene import KINDS as SIRENE_KINDS
from ..ingest.sirene import sirene_files
from ..settings import Paths, dbt_locations

TAG = "tag:observatoire"
PARAMETERS_FILE = "observatoire.csv"  # optional, in the configuration folder: parameter,value
DEFAULTS = Path(__file__).with_name("parametres.csv")

# publication table (same name as its dbt model, whose column descriptions it carries)
MARTS = (
    "mart_observatoire_acheteurs",
    "mart_observatoire_departements",
    "mart_observatoire_types",
    "mart_observatoire_national",
)
TABLE_COMMENTS = {
    "mart_observatoire_acheteurs": "Observatory: DECP indicators per buyer SIRET x period x indicator (x DEP-4 "
    "threshold), ranked within its kind of buyer (spaser observatoire).",
    "mart_observatoire_departements": "Observatory: DECP indicators per département (all its buyers together), "
    "ranked among départements.",
    "mart_observatoire_types": "Observatory: DECP indicators per kind of buyer, with the quartiles of its "
    "ranked buyers.",
    "mart_observatoire_national": "Observatory: DECP indicators of every buyer together, with the quartiles "
    "of the ranked départements.",
}


class ObservatoryError(Exception):
    """Something the user must fix before the observatory can be built (said in French)."""


@dataclass(frozen=True)
class Parameters:
    min_marches: int
    seuils_dep4_eur: tuple[float, ...]


def read_parameters(paths: Paths) -> Parameters:
    """The defaults (parametres.csv beside this module), overridden by the configuration's
    observatoire.csv (columns parameter,value) when it exists."""
    with DEFAULTS.open(encoding="utf-8", newline="") as fh:
        values = {r["parameter"]: r["defaut"] for r in csv.DictReader(fh)}
    user = paths.config / PARAMETERS_FILE
    if user.exists():
        with user.open(encoding="utf-8-sig", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                name = (row.get("parameter") or "").strip()
                if name not in values:
                    raise ObservatoryError(
                        f"{user}, ligne {n} : paramètre {name!r} inconnu (liste : {', '.join(sorted(values))})"
                    )
                values[name] = (row.get("value") or "").strip()
    try:
        minimum = int(values["min_marches"])
        thresholds = tuple(float(v) for v in values["seuils_dep4_eur"].split("|") if v.strip())
    except ValueError as exc:
        raise ObservatoryError(f"paramètres de l'observatoire invalides ({exc}) : voir {user}") from exc
    if minimum < 1 or any(t < 0 for t in thresholds):
        raise ObservatoryError(f"min_marches doit être >= 1 et les seuils positifs (voir {user})")
    return Parameters(minimum, thresholds)


def dbt_vars(paths: Paths, parameters: Parameters) -> dict:
    return {
        **dbt_locations(paths),
        "observatoire_min_marches": parameters.min_marches,
        "observatoire_seuils_dep4_eur": list(parameters.seuils_dep4_eur),
    }


def dbt_build_args(paths: Paths, parameters: Parameters) -> list[str]:
    """The observatory's own dbt invocation: its models, seed and data tests only (the unit
    tests run in CI), over the DECP chain the semester build keeps."""
    return [
        "build",
        "--select",
        TAG,
        "--exclude",
        "resource_type:unit_test",
        "--vars",
        json.dumps(dbt_vars(paths, parameters), sort_keys=True),
    ]


def require_contracts(con) -> int:
    """The number of contracts in marts.fct_marches; an ObservatoryError when the semester
    build has not made it yet."""
    found = con.execute(
        """SELECT count(*) FROM information_schema.tables
           WHERE table_schema = 'marts' AND table_name = 'fct_marches'"""
    ).fetchone()[0]
    if not found:
        raise ObservatoryError(
            "aucun marché dans l'entrepôt (marts.fct_marches absent) : déposer les DECP dans landing/decp/ "
            "et lancer d'abord `spaser run`"
        )
    return con.execute("SELECT count(*) FROM marts.fct_marches").fetchone()[0]


def ingest_sirene(con, paths: Paths) -> dict[str, list[FileResult]]:
    """Load the SIRENE extract of landing/sirene/ (each file once; a file gone from the folder
    leaves the warehouse), rows read = loaded + quarantined in meta.ingest_log; the files'
    results per raw table."""
    folder = paths.landing / SIRENE_FOLDER
    found = sirene_files(folder)
    results: dict[str, list[FileResult]] = {}
    for target, reader in SIRENE_KINDS.values():
        ensure_tables(con, target)
        files = found[target.table]
        results[target.table] = ingest_files(con, target, folder, files, reader)
        results[target.table] += withdraw_absent(con, target, folder, {p.relative_to(folder).as_posix() for p in files})
    loaded = con.execute("SELECT count(*) FROM raw.sirene_etablissements").fetchone()[0]
    if not loaded:
        raise ObservatoryError(
            f"aucun établissement SIRENE dans {folder} : y déposer un extrait StockEtablissement*.csv et "
            "StockUniteLegale*.csv (format des fichiers stock de l'INSEE)"
        )
    return results


PARAMETERS_TABLE = "observatoire_parametres"


def publish_tables(con, parameters: Parameters) -> dict[str, int]:
    """The observatory's marts copied to the `publication` schema (tables, not views: a copied
    warehouse keeps working), with the dbt descriptions as comments, and the parameters they
    were computed with (publication.observatoire_parametres); rows per table."""
    from ..publication.serving import _text, column_comments

    con.execute("CREATE SCHEMA IF NOT EXISTS publication")
    counts = {}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE publication.{PARAMETERS_TABLE} (parameter VARCHAR, value VARCHAR, built_at TIMESTAMP)"
        )
        con.executemany(
            f"INSERT INTO publication.{PARAMETERS_TABLE} VALUES (?, ?, current_timestamp::TIMESTAMP)",
            [
                ["min_marches", str(parameters.min_marches)],
                ["seuils_dep4_eur", "|".join(f"{t:g}" for t in parameters.seuils_dep4_eur)],
            ],
        )
        con.execute(
            f"COMMENT ON TABLE publication.{PARAMETERS_TABLE} IS "
            + _text(
                "Parameters of the last observatory build (spaser observatoire): min_marches, the minimum of "
                "known contracts for a figure to be ranked; seuils_dep4_eur, the observatory's DEP-4 thresholds "
                "(besides each organisation's)."
            )
        )
        for name in MARTS:
            con.execute(f"CREATE OR REPLACE TABLE publication.{name} AS SELECT * FROM marts.{name}")
            columns = [r[0] for r in con.execute(f"DESCRIBE publication.{name}").fetchall()]
            con.execute(f"COMMENT ON TABLE publication.{name} IS {_text(TABLE_COMMENTS[name])}")
            for column, text in column_comments(name, columns).items():
                con.execute(f'COMMENT ON COLUMN publication.{name}."{column}" IS {_text(text)}')
            counts[name] = con.execute(f"SELECT count(*) FROM publication.{name}").fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def output_folder(paths: Paths) -> Path:
    """Where the national page and the tables' files go: $SPASER_HOME/observatoire/."""
    return paths.home / "observatoire"


DATA = "donnees"  # the tables' files and datapackage.json, under output_folder
STAGING = ".donnees-en-preparation"


def stage_files(con, folder: Path, parameters: Parameters) -> Path:
    """Parquet and CSV of each national table (from the marts the dbt build just made, the rows
    publish_tables copies) and their datapackage.json, in a staging folder beside `folder/donnees/`,
    validated with frictionless: DataPackageError (table, row, field) when they are not valid, and
    the staging folder is removed. The CSV files are written as the releases' (text cells that a
    spreadsheet would run as a formula get a leading quote)."""
    import shutil

    from ..publication.publish import write_release_csv
    from ..publication.verify import sha256_file
    from .datapackage import write_datapackage

    staging = folder / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        files = {}
        for name in MARTS:
            query = f"SELECT * FROM marts.{name} ORDER BY ALL"
            con.execute(f"COPY ({query}) TO '{staging / (name + '.parquet')}' (FORMAT parquet)")
            csv_path = staging / f"{name}.csv"
            write_release_csv(con.sql(query), csv_path)
            files[name] = {
                "rows": con.execute(f"SELECT count(*) FROM marts.{name}").fetchone()[0],
                "parquet": f"{name}.parquet",
                "csv": csv_path.name,
                "bytes": csv_path.stat().st_size,
                "sha256": sha256_file(csv_path),
            }
        write_datapackage(con, staging, files, parameters)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def install_files(folder: Path, staging: Path) -> Path:
    """The validated staging folder becomes `folder/donnees/` (the previous files are replaced
    as a whole, never mixed with the new ones)."""
    import shutil

    data = folder / DATA
    previous = folder / ".donnees-precedentes"
    shutil.rmtree(previous, ignore_errors=True)
    if data.exists():
        data.rename(previous)
    staging.rename(data)
    shutil.rmtree(previous, ignore_errors=True)
    return data
