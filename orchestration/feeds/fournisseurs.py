"""Supplier classification feed: the buyer's own classification, the ASP list of agreed SIAE and
Le marché de l'inclusion's directory, consolidated per SIRET (SIREN) in dim_fournisseurs.

Input contract: docs/feeds/fournisseurs.md.
"""

from __future__ import annotations

from ..ingest.fournisseurs import (
    ASP_TABLE,
    CLASSIFICATION_COLUMNS,
    CLASSIFICATION_TABLE,
    LE_MARCHE_TABLE,
    read_classification,
    read_le_marche,
    read_siae_asp,
)
from . import Feed, RawSource, Template

CLASSIFICATION = RawSource(
    folder="fournisseurs/classification",
    table=CLASSIFICATION_TABLE,
    readers={".csv": read_classification, ".xlsx": read_classification},
    description="The buyer's supplier classification (SIRET or SIREN, company category, ESS, structure type), "
    "CSV in French conventions or Excel (contract: docs/feeds/fournisseurs.md).",
    template=Template(
        CLASSIFICATION_COLUMNS,
        "Classification des fournisseurs : une ligne par SIRET (ou SIREN)",
        "direction de la commande publique (SIRENE, acheteurs)",
    ),
    suite="raw_fournisseurs_classification",
    suite_sql="""
        SELECT siret, categorie_entreprise, type_structure, ess,
               CASE WHEN length(siret) = 9 THEN regexp_matches(siret, '^[0-9]{9}$')
                    ELSE siret_ok(siret) END AS identifiant_valide,
               count(*) OVER (PARTITION BY siret, _source_file) AS lignes_meme_siret,
               _source_file, _source_row
        FROM raw.fournisseurs_classification
        ORDER BY _source_file, _source_row
    """,
)

SIAE_ASP = RawSource(
    folder="fournisseurs/siae_asp",
    table=ASP_TABLE,
    readers={".csv": read_siae_asp, ".xlsx": read_siae_asp},
    description="The ASP export of agreed SIAE (MESURE, SIRET, ...), one line per agreement.",
    template="export de l'ASP des SIAE conventionnées, déposé tel que publié",
    suite="raw_fournisseurs_siae_asp",
    suite_sql="""
        SELECT mesure, code_departement, siret, nature_juridique,
               siret_ok(siret) AS siret_valide,
               count(*) OVER (PARTITION BY siret, mesure, _source_file) AS lignes_meme_agrement,
               _source_file, _source_row
        FROM raw.fournisseurs_siae_asp
        ORDER BY _source_file, _source_row
    """,
)

LE_MARCHE = RawSource(
    folder="fournisseurs/le_marche",
    table=LE_MARCHE_TABLE,
    readers={".csv": read_le_marche, ".xlsx": read_le_marche},
    description="Le marché de l'inclusion directory export (siret, kind, ...): SIAE, GEIQ, EA/EATT, ESAT.",
    template="export de l'annuaire du Marché de l'inclusion, déposé tel que publié",
    suite="raw_fournisseurs_le_marche",
    suite_sql="""
        SELECT siret, kind, siret_ok(siret) AS siret_valide,
               _source_file, _source_row
        FROM raw.fournisseurs_le_marche
        ORDER BY _source_file, _source_row
    """,
)


def _coverage(semester: str) -> str:
    # The classification is reference data: the feed covers a semester when at least one
    # titulaire of the semester's contracts is classified.
    return f"""
        SELECT org_id, 'fournisseurs/classification' AS feed, count(*) FILTER (WHERE est_classe) AS rows_in_semester
        FROM marts.fct_fournisseurs_attributions WHERE semestre = '{semester}' AND org_id IS NOT NULL
        GROUP BY org_id
    """


def _write_demo(landing, *, seed: int, **_) -> dict:
    from ..demo.fournisseurs import write_demo

    return write_demo(landing, seed=seed)


FEED = Feed(
    name="fournisseurs", sources=[CLASSIFICATION, SIAE_ASP, LE_MARCHE], coverage_sql=_coverage, write_demo=_write_demo
)
