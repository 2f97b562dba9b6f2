"""The buyer's internal procedure export: what DECP does not carry, keyed on the DECP contract id.

Input contract: docs/feeds/procedures.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .framework import Quarantine
from .french_csv import DECP_CONTRACT, Column, contract_table, read_table

PROCEDURE_COLUMNS = [
    *DECP_CONTRACT,
    Column(
        "objet",
        "text",
        required=False,
        multiline=True,
        example="Entretien des espaces verts des collèges",
        description="objet du marché",
    ),
    Column(
        "direction",
        "text",
        example="Direction de la Voirie",
        description="direction acheteuse (MOB-4 lit le libellé de spaser_parametres.csv)",
    ),
    Column(
        "section_budgetaire",
        "text",
        example="Fonctionnement",
        formats="Fonctionnement ou Investissement",
        description="section budgétaire",
    ),
    Column("date_notification", "date", required=False, description="date de notification (contrôlée avec les DECP)"),
    Column("montant_ht", "decimal", required=False, description="montant HT à la notification, en euros"),
    Column("sourcing_realise", "boolean", description="un sourcing a été réalisé (BES-1)"),
    Column("negociation_realisee", "boolean", description="une négociation a été menée (BES-2)"),
    Column("clause_progres", "boolean", description="le marché comporte une clause de progrès (BES-3)"),
    Column("analyse_cycle_vie", "boolean", description="une analyse du cycle de vie a été faite (BES-4)"),
    Column("label_spaser", "boolean", description="la procédure a reçu le label SPASER interne (GOV-4)"),
    Column(
        "analyse_opportunite_clause_sociale",
        "boolean",
        description="l'analyse d'opportunité d'une clause sociale a été faite (IMP-15)",
    ),
    Column(
        "fiche_type_considerations_sociales",
        "boolean",
        description="la fiche type « considérations sociales » a été utilisée (BES-9)",
    ),
    Column(
        "criteres_numerique_responsable",
        "boolean",
        description="des critères numérique responsable ont été appliqués (MOB-3)",
    ),
]

PROCEDURES_TABLE = contract_table("procedures", "procedures_internes", PROCEDURE_COLUMNS)


def read_procedures(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, PROCEDURE_COLUMNS)
