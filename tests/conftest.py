"""Shared fixtures: an isolated SPASER_HOME per test, the shared real data, demo feeds."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from unittest import mock

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CATALOGUE_SEED = Path(__file__).resolve().parents[1] / "seeds" / "spaser_indicateurs.csv"


def catalogue() -> list[dict[str, str]]:
    """The SPASER indicator catalogue (seeds/spaser_indicateurs.csv), a dict per indicator in
    the seed's order: a release holds one row per catalogue indicator and period."""
    with CATALOGUE_SEED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def pytest_configure(config):
    """The dbt manifest before any test module imports the code location (no parse at import)."""
    from orchestration.dbt_parse import prepare_manifest

    prepare_manifest()


# The test files that read the session's shared pipeline run (first_run, ~85 s here, and the
# fixtures built on it: published_home, postgres_served). `make test` hands them to one worker,
# which builds the run once; tests/test_suite_layout.py fails when this list is out of date.
SHARED_RUN_FILES = frozenset(
    f"tests/{name}.py"
    for name in (
        "test_bi_postgres",
        "test_bilan",
        "test_column_docs",
        "test_datapackage",
        "test_dbt_postgres",
        "test_exceptions",
        "test_incremental",
        "test_observatory",
        "test_pipeline",
    )
)
SHARED_RUN_GROUP = "shared pipeline run"


def work_unit(nodeid: str) -> str:
    """What `make test` hands to a worker as one piece: the shared run's files together, every
    other file on its own (as `--dist loadfile`: a file's module fixtures are built once)."""
    path = nodeid.split("::", 1)[0]
    return SHARED_RUN_GROUP if path in SHARED_RUN_FILES else path


def schedule_order(items) -> list:
    """The tests in the order their work units are handed out (`--no-loadscope-reorder`): the
    shared run first, then the units with a test marked `slow`, each part in collection order.
    A test of a minute handed out last would run alone at the end."""
    first_seen: dict[str, int] = {}
    slow: set[str] = set()
    for index, item in enumerate(items):
        unit = work_unit(item.nodeid)
        first_seen.setdefault(unit, index)
        if item.get_closest_marker("slow") is not None:
            slow.add(unit)

    def key(item):
        unit = work_unit(item.nodeid)
        return (unit != SHARED_RUN_GROUP, unit not in slow, first_seen[unit])

    return sorted(items, key=key)  # stable: a unit's tests keep their order


def pytest_collection_modifyitems(config, items):
    items[:] = schedule_order(items)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: pytest without xdist must not refuse it
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` (make test) with the shared run's files as one unit. (xdist's
    `--dist loadgroup` would do it with marks, but ignores them on pytest 9.2:
    pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedRunScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return SharedRunScheduling(config, log)


def manifest_models() -> dict[str, dict]:
    """The project's models in the manifest pytest_configure prepared (the working tree's
    models and yml): name -> node."""
    from orchestration.dbt_manifest import spaser_dbt_project

    manifest = json.loads(Path(spaser_dbt_project.manifest_path).read_text(encoding="utf-8"))
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "spaser"
    }


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def con(tmp_path):
    """A connection to a new, empty DuckDB warehouse file (tmp_path/warehouse.duckdb), closed
    after the test."""
    import duckdb

    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def demo_config(home: Path) -> Path:
    """The demo organisation's configuration in `home` (what `spaser demo` writes)."""
    from orchestration.configuration import write_demo

    assert write_demo(home / "config")
    return home / "config"


@pytest.fixture(scope="session")
def demo_config_dir(tmp_path_factory) -> Path:
    return demo_config(tmp_path_factory.mktemp("demo_config"))


@pytest.fixture(autouse=True)
def _configuration(demo_config_dir, monkeypatch):
    """Readers that validate against the configuration (saisie organisations, centrale column
    maps) see the demo organisation's unless a test sets up its own home (spaser_home)."""
    monkeypatch.setenv("SPASER_CONFIG_DIR", str(demo_config_dir))


@pytest.fixture
def spaser_home(tmp_path, monkeypatch) -> Path:
    """Every path of the pipeline (landing, warehouse, releases, GX results, the demo
    organisation's configuration) under tmp_path."""
    home = tmp_path / "spaser"
    monkeypatch.setenv("SPASER_HOME", str(home))
    for var in (
        "SPASER_LANDING_DIR",
        "SPASER_WAREHOUSE_DIR",
        "SPASER_PUBLICATIONS_DIR",
        "SPASER_GX_DIR",
        "SPASER_CONFIG_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    demo_config(home)
    return home


@pytest.fixture(scope="session")
def demo_feeds(tmp_path_factory) -> Path:
    """Demo landing folder of every feed (small: 600 contracts over 2024-S1..2026-S1), once."""
    from orchestration.feeds import all_feeds

    landing = tmp_path_factory.mktemp("demo") / "landing"
    for feed in all_feeds():
        if feed.write_demo:
            feed.write_demo(landing, seed=20240101, n_contracts=600)
    return landing


@pytest.fixture
def demo_home(spaser_home, demo_feeds) -> Path:
    """An isolated SPASER_HOME whose landing folder holds a copy of the demo feeds."""
    shutil.copytree(demo_feeds, spaser_home / "landing")
    return spaser_home


SEMESTER = "2026-S1"


def run_dbt(home: Path, *args: str, target_dir: str = "dbt_target"):
    """A hand-run dbt command (the project, its profiles) on the warehouse of `home`, with the
    semester (SPASER_SEMESTER) and its own target folder; the completed process. It runs in the
    worker's warm dbt process, as the pipeline's commands do (`spaser-dbt`: the same output and
    exit code as the venv's `dbt`, tests/test_dbt_warm.py), without dbt's imports (~1.8 s) each."""
    import subprocess

    from orchestration import dbt_warm
    from orchestration.dbt import dbt_vars
    from orchestration.semesters import dbt_env
    from orchestration.settings import DBT_PROJECT_DIR, Paths, dbt_locations

    dbt_args = json.dumps(dbt_vars(dbt_locations(Paths(home=home))))
    # its own target and log, the log in JSON like the pipeline's dbt (dagster-dbt)
    target = str(home / target_dir)
    socket = dbt_warm.WarmDbt.shared().take()
    env = (
        os.environ
        | dbt_env(SEMESTER)
        | {"DBT_TARGET_PATH": target, "DBT_LOG_PATH": target, "DBT_LOG_FORMAT_FILE": "json"}
        | ({dbt_warm.ENV: socket} if socket else {})
    )
    return subprocess.run(
        [
            dbt_warm.EXECUTABLE,
            *args,
            "--vars",
            dbt_args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        env=env,
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )


def mini_dbt_project(folder: Path, schema: str, warehouse: Path, macro_paths: tuple[str, ...] = ()) -> Path:
    """A small dbt project of its own in `folder`, for tests of how dbt builds: profile `mini` on
    the DuckDB file `warehouse`, every model a table, `schema` its models' yml."""
    (folder / "models").mkdir(parents=True)
    project = {"name": "mini", "version": "1.0", "profile": "mini", "model-paths": ["models"]}
    if macro_paths:
        project["macro-paths"] = list(macro_paths)
    project["models"] = {"mini": {"+materialized": "table"}}
    profile = {
        "mini": {"target": "duckdb", "outputs": {"duckdb": {"type": "duckdb", "path": str(warehouse), "threads": 1}}}
    }
    (folder / "dbt_project.yml").write_text(json.dumps(project), encoding="utf-8")  # JSON is YAML
    (folder / "profiles.yml").write_text(json.dumps(profile), encoding="utf-8")
    (folder / "models" / "schema.yml").write_text(schema, encoding="utf-8")
    return folder


def mini_dbt(project: Path, *args: str):
    """`dbt ARGS` on a mini_dbt_project, by the venv's dbt in a process of its own; the
    completed process."""
    import subprocess

    from orchestration.dbt_parse import DBT_EXECUTABLE

    return subprocess.run(
        [DBT_EXECUTABLE, *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=300,
    )


def run(semester: str = SEMESTER, reason: str | None = None, assets=None, selection=None, full_refresh=False):
    """Materialise the code location's assets and checks for one semester, in-process
    (`selection`: only these of them, as a selection made in the UI; `full_refresh`: as
    `spaser run --full-refresh` asks dbt)."""
    from dagster import DagsterInstance, materialize

    from orchestration.dbt import dbt_resource
    from orchestration.definitions import defs
    from orchestration.partitions import SEMESTER_PARTITIONS
    from orchestration.resources import SpaserResource

    ops = {"publication__spaser_release": {"config": {"reason": reason}}} if reason else {}
    if full_refresh:
        ops["spaser_dbt_models"] = {"config": {"full_refresh": True}}
    config = {"ops": ops} if ops else None
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(SEMESTER_PARTITIONS, [semester])
    return materialize(
        assets if assets is not None else [*defs.assets, *defs.asset_checks],
        partition_key=semester,
        resources={"dbt": dbt_resource, "spaser": SpaserResource()},
        instance=instance,
        raise_on_error=False,
        run_config=config,
        selection=selection,
    )


def spoil_notification_dates(decp: Path, share: int) -> None:
    """1/share of the records of a DECP JSON file get a notification date nobody can read: a
    quarantine spike, which the ingest log's gate blocks."""
    doc = json.loads(decp.read_text(encoding="utf-8"))
    records = doc["marches"]["marche"]
    for record in records[: len(records) // share]:
        record["dateNotification"] = "31/12/2026"
    decp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def check_results(result) -> dict:
    """The asset checks' evaluations of a run, by check name."""
    return {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def published(result) -> bool:
    """Whether the run materialised a release."""
    from dagster import AssetKey

    return any(
        e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == AssetKey(["publication", "spaser_release"])
        for e in result.all_events
    )


@pytest.fixture(scope="session")
def first_run(tmp_path_factory, demo_feeds):
    """One full run on the demo feeds, shared by read-only assertions across modules."""
    home = tmp_path_factory.mktemp("pipeline") / "spaser"
    shutil.copytree(demo_feeds, home / "landing")
    demo_config(home)
    previous = os.environ.get("SPASER_HOME")
    os.environ["SPASER_HOME"] = str(home)
    try:
        result = run()
    finally:
        if previous is None:
            os.environ.pop("SPASER_HOME", None)
        else:
            os.environ["SPASER_HOME"] = previous
    return home, result


def _postgres_reachable(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_session():
    """A fresh PostgreSQL database and BI role for the test session, dropped at the end, as
    PgSettings. Server from SPASER_PG_HOST/PORT/USER/PASSWORD (default 127.0.0.1:5432,
    postgres). Skipped when no server answers, except under CI (CI has one: the PostgreSQL
    target must be tested there), where it fails."""
    import uuid

    from orchestration.postgres.serving import create_database, drop_database, pg_settings

    host, port = os.environ.get("SPASER_PG_HOST", "127.0.0.1"), int(os.environ.get("SPASER_PG_PORT", "5432"))
    if not _postgres_reachable(host, port):
        message = f"no PostgreSQL server reachable at {host}:{port} (set SPASER_PG_HOST/SPASER_PG_PORT)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    suffix = uuid.uuid4().hex[:12]
    settings = pg_settings(
        os.environ | {"SPASER_PG_DATABASE": f"spaser_test_{suffix}", "SPASER_PG_BI_ROLE": f"spaser_bi_test_{suffix}"}
    )
    create_database(settings)
    try:
        yield settings
    finally:
        drop_database(settings, roles=[settings.bi_role])


@pytest.fixture(scope="session")
def pg_database(pg_session) -> dict:
    """The session database as libpq connection parameters (psycopg2.connect(**params))."""
    s = pg_session
    return {"host": s.host, "port": s.port, "user": s.user, "password": s.password, "dbname": s.database}


def pg_env(settings) -> dict[str, str]:
    return {
        "SPASER_PG_HOST": settings.host,
        "SPASER_PG_PORT": str(settings.port),
        "SPASER_PG_USER": settings.user,
        "SPASER_PG_PASSWORD": settings.password,
        "SPASER_PG_DATABASE": settings.database,
        "SPASER_PG_BI_ROLE": settings.bi_role,
    }


@pytest.fixture(scope="session")
def postgres_served(first_run, pg_session):
    """The Dagster asset postgres/bi_publication materialised after the first run: raw layer
    replicated, dbt built and tested on the postgres target, releases loaded, BI role granted."""
    from orchestration.postgres.assets import postgres_bi_publication

    home, _ = first_run
    with mock.patch.dict(os.environ, pg_env(pg_session) | {"SPASER_HOME": str(home)}):
        result = run(assets=[postgres_bi_publication])
    return home, result


@pytest.fixture
def published_home(first_run, tmp_path, monkeypatch):
    """A writable copy of the first run's SPASER_HOME (landing, warehouse, releases)."""
    home, _ = first_run
    copy = tmp_path / "spaser"
    shutil.copytree(home, copy)
    for path in (copy / "publications").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # copies of read-only releases
    monkeypatch.setenv("SPASER_HOME", str(copy))
    return copy
