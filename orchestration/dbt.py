"""dbt models as Dagster assets, partitioned by semester. (No `from __future__ import
annotations` here: Dagster inspects the `context` annotation at definition time.)

The dbt project and its manifest are in dbt_manifest.py: the manifest must exist before this
module is imported (the CLI and the tests prepare it; `dagster dev` re-parses on load).
"""

import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from dagster import AssetCheckResult, AssetCheckSeverity, AssetExecutionContext, AssetKey, Config, Output
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.asset_utils import get_asset_check_key_for_test, get_manifest_and_translator_from_dbt_assets
from packaging import version
from pydantic import PrivateAttr

from . import configuration, dbt_selection, dbt_warm
from .dbt_manifest import spaser_dbt_project
from .dbt_parse import project_files, project_fingerprint
from .dbt_parse_state import (
    ParseAhead,
    keep_parse_state,
    needs_parse_ahead,
    parse_mode,
    project_key,
    reuse_parse_state,
)
from .dbt_targets import prune_targets, target_root
from .gates.runner import preload_gx, wait_for_gx
from .partitions import semester_partitions
from .resources import SpaserResource, run_paths
from .semesters import dbt_env
from .settings import DBT_PROJECT_DIR, REPO_ROOT, dbt_locations


def dbt_vars(locations: Mapping[str, str] | None = None) -> dict[str, str]:
    """dbt vars of a home: its warehouse and configuration (settings.dbt_locations). They are the
    same for every semester, so dbt's saved parse state stays valid from one semester to the next."""
    return dict(locations or {})


# dbt unit tests and the tests tagged `logic` (dbt_project/tests/_tests.yml) check SQL logic on
# fixed cases, never the data: they belong to CI (tests/test_pipeline.py runs them on the test
# warehouse) and to the PostgreSQL build, not to every semester run, where the 29 unit tests
# cost ~35 s of dbt node time (about a quarter of the dbt stage on the demo).
LOGIC_TESTS = "resource_type:unit_test tag:logic"
# Seeds left out of a build whose project and configuration are those of the last build, which
# succeeded over every model (LastBuild.complete): their tables hold exactly these files, checked
# then.
# "cautious" keeps the tests between a model and a seed (the relationships test to the
# catalogue) and drops those on the seeds alone; "eager" (the default) and, measured with
# dbt 1.11 under `--select fqn:*`, "buildable" drop every test that touches an excluded seed.
SEEDS = "resource_type:seed"


def dbt_build_args(
    select: str | None = None,
    full_refresh: bool = False,
    locations: Mapping[str, str] | None = None,
    seeds_loaded: bool = False,
    reused: Iterable[str] = (),
) -> list[str]:
    """`seeds_loaded`: the warehouse's seed tables already hold the project's seeds and
    configuration (same fingerprint as the last successful build), so they are not reloaded.
    `reused`: dbt selectors of the models and tests left out, unchanged since the last build
    (dbt_selection)."""
    args = ["build", "--vars", json.dumps(dbt_vars(locations), sort_keys=True)]
    exclude = [LOGIC_TESTS, SEEDS] if seeds_loaded else [LOGIC_TESTS]
    args += ["--exclude", " ".join([*exclude, *reused])]
    if seeds_loaded:
        args += ["--indirect-selection", "cautious"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    return args


# The incremental models (the DECP chain: int_marches__versions_ranked, int_marches__classified,
# fct_marches) keep what earlier builds derived. That is only right while the SQL, macros and
# seeds that derived it are unchanged: the files below are fingerprinted, the fingerprint of each
# build is recorded in the warehouse when it starts, and a build whose project differs from the
# last one attempted (even a failed one: it may have rebuilt tables) is a full refresh. So is the
# build after a full refresh that did not finish: failed, or over a selection of models only, it
# left models built from the earlier project.
def build_fingerprint(locations: Mapping[str, str]) -> str:
    """What a build's tables derive from: the project's files, the configuration snapshot dbt
    reads as seeds (not the home's folder, which may change while the build runs) and the
    versions of dbt-core and its adapter (an upgrade may build differently)."""
    from importlib.metadata import version as installed

    from dbt.version import __version__ as dbt_core

    snapshot = configuration.fingerprint(DBT_PROJECT_DIR / locations["spaser_config_seeds"])
    return project_fingerprint(
        project_files(), REPO_ROOT, extra=f"{snapshot}|dbt-core {dbt_core}|dbt-duckdb {installed('dbt-duckdb')}"
    )


def full_refresh_reason(
    last_fingerprint: str | None, fingerprint: str, forced: bool = False, unfinished: bool = False
) -> str | None:
    """Why the build must be a full refresh; None when it can be incremental. `unfinished`: the
    last build was a full refresh that failed or covered a selection of models only."""
    if forced:
        return "asked"
    if last_fingerprint is None:
        return "no build on record"
    if last_fingerprint != fingerprint:
        return "models, macros or seeds changed"
    if unfinished:
        return "the last full refresh did not finish"
    return None


BUILDS_TABLE = "meta.dbt_builds"


class LastBuild(NamedTuple):
    """The last dbt build attempted on a warehouse (meta.dbt_builds)."""

    fingerprint: str | None  # None: no build on record
    full_refresh: bool
    # it succeeded over every model: not failed, not a selection made in the UI (which may not
    # have loaded the seeds nor rebuilt the other models)
    complete: bool
    semester: str | None = None
    # source unique_id -> fingerprint of its table when the build started (dbt_selection);
    # None: not recorded (earlier versions)
    sources: dict[str, str] | None = None
    built_at: dt.datetime | None = None
    invocation_id: str | None = None
    # the last dbt invocation that wrote the warehouse, by hand too (macros/invocations.sql)
    last_writer: str | None = None

    @property
    def reusable(self) -> bool:
        """Its tables are still those it left: no other dbt invocation wrote the warehouse since."""
        return self.complete and self.invocation_id is not None and self.last_writer == self.invocation_id

    @property
    def unfinished_full_refresh(self) -> bool:
        return self.full_refresh and not self.complete


def _prepare_warehouse(warehouse: Path) -> LastBuild:
    """Tables dbt reads that no ingest asset writes (the register of past releases); returns
    the last build attempted."""
    import duckdb

    from .publication.publish import ensure_release_register

    con = duckdb.connect(str(warehouse))
    try:
        ensure_release_register(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        con.execute(f"""CREATE TABLE IF NOT EXISTS {BUILDS_TABLE} (
            built_at TIMESTAMP, semester VARCHAR, project_fingerprint VARCHAR,
            full_refresh BOOLEAN, dbt_invocation_id VARCHAR, seconds DOUBLE)""")
        # how dbt parsed the project (partial/full): why a build took longer
        con.execute(f"ALTER TABLE {BUILDS_TABLE} ADD COLUMN IF NOT EXISTS parse VARCHAR")
        # every attempt is recorded when it starts (earlier versions recorded successes only:
        # NULL): a failed build may have left tables built from another project
        con.execute(f"ALTER TABLE {BUILDS_TABLE} ADD COLUMN IF NOT EXISTS succeeded BOOLEAN")
        # a selection of models made in the UI (NULL: not recorded by earlier versions)
        con.execute(f"ALTER TABLE {BUILDS_TABLE} ADD COLUMN IF NOT EXISTS subset BOOLEAN")
        # what the build read (JSON, dbt_selection.source_fingerprints) and how many of its
        # models and tests it left out, unchanged (NULL: not recorded by earlier versions)
        con.execute(f"ALTER TABLE {BUILDS_TABLE} ADD COLUMN IF NOT EXISTS source_fingerprints VARCHAR")
        con.execute(f"ALTER TABLE {BUILDS_TABLE} ADD COLUMN IF NOT EXISTS reused_nodes INTEGER")
        row = con.execute(
            f"""SELECT project_fingerprint, coalesce(full_refresh, false),
                       coalesce(succeeded, true) AND NOT coalesce(subset, false),
                       semester, source_fingerprints, built_at, dbt_invocation_id
                FROM {BUILDS_TABLE} ORDER BY built_at DESC LIMIT 1"""
        ).fetchone()
        if not row:
            return LastBuild(None, False, False)
        recorded = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' AND table_name = 'dbt_invocations'"
        ).fetchone()[0]
        writer = (
            con.execute("SELECT invocation_id FROM meta.dbt_invocations ORDER BY number DESC LIMIT 1").fetchone()
            if recorded
            else None
        )
        sources = json.loads(row[4]) if row[4] else None
        return LastBuild(
            *row[:4],
            sources=sources,
            built_at=row[5],
            invocation_id=row[6],
            last_writer=writer[0] if writer else None,
        )
    finally:
        con.close()


def _start_build(
    warehouse: Path,
    semester: str,
    fingerprint: str,
    full_refresh: bool,
    subset: bool = False,
    sources: Mapping[str, str] | None = None,
    reused: int = 0,
) -> dt.datetime:
    """Record a build attempt before dbt starts (`subset`: of a selection of models; `sources`:
    the fingerprints of the tables it reads; `reused`: models and tests it leaves out); returns
    its key (built_at)."""
    import duckdb

    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            f"INSERT INTO {BUILDS_TABLE} BY NAME SELECT ? AS built_at, ? AS semester, ? AS project_fingerprint, "
            "? AS full_refresh, ? AS subset, false AS succeeded, ? AS source_fingerprints, ? AS reused_nodes",
            [
                started,
                semester,
                fingerprint,
                full_refresh,
                subset,
                json.dumps(dict(sources), sort_keys=True) if sources is not None else None,
                reused,
            ],
        )
    finally:
        con.close()
    return started


def _record_success(
    warehouse: Path, built_at: dt.datetime, invocation_id: str | None, seconds: float, parse: str | None
) -> None:
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            f"UPDATE {BUILDS_TABLE} SET succeeded = true, dbt_invocation_id = ?, seconds = ?, parse = ? "
            "WHERE built_at = ?",
            [invocation_id, round(seconds, 1), parse, built_at],
        )
    finally:
        con.close()


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


class DbtBuildConfig(Config):
    """`full_refresh`: rebuild the incremental models from scratch (`spaser run --full-refresh`)."""

    full_refresh: bool = False


def _invocation_id(target_path: Path) -> str | None:
    try:
        results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
        return results["metadata"]["invocation_id"]
    except (OSError, KeyError, ValueError):
        return None


# The observatory's models (national figures per buyer, tag `observatoire`) have their own
# asset and invocation: a semester build never pays for them.
OBSERVATORY_TAG = "tag:observatoire"


@dbt_assets(
    manifest=spaser_dbt_project.manifest_path,
    project=spaser_dbt_project,
    exclude=OBSERVATORY_TAG,
    partitions_def=semester_partitions,
    dagster_dbt_translator=translator,
    op_tags={"spaser/writes_warehouse": "duckdb"},
)
def spaser_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, spaser: SpaserResource, config: DbtBuildConfig
):
    paths = spaser.valid_paths()
    locations = dbt_locations(paths)
    last = _prepare_warehouse(paths.warehouse)
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    # the organisation's configuration is seeds too: a changed file rebuilds from scratch
    fingerprint = build_fingerprint(locations)
    reason = full_refresh_reason(
        last.fingerprint, fingerprint, forced=config.full_refresh, unfinished=last.unfinished_full_refresh
    )
    full_refresh = reason is not None
    # a failed build may have stopped while loading the seeds, a selection may not have loaded
    # them; a selection made in the UI keeps dagster-dbt's own indirect selection
    seeds_loaded = not full_refresh and last.complete and not context.is_subset
    sources, present = _warehouse_state(paths.warehouse, manifest)
    # the last build's manifest gives the compiled SQL of what this one leaves out (dbt docs)
    previous = kept_manifest(paths, last) if seeds_loaded else None
    changed = dbt_selection.changed_sources(last.sources, sources) if previous else None
    # under the same conditions, the models downstream of nothing that changed are left out
    selection = (
        None
        if changed is None
        else dbt_selection.select_changed(
            manifest,
            changed,
            semester_changed=last.semester != context.partition_key,
            present=present,
            excluded_tags=[OBSERVATORY_TAG.removeprefix("tag:"), "logic"],
        )
    )
    reused = selection.reused if selection else frozenset()
    context.log.info(
        f"dbt build: full refresh ({reason})"
        if full_refresh
        else "dbt build: incremental"
        + (", seeds already loaded" if seeds_loaded else "")
        + (f", {_reuse_summary(selection, last)}" if selection else "")
    )
    started = time.monotonic()
    built_at = _start_build(
        paths.warehouse,
        context.partition_key,
        fingerprint,
        full_refresh,
        context.is_subset,
        sources=sources,
        reused=len(reused),
    )
    target = build_target_path(context.run.run_id)
    removed = prune_targets()
    if removed:
        context.log.info(f"dbt: {len(removed)} old invocation folder(s) removed from {target.parent}")
    dbt.finish_parse_ahead(context.log)
    project = project_key()  # the files this build's parse reads
    reuse_parse_state(paths, target, project)
    build = dbt.cli(
        dbt_build_args(
            full_refresh=full_refresh,
            locations=locations,
            seeds_loaded=seeds_loaded,
            reused=dbt_selection.exclude_selectors(manifest, reused, selection.build if selection else ()),
        ),
        context=context,
        target_path=target,
        env=dbt_env(context.partition_key),
    )
    try:
        if seeds_loaded:
            # while dbt starts (it writes its events to a pipe read below): a multi-asset
            # yields its outputs upstream first, and nothing dbt rebuilds is upstream of these
            yield from _reused_events(context, manifest, reused, last, checks=selection is not None)
        # the gates after the build (marts) import GX while this process waits for dbt's (not
        # earlier: the import holds the interpreter ~2 s, the events above would wait for it)
        preload_gx()
        yield from build.stream()
    except BaseException:
        _stop(build.process)  # never leave dbt writing the warehouse behind a failed step
        raise
    finally:
        wait_for_gx()  # before the docs' dbt imports, or a failure's handling
    keep_parse_state(build.target_path, paths, project)
    # reached only when the build succeeded (a failed build raises from stream())
    keep_manifest(build.target_path, paths, previous, reused)
    _record_success(
        paths.warehouse,
        built_at,
        _invocation_id(build.target_path),
        time.monotonic() - started,
        parse_mode(build.target_path),
    )
    # Still in this step, before any other DuckDB connection is open (docs generate connects
    # to the warehouse for the catalog): the static docs published with the release.
    generate_docs(
        dbt,
        context.partition_key,
        docs_path(paths, context.partition_key),
        log=context.log,
        build_target=build.target_path,
        locations=locations,
    )


def _warehouse_state(warehouse: Path, manifest: Mapping[str, Any]) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """(fingerprint of every source table, the warehouse's tables and views): what a build reads."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        return dbt_selection.source_fingerprints(con, manifest), dbt_selection.warehouse_relations(con)
    finally:
        con.close()


def _reuse_summary(selection: dbt_selection.Selection, last: LastBuild) -> str:
    models = sum(uid.startswith("model.") for uid in selection.reused)
    tests = len(selection.reused) - models
    why = "; ".join(selection.why) or "nothing changed"
    return (
        f"{models} model(s) and {tests} test(s) left out, unchanged since the build of {last.built_at:%Y-%m-%d %H:%M:%S} UTC"
        f" ({why})"
    )


def _reused_events(context: AssetExecutionContext, manifest: Mapping[str, Any], reused, last: LastBuild, checks: bool):
    """An Output for every model and seed this build leaves out: its table is the one the last
    build made or kept, from the same code and inputs. Then the result of every blocking test
    (severity error) on those alone: it passed on that same table, or the build that ran it
    would have failed and the next one would rebuild everything. The status is dbt's own word
    for a node it did not rebuild ("reused"), which dagster-dbt shows on its materializations.
    The results of the `warn` tests on those stay the latest of the run that built them.
    `checks`: only when no other dbt invocation wrote the warehouse since (LastBuild.reusable)."""
    seeds = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    kept = seeds | {uid for uid in reused if uid.startswith("model.")}
    metadata = {"status": "reused", "spaser/unchanged_since_build": f"{last.built_at:%Y-%m-%d %H:%M:%S} UTC"}
    # nothing that dbt rebuilds is upstream of a reused node: they come first, upstream first
    for uid in dbt_selection.upstream_first(manifest, kept):
        name = translator.get_asset_spec(manifest, uid, spaser_dbt_project).key.to_python_identifier()
        if name in context.op_execution_context.selected_output_names:
            yield Output(value=None, output_name=name, metadata={"unique_id": uid, **metadata})
    for uid, node in sorted(manifest["nodes"].items()) if checks else ():
        parents = node["depends_on"]["nodes"] if node["resource_type"] == "test" else []
        if not parents or not set(parents) <= kept or not dbt_selection.blocking(node):
            continue
        key = get_asset_check_key_for_test(manifest, translator, uid, spaser_dbt_project)
        if key is not None and key in context.op_execution_context.selected_asset_check_keys:
            yield AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=True,
                severity=AssetCheckSeverity.ERROR,
                metadata={"unique_id": uid, **metadata},
            )


def _stop(process, timeout: float = 30) -> None:
    """Interrupt a dbt process still running, as dagster-dbt does on a run's interruption."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def build_target_path(run_id: str) -> Path:
    """A new dbt target folder for one build (dagster-dbt's naming: asset, run, unique part)."""
    name = f"spaser_dbt_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    return target_root() / name


# The manifest of a home's last build, beside its warehouse: the next build that leaves models
# out copies their compiled SQL from it, so its manifest, and the dbt docs published from it,
# describe every node as a build of all of them would.
KEPT_MANIFEST = "dbt_manifest.json"


def kept_manifest(paths, last: LastBuild) -> dict[str, Any] | None:
    """The manifest kept by the last build, if it is that build's (same dbt invocation) and no
    other dbt invocation wrote the warehouse since (LastBuild.reusable)."""
    if not last.reusable:  # not worth reading (a few MB)
        return None
    try:
        manifest = json.loads((paths.warehouse.parent / KEPT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("metadata", {}).get("invocation_id") == last.invocation_id else None


def keep_manifest(target: Path, paths, previous: Mapping[str, Any] | None, reused) -> None:
    """Complete the build's manifest with the compiled SQL of the nodes it left out (from the
    last build's), and keep it for the next build."""
    path = target / "manifest.json"
    if reused and previous is not None:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        dbt_selection.copy_compiled(manifest, previous, reused)
        path.write_text(json.dumps(manifest), encoding="utf-8")
    if path.exists():
        tmp = (paths.warehouse.parent / KEPT_MANIFEST).with_suffix(".tmp")
        shutil.copyfile(path, tmp)
        tmp.replace(paths.warehouse.parent / KEPT_MANIFEST)


def docs_path(paths, semester: str) -> Path:
    """Static dbt documentation (one self-contained page) of the last build of `semester`."""
    return paths.dbt_docs / semester / "dbt_docs.html"


def dbt_docs_args(build_target: Path, dbt: DbtCliResource, locations: Mapping[str, str] | None = None) -> list[str]:
    """`dbt docs generate` on the build just made: its manifest is reused (--no-compile: compiling
    every node again cost ~5 s a run), only the catalog is queried; its log goes beside the build's."""
    return dbt_command_args(["docs", "generate", "--static", "--no-compile", "--quiet"], build_target, dbt, locations)


def dbt_parse_args(target: Path, dbt: DbtCliResource, locations: Mapping[str, str] | None = None) -> list[str]:
    """`dbt parse` of a home's project as its build will see it (same vars, profile and target:
    dbt keeps a parse state only for those), into `target`."""
    return dbt_command_args(["parse", "--quiet"], target, dbt, locations)


def dbt_command_args(
    command: list[str], target: Path, dbt: DbtCliResource, locations: Mapping[str, str] | None = None
) -> list[str]:
    """A dbt command of a run beside its build (which dagster-dbt starts with the same project,
    profiles, profile and target): the home's vars, its target folder and its log there. As
    dagster-dbt runs the build: no usage statistics sent to dbt Labs, and a JSON log file (the
    docs' lines go to the build's dbt.log; parse_mode reads a parse's)."""
    args = [*dbt.global_config_flags, *command, "--no-send-anonymous-usage-stats", "--log-format-file", "json"]
    args += ["--vars", json.dumps(dbt_vars(locations), sort_keys=True)]
    args += ["--project-dir", str(dbt.project_dir), "--profiles-dir", str(dbt.profiles_dir or dbt.project_dir)]
    args += ["--target-path", str(target), "--log-path", str(target)]
    if dbt.profile:
        args += ["--profile", dbt.profile]
    if dbt.target:
        args += ["--target", dbt.target]
    return args


def generate_docs(
    dbt: "SpaserDbtCliResource",
    partition_key: str,
    target: Path,
    build_target: Path,
    log=None,
    locations: Mapping[str, str] | None = None,
) -> Path | None:
    """`dbt docs generate --static` on the build whose target folder is `build_target`, copied to
    `target`; None (logged) when it fails: the docs accompany a release, they never block it.

    Run by the run's warm dbt process, where the build has just run (dbt_warm): dbt is imported
    and warm there (docs/performance.md)."""
    log = log or logging.getLogger(__name__)
    target.unlink(missing_ok=True)  # never publish the docs of an earlier build
    started = time.monotonic()
    static = build_target / "static_index.html"
    static.unlink(missing_ok=True)
    try:
        result = dbt.run_command(dbt_docs_args(build_target, dbt, locations), env=dbt_env(partition_key))
    except OSError as exc:  # dbt could not be started
        log.warning(f"dbt docs generate failed: no dbt_docs.html in this release ({exc})")
        return None
    if result.returncode != 0 or not static.exists():
        why = (result.stderr or result.stdout).strip().splitlines()[-1:] or [f"exit code {result.returncode}"]
        log.warning(f"dbt docs generate failed: no dbt_docs.html in this release ({why[0][:300]})")
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(static, target)
    log.info(f"dbt docs generated in {time.monotonic() - started:.1f} s: {target}")
    return target


class SpaserDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs paid on every invocation for features this
    project does not use (about 4 s of the fixed cost of every run, docs/performance.md):

    - a `dbt --version` subprocess, to learn the version of the dbt executable: it is the venv's
      own dbt-core, whose version is importable;
    - an in-process dbt adapter (profile, project and macros loaded), only needed by
      `fetch_row_counts()` / `fetch_column_metadata()`, which are never called here; dagster-dbt
      runs without it for the dbt Fusion engine.

    Both are private methods of dagster-dbt: tests/test_orchestration.py fails if an upgrade
    renames them, and the pipeline tests run every dbt invocation through this class.

    And a warm dbt (dbt_warm): a process that imported dbt while the run ingested and validated
    (and kept from the process's earlier runs), where the run's dbt commands (the build, its
    docs) run."""

    # the semester build's resource: a home without a parse state has its project parsed while
    # the run ingests (dbt_parse_state.ParseAhead); not the PostgreSQL build's (another target)
    parse_ahead: bool = False

    _warm: dbt_warm.WarmDbt | None = PrivateAttr(default=None)
    _ahead: ParseAhead | None = PrivateAttr(default=None)

    def setup_for_execution(self, context) -> None:
        super().setup_for_execution(context)
        try:
            self._warm = dbt_warm.WarmDbt.shared()
        except OSError as exc:  # the commands start dbt themselves, as without it
            logging.getLogger(__name__).warning(f"no warm dbt process: {exc}")
        run = context.run
        if self.parse_ahead and self._warm is not None and run is not None and _builds_a_semester(run):
            try:
                self._ahead = self.start_parse_ahead(run_paths(run), run.run_id)
            except Exception as exc:  # noqa: BLE001 - only a head start: the build parses itself
                logging.getLogger(__name__).warning(f"dbt parse ahead of the build not started: {exc}")

    def teardown_after_execution(self, context) -> None:
        # a run that stopped before its build (blocked by a gate) does not wait for the parse
        self.finish_parse_ahead(interrupt=True)

    def finish_parse_ahead(self, log: logging.Logger | None = None, interrupt: bool = False) -> None:
        """Wait for the parse started with the run, if any, and keep its state for the home
        (`interrupt`: ParseAhead.finish)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead.finish(log=log, interrupt=interrupt)

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - same signature as the parent's
        return None

    def cli(self, args, *, env: Mapping[str, str] | None = None, **kwargs):
        """dagster-dbt's `cli`, with `env` added to the dbt process's environment. dagster-dbt
        has no parameter for it: it copies os.environ when it starts the process, before `cli`
        returns, so `env` is in os.environ for that moment only, under a lock. The command goes
        to the run's warm dbt process."""
        with _environment({**(env or {}), **self.warm_env()}):
            return super().cli(args, **kwargs)

    def run_command(self, args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess:
        """A dbt command whose output is read whole when it ends (`dbt docs generate`), with
        `env` added to this process's environment; in the run's warm process, as `cli`'s."""
        return subprocess.run(
            [self.dbt_executable, *args],
            env={**os.environ, **env, **self.warm_env()},
            cwd=self.project_dir,
            capture_output=True,
            text=True,
            check=False,
        )

    def start_parse_ahead(self, paths, run_id: str) -> ParseAhead | None:
        """`dbt parse` of the home's project, left running in the run's warm dbt process, when
        the home's next build would parse it in full (needs_parse_ahead); its output in its
        target folder."""
        project = project_key()
        if not needs_parse_ahead(paths, project):
            return None
        target = target_root() / f"spaser_parse_ahead-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
        target.mkdir(parents=True)
        args = dbt_parse_args(target, self, dbt_locations(paths))
        output = (target / "parse_ahead.out").open("wb")
        try:
            process = subprocess.Popen(
                [self.dbt_executable, *args],
                env={**os.environ, **self.warm_env()},
                cwd=self.project_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        except BaseException:
            output.close()
            raise
        return ParseAhead(process, target, paths, output, project)

    def warm_env(self) -> dict[str, str]:
        """The environment that sends a `spaser-dbt` command to the run's warm process: empty
        without one (outside a run), and `spaser-dbt` runs dbt itself."""
        socket = self._warm.take() if self._warm is not None else None
        return {dbt_warm.ENV: socket} if socket else {}


def _builds_a_semester(run) -> bool:
    """Whether a run's dbt resource serves a semester build, which starts from the home's parse
    state: not the observatory's job, whose own invocation has other vars (its parameters)."""
    from .observatory.job import JOB_NAME  # loaded with the code location by then

    return run.job_name != JOB_NAME


_ENVIRONMENT_LOCK = threading.Lock()


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """`env` set in os.environ for the block, then restored: two dbt invocations started by
    threads of one process (tests, `dagster dev`) each get their own."""
    if not env:
        yield
        return
    with _ENVIRONMENT_LOCK:
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


dbt_resource = SpaserDbtCliResource(
    project_dir=spaser_dbt_project, dbt_executable=dbt_warm.EXECUTABLE, parse_ahead=True
)


def dbt_asset_key(model_name: str) -> AssetKey:
    """Asset key of a dbt model, looked up in the loaded assets rather than rebuilt."""
    for key in spaser_dbt_models.keys:
        if key.path[-1] == model_name:
            return key
    raise KeyError(f"no dbt model named {model_name}")
