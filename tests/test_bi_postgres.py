"""PostgreSQL for BI: the latest releases in the publication schema, one read-only role."""

from __future__ import annotations

import psycopg2
import pytest

from orchestration.postgres import pg_type
from orchestration.postgres.serving import bi_visible_tables, load_publication, pg_settings
from orchestration.publication.publish import PUBLISHED_TABLES


def test_postgres_is_off_unless_configured():
    assert pg_settings({}) is None
    s = pg_settings({"SPASER_PG_DATABASE": "spaser", "SPASER_PG_PORT": "5433"})
    assert (s.host, s.port, s.user, s.database, s.bi_role) == ("127.0.0.1", 5433, "postgres", "spaser", "spaser_bi")
    assert "dbname='spaser'" in s.dsn() and "user='spaser_bi'" in s.bi_dsn


@pytest.mark.parametrize(
    ("duck", "pg"),
    [
        ("VARCHAR", "text"),
        ("DOUBLE", "double precision"),
        ("DECIMAL(18,2)", "numeric(18,2)"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "timestamptz"),
        ("VARCHAR[]", "jsonb"),
        ("STRUCT(id VARCHAR)[]", "jsonb"),
        ("JSON", "jsonb"),
        ("BOOLEAN", "boolean"),
        ("BIGINT", "bigint"),
        ("INTEGER", "integer"),
    ],
)
def test_pg_type(duck, pg):
    assert pg_type(duck) == pg


def _query(dsn: str, statement: str):
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            cur.execute(statement)
            return cur.fetchall() if cur.description else None
    finally:
        con.rollback()
        con.close()


@pytest.fixture(scope="module")
def served(postgres_served, pg_session):
    """The first run's releases served from PostgreSQL by the Dagster asset (conftest)."""
    home, result = postgres_served
    assert result.success
    (materialization,) = result.asset_materializations_for_node("postgres__bi_publication")
    return home, materialization.metadata["publication_rows"].value


def test_publication_holds_the_latest_releases(served, pg_session):
    import duckdb

    from orchestration.publication.serving import LATEST_PER_PERIOD

    home, loaded = served
    tables = [*PUBLISHED_TABLES, LATEST_PER_PERIOD]
    assert set(loaded) == {*tables, "releases"}
    duck = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        for name in tables:  # same rows as DuckDB's publication tables
            expected = duck.execute(f"SELECT count(*) FROM publication.{name}").fetchall()[0][0]
            assert loaded[name] == expected, name
        expected = duck.execute(
            "SELECT indicator_id, value, status FROM publication.mart_spaser_indicateurs "
            "WHERE period = '2026-S1' ORDER BY indicator_id"
        ).fetchall()
    finally:
        duck.close()
    rows = _query(
        pg_session.bi_dsn,
        "SELECT indicator_id, value, status FROM publication.mart_spaser_indicateurs "
        "WHERE period = '2026-S1' ORDER BY indicator_id",
    )
    assert len(rows) == len(expected) > 40
    # BI tools show the dbt descriptions: tables and columns carry them as comments
    [(table_comment, value_comment)] = _query(
        pg_session.bi_dsn,
        "SELECT obj_description('publication.mart_spaser_indicateurs_par_periode'::regclass), "
        "col_description('publication.mart_spaser_indicateurs'::regclass, "
        "(SELECT attnum FROM pg_attribute WHERE attrelid = 'publication.mart_spaser_indicateurs'::regclass "
        "AND attname = 'value'))",
    )
    assert "One row per org_id, period_type, period, indicator_id" in table_comment and value_comment
    for (i, v, s), (ei, ev, es) in zip(rows, expected):
        assert (i, s) == (ei, es) and (v is None) == (ev is None) and (v is None or abs(v - ev) < 1e-9)
    # nested columns arrive as JSON, NULL and empty text stay distinct
    kinds = _query(
        pg_session.dsn(),
        """SELECT data_type FROM information_schema.columns
        WHERE table_schema = 'publication' AND table_name = 'fct_marches' AND column_name = 'titulaires'""",
    )
    assert kinds == [("jsonb",)]


def test_bi_role_reads_the_publication_and_nothing_else(served, pg_session):
    bi = pg_session.bi_dsn
    visible = bi_visible_tables(pg_session)
    assert visible and all(t.startswith("publication.") for t in visible)
    assert "publication.releases" in visible
    assert _query(bi, "SELECT count(*) FROM publication.releases")[0][0] >= 1
    denied = [
        "SELECT * FROM raw.decp_marches",
        "SELECT * FROM marts.mart_spaser_indicateurs",
        "SELECT * FROM staging.stg_decp__marches",
        "SELECT * FROM meta.ingest_log",
        "DELETE FROM publication.mart_spaser_indicateurs",
        "UPDATE publication.releases SET version = 99",
        "INSERT INTO publication.releases (org_id) VALUES ('x')",
        "CREATE TABLE publication.mine (id int)",
        "CREATE TABLE public.mine (id int)",
        "DROP TABLE publication.releases",
    ]
    for statement in denied:
        with pytest.raises(psycopg2.Error) as err:
            _query(bi, statement)
        assert err.value.pgcode in ("42501", "25006", "3F000"), (statement, err.value.pgcode, str(err.value))


def test_reload_keeps_the_bi_grants(served, pg_session):
    home, _ = served
    load_publication(home / "publications", pg_session)  # tables recreated
    assert _query(pg_session.bi_dsn, "SELECT count(*) FROM publication.mart_spaser_indicateurs")[0][0] > 40
