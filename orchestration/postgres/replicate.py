"""Copy the DuckDB ingestion layer (schemas `raw`, `meta`, table `publication.releases`) into
PostgreSQL, so that `dbt build --target postgres` reads the same sources as DuckDB.

Ingestion stays in DuckDB; this is a one-way copy. Each table is recreated in its own
transaction: DROP (CASCADE: the dbt staging views over it go too, the next dbt build recreates
them), CREATE with the mapped types, COPY, count check. DuckDB writes each table as CSV into a
temporary file that psycopg2 streams to COPY in chunks, so no table is ever held in Python.

Type mapping: VARCHAR -> text, integers, DOUBLE, DECIMAL, BOOLEAN, DATE, TIME, TIMESTAMP (with
or without time zone), UUID, INTERVAL to their PostgreSQL equivalents; nested columns (LIST,
ARRAY, STRUCT, MAP, UNION, lists of structs) -> jsonb, written with DuckDB's to_json. Any other
type raises rather than being copied approximately.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

_SCALAR_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "UUID": "uuid",
    "INTERVAL": "interval",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),(\d+)\)$")
_NESTED = re.compile(r"^(STRUCT|MAP|UNION)\(|\]$|^JSON$")  # STRUCT(..), MAP(..), UNION(..), T[], T[3], JSON

# COPY chunk size (bytes) read from the temporary CSV file
_CHUNK = 1 << 20


def pg_type(duckdb_type: str) -> str:
    """PostgreSQL type of a DuckDB column type (as information_schema spells it)."""
    t = duckdb_type.strip().upper()
    if t in _SCALAR_TYPES:
        return _SCALAR_TYPES[t]
    if m := _DECIMAL.match(t):
        return f"numeric({m.group(1)},{m.group(2)})"
    if _NESTED.search(t):
        return "jsonb"
    raise ValueError(f"no PostgreSQL mapping for DuckDB type {duckdb_type}")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _source_tables(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], tables: tuple[str, ...]
) -> list[tuple[str, str]]:
    found = con.execute(
        """SELECT schema_name, table_name FROM duckdb_tables()
           WHERE database_name = current_database() AND NOT temporary
           ORDER BY schema_name, table_name"""
    ).fetchall()
    selected = [(s, t) for s, t in found if s in schemas]
    for qualified in tables:
        schema, _, table = qualified.partition(".")
        if (schema, table) not in found:
            raise ValueError(f"table {qualified} not found in the DuckDB warehouse")
        if (schema, table) not in selected:
            selected.append((schema, table))
    return selected


def copy_relation(
    src: duckdb.DuckDBPyConnection, cur, relation_sql: str, schema: str, table: str, workdir: Path
) -> int:
    """(Re)create `schema.table` in PostgreSQL from a DuckDB query, rows streamed with COPY from
    a temporary CSV file. Runs in the caller's transaction (cursor `cur`); returns the rows
    copied, checked against the query's count (RuntimeError on a mismatch)."""
    columns = src.execute(f"DESCRIBE {relation_sql}").fetchall()
    types = [(name, pg_type(dtype)) for name, dtype, *_ in columns]
    select = ", ".join(f"to_json({_quote(name)})" if pgt == "jsonb" else _quote(name) for name, pgt in types)
    csv_path = workdir / f"{schema}.{table}.csv"
    csv_literal = "'" + str(csv_path).replace("'", "''") + "'"
    # Every non-NULL value quoted: PostgreSQL then reads an unquoted empty field as NULL and
    # "" as the empty string, so NULL and '' stay distinct.
    src.execute(
        f"COPY (SELECT {select} FROM ({relation_sql})) TO {csv_literal} (FORMAT csv, HEADER false, FORCE_QUOTE *)"
    )
    expected = src.execute(f"SELECT count(*) FROM ({relation_sql})").fetchall()[0][0]

    target = sql.Identifier(schema, table)
    ddl = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pgt)) for name, pgt in types)
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(target))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(target, ddl))
    copy = sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER false)").format(target)
    with csv_path.open("rb") as stream:
        cur.copy_expert(copy.as_string(cur), stream, size=_CHUNK)
    csv_path.unlink()
    cur.execute(sql.SQL("SELECT count(*) FROM {}").format(target))
    copied = cur.fetchone()[0]
    if copied != expected:
        raise RuntimeError(f"{schema}.{table}: {copied} rows in PostgreSQL, {expected} in DuckDB")
    return copied


def _replicate_table(src: duckdb.DuckDBPyConnection, dst, schema: str, table: str, workdir: Path) -> int:
    with dst:  # one transaction: commit on success, rollback (old table kept) on any error
        with dst.cursor() as cur:
            return copy_relation(src, cur, f"SELECT * FROM {_quote(schema)}.{_quote(table)}", schema, table, workdir)


def replicate_to_postgres(
    duckdb_path: Path,
    dsn: str,
    schemas: tuple[str, ...] = ("raw", "meta"),
    tables: tuple[str, ...] = ("publication.releases",),
) -> dict[str, int]:
    """Copy every table of `schemas`, plus the `tables` listed as "schema.table", from the
    DuckDB file `duckdb_path` (opened read-only) into the PostgreSQL database of `dsn`, under
    the same schema and table names.

    Each table is dropped and recreated in one transaction, its rows streamed with COPY, and
    its row count checked against DuckDB (RuntimeError on a mismatch: that table's transaction
    is rolled back). A listed extra table missing from DuckDB raises ValueError, a column type
    without a mapping (see `pg_type`) raises ValueError.

    Returns the rows copied per table, keyed "schema.table".
    """
    src = duckdb.connect(str(duckdb_path), read_only=True)
    dst = psycopg2.connect(dsn)
    copied: dict[str, int] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="spaser_replicate_") as workdir:
            for schema, table in _source_tables(src, tuple(schemas), tuple(tables)):
                copied[f"{schema}.{table}"] = _replicate_table(src, dst, schema, table, Path(workdir))
    finally:
        dst.close()
        src.close()
    return copied
