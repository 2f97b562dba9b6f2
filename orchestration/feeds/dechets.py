"""Waste feed: outgoing waste registry (Trackdéchets export / RNDTS), road-work aggregates saved,
auction sales and second-hand purchases. Input contract: docs/feeds/dechets.md."""

from __future__ import annotations

from ..ingest.dechets import (
    GRANULATS_COLUMNS,
    GRANULATS_TABLE,
    REEMPLOI_COLUMNS,
    REEMPLOI_TABLE,
    REGISTRE_TABLE,
    read_granulats,
    read_reemploi,
    read_registre,
)
from . import Feed, RawSource, Template

REGISTRE = RawSource(
    folder="dechets/registre",
    table=REGISTRE_TABLE,
    readers={".csv": read_registre, ".xlsx": read_registre},
    description="Outgoing waste registry from landing/dechets/registre: Trackdéchets 'registre' export "
    "(OUTGOING, CSV or Excel) or RNDTS 'déchets sortants' file, recognised from the header; one row per "
    "registry line (docs/feeds/dechets.md).",
    template="registre des déchets sortants : export Trackdéchets ou fichier d'import du RNDTS, au format de ces plateformes (modèle officiel sur le site du RNDTS)",
    suite="raw_dechets_registre",
    suite_sql="""
        SELECT
            format_registre, identifiant, motif, statut, code_dechet, poids_t, type_poids,
            code_operation_prevu, mode_operation_prevu,
            CAST(date_expedition AS VARCHAR) AS date_expedition,
            regexp_matches(code_dechet, '^[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?\\*?$') AS code_dechet_bien_forme,
            siret_producteur IS NULL OR siret_ok(replace(siret_producteur, ' ', '')) AS siret_producteur_valide,
            NOT coalesce(regexp_matches(upper(replace(coalesce(codes_operation_finale, codes_operation_realises,
                code_operation_prevu), ' ', '')), 'D[67]($|[^0-9F])'), false) AS operation_admise,
            coalesce(nullif(siret_producteur, ''), '?') || '|' || identifiant AS cle_ligne,
            coalesce(upper(motif), '') IN ('', 'MODIFIER', 'EDIT', 'ANNULER', 'CANCEL', 'IGNORER') AS motif_connu,
            _source_file, _source_row
        FROM raw.dechets_registre
        ORDER BY _source_file, _source_row
    """,
    index_columns=("_source_file", "_source_row", "identifiant"),
)

GRANULATS = RawSource(
    folder="dechets/granulats",
    table=GRANULATS_TABLE,
    readers={".csv": read_granulats, ".xlsx": read_granulats},
    description="Road-work sites and the aggregates they saved, from landing/dechets/granulats "
    "(CSV in French conventions or Excel, docs/feeds/dechets.md).",
    template=Template(
        GRANULATS_COLUMNS,
        "Chantiers routiers et granulats économisés : une ligne par chantier terminé",
        "direction des routes (voirie)",
    ),
    suite="raw_dechets_granulats",
    suite_sql="""
        SELECT *,
            CAST(date_fin AS VARCHAR) AS date_fin_texte,
            tonnage_recycle_ou_reemploye_t <= tonnage_total_t AS recycle_inferieur_total
        FROM raw.dechets_granulats
        ORDER BY _source_file, _source_row
    """,
    index_columns=("_source_file", "_source_row", "chantier_id"),
)

REEMPLOI = RawSource(
    folder="dechets/reemploi",
    table=REEMPLOI_TABLE,
    readers={".csv": read_reemploi, ".xlsx": read_reemploi},
    description="Auction sales and second-hand purchases, from landing/dechets/reemploi "
    "(CSV in French conventions or Excel, docs/feeds/dechets.md).",
    template=Template(
        REEMPLOI_COLUMNS,
        "Ventes aux enchères et achats de seconde main : une ligne par opération",
        "moyens généraux (ventes aux enchères, achats d'occasion)",
    ),
    suite="raw_dechets_reemploi",
    suite_sql="""
        SELECT *,
            lower(strip_accents(trim(type_operation))) AS type_operation_normalise
        FROM raw.dechets_reemploi
        ORDER BY _source_file, _source_row
    """,
    index_columns=("_source_file", "_source_row", "reference"),
)


def _coverage(semester: str) -> str:
    return f"""
        SELECT org_id, 'dechets/registre' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_dechets_enlevements WHERE semestre = '{semester}' AND org_id IS NOT NULL GROUP BY org_id
        UNION ALL
        SELECT org_id, 'dechets/granulats' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_dechets_granulats WHERE semestre = '{semester}' AND org_id IS NOT NULL GROUP BY org_id
        UNION ALL
        SELECT org_id, 'dechets/reemploi' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_dechets_reemploi WHERE semestre = '{semester}' AND org_id IS NOT NULL GROUP BY org_id
    """


def _write_demo(landing, *, seed: int, n_contracts: int, **_) -> dict:
    from ..demo.dechets import write_demo

    return write_demo(landing, seed=seed)


FEED = Feed(name="dechets", sources=[REGISTRE, GRANULATS, REEMPLOI], coverage_sql=_coverage, write_demo=_write_demo)
