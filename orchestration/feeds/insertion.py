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
from . import Feed, RawSource, Template

HEURES = RawSource(
    folder="insertion/heures",
    table=HEURES_TABLE,
    readers={".csv": read_heures, ".xlsx": read_heures},
    description="Insertion hours carried out per contract (buyer SIRET + DECP contract id) and month, "
    "from landing/insertion/heures (CSV in French conventions or Excel, docs/feeds/insertion.md).",
    template=Template(
        HEURES_COLUMNS,
        "Heures d'insertion : une ligne par marché, titulaire et mois",
        "facilitateur de la clause sociale",
    ),
    suite="raw_insertion_heures",
    suite_sql="""
        SELECT
            siret_acheteur, id_marche, siret_titulaire, heures_realisees, nombre_beneficiaires,
            CAST(mois AS VARCHAR) AS mois,
            siret_ok(siret_acheteur) AS siret_acheteur_valide,
            siret_titulaire IS NULL OR siret_ok(siret_titulaire) AS siret_titulaire_valide,
            _source_file, _source_row
        FROM raw.insertion_heures
        ORDER BY _source_file, _source_row
    """,
    index_columns=("_source_file", "_source_row", "id_marche"),
)

PARCOURS = RawSource(
    folder="insertion/parcours",
    table=PARCOURS_TABLE,
    readers={".csv": read_parcours, ".xlsx": read_parcours},
    description="Insertion pathways (entry, exit and exit type) from landing/insertion/parcours "
    "(CSV in French conventions or Excel, docs/feeds/insertion.md).",
    template=Template(
        PARCOURS_COLUMNS,
        "Parcours d'insertion et leur sortie : une ligne par parcours",
        "facilitateur de la clause sociale, avec les structures d'insertion",
    ),
    suite="raw_insertion_parcours",
    suite_sql="""
        SELECT
            id_parcours, siret_acheteur, id_marche, type_sortie,
            CAST(date_entree AS VARCHAR) AS date_entree,
            CAST(date_sortie AS VARCHAR) AS date_sortie,
            date_sortie IS NULL OR date_sortie >= date_entree AS sortie_apres_entree,
            date_sortie IS NULL OR type_sortie IS NOT NULL AS type_sortie_renseigne,
            _source_file, _source_row
        FROM raw.insertion_parcours
        ORDER BY _source_file, _source_row
    """,
    index_columns=("_source_file", "_source_row", "id_parcours"),
)


def _coverage(semester: str) -> str:
    return f"""
        SELECT org_id, 'insertion/heures' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_insertion_heures WHERE semestre = '{semester}' AND org_id IS NOT NULL GROUP BY org_id
        UNION ALL
        SELECT org_id, 'insertion/parcours' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_insertion_parcours WHERE semestre_sortie = '{semester}' AND org_id IS NOT NULL
        GROUP BY org_id
    """


def _write_demo(landing, *, seed: int, n_contracts: int, n_buyers: int | None = None, **_) -> dict:
    from ..demo.insertion import write_demo

    return write_demo(landing, seed=seed, n_contracts=n_contracts, n_buyers=n_buyers)


FEED = Feed(name="insertion", sources=[HEURES, PARCOURS], coverage_sql=_coverage, write_demo=_write_demo)
