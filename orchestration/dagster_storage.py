"""Dagster's SQLite storage (run history, event log, schedules) with its SQLAlchemy engines kept.

Dagster's SQLite run and event-log storages build a new SQLAlchemy engine for every access to a
database file, then dispose of it: each of the ~1 000 events of a demo semester's run (planned
and reported materializations, checks, logs) paid the engine's set-up and recompiled its
statements, since SQLAlchemy caches compiled statements per engine. Profiled with py-spy, event
storage was about a quarter of a demo run's process (docs/performance.md, session 10).

These subclasses keep one engine per database file (a few, least recently used first out), with
its connection kept open between accesses, and change nothing else: the same files, schema and
transactions (SQLite releases its locks at each commit, so the UI, the daemon and another CLI
process see the files as with Dagster's own classes). A home can switch between
`storage: sqlite:` and this class without migrating.

The overridden methods are partly private to Dagster: tests/test_instance_storage.py checks that
they still exist with the same signature and that an engine is reused, so an upgrade of Dagster
that changes them fails there rather than silently falling back to the slow path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# A CLI run touches three files (runs.db, index.db, its run's shard); the UI reads many run
# shards, so the cache is bounded.
MAX_ENGINES = 16


class EngineCache:
    """SQLAlchemy engines by connection string, the least recently used dropped beyond `size`."""

    def __init__(self, size: int = MAX_ENGINES):
        self._size = size
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn_string: str, **connect_args) -> Engine:
        with self._lock:
            engine = self._engines.pop(conn_string, None)
            if engine is None:
                # A pool of open connections: opening and closing a SQLite file per event was the
                # other half of the cost. SQLite releases its file locks at commit, so other
                # processes see the same behaviour as with a connection per access.
                # A pooled connection may serve another thread later (one at a time).
                engine = create_engine(
                    conn_string,
                    poolclass=QueuePool,
                    pool_size=1,
                    max_overflow=-1,
                    connect_args={"check_same_thread": False, **connect_args},
                )
                event.listen(engine, "checkout", _commit_without_waiting_for_the_disk)
            self._engines[conn_string] = engine
            while len(self._engines) > self._size:
                _, old = self._engines.popitem(last=False)
                old.dispose()
            return engine

    def __len__(self) -> int:
        return len(self._engines)

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


def _commit_without_waiting_for_the_disk(dbapi_connection, record, _proxy) -> None:
    """`synchronous=NORMAL` on a connection to a WAL-mode file (Dagster makes all three kinds
    so): a commit no longer waits for the disk (~0.3 ms each here, a transaction per event).
    In WAL mode SQLite's documentation gives it as safe from corruption; a power cut may lose
    the last transactions, never the file (docs/operations.md). Checked at each checkout until
    the file is in WAL mode: a new shard's first connection comes before Dagster sets it."""
    if record.info.get("synchronous_normal"):
        return
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
            record.info["synchronous_normal"] = True
    finally:
        cursor.close()


class SpaserSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose `_connect` and `has_table` reuse the shard's engine, and which
    remembers what the schema has once found (tables, columns, completed data migrations)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self.engines = EngineCache()
        self._tables_found: set[str] = set()
        self._asset_key_columns_found: set[str] = set()
        self._secondary_indexes_found: set[str] = set()
        self._partitions_found: set[tuple[str, str]] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Dagster's own body, with the engine taken from the cache instead of created and disposed.
        with self._db_lock:
            engine = self.engines.get(self.conn_string_for_shard(shard), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def has_table(self, table_name: str) -> bool:
        """Dagster's asks the index file with an engine of its own, created and disposed of at
        each call (0.88 ms), about 900 calls a demo semester's run (stored materializations,
        checks, partition lookups). A table found stays found (only a migration adds one,
        none removes one); one not found is asked again."""
        if table_name in self._tables_found:
            return True
        engine = self.engines.get(self.conn_string_for_shard(INDEX_SHARD_NAME), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
        with engine.connect() as conn:
            found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables_found.add(table_name)
        return found

    # Dagster asks, for each asset event it stores or reads, whether the asset_keys table has its
    # index columns (a SQLAlchemy inspection of the table) and whether a data migration is done
    # (a query): ~1 100 questions a demo semester's run, 0.2-0.3 ms each. A column or a completed
    # migration found stays found (only `dagster instance migrate` adds them); a missing one is
    # asked again.

    def has_asset_key_col(self, column_name: str) -> bool:
        return column_name in self._asset_key_columns_found or super().has_asset_key_col(column_name)

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        if column_name in self._asset_key_columns_found:
            return True
        found = super()._has_asset_key_col_on_connection(conn, column_name)
        if found:
            self._asset_key_columns_found.add(column_name)
        return found

    def has_secondary_index(self, name: str) -> bool:
        if name in self._secondary_indexes_found:
            return True
        found = super().has_secondary_index(name)
        if found:
            self._secondary_indexes_found.add(name)
        return found

    # Dagster checks that a run's partition exists for each event it stores (434 queries in a demo
    # semester's run, ~0.45 ms each). A partition found stays found until this process deletes
    # it. One deleted by another process meanwhile is still taken as existing here; a run of it
    # started later, in a new process, is refused as usual. The semesters are never deleted by the
    # pipeline (partitions.ensure_semester_partitions only adds them).

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        if (partitions_def_name, partition_key) in self._partitions_found:
            return True
        found = super().has_dynamic_partition(partitions_def_name, partition_key)
        if found:
            self._partitions_found.add((partitions_def_name, partition_key))
        return found

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._partitions_found.discard((partitions_def_name, partition_key))
        super().delete_dynamic_partition(partitions_def_name, partition_key)

    def wipe(self) -> None:
        self._partitions_found.clear()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self.engines.dispose()


class SpaserSqliteRunStorage(SqliteRunStorage):
    """SqliteRunStorage whose `connect` reuses one engine."""

    def __init__(self, conn_string: str, inst_data: ConfigurableClassData | None = None):
        self.engines = EngineCache(size=1)
        super().__init__(conn_string, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engines.get(self._conn_string).connect() as conn:
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        self.engines.dispose()


class SpaserSqliteStorage(DagsterSqliteStorage):
    """`storage: sqlite:` (same `base_dir`, same files) with the two storages above.

    dagster.yaml:  storage: {custom: {module: orchestration.dagster_storage,
                                      class: SpaserSqliteStorage, config: {base_dir: ...}}}
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # DagsterSqliteStorage.__init__ with the two classes above (it would open Dagster's own).
        self.base_dir = base_dir
        self._run_storage = SpaserSqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = SpaserSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)
