"""Marché feed: DECP (JSON and XML 2019/2024, official CSV exports) and the internal procedure export."""

from __future__ import annotations

from ..ingest.decp import DECP_TABLE, read_decp_json
from ..ingest.decp_bulk import DECP_2024_BULK
from ..ingest.decp_tabular import read_decp_tabular_csv
from ..ingest.decp_xml import read_decp_xml
from ..ingest.procedures import PROCEDURE_COLUMNS, PROCEDURES_TABLE, read_procedures
from . import Feed, RawSource, Template, coverage, demo_writer, raw_source, rows_in_semester

DECP = RawSource(
    folder="decp",
    table=DECP_TABLE,
    readers={".json": read_decp_json, ".xml": read_decp_xml, ".csv": read_decp_tabular_csv},
    description="DECP (2024 and 2019 formats in JSON or XML, official tabular CSV exports) from landing/decp: one "
    "row per record, lineage columns, untypeable records in quarantine.decp_marches.",
    template="DECP publiées par le profil d'acheteur ou data.gouv.fr (JSON, XML, exports CSV officiels) : à télécharger, pas à remplir",
    suite="raw_decp_marches",
    # The check digits are computed once per distinct identifier and joined back: per record
    # (siret_ok on 1.66 million buyers and their holders) they took 4.3 of the query's 10 s.
    # record_path is selected because the frame is ordered by it (gates/prefilter.py).
    suite_sql="""
        WITH acheteurs AS (
            SELECT acheteur_id, siret_ok(acheteur_id) AS valide
            FROM (SELECT DISTINCT acheteur_id FROM raw.decp_marches)
        ),
        titulaires_siret AS (
            SELECT ligne, titulaire.id AS titulaire_id
            FROM (SELECT rowid AS ligne, unnest(titulaires) AS titulaire FROM raw.decp_marches)
            WHERE coalesce(titulaire.type_identifiant, 'SIRET') = 'SIRET'
        ),
        titulaires_valides AS (
            SELECT titulaire_id, siret_ok(titulaire_id) AS valide
            FROM (SELECT DISTINCT titulaire_id FROM titulaires_siret)
        ),
        titulaires_invalides AS (
            SELECT t.ligne, count(*) AS nombre
            FROM titulaires_siret AS t
            LEFT JOIN titulaires_valides AS v ON t.titulaire_id IS NOT DISTINCT FROM v.titulaire_id
            WHERE NOT coalesce(v.valide, false)
            GROUP BY t.ligne
        )
        SELECT
            id, r.acheteur_id, format_version, contract_kind, nature, procedure, forme_prix,
            -- ISO text: compares correctly for any year (0222-04-29 too) in pandas and GX
            CAST(date_notification AS VARCHAR) AS date_notification,
            CAST(date_publication_donnees AS VARCHAR) AS date_publication_donnees,
            montant, code_cpv, duree_mois, offres_recues,
            CAST(CAST(_ingested_at AS DATE) AS VARCHAR) AS ingested_date,
            a.valide AS acheteur_siret_valide,
            coalesce(ti.nombre, 0) AS titulaires_siret_invalides,
            array_to_string(considerations_sociales, '|') AS considerations_sociales,
            array_to_string(considerations_environnementales, '|') AS considerations_environnementales,
            coalesce(len(modifications), 0) AS nombre_modifications,
            _source_file, _source_row, record_path
        FROM raw.decp_marches AS r
        LEFT JOIN acheteurs AS a ON r.acheteur_id IS NOT DISTINCT FROM a.acheteur_id
        LEFT JOIN titulaires_invalides AS ti ON r.rowid = ti.ligne
        ORDER BY _source_file, record_path, _source_row
    """,
    index_columns=("_source_file", "_source_row", "id"),
    # DECP 2024 JSON through DuckDB (decp_bulk); other layouts fall back to read_decp_json
    bulk_readers={".json": DECP_2024_BULK},
)

PROCEDURES = raw_source(
    "procedures",
    PROCEDURES_TABLE,
    read_procedures,
    "Internal procedure export (CSV in French conventions, or Excel) from landing/procedures "
    "(contract: docs/feeds/procedures.md).",
    template=Template(
        PROCEDURE_COLUMNS,
        "Export des procédures : une ligne par procédure, repérée par son marché des DECP",
        "direction de la commande publique (export du logiciel des marchés)",
    ),
    select="*, siret_ok(siret_acheteur) AS siret_acheteur_valide",
    index=("id_marche",),
)


FEED = Feed(
    name="marches",
    sources=[DECP, PROCEDURES],
    coverage_sql=coverage(
        rows_in_semester("marches/decp", "fct_marches"),
        rows_in_semester("marches/procedures", "fct_marches", where="has_procedure_interne"),
    ),
    write_demo=demo_writer("generator", "generate_demo"),
)
