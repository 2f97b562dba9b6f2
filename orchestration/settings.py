"""Where the pipeline reads and writes: one place, driven by environment variables.

Everything derives from SPASER_HOME (default: `.spaser/` in the repository, git-ignored), so a
test can point a whole run at `tmp_path` and a deployment at a persistent volume.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
GX_PROJECT_DIR = REPO_ROOT / "expectations"
SEEDS_DIR = REPO_ROOT / "seeds"
# What one DuckDB database may hold in memory before it spills to disk (DuckDB's own default is
# 80 % of the machine): the pipeline's connections (ingest, gates, publication) and dbt's profile.
# Overridden by SPASER_DUCKDB_MEMORY_LIMIT; docs/performance.md says what it costs at national scale.
DUCKDB_MEMORY_LIMIT = "1GB"


def duckdb_memory_limit(override: str | None = None) -> str:
    """The cap of a connection: `override` (a resource's own), else the environment's, else the
    default."""
    return override or os.environ.get("SPASER_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def landing(self) -> Path:
        return Path(os.environ.get("SPASER_LANDING_DIR", self.home / "landing"))

    @property
    def warehouse(self) -> Path:
        # dbt-duckdb names the catalog after the file stem: the file is always warehouse.duckdb.
        return Path(os.environ.get("SPASER_WAREHOUSE_DIR", self.home / "warehouse")) / "warehouse.duckdb"

    @property
    def publications(self) -> Path:
        return Path(os.environ.get("SPASER_PUBLICATIONS_DIR", self.home / "publications"))

    @property
    def config(self) -> Path:
        # the organisation's configuration (orchestration/configuration): the user's, never the code's
        return Path(os.environ.get("SPASER_CONFIG_DIR", self.home / "config"))

    @property
    def dbt_docs(self) -> Path:
        # static dbt documentation of the last build of each semester, copied into its release
        return self.home / "dbt_docs"

    @property
    def gx_results(self) -> Path:
        # GX's stores and Data Docs (gates.runner hands the folder to GX as its runtime environment)
        return Path(os.environ.get("SPASER_GX_DIR", self.home / "gx"))


def get_paths() -> Paths:
    return Paths(home=Path(os.environ.get("SPASER_HOME", REPO_ROOT / ".spaser")).resolve())


def dbt_locations(paths: Paths) -> dict[str, str]:
    """The dbt vars that point dbt at this home's warehouse file and configuration
    (profiles.yml and dbt_project.yml read them), given on every dbt command of a run. Writes
    the configuration's snapshot where dbt reads it as seeds (configuration.dbt_seed_path)."""
    from .configuration import dbt_seed_path

    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return {
        "spaser_warehouse_path": str(paths.warehouse),
        "spaser_config_seeds": dbt_seed_path(paths),
    }
