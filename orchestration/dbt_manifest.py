"""The dbt project (one cached `DbtProject`) and its manifest.

The manifest is prepared explicitly, never as a side effect of importing the code location:
`prepare_manifest()` (the CLI before it loads the definitions, the tests before collection, a
deployment with `spaser prepare`) parses the project when a model, seed, macro or
dbt_project.yml is newer than the manifest; under `dagster dev` the module does it on load. The parse needs no configuration: without one, dbt reads
the blank configuration (dbt_project/config_blank/).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from .settings import DBT_PROJECT_DIR, REPO_ROOT

# The venv's dbt, whether or not the venv is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

spaser_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    # The pipeline's engine is always DuckDB (gates and releases read it); the postgres target
    # is built after publication for BI tools (orchestration/postgres).
    target="duckdb",
)


def project_files(suffixes: tuple[str, ...] = (".sql", ".yml", ".csv")) -> list[Path]:
    """The dbt project's own files: models, seeds, macros, singular tests, the blank configuration
    and dbt_project.yml (a new singular test is a node the manifest must know)."""
    watched = [
        REPO_ROOT / "models",
        REPO_ROOT / "seeds",
        DBT_PROJECT_DIR / "macros",
        DBT_PROJECT_DIR / "tests",
        DBT_PROJECT_DIR / "config_blank",
    ]
    files = [p for d in watched for p in d.rglob("*") if p.is_file() and (not suffixes or p.suffix in suffixes)]
    return sorted(files + [DBT_PROJECT_DIR / "dbt_project.yml"])


def manifest_is_stale(project: DbtProject = spaser_dbt_project) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in project_files(suffixes=()))


def prepare_manifest(project: DbtProject = spaser_dbt_project) -> bool:
    """`dbt parse` when the project changed since the manifest was written; True if it ran."""
    if not manifest_is_stale(project):
        return False
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
            "--target-path",
            str(project.target_path),
        ],
        check=True,
        cwd=project.project_dir,
    )
    return True


# `dagster dev` re-parses on load, like DbtProject.prepare_if_dev, but with the venv's dbt (the
# venv need not be on PATH); elsewhere nothing runs at import.
if spaser_dbt_project.preparer.using_dagster_dev():
    prepare_manifest()
