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
from . import Feed, Template, coverage, demo_writer, raw_source, rows_in_semester

REGISTRE = raw_source(
    "dechets/registre",
    REGISTRE_TABLE,
    read_registre,
    "Outgoing waste registry from landing/dechets/registre: Trackdéchets 'registre' export "
    "(OUTGOING, CSV or Excel) or RNDTS 'déchets sortants' file, recognised from the header; one row per "
    "registry line (docs/feeds/dechets.md).",
    template="registre des déchets sortants : export Trackdéchets ou fichier d'import du RNDTS, au format de ces plateformes (modèle officiel sur le site du RNDTS)",
    select="""
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
    """,
    index=("identifiant",),
)

GRANULATS = raw_source(
    "dechets/granulats",
    GRANULATS_TABLE,
    read_granulats,
    "Road-work sites and the aggregates they saved, from landing/dechets/granulats "
    "(CSV in French conventions or Excel, docs/feeds/dechets.md).",
    template=Template(
        GRANULATS_COLUMNS,
        "Chantiers routiers et granulats économisés : une ligne par chantier terminé",
        "direction des routes (voirie)",
    ),
    select="""
        *,
        CAST(date_fin AS VARCHAR) AS date_fin_texte,
        tonnage_recycle_ou_reemploye_t <= tonnage_total_t AS recycle_inferieur_total
    """,
    index=("chantier_id",),
)

REEMPLOI = raw_source(
    "dechets/reemploi",
    REEMPLOI_TABLE,
    read_reemploi,
    "Auction sales and second-hand purchases, from landing/dechets/reemploi "
    "(CSV in French conventions or Excel, docs/feeds/dechets.md).",
    template=Template(
        REEMPLOI_COLUMNS,
        "Ventes aux enchères et achats de seconde main : une ligne par opération",
        "moyens généraux (ventes aux enchères, achats d'occasion)",
    ),
    select="*, lower(strip_accents(trim(type_operation))) AS type_operation_normalise",
    index=("reference",),
)


FEED = Feed(
    name="dechets",
    sources=[REGISTRE, GRANULATS, REEMPLOI],
    coverage_sql=coverage(
        rows_in_semester("dechets/registre", "fct_dechets_enlevements"),
        rows_in_semester("dechets/granulats", "fct_dechets_granulats"),
        rows_in_semester("dechets/reemploi", "fct_dechets_reemploi"),
    ),
    write_demo=demo_writer("dechets"),
)
