"""The PostgreSQL target: the raw layer copied from DuckDB (replicate_to_postgres), then the
same dbt project built on PostgreSQL, every model, data test and unit test passing, with the
same marts as on DuckDB.

Needs a PostgreSQL server (SPASER_PG_HOST/PORT/USER/PASSWORD, default 127.0.0.1:5432,
postgres): the tests skip without one, and fail under CI. Each session works in a fresh
database, dropped at the end (fixture pg_database).
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.postgres import replicate_to_postgres

SEMESTER = "2026-S1"


def dsn(params: dict) -> str:
    return " ".join(f"{k}='{v}'" for k, v in params.items())


def pg_rows(params: dict, sql: str) -> list[tuple]:
    import psycopg2

    con = psycopg2.connect(**params)
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        con.close()


# --- replicate_to_postgres -------------------------------------------------------------------


@pytest.fixture
def sample_warehouse(tmp_path) -> Path:
    """A DuckDB file with every mapped type, NULLs, tricky text and nested columns."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA t_raw; CREATE SCHEMA t_meta; CREATE SCHEMA t_pub; CREATE SCHEMA t_other")
    con.execute(
        """CREATE TABLE t_raw.sample (
            s VARCHAR, i INTEGER, b BIGINT, d DOUBLE, n DECIMAL(10,3), f BOOLEAN, day DATE, ts TIMESTAMP,
            tags VARCHAR[], holder STRUCT(id VARCHAR, n INTEGER), holders STRUCT(id VARCHAR, since DATE)[],
            m MAP(VARCHAR, INTEGER))"""
    )
    con.execute(
        """INSERT INTO t_raw.sample VALUES
            ('a "quoted", text; with | separators', 1, 9007199254740993, 0.1, 12.345, true, DATE '2026-01-31',
             TIMESTAMP '2026-02-01 10:11:12.123456', ['Clause sociale', 'Marché réservé'],
             {'id': 'x', 'n': 2}, [{'id': '123', 'since': DATE '2025-01-01'}, NULL], MAP {'k': 1}),
            ('', -2, -1, -1.5e300, -0.001, false, NULL, NULL, [], NULL, [], NULL),
            (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (E'multi\\nline\\r\\n and ''quote'' and NUL-free é', 0, 0, 1e-300, 0, NULL, DATE '1900-01-01',
             TIMESTAMP '1970-01-01 00:00:00', ['Pas de considération sociale'], {'id': NULL, 'n': NULL}, NULL, NULL)"""
    )
    con.execute("CREATE TABLE t_raw.big AS SELECT range AS id, 'row ' || range AS label FROM range(50000)")
    con.execute("CREATE TABLE t_raw.empty (id INTEGER)")
    con.execute("CREATE TABLE t_meta.log (file VARCHAR, rows_read BIGINT)")
    con.execute("INSERT INTO t_meta.log VALUES ('a.csv', 3)")
    con.execute("CREATE TABLE t_pub.releases (org_id VARCHAR, semester VARCHAR)")
    con.execute("INSERT INTO t_pub.releases VALUES ('o', '2025-S2')")
    con.execute("CREATE TABLE t_pub.not_listed (x INTEGER)")
    con.execute("CREATE TABLE t_other.ignored (x INTEGER)")
    con.execute("CREATE VIEW t_raw.a_view AS SELECT 1 AS x")
    con.close()
    return path


def _replicate(path: Path, pg_database: dict) -> dict[str, int]:
    return replicate_to_postgres(path, dsn(pg_database), schemas=("t_raw", "t_meta"), tables=("t_pub.releases",))


def test_replicate_copies_schemas_and_listed_tables(sample_warehouse, pg_database):
    copied = _replicate(sample_warehouse, pg_database)
    assert copied == {"t_raw.big": 50000, "t_raw.empty": 0, "t_raw.sample": 4, "t_meta.log": 1, "t_pub.releases": 1}
    tables = pg_rows(
        pg_database,
        """SELECT table_schema || '.' || table_name FROM information_schema.tables
        WHERE table_schema LIKE 't\\_%' ORDER BY 1""",
    )
    assert [t for (t,) in tables] == sorted(copied)  # no view, no unlisted table, no other schema
    # the DuckDB file was only read
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM t_raw.big").fetchall() == [(50000,)]
    con.close()


def test_replicate_types_nulls_and_nested_columns(sample_warehouse, pg_database):
    _replicate(sample_warehouse, pg_database)
    types = dict(
        pg_rows(
            pg_database,
            """SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 't_raw' AND table_name = 'sample'""",
        )
    )
    assert types == {
        "s": "text",
        "i": "integer",
        "b": "bigint",
        "d": "double precision",
        "n": "numeric",
        "f": "boolean",
        "day": "date",
        "ts": "timestamp without time zone",
        "tags": "jsonb",
        "holder": "jsonb",
        "holders": "jsonb",
        "m": "jsonb",
    }
    rows = pg_rows(pg_database, "SELECT * FROM t_raw.sample ORDER BY i NULLS LAST")
    by_i = {r[1]: r for r in rows}
    first = by_i[1]
    assert first[0] == 'a "quoted", text; with | separators'
    assert first[2] == 9007199254740993 and first[3] == 0.1 and first[4] == decimal.Decimal("12.345")
    assert first[5] is True and first[6] == dt.date(2026, 1, 31)
    assert first[7] == dt.datetime(2026, 2, 1, 10, 11, 12, 123456)
    assert first[8] == ["Clause sociale", "Marché réservé"]
    assert first[9] == {"id": "x", "n": 2}
    assert first[10] == [{"id": "123", "since": "2025-01-01"}, None]
    assert first[11] == {"k": 1}
    second = by_i[-2]
    assert second[0] == ""  # the empty string stays distinct from NULL
    assert second[3] == -1.5e300
    assert second[8] == [] and second[10] == []  # an empty list is not NULL
    assert second[9] is None and second[11] is None
    nulls = [r for r in rows if r[1] is None]
    assert nulls == [(None,) * 12]
    fourth = by_i[0]
    assert fourth[0] == "multi\nline\r\n and 'quote' and NUL-free é"
    assert fourth[3] == 1e-300 and fourth[5] is None
    assert fourth[8] == ["Pas de considération sociale"]
    assert fourth[9] == {"id": None, "n": None}
    # nested columns are queryable as jsonb
    assert pg_rows(
        pg_database,
        """SELECT e ->> 'id' FROM t_raw.sample, jsonb_array_elements(holders) AS e
        WHERE e IS NOT NULL AND e <> 'null'""",
    ) == [("123",)]


def test_replicate_again_replaces_tables(sample_warehouse, pg_database):
    _replicate(sample_warehouse, pg_database)
    con = duckdb.connect(str(sample_warehouse))
    con.execute("DELETE FROM t_raw.big WHERE id >= 10")
    con.execute("ALTER TABLE t_meta.log ADD COLUMN rows_loaded BIGINT")
    con.execute("INSERT INTO t_meta.log VALUES ('b.csv', 5, 4)")
    con.close()
    copied = _replicate(sample_warehouse, pg_database)
    assert copied["t_raw.big"] == 10 and copied["t_meta.log"] == 2
    assert pg_rows(pg_database, "SELECT count(*), max(id) FROM t_raw.big") == [(10, 9)]
    assert pg_rows(pg_database, "SELECT * FROM t_meta.log ORDER BY file") == [("a.csv", 3, None), ("b.csv", 5, 4)]


def test_replicate_rejects_a_missing_table_and_an_unmapped_type(sample_warehouse, pg_database, tmp_path):
    with pytest.raises(ValueError, match="t_pub.missing"):
        replicate_to_postgres(sample_warehouse, dsn(pg_database), schemas=("t_meta",), tables=("t_pub.missing",))
    path = tmp_path / "blob.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA t_blob; CREATE TABLE t_blob.b (x BLOB)")
    con.close()
    with pytest.raises(ValueError, match="BLOB"):
        replicate_to_postgres(path, dsn(pg_database), schemas=("t_blob",), tables=())


# --- The dbt project on PostgreSQL ------------------------------------------------------------


@pytest.fixture(scope="module")
def duckdb_build(first_run):
    """The session's first pipeline run: demo feeds ingested and built by dbt on DuckDB."""
    home, _ = first_run
    return home / "warehouse" / "warehouse.duckdb"


@pytest.fixture(scope="module")
def postgres_build(postgres_served):
    """The Dagster asset postgres/bi_publication: the DuckDB raw layer replicated into the
    session's database, then `dbt build` of the same semester on the postgres target."""
    _, result = postgres_served
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    (materialization,) = result.asset_materializations_for_node("postgres__bi_publication")
    return {k: v.value for k, v in materialization.metadata.items()}


def test_raw_layer_replicated_with_its_row_counts(duckdb_build, postgres_build, pg_database):
    warehouse = duckdb_build
    copied = postgres_build["replicated_tables"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute("""SELECT schema_name || '.' || table_name FROM duckdb_tables()
            WHERE schema_name IN ('raw', 'meta')""").fetchall()
        expected = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for (t,) in tables}
        expected["publication.releases"] = con.execute("SELECT count(*) FROM publication.releases").fetchall()[0][0]
    finally:
        con.close()
    assert expected["publication.releases"] == 1
    assert copied == expected
    assert copied["raw.decp_marches"] > 0
    # nested DECP columns arrive as jsonb arrays, NULL (field not given) distinct from an explicit no
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        duck = con.execute("""SELECT count(*) FILTER (WHERE considerations_sociales IS NULL),
            count(*) FILTER (WHERE list_contains(considerations_sociales, 'Pas de considération sociale')),
            count(titulaires) FROM raw.decp_marches""").fetchall()
    finally:
        con.close()
    pg = pg_rows(
        pg_database,
        """SELECT count(*) FILTER (WHERE considerations_sociales IS NULL),
        count(*) FILTER (WHERE considerations_sociales ? 'Pas de considération sociale'),
        count(*) FILTER (WHERE jsonb_typeof(titulaires) = 'array') FROM raw.decp_marches""",
    )
    assert pg == duck and duck[0][1] > 0


def test_dbt_build_passes_on_postgres_with_every_test(postgres_build):
    from orchestration.dbt import spaser_dbt_project

    statuses, kinds = postgres_build["dbt_results"], postgres_build["dbt_nodes"]
    assert set(statuses) <= {"success", "pass", "warn"}, statuses
    # every model, seed, data test, unit test and hook of the project ran (the same nodes as
    # DuckDB's), except the observatory's (tag observatoire) and the tests of its nodes
    manifest = json.loads(spaser_dbt_project.manifest_path.read_text())
    tagged = {k for k, n in manifest["nodes"].items() if "observatoire" in n.get("tags", [])}

    def built(key: str, node: dict) -> bool:
        return key not in tagged and not tagged & set(node.get("depends_on", {}).get("nodes", []))

    expected = collections.Counter(
        k.split(".")[0]
        for k, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "seed", "test", "operation") and n["config"]["enabled"] and built(k, n)
    )
    expected["unit_test"] = sum(built(k, n) for k, n in manifest["unit_tests"].items())
    assert kinds == dict(expected)
    assert kinds["model"] > 50 and kinds["unit_test"] >= 25 and kinds["test"] > 100


def test_indicators_equal_across_adapters(duckdb_build, postgres_build, pg_database):
    warehouse = duckdb_build
    columns = [
        "org_id",
        "period_type",
        "period",
        "indicator_id",
        "is_available",
        "status",
        "unavailable_reason",
        "source_rows",
        "target_year",
        "baseline_year",
        "value",
        "numerator",
        "denominator",
        "target_value",
        "baseline_value",
        "expected_value",
        "previous_value",
    ]
    sql = f"SELECT {', '.join(columns)} FROM marts.mart_spaser_indicateurs"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        duck = {r[:4]: r for r in con.execute(sql).fetchall()}
    finally:
        con.close()
    pg = {r[:4]: r for r in pg_rows(pg_database, sql)}
    assert len(duck) > 300 and set(pg) == set(duck)
    for key, d in duck.items():
        # every column identical, figures included (exact sums and ratios, docs/indicateurs.md):
        # no tolerance
        assert pg[key] == d, [(name, a, b) for name, a, b in zip(columns, d, pg[key]) if a != b]
    assert any(d[4] for d in duck.values()) and any(not d[4] for d in duck.values())


def _normalised(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value) + 0.0  # -0.0 == 0.0; no rounding: the same doubles on both adapters
    if isinstance(value, (list, dict)):  # DuckDB lists and structs, jsonb in PostgreSQL
        return json.dumps(value, sort_keys=True, default=str)
    return value


def test_every_mart_equal_across_adapters(duckdb_build, postgres_build, pg_database):
    warehouse = duckdb_build
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        assert len(tables) > 20
        for table in tables:
            names = [
                c
                for (c,) in con.execute(f"""SELECT column_name FROM duckdb_columns()
                WHERE schema_name = 'marts' AND table_name = '{table}' ORDER BY column_index""").fetchall()
            ]
            sql = f"SELECT {', '.join(chr(34) + n + chr(34) for n in names)} FROM marts.{table}"
            duck = collections.Counter(tuple(map(_normalised, r)) for r in con.execute(sql).fetchall())
            pg = collections.Counter(tuple(map(_normalised, r)) for r in pg_rows(pg_database, sql))
            assert pg == duck, (table, list((duck - pg).elements())[:2], list((pg - duck).elements())[:2])
    finally:
        con.close()
