"""Incremental dbt models (issue 5): a build that adds a semester file, corrects an earlier file
and drops a contract gives exactly what a full refresh gives, and really is incremental."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SEMESTER, demo_config, run_dbt

from orchestration.dbt import OBSERVATORY_TAG

INCREMENTAL = ["intermediate.int_marches__versions_ranked", "intermediate.int_marches__classified", "marts.fct_marches"]
# marts downstream of them, compared too (doubles to 1e-6: sums follow the physical row order)
DOWNSTREAM = [
    "marts.fct_marches_exclusions",
    "marts.dim_acheteurs",
    "marts.dim_titulaires",
    "marts.fct_indicateur_lignes",
    "marts.mart_spaser_indicateurs",
]
NEW_FILE = f"decp_{SEMESTER}.json"
CORRECTED_FILE = "decp_2025-S1.json"


def _dbt(home: Path, *args: str) -> str:
    # what the semester build runs of the DECP chain: neither unit tests nor the observatory
    done = run_dbt(
        home,
        *args,
        "--select",
        "int_marches__versions_ranked+",
        "--exclude",
        "resource_type:unit_test",
        OBSERVATORY_TAG,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    return done.stdout


def _comparable(con, table: str) -> str:
    schema, name = table.split(".")
    cols = con.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""",
        [schema, name],
    ).fetchall()
    return ", ".join(f"round({c}, 6) AS {c}" if t in ("DOUBLE", "FLOAT") else c for c, t in cols)


@pytest.fixture(scope="module")
def warehouse(first_run, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the demo warehouse, its DECP models rebuilt without the last semester's file."""
    home = tmp_path_factory.mktemp("incremental") / "spaser"
    (home / "warehouse").mkdir(parents=True)
    demo_config(home)
    db = home / "warehouse" / "warehouse.duckdb"
    shutil.copyfile(first_run[0] / "warehouse" / "warehouse.duckdb", db)
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA held")
        con.execute("CREATE TABLE held.decp AS SELECT * FROM raw.decp_marches WHERE _source_file = ?", [NEW_FILE])
        con.execute("DELETE FROM raw.decp_marches WHERE _source_file = ?", [NEW_FILE])
    _dbt(home, "run", "--full-refresh")
    return home, db


def test_incremental_build_equals_full_refresh(warehouse):
    home, db = warehouse
    with duckdb.connect(str(db)) as con:
        # a contract no file of this build touches, marked in the built tables (record_path, used by no later
        # model): an incremental build leaves its rows alone (fct_marches rebuilds every contract of the procedure
        # export, which in the demo is all of them)
        untouched = con.execute(
            """SELECT contrat_key FROM intermediate.int_marches__classified
               WHERE nombre_versions_recues = 1 AND _source_file <> ?
                   AND contrat_key NOT IN (SELECT acheteur_id || '|' || id FROM held.decp WHERE id IS NOT NULL)
               ORDER BY contrat_key LIMIT 1""",
            [CORRECTED_FILE],
        ).fetchone()[0]
        for table in INCREMENTAL[:2]:
            con.execute(f"UPDATE {table} SET record_path = '[marker]' WHERE contrat_key = ?", [untouched])
        # the new semester file lands
        con.execute("INSERT INTO raw.decp_marches SELECT * FROM held.decp")
        # an earlier file is republished corrected (as the ingest replaces it: same name, new
        # sha256): one contract's amount changes, another contract is no longer in it
        single = con.execute(
            """SELECT _source_row, acheteur_id || '|' || id FROM raw.decp_marches AS r
               WHERE _source_file = ? AND montant > 1000 AND modifications IS NULL AND
                   (SELECT count(*) FROM raw.decp_marches AS o WHERE o.acheteur_id = r.acheteur_id AND o.id = r.id) = 1
               ORDER BY _source_row LIMIT 2""",
            [CORRECTED_FILE],
        ).fetchall()
        (changed_row, changed_key), (dropped_row, dropped_key) = single
        con.execute("UPDATE raw.decp_marches SET _source_sha256 = 'corrected' WHERE _source_file = ?", [CORRECTED_FILE])
        con.execute(
            "UPDATE raw.decp_marches SET montant = 123456.78 WHERE _source_file = ? AND _source_row = ?",
            [CORRECTED_FILE, changed_row],
        )
        con.execute(
            "DELETE FROM raw.decp_marches WHERE _source_file = ? AND _source_row = ?", [CORRECTED_FILE, dropped_row]
        )

    _dbt(home, "build")  # incremental: the models exist and the project is the one built

    with duckdb.connect(str(db)) as con:
        for table in INCREMENTAL[:2]:
            assert (
                con.execute(f"SELECT record_path FROM {table} WHERE contrat_key = ?", [untouched]).fetchone()[0]
                == "[marker]"
            )
            con.execute(
                f"UPDATE {table} SET record_path = (SELECT record_path FROM raw.decp_marches AS r WHERE r.acheteur_id || '|' || r.id = ?) WHERE contrat_key = ?",
                [untouched, untouched],
            )
        assert (
            con.execute("SELECT montant FROM marts.fct_marches WHERE contrat_key = ?", [changed_key]).fetchone()[0]
            == 123456.78
        )
        for table in INCREMENTAL:
            assert con.execute(f"SELECT count(*) FROM {table} WHERE contrat_key = ?", [dropped_key]).fetchone()[0] == 0
        new_contracts = con.execute(
            "SELECT count(*) FROM marts.fct_marches WHERE _source_file = ?", [NEW_FILE]
        ).fetchone()[0]
        assert new_contracts > 100
        con.execute("CREATE SCHEMA snap")
        for table in INCREMENTAL + DOWNSTREAM:
            con.execute(f"CREATE TABLE snap.{table.split('.')[1]} AS SELECT {_comparable(con, table)} FROM {table}")

    _dbt(home, "run", "--full-refresh")

    with duckdb.connect(str(db)) as con:
        for table in INCREMENTAL + DOWNSTREAM:
            full = f"SELECT {_comparable(con, table)} FROM {table}"
            incremental = f"SELECT * FROM snap.{table.split('.')[1]}"
            extra = con.execute(f"SELECT count(*) FROM ({incremental} EXCEPT ALL {full})").fetchone()[0]
            missing = con.execute(f"SELECT count(*) FROM ({full} EXCEPT ALL {incremental})").fetchone()[0]
            assert (extra, missing) == (0, 0), (
                f"{table}: {extra} rows only in the incremental build, {missing} only in the full one"
            )
