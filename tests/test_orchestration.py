"""Pure functions behind partitions, dbt invocations, the schedule and the sensor; the code
location itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_schedule_context, build_sensor_context

from orchestration.dbt import (
    dbt_build_args,
    full_refresh_reason,
    project_fingerprint,
)
from orchestration.dbt_parse import MANIFEST_PATH, manifest_is_stale, parse_args, project_files
from orchestration.jobs import (
    landing_fingerprint,
    landing_sensor,
    semester_calendar_sensor,
    semester_publication_schedule,
    semester_to_publish,
)
from orchestration.partitions import SEMESTER_PARTITIONS, ensure_semester_partitions
from orchestration.resources import SpaserResource
from orchestration.semesters import (
    SemesterNotClosed,
    check_closed,
    dbt_env,
    last_closed_semester,
    next_semester,
    parse_semester,
    previous_semester,
    semester_bounds,
    semester_of,
    semester_partition_keys,
    semesters_between,
)
from orchestration.settings import REPO_ROOT


def test_semester_calendar():
    assert semester_of(dt.date(2026, 6, 30)) == "2026-S1"
    assert semester_of(dt.date(2026, 7, 1)) == "2026-S2"
    assert semester_bounds("2026-S1") == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert semester_bounds("2025-S2") == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert previous_semester("2026-S1") == "2025-S2" and next_semester("2025-S2") == "2026-S1"
    assert last_closed_semester(dt.date(2026, 11, 21)) == "2026-S1"
    assert last_closed_semester(dt.date(2026, 1, 1)) == "2025-S2"
    assert semesters_between("2024-S2", "2025-S2") == ["2024-S2", "2025-S1", "2025-S2"]
    assert semesters_between("2025-S1", "2024-S1") == []


def test_partitions_are_closed_semesters_only():
    keys = semester_partition_keys(dt.date(2026, 11, 21), first="2024-S1")
    assert keys == ["2024-S1", "2024-S2", "2025-S1", "2025-S2", "2026-S1"]


@pytest.mark.parametrize("bad", ["2026-S3", "2026S1", "26-S1", ""])
def test_malformed_semester_is_refused(bad):
    with pytest.raises(ValueError):
        parse_semester(bad)


def test_dbt_gets_the_partition_as_an_environment_variable_and_the_home_as_vars():
    """The semester is SPASER_SEMESTER in dbt's environment, never a var: the vars (the home's
    locations) stay the same from one semester to the next, so dbt's saved parse state holds."""
    assert dbt_env("2026-S1") == {"SPASER_SEMESTER": "2026-S1"}
    with pytest.raises(ValueError):
        dbt_env("2026")
    args = dbt_build_args()
    assert args[0] == "build" and json.loads(args[args.index("--vars") + 1]) == {}
    assert "2026-S1" not in " ".join(dbt_build_args(locations={"spaser_warehouse_path": "/w.duckdb"}))
    assert dbt_build_args(select="marts")[-2:] == ["--select", "marts"]
    # unit tests and logic tests run in CI (tests/test_pipeline.py), not in every semester run
    assert args[args.index("--exclude") + 1] == "resource_type:unit_test tag:logic"
    assert "--indirect-selection" not in args  # seeds loaded, with every test on them


def test_a_build_on_the_last_built_project_keeps_the_seeds_and_the_tests_between_models_and_seeds():
    """Seeds already loaded by the last successful build of the same project are not reloaded;
    their own tests are not run again, but a test between a model and a seed still is."""
    args = dbt_build_args(seeds_loaded=True)
    assert args[args.index("--exclude") + 1].split() == ["resource_type:unit_test", "tag:logic", "resource_type:seed"]
    assert args[args.index("--indirect-selection") + 1] == "cautious"


def test_the_dbt_environment_is_set_for_the_invocation_only(monkeypatch):
    """SpaserDbtCliResource.cli adds `env` to the environment dagster-dbt copies when it starts
    dbt, and restores os.environ when the process is started, whatever happens."""
    from orchestration import dbt as dbt_module

    seen = {}

    def fake_cli(self, args, **kwargs):
        seen.update(semester=os.environ.get("SPASER_SEMESTER"), kwargs=kwargs)
        raise RuntimeError("dbt did not start")

    monkeypatch.delenv("SPASER_SEMESTER", raising=False)
    monkeypatch.setattr(dbt_module.DbtCliResource, "cli", fake_cli)
    with pytest.raises(RuntimeError):
        dbt_module.dbt_resource.cli(["build"], env=dbt_env("2025-S2"), raise_on_error=False)
    assert seen == {"semester": "2025-S2", "kwargs": {"raise_on_error": False}}
    assert "SPASER_SEMESTER" not in os.environ
    monkeypatch.setenv("SPASER_SEMESTER", "set by the user")
    with pytest.raises(RuntimeError):
        dbt_module.dbt_resource.cli(["build"], env=dbt_env("2026-S1"))
    assert seen["semester"] == "2026-S1" and os.environ["SPASER_SEMESTER"] == "set by the user"


def test_dbt_reaches_the_home_through_vars_never_the_environment(spaser_home):
    """Where dbt reads and writes is an argument of each dbt command: two homes in one process
    (tests, `dagster dev`) never leak into each other, and no asset writes os.environ (the one
    exception, the semester of a dbt process, is restored once the process starts: above)."""
    from orchestration.settings import Paths, dbt_locations

    locations = dbt_locations(Paths(home=spaser_home))
    assert locations["spaser_warehouse_path"] == str(spaser_home / "warehouse" / "warehouse.duckdb")
    args = dbt_build_args(locations=locations)
    assert json.loads(args[args.index("--vars") + 1]) == locations
    for name in ("profiles.yml", "dbt_project.yml"):  # the files read the vars, not env_var()
        text = (REPO_ROOT / "dbt_project" / name).read_text(encoding="utf-8")
        assert "SPASER_WAREHOUSE_PATH" not in text and "SPASER_CONFIG_SEEDS" not in text
    asset_code = [*(REPO_ROOT / "orchestration").rglob("assets.py"), REPO_ROOT / "orchestration" / "dbt.py"]
    asset_code += [REPO_ROOT / "orchestration" / "gates" / "checks.py", REPO_ROOT / "orchestration" / "jobs.py"]
    for path in asset_code:
        text = path.read_text(encoding="utf-8")
        if path.name == "dbt.py":  # only in SpaserDbtCliResource.cli and its _environment
            text = text[: text.index("    def cli(self")] + text[text.index("def dbt_asset_key") :]
        assert "os.environ" not in text, path


def test_every_duckdb_of_the_pipeline_has_the_same_memory_cap(tmp_path, monkeypatch):
    """The ingest's, the gates' and the publication's connections and dbt's profile: one cap
    (settings.DUCKDB_MEMORY_LIMIT, or SPASER_DUCKDB_MEMORY_LIMIT), so that the process tree of a
    national run stays under its memory budget (docs/performance.md, session 17)."""
    import duckdb

    from orchestration.gates import datasets
    from orchestration.settings import DUCKDB_MEMORY_LIMIT

    profile = (REPO_ROOT / "dbt_project" / "profiles.yml").read_text(encoding="utf-8")
    assert f"env_var('SPASER_DUCKDB_MEMORY_LIMIT', '{DUCKDB_MEMORY_LIMIT}')" in profile

    def cap(con) -> str:
        try:
            return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        finally:
            con.close()

    for limit in (None, "700MB"):
        if limit:
            monkeypatch.setenv("SPASER_DUCKDB_MEMORY_LIMIT", limit)
        else:
            monkeypatch.delenv("SPASER_DUCKDB_MEMORY_LIMIT", raising=False)
        resource = SpaserResource(home=str(tmp_path))
        expected = cap(duckdb.connect(config={"memory_limit": limit or DUCKDB_MEMORY_LIMIT}))
        assert cap(resource.connect()) == expected
        assert cap(datasets.connect(resource.paths().warehouse)) == expected
        assert cap(resource.connect(read_only=True)) == expected


def test_full_refresh_flag():
    assert "--full-refresh" not in dbt_build_args()
    args = dbt_build_args(full_refresh=True, select="marts")
    assert "--full-refresh" in args and args[-2:] == ["--select", "marts"]


def test_every_build_attempt_is_recorded_and_a_failed_one_reloads_the_seeds(tmp_path):
    """A build is recorded when it starts: the next build compares with the project of the last
    attempt, even a failed one that may have rebuilt tables, and reloads the seeds after a failure
    (it may have stopped while loading them). Rows of earlier versions recorded successes only."""
    import duckdb

    from orchestration.dbt import LastBuild, _prepare_warehouse, _record_success, _start_build

    warehouse = tmp_path / "warehouse.duckdb"

    def last() -> tuple:
        return _prepare_warehouse(warehouse)[:3]  # fingerprint, full refresh, complete

    assert _prepare_warehouse(warehouse) == LastBuild(None, False, False)
    started = _start_build(warehouse, "2025-S2", "A", full_refresh=True, sources={"source.x": "1"}, reused=0)
    assert last() == ("A", True, False)  # failed or still running
    _record_success(warehouse, started, "inv", 1.0, "full")
    assert _prepare_warehouse(warehouse) == LastBuild(
        "A", True, True, semester="2025-S2", sources={"source.x": "1"}, built_at=started, invocation_id="inv"
    )
    _start_build(warehouse, "2026-S1", "B", full_refresh=True)  # another project, failed
    assert last() == ("B", True, False)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE meta.dbt_builds SET succeeded = NULL")
    assert last() == ("B", True, True)
    assert _prepare_warehouse(warehouse).sources is None  # not recorded: nothing is left out


def _plan(warehouse, fingerprint: str) -> tuple[str | None, bool]:
    """(why a full refresh, seeds left out) of the next complete build, as spaser_dbt_models decides."""
    from orchestration.dbt import _prepare_warehouse

    last = _prepare_warehouse(warehouse)
    reason = full_refresh_reason(last.fingerprint, fingerprint, unfinished=last.unfinished_full_refresh)
    return reason, reason is None and last.complete


def test_a_full_refresh_that_did_not_finish_is_made_again(tmp_path):
    """A full refresh that failed, or covered only a selection of models made in the UI, left
    models (the incremental DECP chain among them) and seeds built from the earlier project or
    configuration: the next build is a full refresh again, seeds loaded, until one finishes."""
    from orchestration.dbt import _record_success, _start_build

    warehouse = tmp_path / "warehouse.duckdb"
    _plan(warehouse, "A")
    _record_success(warehouse, _start_build(warehouse, "2025-S2", "A", full_refresh=True), None, 1.0, None)
    assert _plan(warehouse, "A") == (None, True)
    # the new project's first build fails (a new test on the data, say) before the DECP chain
    _start_build(warehouse, "2026-S1", "B", full_refresh=True)
    assert _plan(warehouse, "B") == ("the last full refresh did not finish", False)
    # a selection of models built from the UI on project B, successfully: the others are A's
    done = _start_build(warehouse, "2026-S1", "B", full_refresh=True, subset=True)
    _record_success(warehouse, done, None, 1.0, None)
    assert _plan(warehouse, "B") == ("the last full refresh did not finish", False)
    _record_success(warehouse, _start_build(warehouse, "2026-S1", "B", full_refresh=True), None, 1.0, None)
    assert _plan(warehouse, "B") == (None, True)
    # an incremental selection leaves every model on this project, but maybe not the seeds
    _record_success(warehouse, _start_build(warehouse, "2026-S1", "B", False, subset=True), None, 1.0, None)
    assert _plan(warehouse, "B") == (None, False)
    _start_build(warehouse, "2026-S1", "B", full_refresh=False)  # an incremental build fails
    assert _plan(warehouse, "B") == (None, False)


def test_the_build_fingerprint_covers_the_configuration_dbt_reads_and_the_dbt_versions(tmp_path, monkeypatch):
    """The fingerprint is taken on the configuration snapshot dbt reads (not the home's folder,
    which may change during the build) and changes with the dbt-core or adapter version."""
    import importlib.metadata

    from orchestration import configuration
    from orchestration.dbt import build_fingerprint
    from orchestration.settings import DBT_PROJECT_DIR

    snapshot = DBT_PROJECT_DIR / ".config" / "test-fingerprint"
    configuration.write_demo(snapshot)
    try:
        locations = {"spaser_config_seeds": ".config/test-fingerprint"}
        first = build_fingerprint(locations)
        assert build_fingerprint(locations) == first
        cibles = snapshot / "spaser_cibles.csv"
        cibles.write_text(cibles.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        changed = build_fingerprint(locations)
        assert changed != first
        real = importlib.metadata.version
        monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.0" if name == "dbt-duckdb" else real(name))
        assert build_fingerprint(locations) != changed
    finally:
        shutil.rmtree(snapshot)


def test_incremental_build_only_on_the_project_last_built(tmp_path):
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1 as x\n")
    seed = tmp_path / "s.csv"
    seed.write_text("a\n1\n")
    first = project_fingerprint([model, seed], tmp_path)
    assert project_fingerprint([seed, model], tmp_path) == first  # order of discovery does not matter
    assert full_refresh_reason(first, first) is None  # incremental
    assert full_refresh_reason(None, first) == "no build on record"
    assert full_refresh_reason(first, first, forced=True) == "asked"
    seed.write_text("a\n2\n")  # a seed value changes what incremental rows derived
    assert full_refresh_reason(first, project_fingerprint([model, seed], tmp_path)) == "models, macros or seeds changed"
    seed.write_text("a\n1\n")
    model.rename(tmp_path / "models" / "n.sql")  # a renamed file is a different project
    assert project_fingerprint([tmp_path / "models" / "n.sql", seed], tmp_path) != first


def test_project_files_cover_models_seeds_macros():
    files = {p.relative_to(REPO_ROOT).as_posix() for p in project_files()}
    assert "models/marts/marches/fct_marches.sql" in files
    assert "seeds/spaser_indicateurs.csv" in files
    assert "dbt_project/macros/incremental.sql" in files
    assert "dbt_project/dbt_project.yml" in files
    # every macro folder dbt reads (a changed materialization rebuilds, like a changed macro)
    import yaml

    project = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    for folder in project["macro-paths"]:
        macros = sorted((REPO_ROOT / "dbt_project" / folder).rglob("*.sql"))
        assert macros and {m.relative_to(REPO_ROOT).as_posix() for m in macros} <= files, folder


def test_the_manifest_is_stale_when_a_project_file_is_newer(tmp_path):
    manifest = tmp_path / "manifest.json"
    assert manifest_is_stale(manifest)
    manifest.write_text("{}")
    assert not manifest_is_stale(manifest)
    os.utime(manifest, (0, 0))  # older than every model
    assert manifest_is_stale(manifest)
    # parsed again in full: the manifest is stale because files changed, the case where dbt's
    # partial parsing can differ (tests/test_dbt_parse_state.py)
    args = parse_args()
    assert args[1] == "parse" and "--no-partial-parse" in args
    assert args[args.index("--target-path") + 1] == str(MANIFEST_PATH.parent)


# A fresh interpreter: this one has long imported both.
_PARSE_WHILE_IMPORTING = """
import subprocess, sys
from orchestration import cli, dbt_parse

class Parse:  # stands for dbt's process: what this one imported by the time it waits for it
    args = ["dbt", "parse"]
    def wait(self):
        print(sorted(m for m in ("dagster_dbt", "great_expectations") if m in sys.modules))
        self.returncode = 2
        return 2

dbt_parse.start_parse = Parse
try:
    cli.prepare_code_location()
except subprocess.CalledProcessError as exc:
    print("failed", exc.returncode)
"""


def test_run_imports_while_dbt_parses_and_stops_when_the_parse_fails():
    out = subprocess.run(
        [sys.executable, "-c", _PARSE_WHILE_IMPORTING], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout.split("\n")
    assert out[:2] == ["['dagster_dbt', 'great_expectations']", "failed 2"]


def test_schedule_publishes_the_semester_just_closed(tmp_path):
    assert semester_to_publish(dt.datetime(2026, 3, 1, 6)) == "2025-S2"
    assert semester_to_publish(dt.datetime(2026, 9, 1, 6)) == "2026-S1"
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2026, 9, 1, 6))
        request = semester_publication_schedule(context)
        assert request.partition_key == "2026-S1"
        # the partition it asks for exists, whenever the code server was started
        assert instance.get_dynamic_partitions(SEMESTER_PARTITIONS)[-1] == "2026-S1"


def test_partitions_follow_the_calendar_while_the_server_runs(tmp_path):
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        assert ensure_semester_partitions(instance, dt.date(2026, 6, 30))[-1] == "2025-S2"
        assert ensure_semester_partitions(instance, dt.date(2026, 6, 30)) == []  # idempotent
        assert ensure_semester_partitions(instance, dt.date(2026, 7, 1)) == ["2026-S1"]  # closed at midnight
        result = semester_calendar_sensor(build_sensor_context(instance=instance))
        assert isinstance(result, SkipReason)  # registers partitions, launches nothing
        assert instance.get_dynamic_partitions(SEMESTER_PARTITIONS) == semester_partition_keys(dt.date.today())


@pytest.mark.parametrize(
    "key, message",
    [
        ("2026-S3", "invalide"),
        ("2027-S1", "n'est pas terminé"),
        ("2018-S2", "antérieur"),
    ],
)
def test_only_closed_semesters_can_be_published(key, message):
    with pytest.raises(SemesterNotClosed, match=message):
        check_closed(key, dt.date(2026, 12, 6))
    check_closed("2026-S1", dt.date(2026, 12, 6))


def test_landing_sensor_fires_on_new_files_only(spaser_home, tmp_path):
    landing = spaser_home / "landing" / "decp"
    landing.mkdir(parents=True)
    (landing / "a.json").write_text("{}")
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        first = landing_sensor(build_sensor_context(instance=instance, cursor=None), spaser=SpaserResource())
        assert first.partition_key == last_closed_semester(dt.date.today())
        assert first.partition_key in instance.get_dynamic_partitions(SEMESTER_PARTITIONS)
        cursor = landing_fingerprint(spaser_home / "landing")
        unchanged = landing_sensor(build_sensor_context(instance=instance, cursor=cursor), spaser=SpaserResource())
        assert isinstance(unchanged, SkipReason)
        (landing / "b.json").write_text("{}")
        again = landing_sensor(build_sensor_context(instance=instance, cursor=cursor), spaser=SpaserResource())
        assert isinstance(again, RunRequest) and again.run_key != first.run_key


def test_definitions_validate():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_code_location_content():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("spaser_pipeline")
    assert job.partitions_def is not None
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "raw/decp_marches",
        "raw/procedures_internes",
        "marts/mart_spaser_indicateurs",
        "publication/spaser_release",
    } <= keys
    checks = {c.name for c in graph.asset_check_keys}
    assert {"gx_raw_decp_marches", "gx_mart_spaser_indicateurs", "gx_feed_coverage", "gx_ingest_log"} <= checks
    assert defs.resolve_schedule_def("semester_publication_schedule")
    assert defs.resolve_sensor_def("landing_sensor")


def test_dbt_resource_skips_what_the_project_does_not_use():
    """SpaserDbtCliResource overrides two private methods of dagster-dbt (orchestration/dbt.py):
    if an upgrade renames them, the overrides would silently stop saving time, so fail here."""
    from dagster_dbt import DbtCliResource
    from dbt.version import __version__

    from orchestration.dbt import SpaserDbtCliResource, dbt_resource

    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer has DbtCliResource.{name}"
        assert name in vars(SpaserDbtCliResource)
    assert str(dbt_resource._cli_version) == __version__
    assert dbt_resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_indicator_sources_of_dbt_are_the_feed_registry():
    """One list of where indicators come from (dbt_project.yml var indicator_sources), read by the
    SPASER marts: every feed of the registry is in it, with both its models in its marts folder,
    and nothing else but the warehouse's own GOV-2/GOV-3."""
    import yaml

    from orchestration.feeds import all_feeds

    project = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    sources = project["vars"]["indicator_sources"]
    assert sorted(sources) == sorted([feed.name for feed in all_feeds()] + ["entrepot"])
    for source in sources:
        folder = REPO_ROOT / "models" / "marts" / source
        for model in (f"fct_{source}_indicateurs", f"fct_{source}_indicateur_lignes"):
            assert (folder / f"{model}.sql").is_file(), f"{source}: {model} not in {folder}"
    for path in (REPO_ROOT / "models" / "marts" / "spaser").glob("*.sql"):
        assert "fct_marches_indicateurs" not in path.read_text(encoding="utf-8"), path  # no list by hand
