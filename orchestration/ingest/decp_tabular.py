"""DECP in the official flattened (tabular) CSV exports of data.economie.gouv.fr.

Two layouts are read: "decp-v3-marches-valides" (format 2022/2024, lists written as Python
reprs, flattened titulaire_id_1..3 and modification columns) and "decp-augmente" (format
2019). Each line becomes a record in the JSON shape and goes through the same
`normalise_record` as the JSON feeds, so staging cannot tell them apart.

Quality markers written by the exporter into the values: `MQ` (manquant) and `CDL`
(conditionnel) mean no value; `INX <value>` (inexploitable) keeps the value with a warning.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from .decp import normalise_record
from .framework import IngestError, Quarantine, compact_json
from .text import open_csv

_EMPTY_MARKERS = {"", "MQ", "CDL", "NC"}
_LIST_FIELDS = {
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
    "techniques": "technique",
    "technique": "technique",
    "modalitesExecution": "modaliteExecution",
    "modaliteExecution": "modaliteExecution",
    "typesPrix": "typePrix",
}
_SCALARS = [
    "id",
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "datePublicationDonnees",
    "montant",
    "formePrix",
    "offresRecues",
    "marcheInnovant",
    "ccag",
    "sousTraitanceDeclaree",
    "typeGroupementOperateurs",
    "idAccordCadre",
    "source",
]
REQUIRED_COLUMNS = ["id", "acheteur.id", "dateNotification", "montant"]


def _layout(header: list[str]) -> str:
    return "2024" if "considerationsSociales" in header and "titulaire_denominationSociale_1" not in header else "2019"


def _clean(value: str | None, name: str, warnings: list[str]) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value in _EMPTY_MARKERS:
        return None
    if value.startswith("INX "):
        warnings.append(f"{name} flagged inexploitable by the exporter")
        return value[4:].strip() or None
    return value


def _as_list(value: str | None, inner: str):
    if value is None:
        return None
    if value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = [value]
    else:
        parsed = [v.strip() for v in value.split(",") if v.strip()]
    return {inner: parsed}


def row_to_record(row: dict[str, str], layout: str) -> tuple[dict, list[str]]:
    warnings: list[str] = []
    get = lambda name: _clean(row.get(name), name, warnings)  # noqa: E731
    record: dict = {k: v for k in _SCALARS if (v := get(k)) is not None}
    record["acheteur"] = {"id": get("acheteur.id"), "nom": get("acheteur.nom")}
    code, type_code = get("lieuExecution.code"), get("lieuExecution.typeCode")
    if code or type_code:
        record["lieuExecution"] = {"code": code, "typeCode": type_code}
    for column, inner in _LIST_FIELDS.items():
        if column in row and (value := get(column)) is not None:
            record[column if column.endswith("s") else column + "s"] = _as_list(value, inner)
    holders = []
    for i in (1, 2, 3):
        holder_id = get(f"titulaire_id_{i}")
        if holder_id:
            holders.append(
                {
                    "typeIdentifiant": get(f"titulaire_typeIdentifiant_{i}"),
                    "id": holder_id,
                    "denominationSociale": get(f"titulaire_denominationSociale_{i}"),
                }
            )
    if holders:
        record["titulaires"] = holders
    modification = {
        "id": get("idModification"),
        "montant": get("montantModification"),
        "dureeMois": get("dureeMoisModification"),
        "dateNotificationModification": get("dateNotificationModificationModification")
        or get("dateNotificationModification"),
        "datePublicationDonneesModification": get("datePublicationDonneesModificationModification")
        or get("datePublicationDonneesModification"),
    }
    if any(v is not None for v in modification.values()) or get("booleanModification") == "1":
        record["modifications"] = [{k: v for k, v in modification.items() if v is not None}]
    return record, warnings


def read_decp_tabular_csv(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # the subject of a contract is free text that may hold line breaks; elsewhere a line break
    # inside quotes is a quote left open (orchestration/ingest/text.py)
    with open_csv(path, ";", multiline={"objet"}) as table:
        header = table.header
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise IngestError(f"{path}: line 1: missing required column '{missing[0]}' (DECP tabular export)")
        layout = _layout(header)
        for line, cells in table:
            if not any(c.strip() for c in cells):
                yield line, Quarantine("empty line", None, ";".join(cells))
                continue
            row = dict(zip(header, cells))
            if len(cells) > len(header):
                row["_extra_fields"] = cells[len(header) :]
                yield line, Quarantine("more fields than the header", None, compact_json(row))
                continue
            record, warnings = row_to_record(row, layout)
            yield line, normalise_record(record, layout, "csv", "marche", warnings)
