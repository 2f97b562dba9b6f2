"""The project's table materialization on DuckDB (dbt_project/materializations/table.sql): the
table is replaced inside the model's transaction, with its contract enforced, and a failed
build leaves the previous table as it was. A small dbt project of its own, built by dbt."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
from conftest import mini_dbt, mini_dbt_project

REPO_ROOT = Path(__file__).resolve().parents[1]

SCHEMA = """
models:
  - name: t
    config:
      contract: {enforced: true}
    columns:
      - name: x
        data_type: integer
  - name: u
    config:
      contract: {enforced: true}
    columns:
      - name: y
        data_type: integer
"""


def _build(project: Path):
    # a full parse each time: u's yml entry exists before its file, which dbt's partial parsing
    # would build without its contract (tests/test_dbt_parse_state.py)
    return mini_dbt(project, "build", "--no-partial-parse", "--debug")


def _tables(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}
    finally:
        con.close()


def test_a_table_is_replaced_in_one_transaction_and_kept_when_its_build_fails(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    project = mini_dbt_project(tmp_path / "mini", SCHEMA, warehouse, macro_paths=("materializations",))
    shutil.copytree(REPO_ROOT / "dbt_project" / "materializations", project / "materializations")
    model = project / "models" / "t.sql"

    model.write_text("select 1 as x", encoding="utf-8")
    first = _build(project)
    assert first.returncode == 0, first.stdout[-3000:]
    assert _tables(warehouse) == {"t": [(1,)]}

    model.write_text("select 2 as x union all select 3", encoding="utf-8")
    second = _build(project)
    assert second.returncode == 0, second.stdout[-3000:]
    # replaced under its name: no backup or intermediate table left behind
    assert _tables(warehouse) == {"t": [(2,), (3,)]}
    # ... in one transaction: BEGIN, the drop and the create in one statement, COMMIT
    assert "__dbt_backup" not in second.stdout and "__dbt_tmp" not in second.stdout
    node = second.stdout[second.stdout.index("Began executing node model.mini.t") :]
    begin, drop, create, commit = (
        re.search(pattern, node).start()
        for pattern in ("BEGIN", r'drop table if exists "w"\."main"\."t"', r"create\s+table", "COMMIT")
    )
    assert begin < drop < create < commit

    # one build, two failures: t's query fails after its old table was dropped in the
    # transaction (the rollback gives it back); u breaks its contract
    model.write_text("select cast(error('boom') as integer) as x", encoding="utf-8")
    (project / "models" / "u.sql").write_text("select 'not an integer' as y", encoding="utf-8")
    failed = _build(project)
    assert failed.returncode != 0 and "boom" in failed.stdout
    assert "Failure in model u" in failed.stdout and "enforced contract that failed" in failed.stdout
    assert _tables(warehouse) == {"t": [(2,), (3,)]}
