"""Centrales d'achat feed: each centrale's purchase report (its own columns, mapped by
configuration file centrales_colonnes.csv), the centrales reference list and AGEC art. 58 declarations.

Input contract: docs/feeds/centrales.md.
"""

from __future__ import annotations

from ..ingest.centrales import (
    ACHATS_TABLE,
    AGEC58_COLUMNS,
    AGEC58_TABLE,
    REFERENTIEL_COLUMNS,
    REFERENTIEL_TABLE,
    read_centrale_achats,
    read_declarations_agec58,
    read_referentiel,
)
from . import Feed, Template, demo_writer, raw_source, rows_in_semester

ACHATS = raw_source(
    "centrales/achats",
    ACHATS_TABLE,
    read_centrale_achats,
    "Purchase reports of the centrales d'achat (one file per centrale and period, named "
    "<CODE>_<...>), their columns mapped onto one contract by configuration file centrales_colonnes.csv "
    "(contract: docs/feeds/centrales.md).",
    template="rapports envoyés par chaque centrale avec ses propres colonnes, associées au contrat par centrales_colonnes.csv de la configuration : rien à remplir par les services",
    select="""
        centrale, reference_ligne, montant_ht, heures_insertion,
        CAST(periode_debut AS VARCHAR) AS periode_debut,
        CAST(periode_fin AS VARCHAR) AS periode_fin,
        coalesce(montant_reemploi_ht, 0) + coalesce(montant_recycle_ht, 0) AS montant_circulaire_ht,
        CASE WHEN montant_ht > 0 AND coalesce(montant_reemploi_ht, 0) + coalesce(montant_recycle_ht, 0)
            > montant_ht * 1.0001 THEN false ELSE true END AS parts_circulaires_coherentes,
        siret_fournisseur IS NULL OR siret_ok(siret_fournisseur) AS siret_fournisseur_valide,
        siret_acheteur IS NULL OR siret_ok(siret_acheteur) AS siret_acheteur_valide,
        count(*) FILTER (WHERE reference_ligne IS NOT NULL)
            OVER (PARTITION BY centrale, reference_ligne) AS lignes_meme_reference,
        _source_file, _source_row
    """,
)

REFERENTIEL = raw_source(
    "centrales/referentiel",
    REFERENTIEL_TABLE,
    read_referentiel,
    "The centrales d'achat reference list (code, name, sector, candidate SIRET), in the format "
    "of the published reference list.",
    template=Template(
        REFERENTIEL_COLUMNS,
        "Liste des centrales d'achat : une ligne par centrale",
        "direction de la commande publique",
    ),
    select="""
        code, nom_usuel, siret_candidat,
        siret_candidat IS NULL OR siret_ok(siret_candidat) AS siret_candidat_valide,
        _source_file, _source_row
    """,
)

AGEC58 = raw_source(
    "centrales/agec58",
    AGEC58_TABLE,
    read_declarations_agec58,
    "AGEC art. 58 declarations as filed on data.gouv.fr (official schema "
    "schema-declaration-biens-reemploi-reutilisation-recycle v0.1.0), for reconciliation.",
    template=Template(
        AGEC58_COLUMNS,
        "Déclarations AGEC art. 58 : une ligne par année et catégorie de produits",
        "direction de la commande publique (déclaration annuelle sur data.gouv.fr)",
    ),
    select="""
        annee, siret, type_produit_acquis, montant_total,
        montant_reemploi_et_reutilisation + montant_produits_issus_don + montant_produits_recycles
            <= montant_total * 1.0001 AS parts_inferieures_au_total,
        regexp_matches(siret, '^[0-9]{14}$') AS siret_14_chiffres,
        _source_file, _source_row
    """,
)


FEED = Feed(
    name="centrales",
    sources=[ACHATS, REFERENTIEL, AGEC58],
    coverage_sql=rows_in_semester("centrales/achats", "fct_centrales_achats"),
    write_demo=demo_writer("centrales"),
)
