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
from . import Feed, Template, demo_writer, raw_source

CLASSIFICATION = raw_source(
    "fournisseurs/classification",
    CLASSIFICATION_TABLE,
    read_classification,
    "The buyer's supplier classification (SIRET or SIREN, company category, ESS, structure type), "
    "CSV in French conventions or Excel (contract: docs/feeds/fournisseurs.md).",
    template=Template(
        CLASSIFICATION_COLUMNS,
        "Classification des fournisseurs : une ligne par SIRET (ou SIREN)",
        "direction de la commande publique (SIRENE, acheteurs)",
    ),
    select="""
        siret, categorie_entreprise, type_structure, ess,
        CASE WHEN length(siret) = 9 THEN regexp_matches(siret, '^[0-9]{9}$')
             ELSE siret_ok(siret) END AS identifiant_valide,
        count(*) OVER (PARTITION BY siret, _source_file) AS lignes_meme_siret,
        _source_file, _source_row
    """,
)

SIAE_ASP = raw_source(
    "fournisseurs/siae_asp",
    ASP_TABLE,
    read_siae_asp,
    "The ASP export of agreed SIAE (MESURE, SIRET, ...), one line per agreement.",
    template="export de l'ASP des SIAE conventionnées, déposé tel que publié",
    select="""
        mesure, code_departement, siret, nature_juridique,
        siret_ok(siret) AS siret_valide,
        count(*) OVER (PARTITION BY siret, mesure, _source_file) AS lignes_meme_agrement,
        _source_file, _source_row
    """,
)

LE_MARCHE = raw_source(
    "fournisseurs/le_marche",
    LE_MARCHE_TABLE,
    read_le_marche,
    "Le marché de l'inclusion directory export (siret, kind, ...): SIAE, GEIQ, EA/EATT, ESAT.",
    template="export de l'annuaire du Marché de l'inclusion, déposé tel que publié",
    select="siret, kind, siret_ok(siret) AS siret_valide, _source_file, _source_row",
)


def _coverage(semester: str) -> str:
    # The classification is reference data: the feed covers a semester when at least one
    # titulaire of the semester's contracts is classified.
    return f"""
        SELECT org_id, 'fournisseurs/classification' AS feed, count(*) FILTER (WHERE est_classe) AS rows_in_semester
        FROM marts.fct_fournisseurs_attributions WHERE semestre = '{semester}' AND org_id IS NOT NULL
        GROUP BY org_id
    """


FEED = Feed(
    name="fournisseurs",
    sources=[CLASSIFICATION, SIAE_ASP, LE_MARCHE],
    coverage_sql=_coverage,
    write_demo=demo_writer("fournisseurs"),
)
