"""The Dagster resource through which assets, checks and sensors reach the run's folders, its
DuckDB warehouse and the organisation's configuration.

Asset code never reads or writes the environment: it asks this resource. Subprocesses get what
they need as arguments (dbt: `--vars` from `settings.dbt_locations`; GX: its runtime
environment), so two runs in one process (the tests, `dagster dev`) cannot leak folders into
each other.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from .settings import Paths, duckdb_memory_limit, get_paths


class SpaserResource(ConfigurableResource):
    """`home`: the warehouse's home (landing/, warehouse/, publications/, config/, gx/). Empty:
    SPASER_HOME, else `.spaser/` in the repository; each folder can be moved by its
    SPASER_*_DIR (orchestration/settings.py). The CLI sets it in every run's configuration, so
    the Dagster UI shows where a run read and wrote."""

    home: str | None = None
    # what DuckDB may hold in memory before it spills, for the ingest's, the gates' and the
    # publication's connections; empty: settings.duckdb_memory_limit(), dbt's cap too
    duckdb_memory_limit: str | None = None

    def paths(self) -> Paths:
        return Paths(home=Path(self.home).resolve()) if self.home else get_paths()

    def valid_paths(self) -> Paths:
        """The paths, once the organisation's configuration is checked: an invalid configuration
        would be published silently wrong (no target, no threshold)."""
        from . import configuration

        paths = self.paths()
        configuration.require_valid(paths)
        return paths

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to the warehouse file (created with its folder when missing)."""
        warehouse = self.paths().warehouse
        if not read_only:
            warehouse.parent.mkdir(parents=True, exist_ok=True)
        limit = duckdb_memory_limit(self.duckdb_memory_limit)
        return duckdb.connect(str(warehouse), read_only=read_only, config={"memory_limit": limit})


spaser_resource = SpaserResource()


def run_paths(run) -> Paths:
    """The paths of a run's `spaser` resource, for a resource set up before any step asks it
    (dbt's parse ahead): its configuration in the run's config (the CLI sets its home there),
    else the default resource's."""
    config = ((run.run_config or {}).get("resources") or {}).get("spaser", {}).get("config") or {}
    return SpaserResource(**config).paths()
