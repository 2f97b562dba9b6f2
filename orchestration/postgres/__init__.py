"""PostgreSQL target: the raw layer copied from the DuckDB warehouse so that dbt builds there too."""

from .replicate import pg_type, replicate_to_postgres

__all__ = ["pg_type", "replicate_to_postgres"]
