"""The dbt project: one cached `DbtProject`, built on the manifest that dbt_parse prepares."""

from __future__ import annotations

from dagster_dbt import DbtProject

from .dbt_parse import TARGET_PATH, prepare_manifest
from .settings import DBT_PROJECT_DIR

spaser_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=TARGET_PATH.relative_to(DBT_PROJECT_DIR),
    # The pipeline's engine is always DuckDB (gates and releases read it); the postgres target
    # is built after publication for BI tools (orchestration/postgres).
    target="duckdb",
)


# `dagster dev` re-parses on load, like DbtProject.prepare_if_dev, but with the venv's dbt (the
# venv need not be on PATH); elsewhere nothing runs at import.
if spaser_dbt_project.preparer.using_dagster_dev():
    prepare_manifest()
