"""Insertion feed readers (no public format): hours carried out per contract and month, and
beneficiary pathways with their exit.

Input contract: docs/feeds/insertion.md. CSV in French conventions or .xlsx.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from .framework import Quarantine, compact_json
from .french_csv import DECP_CONTRACT, Column, contract_table, read_table

HEURES_COLUMNS = [
    *DECP_CONTRACT,
    # typed to the first day of the month by read_heures
    Column(
        "mois",
        "text",
        not_null=True,
        example="03/2026",
        formats="MM/AAAA (AAAA-MM, 01/MM/AAAA ou une date Excel du 1er acceptés)",
        description="mois des heures réalisées",
    ),
    Column("heures_realisees", "decimal", not_null=True, description="heures d'insertion réalisées ce mois-là"),
    Column(
        "siret_titulaire",
        "text",
        required=False,
        identifier="siret",
        example="22950001300029",
        formats="14 chiffres",
        description="SIRET du titulaire (ou du cotraitant)",
    ),
    Column(
        "structure_insertion",
        "text",
        required=False,
        example="ACI Les Jardins du Val",
        description="SIAE, GEIQ ou structure qui emploie les bénéficiaires",
    ),
    Column("nombre_beneficiaires", "integer", required=False, description="nombre de bénéficiaires ce mois-là"),
    Column("commentaire", "text", required=False, multiline=True, description="texte libre"),
]

HEURES_TABLE = contract_table("insertion", "insertion_heures", HEURES_COLUMNS, types={"mois": "DATE"})

_MOIS_FR = re.compile(r"^(\d{1,2})/(\d{4})$")
_MOIS_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-01)?(?:[ T]00:00:00)?$")  # Excel date cells give 2026-03-01 00:00:00
_MOIS_JOUR_FR = re.compile(r"^01/(\d{2})/(\d{4})$")


def parse_mois(text: str) -> dt.date:
    """'03/2026', '2026-03', '01/03/2026' or an Excel date on the 1st -> 2026-03-01."""
    s = text.strip()
    for pattern, year_group, month_group in ((_MOIS_FR, 2, 1), (_MOIS_ISO, 1, 2), (_MOIS_JOUR_FR, 2, 1)):
        m = pattern.match(s)
        if m:
            return dt.date(int(m.group(year_group)), int(m.group(month_group)), 1)
    raise ValueError(s)


def read_heures(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    for line, item in read_table(path, HEURES_COLUMNS):
        if isinstance(item, dict):
            try:
                item["mois"] = parse_mois(item["mois"])
            except ValueError:
                item = Quarantine(f"mois is not a month (MM/AAAA): {item['mois'][:40]!r}", "mois", compact_json(item))
        yield line, item


PARCOURS_COLUMNS = [
    Column(
        "id_parcours",
        "text",
        not_null=True,
        example="P-2026-001",
        description="identifiant du parcours, pseudonyme : ni nom ni numéro de sécurité sociale",
    ),
    Column(
        "siret_acheteur",
        "text",
        required=False,
        identifier="siret",
        example="22950001300011",
        formats="14 chiffres (espaces acceptés)",
        description="SIRET de l'acheteur du marché ; vide = l'organisation du dossier de dépôt",
    ),
    Column(
        "id_marche",
        "text",
        required=False,
        example="2026-0042",
        description="identifiant DECP du marché où s'est déroulé le parcours",
    ),
    Column(
        "structure_insertion",
        "text",
        required=False,
        example="ACI Les Jardins du Val",
        description="structure qui emploie le bénéficiaire",
    ),
    Column("date_entree", "date", not_null=True, description="date d'entrée dans le parcours"),
    Column("date_sortie", "date", description="date de sortie ; vide tant que le parcours continue"),
    Column(
        "type_sortie",
        "text",
        example="CDI",
        values="insertion_types_sortie.csv:type_sortie",
        description="type de sortie (un des codes) ; vide tant que le parcours continue",
    ),
    Column("heures_realisees", "decimal", required=False, description="heures réalisées pendant le parcours"),
]

PARCOURS_TABLE = contract_table("insertion", "insertion_parcours", PARCOURS_COLUMNS)


def read_parcours(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, PARCOURS_COLUMNS)
