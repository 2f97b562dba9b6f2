"""File ingestion with row accounting, shared by every feed.

A feed supplies a *reader*: a function that streams `(source_row, values | Quarantine)` pairs from
one file. This module does the rest, identically for every feed:

- hashes the file (streaming) and skips it when the same content was already loaded;
- supersedes the rows of an earlier version of the same file (same relative path, new hash);
- writes typed rows to `raw.<table>` and untypeable rows to `quarantine.<table>` with the reason,
  in batches and inside one transaction per file, so a file that fails half-way leaves nothing;
- records rows read / loaded / quarantined per file in `meta.ingest_log`, and asserts that
  read = loaded + quarantined before committing.

A file that cannot be read at all raises `IngestError` naming the file and the position.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

BATCH_ROWS = 20_000

LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("_source_file", "VARCHAR"),
    ("_source_sha256", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_ingested_at", "TIMESTAMP"),
]


class IngestError(Exception):
    """A file that cannot be read at all: the message names the file and the position."""


@dataclass(frozen=True)
class Quarantine:
    """A row that cannot be typed: why, which field, and the raw text kept for the auditor."""

    reason: str
    field: str | None
    raw: str


@dataclass(frozen=True)
class FeedTable:
    feed: str  # e.g. "decp"
    table: str  # raw.<table> and quarantine.<table>
    columns: list[tuple[str, str]]  # (name, DuckDB type) of the typed payload, lineage excluded

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(name, _arrow_type(t)) for name, t in self.columns])


@dataclass
class FileResult:
    feed: str
    file: str
    sha256: str
    status: str  # loaded | unchanged | superseded_previous | withdrawn
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    # what the reader noticed about the file as a whole (unknown, absent or renamed columns)
    notes: list[str] = field(default_factory=list)


Reader = Callable[[Path], Iterator[tuple[int, dict | Quarantine]]]


@dataclass(frozen=True)
class BulkReader:
    """A set-based reader for large files: SQL loads most rows, Python the rest.

    - `prepare(con, path)` runs before the file's transaction and writes nothing to the
      warehouse; it returns a handle, or None to read the file with the row reader instead;
    - `load(con, handle, target, rel, sha256, now)` inserts rows into raw.<table> inside the
      transaction and returns how many;
    - `rest(handle)` streams the other records as a Reader does (rows or Quarantine), and
      `records(handle)` is how many records the file holds: the framework asserts that
      records = rows loaded by SQL + rows from `rest`, and that raw.<table> holds them;
    - `close(handle)` releases temporary files.
    """

    prepare: Callable[[duckdb.DuckDBPyConnection, Path], object | None]
    load: Callable[..., int]
    rest: Callable[[object], Iterator[tuple[int, dict | Quarantine]]]
    records: Callable[[object], int]
    close: Callable[[object], None]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ensure_tables(con: duckdb.DuckDBPyConnection, target: FeedTable) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    cols = ", ".join(f'"{n}" {t}' for n, t in target.columns + LINEAGE_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{target.table} ({cols})")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS quarantine.{target.table} (
            _source_file VARCHAR, _source_sha256 VARCHAR, _source_row BIGINT,
            _ingested_at TIMESTAMP, reason VARCHAR, field VARCHAR, raw_value VARCHAR)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS meta.ingest_log (
            feed VARCHAR, raw_table VARCHAR, source_file VARCHAR, source_sha256 VARCHAR,
            file_bytes BIGINT, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
            ingested_at TIMESTAMP, superseded_at TIMESTAMP, superseded_by VARCHAR)"""
    )
    # why a file left the build without a new version (withdrawn); warehouses built before it
    # existed get the column on their next ingest
    con.execute("ALTER TABLE meta.ingest_log ADD COLUMN IF NOT EXISTS withdrawn_reason VARCHAR")
    con.execute("ALTER TABLE meta.ingest_log ADD COLUMN IF NOT EXISTS notes VARCHAR")
    con.execute(
        """CREATE TABLE IF NOT EXISTS meta.withdrawal_requests (
            raw_table VARCHAR, source_file VARCHAR, reason VARCHAR, requested_at TIMESTAMP, requested_by VARCHAR)"""
    )


# A file that was loaded and is no longer in its landing folder was withdrawn (delivered by
# mistake, replaced under another name): its rows leave the next build, the log keeps when and
# why. A landing folder that does not exist at all withdraws nothing: an unmounted share must
# not empty the warehouse.
WITHDRAWN_ABSENT = "fichier retiré du dossier de dépôt"


def _delete_file_rows(con, target: FeedTable, rel: str, sha: str) -> None:
    """The rows one version of a file put in raw and quarantine (superseded or withdrawn)."""
    for schema in ("raw", "quarantine"):
        con.execute(f"DELETE FROM {schema}.{target.table} WHERE _source_file = ? AND _source_sha256 = ?", [rel, sha])


def withdraw_absent(
    con, target: FeedTable, root: Path, present: set[str], now=None, prefix: str = ""
) -> list[FileResult]:
    """Withdraw the loaded files of `target` from the landing folder `root` (keys starting with
    `prefix`; no `/` in the rest for the shared folder) that are not in `present` (keys: the
    whole content of the folder)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if not root.is_dir():
        return []
    loaded = con.execute(
        """SELECT source_file, source_sha256 FROM meta.ingest_log
           WHERE raw_table = ? AND superseded_at IS NULL ORDER BY source_file""",
        [target.table],
    ).fetchall()
    results = []
    for rel, sha in loaded:
        if rel in present or not rel.startswith(prefix) or (not prefix and "/" in rel):
            continue
        request = con.execute(
            """SELECT reason, requested_by FROM meta.withdrawal_requests WHERE raw_table = ? AND source_file = ?
               ORDER BY requested_at DESC LIMIT 1""",
            [target.table, rel],
        ).fetchone()
        reason = (
            f"{request[0]} ({request[1]})" if request and request[1] else (request[0] if request else WITHDRAWN_ABSENT)
        )
        con.execute("BEGIN TRANSACTION")
        try:
            _delete_file_rows(con, target, rel, sha)
            con.execute(
                """UPDATE meta.ingest_log SET superseded_at = ?, withdrawn_reason = ?
                   WHERE raw_table = ? AND source_file = ? AND source_sha256 = ? AND superseded_at IS NULL""",
                [now, reason, target.table, rel, sha],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        results.append(FileResult(target.feed, rel, sha, "withdrawn"))
    return results


def request_withdrawal(con, target: FeedTable, rel: str, reason: str, by: str | None, now) -> None:
    """Record why a file is being withdrawn; applied when the next ingest finds it gone."""
    ensure_tables(con, target)
    con.execute("INSERT INTO meta.withdrawal_requests VALUES (?, ?, ?, ?, ?)", [target.table, rel, reason, now, by])


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    target: FeedTable,
    root: Path,
    files: list[Path],
    reader: Reader,
    now: dt.datetime | None = None,
    bulk: Callable[[Path], BulkReader | None] | None = None,
    prefix: str = "",
) -> list[FileResult]:
    """Load each file once; the key of a file is `prefix` + its path relative to `root` (the
    prefix names another organisation's landing folder: `<org_id>/`). `bulk(path)` may give a
    BulkReader for the file (large-file fast path); the row reader is used otherwise."""
    ensure_tables(con, target)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return [_ingest_one(con, target, root, path, reader, now, bulk and bulk(path), prefix) for path in sorted(files)]


def _ingest_one(
    con,
    target: FeedTable,
    root: Path,
    path: Path,
    reader: Reader,
    now,
    bulk: BulkReader | None = None,
    prefix: str = "",
) -> FileResult:
    rel = prefix + path.relative_to(root).as_posix()
    current = con.execute(
        """SELECT source_sha256 FROM meta.ingest_log
           WHERE raw_table = ? AND source_file = ? AND superseded_at IS NULL""",
        [target.table, rel],
    ).fetchall()
    if current or bulk is None:
        digest = sha256_of(path)
        if any(sha == digest for (sha,) in current):
            return FileResult(target.feed, rel, digest, "unchanged")
        handle = bulk.prepare(con, path) if bulk else None
    else:  # a new file is loaded whatever its hash: hashed while the bulk reader prepares it
        digest, handle = _hashed_while(path, bulk, con)
    result = FileResult(target.feed, rel, digest, "superseded_previous" if current else "loaded")
    try:
        _load_file(con, target, path, rel, digest, reader, now, result, current, bulk if handle else None, handle)
    finally:
        if handle is not None:
            bulk.close(handle)
    return result


def _hashed_while(path: Path, bulk: BulkReader, con) -> tuple[str, object]:
    """(sha256 of `path`, bulk.prepare(con, path)), the hash taken in another thread (hashlib
    leaves the interpreter to the reader). An unreadable file fails on its hash, as when hashed
    first; a prepared handle is closed if the hash fails."""
    with ThreadPoolExecutor(1) as pool:
        hashing = pool.submit(sha256_of, path)
        try:
            handle = bulk.prepare(con, path)
        except BaseException:
            hashing.result()
            raise
        try:
            return hashing.result(), handle
        except BaseException:
            if handle is not None:
                bulk.close(handle)
            raise


def _load_file(con, target, path, rel, digest, reader, now, result, current, bulk, handle) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        # A new version of a file replaces the rows of the old one, which stay traceable in the log.
        for (old_sha,) in current:
            _delete_file_rows(con, target, rel, old_sha)
            con.execute(
                """UPDATE meta.ingest_log SET superseded_at = ?, superseded_by = ?
                   WHERE raw_table = ? AND source_file = ? AND source_sha256 = ?""",
                [now, digest, target.table, rel, old_sha],
            )
        if bulk is None:
            _stream_into_tables(con, target, path, rel, digest, reader, now, result)
        else:
            by_sql = bulk.load(con, handle, target, rel, digest, now)
            _stream_into_tables(con, target, path, rel, digest, lambda _: bulk.rest(handle), now, result)
            result.rows_read += by_sql
            result.rows_loaded += by_sql
            records = bulk.records(handle)
            if result.rows_read != records:
                raise AssertionError(f"{rel}: {records} records but {result.rows_read} rows read")
            in_raw, in_quarantine = (
                con.execute(
                    f"SELECT count(*) FROM {schema}.{target.table} WHERE _source_file = ? AND _source_sha256 = ?",
                    [rel, digest],
                ).fetchone()[0]
                for schema in ("raw", "quarantine")
            )
            if (in_raw, in_quarantine) != (result.rows_loaded, result.rows_quarantined):
                raise AssertionError(f"{rel}: tables hold {in_raw} + {in_quarantine} rows, expected {result}")
        if result.rows_read != result.rows_loaded + result.rows_quarantined:
            raise AssertionError(f"{rel}: row accounting broken: {result}")
        con.execute(
            """INSERT INTO meta.ingest_log (feed, raw_table, source_file, source_sha256, file_bytes, rows_read,
                   rows_loaded, rows_quarantined, ingested_at, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                target.feed,
                target.table,
                rel,
                digest,
                path.stat().st_size,
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                now,
                "; ".join(result.notes) or None,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _stream_into_tables(con, target, path, rel, digest, reader, now, result: FileResult) -> None:
    names = [n for n, _ in target.columns]
    batch: dict[str, list] = {n: [] for n in names + ["_source_row"]}
    quarantined: list[tuple] = []

    def flush() -> None:
        if batch["_source_row"]:
            table = pa.table(
                {n: pa.array(batch[n], type=target.arrow_schema.field(n).type) for n in names}
                | {"_source_row": pa.array(batch["_source_row"], type=pa.int64())}
            )
            con.register("_ingest_batch", table)
            select = ", ".join(f'"{n}"' for n in names)
            con.execute(
                f"""INSERT INTO raw.{target.table}
                    SELECT {select}, ?, ?, _source_row, ? FROM _ingest_batch""",
                [rel, digest, now],
            )
            con.unregister("_ingest_batch")
            for values in batch.values():
                values.clear()
        if quarantined:
            columns = list(zip(*quarantined))
            table = pa.table(
                {
                    "_source_row": pa.array(columns[0], type=pa.int64()),
                    "reason": pa.array(columns[1], type=pa.string()),
                    "field": pa.array(columns[2], type=pa.string()),
                    "raw_value": pa.array(columns[3], type=pa.string()),
                }
            )
            con.register("_quarantine_batch", table)
            con.execute(
                f"""INSERT INTO quarantine.{target.table}
                    SELECT ?, ?, _source_row, ?, reason, field, raw_value FROM _quarantine_batch""",
                [rel, digest, now],
            )
            con.unregister("_quarantine_batch")
            quarantined.clear()

    for source_row, item in reader(path):
        result.rows_read += 1
        if isinstance(item, Quarantine):
            result.rows_quarantined += 1
            result.quarantine_reasons[item.reason] = result.quarantine_reasons.get(item.reason, 0) + 1
            quarantined.append((source_row, item.reason, item.field, item.raw[:4000]))
        else:
            result.rows_loaded += 1
            for n in names:
                batch[n].append(item.get(n))
            batch["_source_row"].append(source_row)
        if len(batch["_source_row"]) >= BATCH_ROWS or len(quarantined) >= BATCH_ROWS:
            flush()
    flush()
    from .text import take_notes  # text imports this module

    result.notes += take_notes(path)


_SCALAR_ARROW = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "JSON": pa.string(),
}


def _arrow_type(duck_type: str) -> pa.DataType:
    if duck_type.endswith("[]"):
        return pa.list_(_arrow_type(duck_type[:-2]))
    if duck_type.startswith("STRUCT("):
        inner = duck_type[len("STRUCT(") : -1]
        fields = []
        for part in _split_top_level(inner):
            fname, ftype = part.strip().split(" ", 1)
            fields.append((fname, _arrow_type(ftype.strip())))
        return pa.struct(fields)
    return _SCALAR_ARROW[duck_type]


def _split_top_level(s: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return parts


def compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
