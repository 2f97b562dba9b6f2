"""dbt models as Dagster assets, partitioned by semester. (No `from __future__ import
annotations` here: Dagster inspects the `context` annotation at definition time.)

The dbt project is loaded once (module-level `DbtProject`); its manifest is re-parsed when a
model, seed or macro is newer than it, so a fresh clone and an edited checkout both work
without a manual `dbt parse`.
"""


import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from .partitions import parse_semester, semester_partitions
from .settings import DBT_PROJECT_DIR, REPO_ROOT, export_env, get_paths



def dbt_vars(partition_key: str) -> dict[str, str]:
    """dbt vars for a semester partition: the marts are computed up to that semester."""
    parse_semester(partition_key)  # fail early on a malformed key
    return {"semester": partition_key}


# dbt unit tests check the SQL logic on fixed fixtures, never the data: they belong to CI
# (tests/test_pipeline.py runs them on the test warehouse), not to every semester run, where the
# 29 of them cost ~35 s of dbt node time (about a quarter of the dbt stage on the demo).
UNIT_TESTS = "resource_type:unit_test"


def dbt_build_args(partition_key: str, select: str | None = None) -> list[str]:
    args = ["build", "--vars", json.dumps(dbt_vars(partition_key), sort_keys=True), "--exclude", UNIT_TESTS]
    if select:
        args += ["--select", select]
    return args


def _prepare_warehouse(warehouse: Path) -> None:
    """Tables dbt reads that no ingest asset writes: the register of past releases."""
    import duckdb

    from .publication.publish import ensure_release_register

    con = duckdb.connect(str(warehouse))
    try:
        ensure_release_register(con)
    finally:
        con.close()


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    watched = [REPO_ROOT / "models", REPO_ROOT / "seeds", DBT_PROJECT_DIR / "macros"]
    files = [p for d in watched for p in d.rglob("*") if p.is_file()]
    files += [DBT_PROJECT_DIR / "dbt_project.yml"]
    return any(p.stat().st_mtime > built for p in files)


def _parse(project: DbtProject) -> None:
    env = os.environ | export_env(get_paths())
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--project-dir", str(project.project_dir),
         "--profiles-dir", str(project.profiles_dir), "--target-path", str(project.target_path)],
        check=True, env=env, cwd=project.project_dir,
    )


spaser_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    # The pipeline's engine is always DuckDB (gates and releases read it); the postgres target
    # is built after publication for BI tools (orchestration/postgres).
    target="duckdb",
)
if _manifest_is_stale(spaser_dbt_project):
    _parse(spaser_dbt_project)


class SpaserDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders; sources point at the ingest assets."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        # every source in the raw schema is loaded by the ingest asset raw/<table>
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props.get("schema") in ("raw", "meta"):
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate", "marts"):
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


translator = SpaserDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=spaser_dbt_project.manifest_path,
    project=spaser_dbt_project,
    partitions_def=semester_partitions,
    dagster_dbt_translator=translator,
    op_tags={"spaser/writes_warehouse": "duckdb"},
)
def spaser_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    paths = get_paths()
    os.environ.update(export_env(paths))
    _prepare_warehouse(paths.warehouse)
    build = dbt.cli(dbt_build_args(context.partition_key), context=context)
    yield from build.stream()
    # Still in this step, before any other DuckDB connection is open (docs generate connects
    # to the warehouse for the catalog): the static docs published with the release. In the
    # build's target folder with --no-compile: the build's manifest is reused, only the catalog
    # is queried (compiling every node again cost ~5 s a run).
    generate_docs(dbt, context.partition_key, docs_path(paths, context.partition_key), log=context.log,
                  build_target=build.target_path)


def docs_path(paths, semester: str) -> Path:
    """Static dbt documentation (one self-contained page) of the last build of `semester`."""
    return paths.dbt_docs / semester / "dbt_docs.html"


def dbt_docs_args(partition_key: str, compile: bool = True) -> list[str]:
    return ["docs", "generate", "--static", *([] if compile else ["--no-compile"]),
            "--vars", json.dumps(dbt_vars(partition_key), sort_keys=True)]


def generate_docs(dbt: DbtCliResource, partition_key: str, target: Path, log=None,
                  build_target: Path | None = None) -> Path | None:
    """`dbt docs generate --static` copied to `target`; None (logged) when it fails: the docs
    accompany a release, they never block it. With `build_target` (the target folder of the
    build just made), the build's manifest is reused (--no-compile)."""
    log = log or logging.getLogger(__name__)
    target.unlink(missing_ok=True)  # never publish the docs of an earlier build
    started = time.monotonic()
    try:
        reuse = build_target is not None and (build_target / "manifest.json").exists()
        invocation = dbt.cli(dbt_docs_args(partition_key, compile=not reuse), raise_on_error=False,
                             manifest=spaser_dbt_project.manifest_path,
                             target_path=build_target if reuse else None)
        invocation.wait()
        static = invocation.target_path / "static_index.html"
        if not invocation.is_successful() or not static.exists():
            log.warning(f"dbt docs generate failed: no dbt_docs.html in this release ({invocation.get_error()})")
            return None
    except Exception as exc:  # noqa: BLE001
        log.warning(f"dbt docs generate failed: no dbt_docs.html in this release ({exc})")
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(static, target)
    log.info(f"dbt docs generated in {time.monotonic() - started:.1f} s: {target}")
    return target


# The venv's dbt, whether or not the venv is activated.
dbt_resource = DbtCliResource(
    project_dir=spaser_dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt"))
)


def dbt_asset_key(model_name: str) -> AssetKey:
    """Asset key of a dbt model, looked up in the loaded assets rather than rebuilt."""
    for key in spaser_dbt_models.keys:
        if key.path[-1] == model_name:
            return key
    raise KeyError(f"no dbt model named {model_name}")
