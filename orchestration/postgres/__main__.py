"""`python -m orchestration.postgres`: copy the warehouse's raw layer into PostgreSQL.

The DuckDB file is the warehouse of SPASER_HOME (settings.get_paths); the database comes from
SPASER_PG_HOST, SPASER_PG_PORT, SPASER_PG_USER, SPASER_PG_PASSWORD, SPASER_PG_DATABASE, the
variables dbt's `postgres` target reads. Then: `dbt build --target postgres` (docs/bi.md).
"""

from __future__ import annotations

from ..settings import get_paths
from .replicate import replicate_to_postgres
from .serving import pg_settings


def main() -> None:
    settings = pg_settings()
    if settings is None:
        raise SystemExit("PostgreSQL is not configured: set SPASER_PG_DATABASE (docs/bi.md)")
    for table, rows in replicate_to_postgres(get_paths().warehouse, settings.dsn()).items():
        print(f"{table}: {rows} rows")


if __name__ == "__main__":
    main()
