"""The DataFrames each GX suite validates, fetched from DuckDB opened read-only.

Only the columns a suite needs are fetched, with derived columns computed in SQL (SIRET check
digit, quarantine share) so that the expectations stay declarative in the committed suites.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

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


RAW_DECP = Dataset(
    suite="raw_decp_marches",
    index_columns=["_source_file", "_source_row", "id"],
    sql="""
        SELECT
            id, acheteur_id, format_version, contract_kind, nature, procedure, forme_prix,
            -- ISO text: compares correctly for any year (0222-04-29 too) in pandas and GX
            CAST(date_notification AS VARCHAR) AS date_notification,
            CAST(date_publication_donnees AS VARCHAR) AS date_publication_donnees,
            montant,
            CAST(CAST(_ingested_at AS DATE) AS VARCHAR) AS ingested_date,
            siret_ok(acheteur_id) AS acheteur_siret_valide,
            len(list_filter(coalesce(titulaires, []), lambda t: coalesce(t.type_identifiant, 'SIRET') = 'SIRET'
                AND NOT siret_ok(t.id))) AS titulaires_siret_invalides,
            array_to_string(considerations_sociales, '|') AS considerations_sociales,
            array_to_string(considerations_environnementales, '|') AS considerations_environnementales,
            coalesce(len(modifications), 0) AS nombre_modifications,
            _source_file, _source_row
        FROM raw.decp_marches
        ORDER BY _source_file, record_path, _source_row
    """,
)

RAW_PROCEDURES = Dataset(
    suite="raw_procedures_internes",
    index_columns=["_source_file", "_source_row", "id_marche"],
    sql="""
        SELECT *, siret_ok(siret_acheteur) AS siret_acheteur_valide
        FROM raw.procedures_internes
        ORDER BY _source_file, _source_row
    """,
)

INGEST_LOG = Dataset(
    suite="ingest_log",
    index_columns=["feed", "source_file"],
    sql="""
        SELECT feed, source_file, rows_read, rows_loaded, rows_quarantined,
               CASE WHEN rows_read = 0 THEN 0.0 ELSE rows_quarantined / rows_read END AS quarantined_share,
               rows_read - rows_loaded - rows_quarantined AS rows_unaccounted
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
    """Rows each marché-feed source holds for the organisations' contracts of the semester."""
    return f"""
        WITH orgs AS (SELECT org_id FROM reference.organisations)
        SELECT o.org_id, '{semester}' AS semester, f.feed,
               coalesce(c.n, 0) AS rows_in_semester
        FROM orgs AS o
        CROSS JOIN (VALUES ('decp'), ('procedures')) AS f(feed)
        LEFT JOIN (
            SELECT org_id, 'decp' AS feed, count(*) AS n FROM marts.fct_marches
            WHERE semestre = '{semester}' GROUP BY org_id
            UNION ALL
            SELECT org_id, 'procedures' AS feed, count(*) AS n FROM marts.fct_marches
            WHERE semestre = '{semester}' AND has_procedure_interne GROUP BY org_id
        ) AS c ON c.org_id = o.org_id AND c.feed = f.feed
        ORDER BY o.org_id, f.feed
    """


def fetch(warehouse: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(_SIRET_MACRO)
        return con.execute(sql).df()
    finally:
        con.close()
