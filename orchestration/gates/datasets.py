"""The DataFrames each GX suite validates, fetched from DuckDB opened read-only.

Only the columns a suite needs are fetched, with derived columns computed in SQL (SIRET check
digit, quarantine share) so that the expectations stay declarative in the committed suites.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..settings import duckdb_memory_limit

_SIRET_MACRO = """
CREATE OR REPLACE TEMP MACRO siret_ok(s) AS CASE
    WHEN s IS NULL OR NOT regexp_matches(s, '^[0-9]{14}$') THEN false
    WHEN list_sum(list_transform(range(1, 15), lambda i: CASE WHEN i % 2 = 1
        THEN (CAST(substr(s, i, 1) AS INTEGER) * 2) % 10 + (CAST(substr(s, i, 1) AS INTEGER) * 2) // 10
        ELSE CAST(substr(s, i, 1) AS INTEGER) END)) % 10 = 0 THEN true
    WHEN substr(s, 1, 9) = '356000000'
        THEN list_sum(list_transform(range(1, 15), lambda i: CAST(substr(s, i, 1) AS INTEGER))) % 5 = 0
    ELSE false END
"""


@dataclass(frozen=True)
class Dataset:
    suite: str  # GX suite and dataframe asset name
    index_columns: list[str]  # columns naming a failing row (lineage for raw data)
    sql: str


def _column_notes_sql() -> str:
    """1 when a file's ingest notes say its header differs from the column contract (a column
    ignored, an optional one absent or likely renamed, a duplicate), else 0."""
    from ..ingest.text import COLUMN_NOTES

    hits = " OR ".join(f"contains(coalesce(notes, ''), '{n.replace(chr(39), chr(39) * 2)}')" for n in COLUMN_NOTES)
    return f"CASE WHEN {hits} THEN 1 ELSE 0 END"


INGEST_LOG = Dataset(
    suite="ingest_log",
    index_columns=["feed", "raw_table", "source_file"],
    sql=f"""
        SELECT feed, raw_table, source_file, rows_read, rows_loaded, rows_quarantined,
               CASE WHEN rows_read = 0 THEN 0.0 ELSE rows_quarantined / rows_read END AS quarantined_share,
               rows_read - rows_loaded - rows_quarantined AS rows_unaccounted,
               {_column_notes_sql()} AS columns_off_contract
        FROM meta.ingest_log
        WHERE superseded_at IS NULL
        ORDER BY feed, source_file
    """,
)

MART_INDICATEURS = Dataset(
    suite="mart_spaser_indicateurs",
    index_columns=["org_id", "period", "indicator_id"],
    sql="""
        SELECT
            m.*,
            count(*) OVER (PARTITION BY m.org_id, m.period_type, m.period) AS indicators_in_period,
            (SELECT count(*) FROM reference.spaser_indicateurs) AS catalogue_size,
            count(*) OVER (PARTITION BY m.org_id, m.period_type, m.period, m.indicator_id) AS rows_per_key,
            m.indicator_id IN (SELECT indicator_id FROM reference.spaser_indicateurs) AS in_catalogue
        FROM marts.mart_spaser_indicateurs AS m
        ORDER BY m.org_id, m.period_type, m.period, m.indicator_id
    """,
)


def feed_coverage_sql(semester: str) -> str:
    """Rows each required feed holds for the organisation and the semester (0 when none).

    Required feeds per organisation are configuration: configuration file organisation_flux.csv.
    """
    from ..feeds import all_feeds

    parts = [f"SELECT * FROM ({feed.coverage_sql(semester)})" for feed in all_feeds() if feed.coverage_sql]
    measured = " UNION ALL ".join(parts) or "SELECT NULL AS org_id, NULL AS feed, 0 AS rows_in_semester"
    return f"""
        WITH measured AS ({measured})
        SELECT r.org_id, '{semester}' AS semester, r.feed, coalesce(sum(m.rows_in_semester), 0) AS rows_in_semester
        FROM reference.organisation_flux AS r
        LEFT JOIN measured AS m ON m.org_id = r.org_id AND m.feed = r.feed
        WHERE r.required
        GROUP BY r.org_id, r.feed
        ORDER BY r.org_id, r.feed
    """


def fetch(warehouse: Path, sql: str) -> pd.DataFrame:
    con = connect(warehouse)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def connect(warehouse: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse opened read-only, with the macros the suites' SQL uses, and DuckDB's memory
    capped as the pipeline's other connections (settings.duckdb_memory_limit): uncapped, the raw
    DECP gate's query alone took ~950 MiB at 1.5 million contracts (80 % of the machine allowed)."""
    con = duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": duckdb_memory_limit(memory_limit)})
    con.execute(_SIRET_MACRO)
    return con


def fetch_for_suite(
    warehouse: Path,
    suite: str,
    sql: str,
    con: duckdb.DuckDBPyConnection | None = None,
    memory_limit: str | None = None,
) -> tuple[pd.DataFrame, int, bool]:
    """(frame for GX, rows of the whole dataset, prefiltered?): the rows that can fail an
    expectation of `suite` when every expectation is a row test (gates/prefilter.py), else all.
    On `con` (see connect()) when given: a step validating many tables opens the warehouse once."""
    from .prefilter import flagged_sql

    flagged = flagged_sql(suite, sql)
    own = con is None
    con = connect(warehouse, memory_limit) if own else con
    try:
        if flagged is None:
            df = con.execute(sql).df()
            return df, len(df), False
        df = con.execute(flagged).df()  # one pass: the whole frame's size rides along
        total = int(df["__spaser_total"].iloc[0]) if len(df) else 0
        return df.drop(columns="__spaser_total"), total, True
    finally:
        if own:
            con.close()
