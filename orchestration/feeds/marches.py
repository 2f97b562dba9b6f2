"""Marché feed: DECP (JSON and XML 2019/2024, official CSV exports) and the internal procedure export."""

from __future__ import annotations

from ..ingest.decp import DECP_TABLE, read_decp_json
from ..ingest.decp_bulk import DECP_2024_BULK
from ..ingest.decp_tabular import read_decp_tabular_csv
from ..ingest.decp_xml import read_decp_xml
from ..ingest.procedures import PROCEDURE_COLUMNS, PROCEDURES_TABLE, read_procedures
from . import Feed, RawSource, Template

DECP = RawSource(
    folder="decp",
    table=DECP_TABLE,
    readers={".json": read_decp_json, ".xml": read_decp_xml, ".csv": read_decp_tabular_csv},
    description="DECP (2024 and 2019 formats in JSON or XML, official tabular CSV exports) from landing/decp: one "
    "row per record, lineage columns, untypeable records in quarantine.decp_marches.",
    template="DECP publiées par le profil d'acheteur ou data.gouv.fr (JSON, XML, exports CSV officiels) : à télécharger, pas à remplir",
    suite="raw_decp_marches",
    suite_sql="""
        SELECT
            id, acheteur_id, format_version, contract_kind, nature, procedure, forme_prix,
            -- ISO text: compares correctly for any year (0222-04-29 too) in pandas and GX
            CAST(date_notification AS VARCHAR) AS date_notification,
            CAST(date_publication_donnees AS VARCHAR) AS date_publication_donnees,
            montant, code_cpv, duree_mois, offres_recues,
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
    index_columns=("_source_file", "_source_row", "id"),
    # DECP 2024 JSON through DuckDB (decp_bulk); other layouts fall back to read_decp_json
    bulk_readers={".json": DECP_2024_BULK},
)

PROCEDURES = RawSource(
    folder="procedures",
    table=PROCEDURES_TABLE,
    readers={".csv": read_procedures, ".xlsx": read_procedures},
    description="Internal procedure export (CSV in French conventions, or Excel) from landing/procedures "
    "(contract: docs/feeds/procedures.md).",
    template=Template(
        PROCEDURE_COLUMNS,
        "Export des procédures : une ligne par procédure, repérée par son marché des DECP",
        "direction de la commande publique (export du logiciel des marchés)",
    ),
    suite="raw_procedures_internes",
    suite_sql="""
        SELECT *, siret_ok(siret_acheteur) AS siret_acheteur_valide
        FROM raw.procedures_internes
        ORDER BY _source_file, _source_row
    """,
    index_columns=("_source_file", "_source_row", "id_marche"),
)


def _coverage(semester: str) -> str:
    return f"""
        SELECT org_id, 'marches/decp' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_marches WHERE semestre = '{semester}' AND org_id IS NOT NULL GROUP BY org_id
        UNION ALL
        SELECT org_id, 'marches/procedures' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_marches WHERE semestre = '{semester}' AND org_id IS NOT NULL AND has_procedure_interne
        GROUP BY org_id
    """


def _write_demo(landing, *, seed: int, n_contracts: int, n_buyers: int | None = None, **_) -> dict:
    from ..demo.generator import generate_demo

    return generate_demo(landing, seed=seed, n_contracts=n_contracts, n_buyers=n_buyers)


FEED = Feed(name="marches", sources=[DECP, PROCEDURES], coverage_sql=_coverage, write_demo=_write_demo)
