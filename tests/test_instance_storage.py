"""The Dagster instance: SQLite (dagster.yaml, the default) and PostgreSQL
(instances/postgres/dagster.yaml), both opened from their real files and used to record and read
runs; how the CLI chooses between them; the single-writer run limits.

The PostgreSQL tests use a database of their own (created, then dropped) on the server named by
SPASER_TEST_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres), and are
skipped only when that server cannot be reached.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy
import yaml
from dagster import DagsterInstance, DagsterRunStatus, Failure, job, op
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

from orchestration import dagster_storage
from orchestration.dagster_storage import SpaserSqliteEventLogStorage, SpaserSqliteRunStorage
from orchestration.instance import (
    PG_URL,
    POSTGRES_HOME,
    SQLITE_HOME,
    instance_env,
    masked,
    postgres_url,
    write_local_instance,
)
from orchestration.settings import REPO_ROOT

ADMIN_URL = os.environ.get("SPASER_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_VARS = [PG_URL] + [f"SPASER_DAGSTER_PG_{v}" for v in ("HOST", "PORT", "USER", "PASSWORD", "DB")]


@op(tags={"spaser/writes_warehouse": "duckdb"})
def say_hello(context) -> str:
    context.log.info("hello from the instance test")
    return "hello"


@op
def refuse(context, greeting: str) -> None:
    raise Failure(description=f"gate refused: {greeting}")


# Named like the pipeline so that `spaser status` lists it.
@job(name="spaser_pipeline", tags={"spaser/writes_warehouse": "duckdb"})
def tiny_job():
    say_hello()


@job(name="spaser_pipeline")
def tiny_failing_job():
    refuse(say_hello())


def _record_and_read(instance: DagsterInstance) -> str:
    """Execute a run on the instance, read it back through run and event-log storage."""
    result = tiny_job.execute_in_process(instance=instance, tags={"dagster/partition": "2026-S1"})
    assert result.success
    run = instance.get_run_by_id(result.run_id)
    assert run is not None and run.status == DagsterRunStatus.SUCCESS
    assert run.tags["spaser/writes_warehouse"] == "duckdb"
    assert result.run_id in {r.run_id for r in instance.get_runs(limit=5)}
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert "hello from the instance test" in messages
    return result.run_id


def _concurrency(instance: DagsterInstance):
    return instance.get_concurrency_config().run_queue_config


@pytest.fixture
def clean_env(monkeypatch):
    for var in [*PG_VARS, "DAGSTER_HOME"]:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


# -- choosing the instance ------------------------------------------------------------------


def test_sqlite_is_the_default():
    assert postgres_url({}) is None
    assert instance_env({}) == {"DAGSTER_HOME": str(SQLITE_HOME)}


def test_postgres_from_one_url():
    env = {PG_URL: "postgresql://spaser:s3cret@db.internal:5433/dagster"}
    # the driver is named: SQLAlchemy >= 2.1 would pick psycopg 3, dagster-postgres ships psycopg2
    assert instance_env(env) == {
        PG_URL: "postgresql+psycopg2://spaser:s3cret@db.internal:5433/dagster",
        "DAGSTER_HOME": str(POSTGRES_HOME),
    }
    assert masked(postgres_url(env)) == "postgresql+psycopg2://spaser:***@db.internal:5433/dagster"


def test_postgres_from_host_user_password_db():
    env = {
        "SPASER_DAGSTER_PG_HOST": "db",
        "SPASER_DAGSTER_PG_USER": "spaser",
        "SPASER_DAGSTER_PG_PASSWORD": "p@ss:w/rd",
        "SPASER_DAGSTER_PG_DB": "dagster_spaser",
    }
    assert postgres_url(env) == "postgresql+psycopg2://spaser:p%40ss%3Aw%2Frd@db:5432/dagster_spaser"
    assert instance_env(env)["DAGSTER_HOME"] == str(POSTGRES_HOME)


def test_an_explicit_dagster_home_wins():
    env = {"DAGSTER_HOME": "/srv/dagster", PG_URL: "postgresql+psycopg2://x@y/z"}
    assert "DAGSTER_HOME" not in instance_env(env)


def test_cli_reports_the_instance(clean_env):
    env = {k: v for k, v in os.environ.items() if k not in PG_VARS and k != "DAGSTER_HOME"}
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "instance"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert f"DAGSTER_HOME={SQLITE_HOME}" in out and "SQLite" in out
    env[PG_URL] = "postgresql://spaser:s3cret@db.internal/dagster"
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "instance"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert f"DAGSTER_HOME={POSTGRES_HOME}" in out and "spaser:***@db.internal" in out and "s3cret" not in out


def test_makefile_chooses_the_same_home():
    def home(extra):
        env = {k: v for k, v in os.environ.items() if k not in PG_VARS} | extra
        out = subprocess.run(
            ["make", "-s", "-p", "-n", "ui"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
        ).stdout
        return next(line.split(":=", 1)[1].strip() for line in out.splitlines() if line.startswith("DAGSTER_HOME :="))

    assert home({}) == str(SQLITE_HOME)
    assert home({"SPASER_DAGSTER_PG_HOST": "db"}) == str(POSTGRES_HOME)
    assert home({PG_URL: "postgresql://x@y/z"}) == str(POSTGRES_HOME)


# -- single writer --------------------------------------------------------------------------


def test_both_instance_files_keep_one_writer():
    sqlite_cfg = yaml.safe_load((SQLITE_HOME / "dagster.yaml").read_text())
    pg_cfg = yaml.safe_load((POSTGRES_HOME / "dagster.yaml").read_text())
    assert sqlite_cfg["concurrency"] == pg_cfg["concurrency"]
    assert sqlite_cfg["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert {"key": "spaser/writes_warehouse", "limit": 1} in sqlite_cfg["concurrency"]["runs"]["tag_concurrency_limits"]
    assert set(sqlite_cfg) - {"storage"} == set(pg_cfg) - {"storage"}


def test_the_pipeline_run_carries_the_writer_tag():
    from orchestration.definitions import defs

    assert defs.resolve_job_def("spaser_pipeline").tags["spaser/writes_warehouse"] == "duckdb"


# -- SQLite ---------------------------------------------------------------------------------


def test_sqlite_instance_records_and_reads_a_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # dagster.yaml keeps its storage relative to the working directory
    instance = DagsterInstance.from_config(str(SQLITE_HOME))
    try:
        assert type(instance.run_storage) is SpaserSqliteRunStorage
        assert type(instance.event_log_storage) is SpaserSqliteEventLogStorage
        assert type(instance.schedule_storage).__name__ == "SqliteScheduleStorage"
        queue = _concurrency(instance)
        assert queue.max_concurrent_runs == 1
        assert queue.tag_concurrency_limits == [{"key": "spaser/writes_warehouse", "limit": 1}]
        run_id = _record_and_read(instance)
    finally:
        instance.dispose()
    assert (tmp_path / ".dagster" / "storage" / "history" / "runs.db").exists()
    # a second instance on the same files sees the run: it was persisted, not kept in memory
    again = DagsterInstance.from_config(str(SQLITE_HOME))
    try:
        assert again.get_run_by_id(run_id) is not None
    finally:
        again.dispose()


def test_sqlite_storage_keeps_its_engines(tmp_path, monkeypatch):
    """A run's ~20 events and reads go through one engine per database file, not one each."""
    created = []
    real = dagster_storage.create_engine
    monkeypatch.setattr(dagster_storage, "create_engine", lambda *a, **k: created.append(a[0]) or real(*a, **k))
    monkeypatch.chdir(tmp_path)  # dagster.yaml keeps its storage relative to the working directory
    instance = DagsterInstance.from_config(str(SQLITE_HOME))
    try:
        run_id = _record_and_read(instance)
        _record_and_read(instance)
        events = instance.event_log_storage
        # runs.db, index.db and one shard per run, each engine created once
        assert sorted(created) == sorted(set(created))
        assert {c.rsplit("/", 1)[1] for c in created} >= {"runs.db", "index.db", f"{run_id}.db"}
        assert len(events.engines) <= dagster_storage.MAX_ENGINES
    finally:
        instance.dispose()
    assert len(events.engines) == 0


def test_a_wal_file_commits_without_waiting_for_the_disk(tmp_path):
    """synchronous=NORMAL (1) only on a file in WAL mode, where SQLite keeps it safe from
    corruption; a file in another journal mode keeps FULL (2)."""
    import sqlite3

    wal, other = tmp_path / "wal.db", tmp_path / "delete.db"
    with sqlite3.connect(wal) as con:
        con.execute("PRAGMA journal_mode=WAL")
    cache = dagster_storage.EngineCache()
    try:
        for path, expected in ((wal, 1), (other, 2)):
            for _ in range(2):  # the pooled connection is set once and stays so
                with cache.get(f"sqlite:///{path}").connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == expected, path
        # a file that turns to WAL after its first connection (a new shard: Dagster sets it)
        with cache.get(f"sqlite:///{other}").connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        with cache.get(f"sqlite:///{other}").connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    finally:
        cache.dispose()


def test_has_table_answers_as_dagster_s_through_the_kept_engine(tmp_path, monkeypatch):
    """Dagster's has_table creates an engine per call (~0.9 ms; ~900 calls a demo semester's
    run); ours answers the same from the index file's kept engine, and remembers a found table."""
    monkeypatch.chdir(tmp_path)
    with DagsterInstance.from_config(str(SQLITE_HOME)) as instance:
        _record_and_read(instance)
        ours = instance.event_log_storage
        stock = SqliteEventLogStorage(ours._base_dir)
        for table in ("dynamic_partitions", "asset_check_executions", "asset_event_tags", "no_such_table"):
            assert ours.has_table(table) == stock.has_table(table), table
        assert ours._tables_found == {"dynamic_partitions", "asset_check_executions", "asset_event_tags"}
        created = []
        monkeypatch.setattr(dagster_storage, "create_engine", lambda *a, **k: created.append(a[0]))
        assert ours.has_table("dynamic_partitions") and not ours.has_table("no_such_table")
        assert created == []  # the index file's engine was kept


def test_schema_questions_answer_as_dagster_s_and_are_asked_once(tmp_path, monkeypatch):
    """Dagster asks whether asset_keys has a column and whether a data migration is done for each
    asset event (~1 100 questions a demo semester's run); ours answers as Dagster's class, and
    asks the file again only for what it did not find."""
    monkeypatch.chdir(tmp_path)
    with DagsterInstance.from_config(str(SQLITE_HOME)) as instance:
        _record_and_read(instance)
        ours = instance.event_log_storage
        stock = SqliteEventLogStorage(ours._base_dir)
        columns = ("last_materialization_timestamp", "wipe_timestamp", "no_such_column")
        indexes = ("asset_key_table", "asset_key_index_columns", "no_such_migration")
        for column in columns:
            assert ours.has_asset_key_col(column) == stock.has_asset_key_col(column), column
        for index in indexes:
            assert ours.has_secondary_index(index) == stock.has_secondary_index(index), index
        assert ours.can_read_asset_status_cache() == stock.can_read_asset_status_cache()
        # with what the recorded run asked for (cached_status_data, ...)
        assert {"last_materialization_timestamp", "wipe_timestamp"} <= ours._asset_key_columns_found
        assert {"asset_key_table", "asset_key_index_columns"} <= ours._secondary_indexes_found
        assert "no_such_column" not in ours._asset_key_columns_found
        assert "no_such_migration" not in ours._secondary_indexes_found

        statements = []
        engine = ours.engines.get(ours.conn_string_for_shard("index"))
        listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        sqlalchemy.event.listen(engine, "before_cursor_execute", listen)
        try:
            assert ours.has_asset_key_col("wipe_timestamp") and ours.has_secondary_index("asset_key_table")
            assert ours.can_read_asset_status_cache()
            assert statements == []  # found once, never asked again
            assert not ours.has_asset_key_col("no_such_column") and not ours.has_secondary_index("no_such_migration")
            assert len(statements) == 2  # what was missing is asked each time
        finally:
            sqlalchemy.event.remove(engine, "before_cursor_execute", listen)


def test_a_partition_found_is_asked_once_until_deleted(tmp_path, monkeypatch):
    """Dagster checks that the run's partition exists for each event it stores (434 queries a
    demo semester's run): ours answers as Dagster's, asks once for a partition found, and
    forgets it when it deletes it."""
    monkeypatch.chdir(tmp_path)
    with DagsterInstance.from_config(str(SQLITE_HOME)) as instance:
        ours = instance.event_log_storage
        stock = SqliteEventLogStorage(ours._base_dir)
        ours.add_dynamic_partitions("semesters", ["2025-S2", "2026-S1"])
        for key in ("2025-S2", "2026-S1", "2027-S1"):
            assert ours.has_dynamic_partition("semesters", key) == stock.has_dynamic_partition("semesters", key)
        assert not ours.has_dynamic_partition("other", "2025-S2")

        statements = []
        engine = ours.engines.get(ours.conn_string_for_shard("index"))
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        sqlalchemy.event.listen(engine, "before_cursor_execute", listen)
        try:
            assert ours.has_dynamic_partition("semesters", "2025-S2")
            assert statements == []
            assert not ours.has_dynamic_partition("semesters", "2027-S1") and len(statements) == 1
        finally:
            sqlalchemy.event.remove(engine, "before_cursor_execute", listen)
        instance.delete_dynamic_partition("semesters", "2025-S2")
        assert not ours.has_dynamic_partition("semesters", "2025-S2")
        assert ours.has_dynamic_partition("semesters", "2026-S1")


def test_engine_cache_drops_the_least_recently_used(tmp_path):
    cache = dagster_storage.EngineCache(size=2)
    a, b, c = (f"sqlite:///{tmp_path / n}.db" for n in "abc")
    first = cache.get(a)
    cache.get(b)
    assert cache.get(a) is first  # a is now the most recent
    cache.get(c)  # drops b
    assert len(cache) == 2 and cache.get(a) is first
    cache.dispose()
    assert len(cache) == 0


def test_sqlite_storage_files_are_dagster_s_own(tmp_path):
    """The same base_dir read by Dagster's `storage: sqlite:` and by ours, in both directions: a
    home switches between them without migrating."""
    ours = tmp_path / "ours"
    write_local_instance(ours)
    stock = tmp_path / "stock"
    stock.mkdir()
    (stock / "dagster.yaml").write_text(yaml.safe_dump({"storage": {"sqlite": {"base_dir": str(ours / "storage")}}}))

    with DagsterInstance.from_config(str(ours)) as instance:
        assert type(instance.event_log_storage) is SpaserSqliteEventLogStorage
        first = _record_and_read(instance)
    with DagsterInstance.from_config(str(stock)) as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage
        assert "hello from the instance test" in [e.user_message for e in instance.all_logs(first)]
        second = _record_and_read(instance)
    with DagsterInstance.from_config(str(ours)) as instance:
        assert {first, second} <= {r.run_id for r in instance.get_runs()}
        # a subprocess (run worker, code server) rebuilds the same storage from the instance ref
        ref = instance.get_ref()
        assert ref.storage_data.class_name == "SpaserSqliteStorage"
        assert type(DagsterInstance.from_ref(ref).event_log_storage) is SpaserSqliteEventLogStorage


def test_a_local_instance_is_configured_as_the_cli_s(tmp_path):
    """Tests and the benchmark give the CLI its own Dagster home: the repository's configuration
    (storage class, run limits), with every local folder under that home."""
    home = tmp_path / "dagster"
    written = yaml.safe_load(write_local_instance(home).read_text())
    repo = yaml.safe_load((SQLITE_HOME / "dagster.yaml").read_text())
    assert written["concurrency"] == repo["concurrency"] and set(written) == set(repo)
    assert written["storage"]["custom"]["class"] == "SpaserSqliteStorage"
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage) is SpaserSqliteEventLogStorage
        _record_and_read(instance)
    assert (home / "storage" / "history" / "runs.db").exists()


def test_the_overridden_dagster_methods_still_exist():
    """dagster_storage overrides Dagster's methods, some private: an upgrade of Dagster that renames
    or changes them must fail here, not leave the override unused."""
    assert list(inspect.signature(SqliteEventLogStorage._connect).parameters) == ["self", "shard"]
    assert list(inspect.signature(SqliteRunStorage.connect).parameters) == ["self"]
    assert list(inspect.signature(SqliteEventLogStorage.has_table).parameters) == ["self", "table_name"]
    assert list(inspect.signature(SqliteEventLogStorage.has_asset_key_col).parameters) == ["self", "column_name"]
    assert list(inspect.signature(SqliteEventLogStorage._has_asset_key_col_on_connection).parameters) == [
        "self",
        "conn",
        "column_name",
    ]
    assert list(inspect.signature(SqliteEventLogStorage.has_secondary_index).parameters) == ["self", "name"]
    for method in (SqliteEventLogStorage.has_dynamic_partition, SqliteEventLogStorage.delete_dynamic_partition):
        assert list(inspect.signature(method).parameters) == ["self", "partitions_def_name", "partition_key"]
    assert "_has_asset_key_col_on_connection" in inspect.getsource(SqliteEventLogStorage.has_asset_key_col)
    assert "create_engine" in inspect.getsource(SqliteEventLogStorage._connect)
    assert "create_engine" in inspect.getsource(SqliteRunStorage.connect)


# -- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def pg_database():
    """A fresh database on the test server; its SQLAlchemy URL. Dropped afterwards."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {masked(ADMIN_URL)} (set SPASER_TEST_PG_ADMIN_URL): {exc}".strip())
    admin.autocommit = True
    name = f"spaser_dagster_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield postgres_url({PG_URL: f"{base}/{name}"}), name, admin
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_postgres_instance_records_and_reads_a_run(pg_database, monkeypatch, tmp_path):
    url, name, _ = pg_database
    monkeypatch.setenv(PG_URL, url)
    monkeypatch.chdir(tmp_path)  # local artifacts and compute logs stay relative
    instance = DagsterInstance.from_config(str(POSTGRES_HOME))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert _concurrency(instance).max_concurrent_runs == 1
        run_id = _record_and_read(instance)
        assert instance.all_instigator_state() == []  # schedule storage answers
    finally:
        instance.dispose()

    import psycopg2

    con = psycopg2.connect(url.replace("+psycopg2", ""))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT status FROM runs WHERE run_id = %s", [run_id])
            assert cur.fetchone() == ("SUCCESS",)
            cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", [run_id])
            assert cur.fetchone()[0] > 0
    finally:
        con.close()
    assert not (tmp_path / ".dagster" / "storage").exists()  # nothing went to SQLite


def test_spaser_status_reads_the_postgres_instance(pg_database, monkeypatch, tmp_path):
    """The CLI alone picks instances/postgres/ from SPASER_DAGSTER_PG_* and shows a failed run."""
    url, name, _ = pg_database
    monkeypatch.setenv(PG_URL, url)
    monkeypatch.chdir(tmp_path)
    instance = DagsterInstance.from_config(str(POSTGRES_HOME))
    try:
        failed = tiny_failing_job.execute_in_process(
            instance=instance, raise_on_error=False, tags={"dagster/partition": "2025-S2"}
        )
        assert not failed.success
    finally:
        instance.dispose()

    # host/user/db variables instead of the URL, and no DAGSTER_HOME: the CLI composes both
    admin = ADMIN_URL.split("://", 1)[1]
    user, _, rest = admin.partition("@")
    hostport = rest.split("/", 1)[0]
    host, _, port = hostport.partition(":")
    env = {k: v for k, v in os.environ.items() if k not in PG_VARS and k != "DAGSTER_HOME"}
    env |= {
        "SPASER_DAGSTER_PG_HOST": host,
        "SPASER_DAGSTER_PG_PORT": port or "5432",
        "SPASER_DAGSTER_PG_USER": user.split(":")[0],
        "SPASER_DAGSTER_PG_DB": name,
    }
    if ":" in user:
        env["SPASER_DAGSTER_PG_PASSWORD"] = user.split(":", 1)[1]
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "status"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert failed.run_id in out.stdout and "2025-S2" in out.stdout and "FAILURE" in out.stdout
    assert "gate refused: hello" in out.stdout
