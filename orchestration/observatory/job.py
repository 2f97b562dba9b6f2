"""The Dagster job `observatoire`: SIRENE ingest, the observatory's own dbt invocation
(`tag:observatoire`), publication tables and the national page.

An op job, not assets: the semester pipeline (orchestration/jobs.py) selects every asset of the
code location, and the observatory must never run in a semester build. Each step records what
it wrote as asset materializations (raw/sirene_*, publication/mart_observatoire_*), so the UI
shows the lineage. (No `from __future__ import annotations`: Dagster inspects the annotations.)
"""

import shutil
import time

from dagster import (
    AssetKey,
    AssetMaterialization,
    In,
    MetadataValue,
    Nothing,
    OpExecutionContext,
    in_process_executor,
    job,
    op,
)
from dagster_dbt import DbtCliResource

from ..dbt_manifest import spaser_dbt_project
from ..dbt_targets import prune_targets
from ..resources import SpaserResource
from . import build, page

JOB_NAME = "observatoire"


@op(description="Load the SIRENE extract of landing/sirene/ (rows read = loaded + quarantined).")
def observatoire_sirene(context: OpExecutionContext, spaser: SpaserResource) -> None:
    paths = spaser.paths()
    con = spaser.connect()
    try:
        contracts = build.require_contracts(con)
        results = build.ingest_sirene(con, paths)
    finally:
        con.close()
    context.log.info(f"observatoire: {contracts} contracts in marts.fct_marches")
    for table, files in results.items():
        for r in files:
            context.log.info(
                f"{r.file}: {r.status}, read {r.rows_read} = loaded {r.rows_loaded} + quarantined {r.rows_quarantined}"
            )
        mine = [r for r in files if r.status not in ("unchanged", "withdrawn")]
        context.log_event(
            AssetMaterialization(
                asset_key=AssetKey(["raw", table]),
                metadata={"rows_read": sum(r.rows_read for r in mine), "files": len(mine)},
            )
        )


@op(
    ins={"start": In(Nothing)},
    description="dbt build --select tag:observatoire (its seed, models and data tests).",
)
def observatoire_dbt(context: OpExecutionContext, dbt: DbtCliResource, spaser: SpaserResource) -> None:
    paths = spaser.paths()
    parameters = build.read_parameters(paths)
    started = time.monotonic()
    prune_targets()
    invocation = dbt.cli(
        build.dbt_build_args(paths, parameters), manifest=spaser_dbt_project.manifest_path, raise_on_error=False
    )
    invocation.wait()
    if not invocation.is_successful():
        raise build.ObservatoryError(f"dbt build de l'observatoire en échec : {invocation.get_error()}")
    context.log.info(f"observatoire: dbt build in {time.monotonic() - started:.1f} s")


@op(
    ins={"start": In(Nothing)},
    description="The tables' files and their Data Package (validated with frictionless), the publication tables "
    "(publication.mart_observatoire_*) and the national page.",
)
def observatoire_publication(context: OpExecutionContext, spaser: SpaserResource) -> None:
    paths = spaser.paths()
    parameters = build.read_parameters(paths)
    folder = build.output_folder(paths)
    con = spaser.connect()
    try:
        started = time.monotonic()
        # the files and their Data Package first: an invalid one publishes nothing (a gate)
        staging = build.stage_files(con, folder, parameters)
        context.log.info(f"observatoire: Data Package written and validated in {time.monotonic() - started:.1f} s")
        try:
            counts = build.publish_tables(con, parameters)
            build.install_files(folder, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        pages = page.write_pages(con, folder, parameters.min_marches)
    finally:
        con.close()
    for name, rows in counts.items():
        context.log_event(AssetMaterialization(asset_key=AssetKey(["publication", name]), metadata={"rows": rows}))
    context.log_event(
        AssetMaterialization(
            asset_key=AssetKey(["observatoire", "page"]),
            metadata={"index": MetadataValue.path(str(folder / "index.html")), "pages": len(pages)},
        )
    )
    context.log.info(f"observatoire: {len(pages)} pages in {folder}")


@job(
    name=JOB_NAME,
    executor_def=in_process_executor,
    description="The national observatory: SIRENE extract, dbt models tagged observatoire, publication tables "
    "and the national page (spaser observatoire). Reads the DECP chain of the last semester build.",
    tags={"spaser/writes_warehouse": "duckdb"},
)
def observatoire():
    observatoire_publication(start=observatoire_dbt(start=observatoire_sirene()))
