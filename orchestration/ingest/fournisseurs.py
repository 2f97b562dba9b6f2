"""Supplier classification feed: who the titulaires are (SIAE kinds, EA/ESAT, ESS, company size).

Input contract: docs/feeds/fournisseurs.md. Three kinds of files, each in its real format:
- `classification`: the buyer's own classification (CSV in French conventions or Excel);
- `siae_asp`: the ASP export of agreed SIAE (`;`, UTF-8, upper-case columns);
- `le_marche`: a directory export of Le marché de l'inclusion (fields of its API, `,` or `;`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..identifiers import normalise_siret
from .framework import Quarantine
from .french_csv import Column, contract_table, lower_keys, read_table

CLASSIFICATION_COLUMNS = [
    Column(
        "siret",
        "text",
        not_null=True,
        identifier="siret_siren",
        example="22950001300029",
        formats="SIRET (14 chiffres) ou SIREN (9 chiffres) ; espaces et points acceptés",
        description="identifiant du fournisseur ; un SIREN classe toute l'entreprise",
    ),
    Column("raison_sociale", "text", required=False, example="Les Jardins du Val", description="nom du fournisseur"),
    Column(
        "categorie_entreprise",
        "text",
        required=False,
        example="PME",
        formats="TPE, PME, ETI ou GE (categorieEntreprise de SIRENE ; TPE = micro-entreprise)",
        description="taille de l'entreprise",
    ),
    Column(
        "ess", "boolean", required=False, description="appartient à l'économie sociale et solidaire ; vide = inconnu"
    ),
    Column(
        "type_structure",
        "text",
        required=False,
        example="ACI",
        values="fournisseurs_types.csv:type_structure",
        description="structure d'insertion (SIAE, GEIQ) ou du secteur protégé et adapté (EA, EATT, ESAT)",
    ),
    Column("source", "text", required=False, example="SIRENE", description="d'où vient la classification"),
    Column(
        "date_mise_a_jour",
        "date",
        required=False,
        description="date de la classification : pour un SIRET classé plusieurs fois, la plus récente l'emporte",
    ),
]
CLASSIFICATION_TABLE = contract_table("fournisseurs", "fournisseurs_classification", CLASSIFICATION_COLUMNS)

ASP_COLUMNS = [
    Column("MESURE", "text", not_null=True),
    Column("CODE_DEPARTEMENT", "text", required=False),
    Column("LIBELLE_DPT", "text", required=False),
    Column("CODE_POSTAL", "text", required=False),
    Column("COMMUNE", "text", required=False),
    Column("CODE_NAF2", "text", required=False),
    Column("NATURE_JURIDIQUE", "text", required=False),
    Column("SIRET", "text", not_null=True, identifier="siret"),
    Column("DENOMINATION_SOCIALE", "text", required=False),
]
ASP_TABLE = contract_table("fournisseurs", "fournisseurs_siae_asp", ASP_COLUMNS, raw_name=str.lower)

LE_MARCHE_COLUMNS = [
    Column("siret", "text", not_null=True, identifier="siret"),
    Column("name", "text", required=False),
    Column("brand", "text", required=False),
    Column("kind", "text", not_null=True),
    Column("legal_form", "text", required=False),
    Column("naf", "text", required=False),
    Column("post_code", "text", required=False),
    Column("city", "text", required=False),
    Column("department", "text", required=False),
    Column("source", "text", required=False),
]
LE_MARCHE_TABLE = contract_table("fournisseurs", "fournisseurs_le_marche", LE_MARCHE_COLUMNS)


def _siret(item: dict) -> dict:
    item["siret"] = normalise_siret(item["siret"])
    return item


def read_classification(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, CLASSIFICATION_COLUMNS, rename=_siret)


def read_siae_asp(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # the ASP export carries address columns not read here: not reported
    return read_table(
        path,
        ASP_COLUMNS,
        delimiter=(",", ";"),
        key=str.lower,
        unknown=False,
        rename=lambda item: _siret(lower_keys(item)),
    )


def read_le_marche(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # directory exports carry more fields (address, dates, ...) than read here: not reported
    return read_table(path, LE_MARCHE_COLUMNS, delimiter=(",", ";"), key=str.lower, unknown=False, rename=_siret)
