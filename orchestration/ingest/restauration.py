"""Catering (restauration collective) feed: EGALim figures, establishments, "Ici je mange local".

Input contract: docs/feeds/restauration.md. Four kinds of files:

- `etablissements`: the département's own establishments list (CSV in French conventions or
  .xlsx): which canteens belong to the organisation, collège or other;
- `bilans`: ma-cantine "bilan simple" import files as published by ma-cantine
  (`importer_des_bilans_simples_exemple.csv`, schema `bilans_simple_siret.json`, and the older
  `fichier_exemple_ma_cantine.csv` / `diagnostics.json` columns): purchases in EUR HT per
  canteen and year;
- `teledeclarations`: the ma-cantine open-data télédéclaration campaign file
  (`campagne_td_<year>.csv`, schema `schema_teledeclarations.json`): ratios only;
- `label_local`: the yearly list of establishments labelled "Ici je mange local".

ma-cantine files are comma-separated UTF-8 with a decimal point; a file re-saved by Excel
(`;`, decimal comma, cp1252) is read as well: the separator is taken from the header line and
the encoding from the bytes (orchestration/ingest/text.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .framework import FeedTable, Quarantine
from .french_csv import Column, contract_table, read_table


def _siret(description: str) -> Column:
    """The SIRET column of the three files the organisation fills (one format, one example)."""
    return Column(
        "siret",
        "text",
        not_null=True,
        identifier="siret",
        example="22950001300029",
        formats="14 chiffres (espaces acceptés)",
        description=description,
    )


ETABLISSEMENT_COLUMNS = [
    _siret("SIRET de l'établissement (celui de ma-cantine)"),
    Column("nom", "text", example="Collège Jean Moulin", description="nom de l'établissement"),
    Column(
        "type_etablissement",
        "text",
        not_null=True,
        example="collège",
        formats="collège (ou college, majuscules et accents indifférents) ; toute autre valeur (autre, ESMS…) = autre établissement",
        description="collège ou autre établissement",
    ),
    Column("uai", "text", required=False, example="0950001A", description="code UAI de l'établissement scolaire"),
    Column("commune", "text", required=False, example="Pontoise", description="commune"),
]

# Both generations of the ma-cantine "bilan simple" columns: the current import
# (valeur_externalites_performance, valeur_egalim_autres) and the older diagnostics import
# (valeur_environnemental, valeur_autres_egalim). Only the common core is required.
BILAN_COLUMNS = [
    _siret("SIRET de la cantine (ou de la cuisine centrale qui déclare pour ses satellites)"),
    Column("nom", "text", required=False, example="Collège Jean Moulin", description="nom de la cantine"),
    Column(
        "année_bilan",
        "integer",
        not_null=True,
        example="2025",
        description="année des achats (pas celle de la déclaration)",
    ),
    Column("valeur_totale", "decimal", not_null=True, description="achats alimentaires de l'année, en euros HT"),
    Column("valeur_bio", "decimal", not_null=True, description="dont produits bio, en euros HT"),
    Column(
        "valeur_siqo",
        "decimal",
        not_null=True,
        description="dont produits sous signe de qualité (SIQO) hors bio, en euros HT",
    ),
    Column(
        "valeur_externalites_performance",
        "decimal",
        required=False,
        description="dont produits acquis sur le critère des externalités environnementales ou de la performance environnementale, en euros HT ; vide = 0",
    ),
    Column(
        "valeur_egalim_autres",
        "decimal",
        required=False,
        description="dont autres produits EGALim, en euros HT ; vide = 0",
    ),
    Column(
        "valeur_environnemental",
        "decimal",
        required=False,
        alias_of="valeur_externalites_performance",
        description="ancien nom (fichiers diagnostics de ma-cantine)",
    ),
    Column(
        "valeur_autres_egalim",
        "decimal",
        required=False,
        alias_of="valeur_egalim_autres",
        description="ancien nom (fichiers diagnostics de ma-cantine)",
    ),
    Column(
        "valeur_bio_dont_commerce_equitable",
        "decimal",
        required=False,
        description="dont produits bio issus du commerce équitable, en euros HT",
    ),
]

TELEDECLARATION_COLUMNS = [
    Column("id", "integer", not_null=True),
    Column("teledeclaration_mode", "text"),
    Column("year", "integer", not_null=True),
    Column("version", "text", required=False),
    Column("canteen_id", "integer", required=False),
    Column("canteen_siret", "text", identifier="siret"),
    Column("canteen_name", "text", required=False),
    Column("canteen_central_kitchen_siret", "text", required=False, identifier="siret"),
    Column("canteen_department", "text", required=False),
    Column("canteen_satellite_canteens_count", "integer", required=False),
    Column("canteen_sector_list", "text", required=False),
    Column("teledeclaration_ratio_bio", "decimal", not_null=True),
    Column("teledeclaration_ratio_egalim_hors_bio", "decimal", not_null=True),
    Column("creation_date", "text", required=False),
]

LABEL_COLUMNS = [
    Column("annee", "integer", not_null=True, example="2025", description="année d'attribution du label"),
    _siret("SIRET de l'établissement (celui de la liste des établissements)"),
    Column("nom", "text", required=False, example="Collège Jean Moulin", description="nom de l'établissement"),
    Column(
        "type_etablissement",
        "text",
        required=False,
        example="collège",
        description="pour information : le type vient de la liste des établissements",
    ),
    Column(
        "niveau_label", "integer", not_null=True, example="2", formats="1 à 3 (étoiles)", description="niveau du label"
    ),
    Column("mention_bio", "boolean", required=False, description="distinction « Bio »"),
    Column(
        "part_locale",
        "decimal",
        required=False,
        example="0,35",
        formats="entre 0 et 1 (0,35 = 35 %)",
        description="part des produits locaux",
    ),
    Column(
        "nb_filieres",
        "integer",
        required=False,
        example="4",
        description="nombre de filières agricoles d'approvisionnement",
    ),
    Column(
        "source",
        "text",
        required=False,
        example="arrêté du 12/09/2025",
        description="acte d'attribution (arrêté, délibération)",
    ),
]


def _raw_name(name: str) -> str:
    """The raw table uses ASCII names: année_bilan -> annee_bilan."""
    return name.replace("é", "e")


def _table(kind: str, columns: list[Column]) -> FeedTable:
    return contract_table("restauration", f"restauration_{kind}", columns, raw_name=_raw_name)


ETABLISSEMENTS_TABLE = _table("etablissements", ETABLISSEMENT_COLUMNS)
BILANS_TABLE = _table("bilans", BILAN_COLUMNS)
TELEDECLARATIONS_TABLE = _table("teledeclarations", TELEDECLARATION_COLUMNS)
LABEL_TABLE = _table("label_local", LABEL_COLUMNS)


def _rename(item: dict) -> dict:
    return {_raw_name(k): v for k, v in item.items()}


def _reader(columns: list[Column], *, unknown: bool = True, absent: bool = True):
    """CSV (separator `,` or `;` from the header line; the French-convention converters also
    accept ISO numbers like `0.2460` and dates, so ma-cantine exports load as published) or .xlsx."""

    def read(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
        return read_table(path, columns, delimiter=(",", ";"), unknown=unknown, absent=absent, rename=_rename)

    return read


read_etablissements = _reader(ETABLISSEMENT_COLUMNS)
# the ma-cantine files carry many more columns than read, and the bilans come in two generations
# of optional columns (BILAN_COLUMNS): neither is worth a note
read_bilans = _reader(BILAN_COLUMNS, unknown=False, absent=False)
read_teledeclarations = _reader(TELEDECLARATION_COLUMNS, unknown=False)
read_label_local = _reader(LABEL_COLUMNS)
