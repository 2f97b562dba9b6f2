"""`python -m orchestration.postgres`: copy the warehouse's raw layer into PostgreSQL.

The DuckDB file is the warehouse of SPASER_HOME (settings.get_paths); the database comes from
SPASER_PG_HOST, SPASER_PG_PORT, SPASER_PG_USER, SPASER_PG_PASSWORD, SPASER_PG_DATABASE, the
variables dbt's `postgres` target reads. Then: `dbt build --target postgres` (docs/bi.md).
"""

from __future__ import annotations

import os

from ..settings import get_paths
from .replicate import replicate_to_postgres


def pg_dsn(env=os.environ) -> str:
    params = {
        "host": env.get("SPASER_PG_HOST", "127.0.0.1"),
        "port": env.get("SPASER_PG_PORT", "5432"),
        "user": env.get("SPASER_PG_USER", "postgres"),
        "password": env.get("SPASER_PG_PASSWORD", ""),
        "dbname": env.get("SPASER_PG_DATABASE", "spaser"),
    }
    return " ".join(f"{k}='{v}'" for k, v in params.items())


def main() -> None:
    warehouse = get_paths().warehouse
    for table, rows in replicate_to_postgres(warehouse, pg_dsn()).items():
        print(f"{table}: {rows} rows")


if __name__ == "__main__":
    main()
