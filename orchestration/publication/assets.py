"""The semester release asset: runs only after every blocking gate of the run passed.

(No `from __future__ import annotations`: Dagster inspects the `context` annotation.)
"""

import json
import shutil
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, MaterializeResult, MetadataValue, asset

from ..dbt import dbt_asset_key, docs_path
from ..gates.index import write_index
from ..gates.runner import build_data_docs_index
from ..partitions import semester_partitions
from ..resources import SpaserResource
from .publish import clean_staging, publish_semester
from .report import render_report
from .serving import refresh_publication_tables
from .verify import ReleaseIntegrityError

# The register the release asset rewrites, read back by dbt for GOV-2/GOV-3. Declared on its own
# (not as the release asset's output: the release depends on those indicators, a cycle).
release_register_spec = AssetSpec(
    key=AssetKey(["publication", "releases"]),
    group_name="publication",
    kinds={"duckdb"},
    description="publication.releases: latest version of every organisation x semester release, "
    "rewritten by publication/spaser_release.",
)


class PublicationConfig(Config):
    # Required to publish a correction (a new version of a published semester).
    reason: str | None = None
    # Publish only these organisations (`spaser run --org`); default: every organisation.
    orgs: list[str] | None = None


def missing_feeds(con, semester: str) -> dict[str, list[str]]:
    """Required feeds without rows for the semester, per organisation (gx_feed_coverage's data)."""
    from ..gates.datasets import feed_coverage_sql

    missing: dict[str, list[str]] = {}
    for org, _semester, feed, rows in con.execute(feed_coverage_sql(semester)).fetchall():
        if not rows:
            missing.setdefault(org, []).append(feed)
    return missing


class NothingPublished(Exception):
    pass


@asset(
    key=AssetKey(["publication", "spaser_release"]),
    partitions_def=semester_partitions,
    group_name="publication",
    kinds={"parquet", "csv", "duckdb"},
    deps=[
        dbt_asset_key("mart_spaser_indicateurs"),
        dbt_asset_key("fct_marches"),
        dbt_asset_key("fct_marches_exclusions"),
        dbt_asset_key("dim_acheteurs"),
        dbt_asset_key("dim_titulaires"),
    ],
    op_tags={"spaser/writes_warehouse": "duckdb"},
    description="Immutable release publications/<org>/<semester>/v<N>/ (Parquet, CSV, the semester "
    "report in HTML and PDF, dbt docs, manifest.json) and the publication schema tables that BI tools read.",
)
def spaser_release(
    context: AssetExecutionContext, spaser: SpaserResource, config: PublicationConfig
) -> MaterializeResult:
    paths = spaser.paths()
    semester = context.partition_key
    gates_dir = paths.gx_results / "runs" / context.run.run_id
    gates = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gates_dir.glob("*.json"))]
    for gate in gates:
        if gate.get("passed"):  # keep what warned, without the sample rows
            failures = gate.pop("failures", None) or []
            gate["warnings"] = [
                {k: f.get(k) for k in ("expectation", "column", "unexpected_count", "why")}
                for f in failures
                if not f.get("accepted")
            ]
            # a blocking rule published through an accepted exception: who, when, why, which rows
            gate["exceptions_acceptees"] = [f["accepted"] for f in failures if f.get("accepted")]
    dbt_docs = docs_path(paths, semester)

    def render(folder: Path, manifest: dict) -> list[Path]:
        """Files added to the release before its manifest is sealed: dbt docs and the report."""
        files = []
        if dbt_docs.exists():
            files.append(Path(shutil.copyfile(dbt_docs, folder / "dbt_docs.html")))
        else:
            context.log.warning(f"no dbt docs at {dbt_docs}: the release has no dbt_docs.html")
        manifest["dbt_docs"] = files[0].name if files else None
        return files + render_report(con, folder, manifest, config_dir=paths.config)

    for leftover in clean_staging(paths.publications):
        context.log.warning(f"half-written version of a killed publication removed: {leftover}")
    con = spaser.connect()
    try:
        orgs = [r[0] for r in con.execute("SELECT org_id FROM reference.organisations ORDER BY org_id").fetchall()]
        if config.orgs:
            unknown = sorted(set(config.orgs) - set(orgs))
            if unknown:
                raise NothingPublished(
                    f"organisation(s) inconnue(s) : {', '.join(unknown)} (connues : {', '.join(orgs)})"
                )
            orgs = [o for o in orgs if o in config.orgs]
        # one organisation's missing feed never blocks another's publication
        missing = missing_feeds(con, semester)
        for org in orgs:
            if org in missing:
                context.log.error(
                    f"{org} {semester}: NOT published, required feed(s) without rows: {', '.join(missing[org])}"
                )
        releases = [
            publish_semester(
                con,
                paths.publications,
                org,
                semester,
                reason=config.reason,
                gates=gates,
                run_id=context.run.run_id,
                render=render,
                config_dir=paths.config,
            )
            for org in orgs
            if org not in missing
        ]
        tables, rejected = refresh_publication_tables(con, paths.publications)
    finally:
        con.close()
    write_index(paths.gx_results, paths.publications)  # the gate runs index names the release
    try:  # the GX Data Docs index, once per run (gates build only their own pages)
        build_data_docs_index(paths.gx_results)
    except Exception as exc:  # noqa: BLE001 - an index page never blocks a release
        context.log.warning(f"GX Data Docs index not rebuilt: {exc}")
    lines = []
    for r in releases:
        state = "new version" if r.created else "unchanged, latest version kept"
        context.log.info(f"{r.org_id} {semester}: v{r.version} ({state}) at {r.path}")
        lines.append(f"- {r.org_id}: v{r.version} ({state}) `{r.path}`")
    if rejected:  # served without them; the run fails so that someone restores the files
        raise ReleaseIntegrityError(rejected, paths.publications)
    blocked = {org: missing[org] for org in orgs if org in missing}
    if blocked:  # the others are published; the run says which were not, and why
        raise NothingPublished(
            "; ".join(
                f"{org} {semester} non publié : flux obligatoire(s) sans ligne pour le semestre : {', '.join(feeds)}"
                for org, feeds in blocked.items()
            )
        )
    return MaterializeResult(
        metadata={
            "releases": MetadataValue.md("\n".join(lines)),
            "new_versions": sum(r.created for r in releases),
            "publication_tables": ", ".join(tables),
            "paths": MetadataValue.json({r.org_id: str(r.path) for r in releases}),
        }
    )
