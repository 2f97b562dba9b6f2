"""The buyer's internal procedure export: what DECP does not carry, keyed on the DECP contract id.

Input contract: docs/feeds/procedures.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .framework import FeedTable, Quarantine
from .french_csv import DUCKDB_TYPES, Column, read_table

PROCEDURE_COLUMNS = [
    Column("siret_acheteur", "text", not_null=True),
    Column("id_marche", "text", not_null=True),
    Column("objet", "text", required=False, multiline=True),  # free text: line breaks allowed
    Column("direction", "text"),
    Column("section_budgetaire", "text"),
    Column("date_notification", "date", required=False),
    Column("montant_ht", "decimal", required=False),
    Column("sourcing_realise", "boolean"),
    Column("negociation_realisee", "boolean"),
    Column("clause_progres", "boolean"),
    Column("analyse_cycle_vie", "boolean"),
    Column("label_spaser", "boolean"),
    Column("analyse_opportunite_clause_sociale", "boolean"),
    Column("fiche_type_considerations_sociales", "boolean"),
    Column("criteres_numerique_responsable", "boolean"),
]

PROCEDURES_TABLE = FeedTable(
    feed="procedures",
    table="procedures_internes",
    columns=[(c.name, DUCKDB_TYPES[c.kind]) for c in PROCEDURE_COLUMNS],
)


def read_procedures(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, PROCEDURE_COLUMNS)
