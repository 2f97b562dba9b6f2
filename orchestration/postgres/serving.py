"""PostgreSQL for BI tools: the released data, one read-only role, nothing else readable.

DuckDB stays the engine the gates and releases are made from. When PostgreSQL is configured
(`SPASER_PG_DATABASE`, docs/bi.md), each run also builds the same dbt project there and loads the
latest release of every organisation x semester into its `publication` schema, from the release
files themselves: BI reads exactly what was published, never a model being rebuilt.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from ..publication.publish import latest_release_folders, release_register
from ..publication.serving import TABLE_COMMENTS, column_comments, served_tables
from ..publication.verify import ReleaseIntegrityError, served_releases
from .replicate import copy_relation

PUBLICATION_SCHEMA = "publication"


@dataclass(frozen=True)
class PgSettings:
    host: str
    port: int
    user: str
    password: str
    database: str
    bi_role: str
    bi_password: str | None

    def dsn(self, database: str | None = None, user: str | None = None, password: str | None = None) -> str:
        parts = {
            "host": self.host,
            "port": str(self.port),
            "dbname": database or self.database,
            "user": user or self.user,
            "password": password if password is not None else self.password,
        }
        return " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v != "")

    @property
    def bi_dsn(self) -> str:
        return self.dsn(user=self.bi_role, password=self.bi_password or "")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_settings(environ: dict[str, str] | None = None) -> PgSettings | None:
    """PostgreSQL serving settings, or None when it is not configured (the default)."""
    env = os.environ if environ is None else environ
    database = env.get("SPASER_PG_DATABASE", "").strip()
    if not database:
        return None
    return PgSettings(
        host=env.get("SPASER_PG_HOST", "127.0.0.1"),
        port=int(env.get("SPASER_PG_PORT", "5432")),
        user=env.get("SPASER_PG_USER", "postgres"),
        password=env.get("SPASER_PG_PASSWORD", ""),
        database=database,
        bi_role=env.get("SPASER_PG_BI_ROLE", "spaser_bi"),
        bi_password=env.get("SPASER_PG_BI_PASSWORD") or None,
    )


def load_publication(publications_root: Path, settings: PgSettings) -> dict[str, int]:
    """Replace the `publication` schema's tables with the latest releases, in one transaction
    (a BI reader sees the previous state until it commits), and grant the BI role on them.

    A release whose files no longer match its manifest is left out of the tables (the register
    `releases` still lists it, as in DuckDB), and ReleaseIntegrityError is raised once the rest
    is committed: the BI load fails loudly rather than serve it or stop serving the others."""
    latest = latest_release_folders(publications_root)
    served, rejected = served_releases(publications_root)
    loaded: dict[str, int] = {}
    con = duckdb.connect()
    pg = psycopg2.connect(settings.dsn())
    try:
        with pg, pg.cursor() as cur, tempfile.TemporaryDirectory(prefix="spaser_pg_") as tmp:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(PUBLICATION_SCHEMA)))
            for name, relation in served_tables(served, publications_root).items():
                table = sql.Identifier(PUBLICATION_SCHEMA, name)
                if relation is None:
                    cur.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(table))
                    continue
                loaded[name] = copy_relation(con, cur, relation, PUBLICATION_SCHEMA, name, Path(tmp))
                # the same descriptions as in DuckDB, for BI tools that show them
                cur.execute(sql.SQL("COMMENT ON TABLE {} IS %s").format(table), (TABLE_COMMENTS[name],))
                columns = [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]
                for column, text in column_comments(name, columns).items():
                    cur.execute(sql.SQL("COMMENT ON COLUMN {}.{} IS %s").format(table, sql.Identifier(column)), (text,))
            register = release_register(latest)
            con.execute(
                "CREATE TABLE releases (org_id VARCHAR, semester VARCHAR, version INTEGER, "
                "path VARCHAR, published_at VARCHAR)"
            )
            if register:
                con.executemany("INSERT INTO releases VALUES (?, ?, ?, ?, ?)", register)
            loaded["releases"] = copy_relation(
                con, cur, "SELECT * FROM releases", PUBLICATION_SCHEMA, "releases", Path(tmp)
            )
            grant_bi_role(cur, settings)
    finally:
        pg.close()
        con.close()
    if rejected:
        raise ReleaseIntegrityError(rejected, publications_root)
    return loaded


def grant_bi_role(cur, settings: PgSettings) -> None:
    """The BI role: log in, read the publication schema, nothing else (no other schema is
    granted to it, and its sessions are read-only by default)."""
    role = sql.Identifier(settings.bi_role)
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.bi_role,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
    cur.execute(sql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(role))
    if settings.bi_password:
        cur.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(role), (settings.bi_password,))
    cur.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
    schema = sql.Identifier(PUBLICATION_SCHEMA)
    cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(settings.database), role))
    cur.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC, {}").format(schema, role))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role))
    # the public schema holds nothing of ours: no reason for the BI role to create there
    cur.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def bi_visible_tables(settings: PgSettings) -> list[str]:
    """Schema-qualified tables the BI role can select, as the role itself sees them."""
    pg = psycopg2.connect(settings.bi_dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(
                """SELECT table_schema || '.' || table_name FROM information_schema.tables
                   WHERE has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'SELECT')
                     AND table_schema NOT IN ('pg_catalog', 'information_schema')
                   ORDER BY 1"""
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        pg.close()


def create_database(settings: PgSettings) -> bool:
    """Create the configured database when it does not exist; True when created."""
    pg = psycopg2.connect(settings.dsn(database="postgres"))
    pg.autocommit = True
    try:
        with pg.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.database,))
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.database)))
            return True
    finally:
        pg.close()


def drop_database(settings: PgSettings, roles: Iterable[str] = ()) -> None:
    """Tests' clean-up: the database, then roles that own nothing any more."""
    pg = psycopg2.connect(settings.dsn(database="postgres"))
    pg.autocommit = True
    try:
        with pg.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(settings.database)))
            for role in roles:
                cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    finally:
        pg.close()
