"""The PostgreSQL serving asset, in the code location only when PostgreSQL is configured.

(No `from __future__ import annotations`: Dagster inspects the `context` annotation.)
"""

import json
import time
from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from ..dbt import OBSERVATORY_TAG, SpaserDbtCliResource, dbt_vars, spaser_dbt_project
from ..dbt_parse import DBT_EXECUTABLE
from ..partitions import semester_partitions
from ..resources import SpaserResource
from ..semesters import dbt_env
from ..settings import DBT_PROJECT_DIR, dbt_locations
from .replicate import replicate_to_postgres
from .serving import create_database, load_publication, pg_settings

POSTGRES_TARGET = "postgres"

# Its own resource: DbtCliResource appends its target after the arguments, so `--target` in the
# arguments would not win.
dbt_postgres = SpaserDbtCliResource(
    project_dir=str(DBT_PROJECT_DIR),
    profiles_dir=str(DBT_PROJECT_DIR),
    target=POSTGRES_TARGET,
    dbt_executable=DBT_EXECUTABLE,
)


def postgres_build_args(locations: Mapping[str, str] | None = None) -> list[str]:
    """`dbt build` of the semester (the target comes from the resource): same models, same tests.
    Always a full refresh: the raw layer is replaced by each replication, and the PostgreSQL copy
    keeps no record of the project its incremental models were built with."""
    return [
        "build",
        "--vars",
        json.dumps(dbt_vars(locations), sort_keys=True),
        "--full-refresh",
        # what the semester build builds: the observatory is DuckDB's, with its own invocation
        "--exclude",
        OBSERVATORY_TAG,
    ]


def summarise_results(results: list[dict]) -> tuple[dict[str, int], dict[str, int]]:
    """(nodes per status, nodes per kind: model, seed, test, unit_test) of a dbt run_results."""
    statuses: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        kind = r["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return statuses, kinds


@asset(
    key=AssetKey(["postgres", "bi_publication"]),
    partitions_def=semester_partitions,
    group_name="publication",
    kinds={"postgres", "dbt"},
    deps=[AssetKey(["publication", "spaser_release"])],
    description="PostgreSQL for BI tools: raw tables replicated from DuckDB, the dbt project built "
    "and tested on the postgres target, the latest releases loaded into the publication schema, "
    "readable by the read-only BI role.",
)
def postgres_bi_publication(context: AssetExecutionContext, spaser: SpaserResource) -> MaterializeResult:
    settings = pg_settings()
    if settings is None:
        raise RuntimeError("PostgreSQL is not configured: set SPASER_PG_DATABASE (docs/bi.md)")
    paths = spaser.paths()
    created = create_database(settings)
    started = time.monotonic()
    replicated = replicate_to_postgres(paths.warehouse, settings.dsn())
    context.log.info(f"replicated {len(replicated)} raw tables, {sum(replicated.values())} rows")
    replicate_s = time.monotonic() - started

    started = time.monotonic()
    invocation = dbt_postgres.cli(
        postgres_build_args(dbt_locations(paths)),
        raise_on_error=False,
        manifest=spaser_dbt_project.manifest_path,
        env=dbt_env(context.partition_key),
    )
    invocation.wait()
    results = invocation.get_artifact("run_results.json")["results"]
    statuses, kinds = summarise_results(results)
    if not invocation.is_successful():
        failed = [
            f"{r['unique_id']}: {r['status']} {(r.get('message') or '')[:300]}"
            for r in results
            if r["status"] in ("error", "fail")
        ]
        raise RuntimeError("dbt build on PostgreSQL failed:\n" + "\n".join(failed or [str(invocation.get_error())]))
    build_s = time.monotonic() - started

    loaded = load_publication(paths.publications, settings)
    return MaterializeResult(
        metadata={
            "database": f"{settings.host}:{settings.port}/{settings.database}",
            "database_created": created,
            "bi_role": settings.bi_role,
            "replicated_rows": sum(replicated.values()),
            "replicated_tables": MetadataValue.json(replicated),
            "dbt_results": MetadataValue.json(statuses),
            "dbt_nodes": MetadataValue.json(kinds),
            "publication_rows": MetadataValue.json(loaded),
            "replicate_seconds": round(replicate_s, 1),
            "dbt_build_seconds": round(build_s, 1),
        }
    )


def postgres_assets() -> list[AssetsDefinition]:
    """The serving asset when PostgreSQL is configured, else nothing (DuckDB only)."""
    return [postgres_bi_publication] if pg_settings() is not None else []
