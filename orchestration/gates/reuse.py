"""Raw gates that reuse their last validation when neither the table nor its validation changed.

A raw table changes only through the ingest framework (ingest/framework.py): every load,
supersession and withdrawal of a file rewrites its current rows in `meta.ingest_log`. The raw
suites' datasets do not depend on the semester (only the GX run name does; the accepted
exceptions are applied per semester after validation). So a raw gate whose key

    (fingerprint of the table, fingerprint of what validates it)

equals the key of the last validation recorded for that check has that validation's outcome,
exactly: the gate reuses it instead of running GX again, and says so (`reused_from`).

- The table: its current ingest-log rows (file, SHA-256, size, rows read / loaded /
  quarantined, time of the load: a warehouse rebuilt, or a file loaded again by other reader
  code, has other times), its columns and types, and its row count (which catches rows written
  or deleted outside the framework). Not the warehouse's path: a home moved elsewhere holds the
  same tables.
- Its validation: the suite file's bytes, the dataset SQL and index columns, the source of the
  gates package (dataset SQL helpers, prefilter, runner), the GX project configuration and the
  versions of GX, pandas, NumPy, DuckDB and Python.

Anything else makes the gate validate again: a dataset reading any table but its own raw table
(or a table function), an unreadable or absent record, a validation page since deleted, or a
run asked to (`spaser run --full-refresh`, run config `revalidate`). A table edited by hand
with UPDATE keeps its row count: that needs `--full-refresh` (docs/operations.md).

The ingest log's gate is reused the same way, its key being its dataset itself: the rows it
validates (one per current file), compared value for value (dataset_key), with what validates
them.

The last validation of each check is kept in `<gx results>/raw_gates/<check>.json`, written
atomically: its key, the GateResult as GX gave it (before any exception is applied), the rows
validated and flagged, and the run it came from (run id, run name, time, validation page).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from ..files import write_atomically
from ..settings import GX_PROJECT_DIR
from .runner import Failure, GateResult

STORE = "raw_gates"
REASON = "mêmes données (fichiers chargés, lignes et colonnes de la table inchangés), même suite"
# the ingest-log gate's dataset is read whole and compared row for row (dataset_key)
DATASET_REASON = "mêmes données (lignes validées identiques), même suite"
_PACKAGES = ("great_expectations", "pandas", "numpy", "duckdb")
_GATES_DIR = Path(__file__).resolve().parent


def _sha256(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def table_fingerprint(table: str, log_rows: list, columns: list, rows: int) -> str:
    """What a raw table holds: its current ingest-log rows, its columns and its row count."""
    return _sha256({"table": table, "files": [list(r) for r in log_rows], "columns": columns, "rows": rows})


def definition_fingerprint(suite: str, suite_bytes: bytes, sql: str, index_columns: list[str], code: str) -> str:
    """What validates a dataset: its suite file, SQL, index columns and the code and versions
    that shape the frame and run GX (`code`: code_fingerprint())."""
    return _sha256(
        {
            "suite": suite,
            "suite_sha256": hashlib.sha256(suite_bytes).hexdigest(),
            "sql": sql,
            "index_columns": list(index_columns),
            "code": code,
        }
    )


def code_fingerprint(gates_dir: Path = _GATES_DIR, gx_project: Path = GX_PROJECT_DIR) -> str:
    """The gates package's source, the GX project configuration and the library versions."""
    files = sorted(gates_dir.glob("*.py")) + [gx_project / "gx" / "great_expectations.yml"]
    return _sha256(
        {
            "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()},
            "versions": {name: metadata.version(name) for name in _PACKAGES},
            "python": platform.python_version(),
        }
    )


def suite_bytes(suite: str) -> bytes | None:
    path = GX_PROJECT_DIR / "gx" / "expectations" / f"{suite}.json"
    return path.read_bytes() if path.exists() else None


def tables_read(con: duckdb.DuckDBPyConnection, sql: str) -> set[tuple[str, str]] | None:
    """(schema, table) of every table `sql` reads, from DuckDB's own parse; None when it reads
    a table function or does not parse (its content cannot be fingerprinted). A reference to
    one of the query's own CTEs (parsed as a table without schema) is not a table read."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        return None
    found: set[tuple[str, str]] = set()
    ctes: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "TABLE_FUNCTION":
                return None
            if node.get("type") == "BASE_TABLE":
                found.add((node.get("schema_name") or "", node.get("table_name") or ""))
            ctes.update(entry["key"] for entry in (node.get("cte_map") or {}).get("map", []))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {(schema, table) for schema, table in found if schema or table not in ctes}


def table_state(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """table_fingerprint of raw.<table> as it is now; None when it cannot be read."""
    try:
        log_rows = con.execute(
            """SELECT source_file, source_sha256, file_bytes, rows_read, rows_loaded, rows_quarantined, ingested_at
               FROM meta.ingest_log WHERE raw_table = ? AND superseded_at IS NULL
               ORDER BY source_file, source_sha256, ingested_at""",
            [table],
        ).fetchall()
        columns = con.execute(
            """SELECT column_name, data_type FROM duckdb_columns()
               WHERE schema_name = 'raw' AND table_name = ? AND database_name = current_database()
               ORDER BY column_index""",
            [table],
        ).fetchall()
        if not columns:
            return None
        rows = con.execute(f'SELECT count(*) FROM raw."{table}"').fetchone()[0]
    except duckdb.Error:
        return None
    return table_fingerprint(table, log_rows, [list(c) for c in columns], rows)


def dataset_key(df, rows: int, suite: str, sql: str, index_columns: list[str], code: str) -> str | None:
    """The key of a gate whose dataset is small enough to read whole (the ingest log): the
    frame GX would validate, row for row (values, column names and types, in order), the rows
    of the whole dataset when the frame is prefiltered, and what validates it. None when the
    suite is absent."""
    data = suite_bytes(suite)
    if data is None:
        return None
    content = hashlib.sha256(_sha256([[str(c) for c in df.columns], [str(t) for t in df.dtypes], rows]).encode())
    content.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return _sha256([content.hexdigest(), definition_fingerprint(suite, data, sql, index_columns, code)])


def validation_key(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite: str,
    sql: str,
    index_columns: list[str],
    code: str,
) -> str | None:
    """The key of a raw gate on raw.<table> now; None when its validation cannot be reused
    (a dataset reading anything but that table, an absent suite or table)."""
    data = suite_bytes(suite)
    if data is None:
        return None
    try:
        if tables_read(con, sql) != {("raw", table)}:
            return None
    except duckdb.Error:
        return None
    state = table_state(con, table)
    if state is None:
        return None
    return _sha256([state, definition_fingerprint(suite, data, sql, index_columns, code)])


@dataclasses.dataclass
class Validation:
    """The last validation of a check: enough to give its outcome again."""

    check: str
    key: str
    result: dict  # the GateResult as validated (stored_result)
    rows: int
    flagged: int | None
    run_id: str
    run_name: str
    recorded_at: str
    reason: str = REASON  # why it may be reused (records kept before the field: a raw gate's)

    @property
    def origin(self) -> dict:
        """What a reused gate says it reuses (the record's and the check's `reused_from`)."""
        return {
            "run_id": self.run_id,
            "run_name": self.run_name,
            "recorded_at": self.recorded_at,
            "validation_page": self.result.get("validation_page"),
            "reason": self.reason,
        }


def stored_result(result: GateResult) -> dict:
    """`result` as GX gave it: the exceptions accepted for a semester are left out (they are
    applied again, for the semester of the run, to every use of it)."""
    return {
        "suite": result.suite,
        "evaluated": result.evaluated,
        "failures": [dataclasses.asdict(f) | {"accepted": None} for f in result.failures],
        "data_docs_index": result.data_docs_index,
        "validation_page": result.validation_page,
    }


def reused_result(validation: Validation, run_name: str, results_dir: Path) -> GateResult:
    """The stored validation as this run's result: its run name, the origin it reuses."""
    stored = validation.result
    return GateResult(
        suite=stored["suite"],
        run_name=run_name,
        evaluated=stored["evaluated"],
        failures=[Failure(**f) for f in stored["failures"]],
        data_docs_index=stored["data_docs_index"],
        results_dir=str(results_dir),
        validation_page=stored["validation_page"],
        reused_from=validation.origin,
    )


def _path(root: Path, check: str) -> Path:
    return root / STORE / f"{check}.json"


def load(root: Path, check: str, key: str) -> Validation | None:
    """The last validation of `check` if its key is `key` and its Data Docs page is still there."""
    try:
        validation = Validation(**json.loads(_path(root, check).read_text(encoding="utf-8")))
        reused_result(validation, "", root)  # a record that no longer makes a GateResult: validate again
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if validation.check != check or validation.key != key:
        return None
    page = validation.result.get("validation_page")
    if page and not (root / "data_docs" / page).exists():
        return None
    return validation


def save(root: Path, validation: Validation) -> None:
    """Keep `validation` as the last one of its check (atomically: a reader sees the old or the new)."""
    target = _path(root, validation.check)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, json.dumps(dataclasses.asdict(validation), ensure_ascii=False, indent=2, default=str))
