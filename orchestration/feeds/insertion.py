"""Insertion feed: insertion hours per contract and month, beneficiary pathways and their exit.
Input contract: docs/feeds/insertion.md."""

from __future__ import annotations

from ..ingest.insertion import (
    HEURES_COLUMNS,
    HEURES_TABLE,
    PARCOURS_COLUMNS,
    PARCOURS_TABLE,
    read_heures,
    read_parcours,
)
from . import Feed, Template, coverage, demo_writer, raw_source, rows_in_semester

HEURES = raw_source(
    "insertion/heures",
    HEURES_TABLE,
    read_heures,
    "Insertion hours carried out per contract (buyer SIRET + DECP contract id) and month, "
    "from landing/insertion/heures (CSV in French conventions or Excel, docs/feeds/insertion.md).",
    template=Template(
        HEURES_COLUMNS,
        "Heures d'insertion : une ligne par marché, titulaire et mois",
        "facilitateur de la clause sociale",
    ),
    select="""
        siret_acheteur, id_marche, siret_titulaire, heures_realisees, nombre_beneficiaires,
        CAST(mois AS VARCHAR) AS mois,
        siret_ok(siret_acheteur) AS siret_acheteur_valide,
        siret_titulaire IS NULL OR siret_ok(siret_titulaire) AS siret_titulaire_valide,
        _source_file, _source_row
    """,
    index=("id_marche",),
)

PARCOURS = raw_source(
    "insertion/parcours",
    PARCOURS_TABLE,
    read_parcours,
    "Insertion pathways (entry, exit and exit type) from landing/insertion/parcours "
    "(CSV in French conventions or Excel, docs/feeds/insertion.md).",
    template=Template(
        PARCOURS_COLUMNS,
        "Parcours d'insertion et leur sortie : une ligne par parcours",
        "facilitateur de la clause sociale, avec les structures d'insertion",
    ),
    select="""
        id_parcours, siret_acheteur, id_marche, type_sortie,
        CAST(date_entree AS VARCHAR) AS date_entree,
        CAST(date_sortie AS VARCHAR) AS date_sortie,
        date_sortie IS NULL OR date_sortie >= date_entree AS sortie_apres_entree,
        date_sortie IS NULL OR type_sortie IS NOT NULL AS type_sortie_renseigne,
        _source_file, _source_row
    """,
    index=("id_parcours",),
)


FEED = Feed(
    name="insertion",
    sources=[HEURES, PARCOURS],
    coverage_sql=coverage(
        rows_in_semester("insertion/heures", "fct_insertion_heures"),
        rows_in_semester("insertion/parcours", "fct_insertion_parcours", column="semestre_sortie"),
    ),
    write_demo=demo_writer("insertion"),
)
