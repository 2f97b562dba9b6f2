"""Waste feed readers: the outgoing waste registry and the two contracts without a public format.

Input contract: docs/feeds/dechets.md.

- `registre`: the producer's outgoing waste registry, in either real published format:
  the Trackdéchets "registre" export OUTGOING (CSV or .xlsx, 165 columns, `O`/`N`, ISO dates)
  or the RNDTS "registre des déchets sortants" import file (`;`, 100 columns, `OUI`/`NON`).
  The format is recognised from the header; only the columns the indicators need are typed,
  under canonical names, and `format_registre` says which format the line came from.
- `granulats`: road-work sites and the aggregates they saved (no public format).
- `reemploi`: auction sales and second-hand purchases (no public format).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .framework import FeedTable, IngestError, Quarantine, compact_json
from .french_csv import (
    DUCKDB_TYPES,
    Column,
    contract_table,
    is_spreadsheet,
    open_workbook,
    read_excel,
    read_table,
    sheet_rows,
    to_date,
    typed_records,
)
from .text import contract_index, open_csv

# canonical name, kind, Trackdéchets export header, RNDTS "déchets sortants" header,
# header required (in that format), value required (not null)
_REGISTRE_FIELDS: list[tuple[str, str, str | None, str | None, bool, bool]] = [
    ("identifiant", "text", "identifiant unique", "Identifiant unique", True, True),
    ("motif", "text", None, "Motif", False, False),
    ("statut", "text", "Statut du bordereau", None, False, False),
    ("numero_bordereau", "text", "N° de bordereau", None, False, False),
    ("siret_declarant", "text", "SIRET du déclarant", "SIRET du déclarant", False, False),
    (
        "siret_producteur",
        "text",
        "Expéditeur - N° d'identification",
        "SIRET de l'expéditeur ou du détenteur",
        True,
        False,
    ),
    (
        "site",
        "text",
        "Expéditeur - Référence du chantier / lieu de collecte",
        "Référence du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
        False,
        False,
    ),
    ("date_expedition", "date", "Date d'expédition", "Date d'expédition", True, True),
    ("date_operation", "date", "Date de réalisation de l'opération", None, False, False),
    ("code_dechet", "text", "Code déchet", "Code déchet", True, True),
    ("denomination", "text", "Dénomination usuelle", "Dénomination du déchet", False, False),
    ("dangereux", "boolean", "Dangereux", "Dangereux", False, False),
    ("poids_t", "decimal", "Émetteur - Quantité de déchet", "Poids en tonnes", True, True),
    ("type_poids", "text", "Émetteur - Type de quantité", "Type de poids", False, False),
    ("quantite_traitee_t", "decimal", "Quantité acceptée / traitée nette (tonnes)", None, False, False),
    (
        "destination_id",
        "text",
        "Destination - N° d'identification",
        "Numéro d'identification du destinataire",
        False,
        False,
    ),
    ("code_operation_prevu", "text", "Code opération prévu", "Code de traitement prévu", True, False),
    ("mode_operation_prevu", "text", "Mode opération prévu", "Mode de traitement prévu", False, False),
    ("codes_operation_realises", "text", "Code(s) de traitement réalisé(s)", None, False, False),
    ("modes_operation_realises", "text", "Mode(s) de traitement réalisé(s)", None, False, False),
    (
        "codes_operation_finale",
        "text",
        "Destination finale - Code(s) de traitement final réalisé(s)",
        None,
        False,
        False,
    ),
    ("quantites_finales", "text", "Quantité finale (tonnes)", None, False, False),
]

# SIRETs (or another register's number) of the registry, read back when a sheet stored them as numbers
_REGISTRE_IDENTIFIERS = {"siret_declarant": "siret", "siret_producteur": "siret", "destination_id": "siret"}

FORMAT_EXPORT = "trackdechets_export_sortant"
FORMAT_RNDTS = "rndts_dechets_sortants"

# Columns that identify a format (all must be present).
_SIGNATURES: dict[str, tuple[str, ...]] = {
    FORMAT_EXPORT: ("Émetteur - Quantité de déchet", "Code(s) de traitement réalisé(s)", "Code déchet"),
    FORMAT_RNDTS: ("Poids en tonnes", "Date d'expédition", "Code de traitement prévu", "Dénomination du déchet"),
}
# Other registries a user may drop by mistake: recognised (one distinctive column each, from
# the RNDTS templates) to say so.
_OTHER_REGISTRIES: tuple[tuple[str, str], ...] = (
    ("Date d'acquisition ou de début de gestion", "registre des déchets gérés (tri, transit, regroupement)"),
    ("Date de déchargement", "registre des déchets transportés"),
    ("Date d'utilisation", "registre de sortie du statut de déchet (SSD)"),
    ("Code de traitement ultérieur prévue", "registre des terres excavées et sédiments (TEXS) entrants"),
    (
        "Codes INSEE des parcelles de destination si valorisation",
        "registre des terres excavées et sédiments (TEXS) sortants",
    ),
    ("Code de traitement ultérieur prévu", "registre des déchets entrants"),
)

REGISTRE_TABLE = FeedTable(
    feed="dechets",
    table="dechets_registre",
    columns=[("format_registre", "VARCHAR")] + [(name, DUCKDB_TYPES[kind]) for name, kind, *_ in _REGISTRE_FIELDS],
)


def _norm(h: str) -> str:
    return " ".join(h.replace("\u2019", "'").split()).lower()


def registre_columns(fmt: str, header: list[str] | None = None) -> tuple[list[Column], dict[str, str]]:
    """Column contract of a registry format and the file header -> canonical name map.

    Header names are matched ignoring case, spacing and typographic apostrophes (the exports
    spell "identifiant unique" in lower case), then used as spelled in the file."""
    position = 2 if fmt == FORMAT_EXPORT else 3
    spelled = {_norm(h): h for h in header or []}
    columns, names = [], {}
    for field in _REGISTRE_FIELDS:
        contract_name = field[position]
        if contract_name is None:
            continue
        name = spelled.get(_norm(contract_name), contract_name)
        # dates are read as text and typed in _rename: exports carry ISO timestamps
        kind = "text" if field[1] == "date" else field[1]
        identifier = _REGISTRE_IDENTIFIERS.get(field[0], "")
        columns.append(Column(name, kind, required=field[4], not_null=field[5], identifier=identifier))
        names[name] = field[0]
    return columns, names


def detect_registre_format(header: list[str], path: Path) -> str:
    present = {_norm(h) for h in header}
    for fmt, signature in _SIGNATURES.items():
        if all(_norm(h) in present for h in signature):
            return fmt
    for column, label in _OTHER_REGISTRIES:
        if _norm(column) in present:
            raise IngestError(
                f"{path}: line 1: this looks like the {label}, not an outgoing waste registry "
                f"(expected the Trackdéchets OUTGOING export or the RNDTS 'déchets sortants' file)"
            )
    raise IngestError(
        f"{path}: line 1: not an outgoing waste registry: expected the columns "
        f"{', '.join(repr(c) for c in _SIGNATURES[FORMAT_EXPORT])} (Trackdéchets export) or "
        f"{', '.join(repr(c) for c in _SIGNATURES[FORMAT_RNDTS])} (RNDTS déchets sortants)"
    )


_DATE_FIELDS = {field[0] for field in _REGISTRE_FIELDS if field[1] == "date"}
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})(?:[T ].*)?$")


def _rename(item, names: dict[str, str], fmt: str):
    """File columns -> canonical names; dates typed here (ISO, with or without a time, or
    dd/mm/yyyy; an Excel date cell arrives as 'yyyy-mm-dd hh:mm:ss')."""
    if isinstance(item, Quarantine):
        return item
    row = {}
    for header, canonical in names.items():
        value = item.get(header)
        if canonical in _DATE_FIELDS and value is not None:
            m = _DATE_PREFIX.match(value.strip())
            try:
                if not m:
                    raise ValueError(value)
                value = to_date(m.group(1))
            except ValueError:
                return Quarantine(f"{header} is not a valid date: {value[:40]!r}", header, compact_json(item))
        row[canonical] = value
    row["format_registre"] = fmt
    return row


def read_registre(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    if is_spreadsheet(path):
        return _read_registre_excel(path)
    return _read_registre_csv(path)


def _read_registre_excel(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    workbook = open_workbook(path)
    try:
        _, first = next(sheet_rows(path, workbook.worksheets[0]), (1, None))
    finally:
        workbook.close()
    if first is None:
        raise IngestError(f"{path}: row 1: empty sheet, expected a header row")
    header = ["" if h is None else str(h).strip() for h in first]
    fmt = detect_registre_format(header, path)
    columns, names = registre_columns(fmt, header)
    for line, item in read_excel(path, columns, unknown=False):
        yield line, _rename(item, names, fmt)


def _read_registre_csv(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # separator from the header line: `;` (RNDTS, Excel) unless commas are more frequent
    with open_csv(path, (";", ",")) as table:
        header = [h.strip() for h in table.header]
        fmt = detect_registre_format(header, path)
        columns, names = registre_columns(fmt, header)
        # published formats: the columns not typed here are expected, not reported
        index = contract_index(path, header, columns, unknown=False, suffix=f" ({fmt})")
        for line, item in typed_records(path, table, header, index, columns):
            yield line, _rename(item, names, fmt)


# --- Road works: aggregates saved (no public format) ----------------------------------------

GRANULATS_COLUMNS = [
    Column(
        "chantier_id", "text", not_null=True, example="RD915-2026-03", description="identifiant du chantier (unique)"
    ),
    Column("date_fin", "date", not_null=True, description="date de fin des travaux : la période du chantier"),
    Column(
        "commune_insee",
        "text",
        required=False,
        example="95500",
        formats="code INSEE, 5 caractères",
        description="code INSEE de la commune",
    ),
    Column(
        "siret_acheteur",
        "text",
        required=False,
        identifier="siret",
        example="22950001300011",
        formats="14 chiffres",
        description="SIRET de l'acheteur du marché de travaux, s'il est connu",
    ),
    Column(
        "id_marche",
        "text",
        required=False,
        example="2026-0042",
        description="identifiant DECP du marché de travaux, s'il est connu",
    ),
    Column(
        "type_materiau",
        "text",
        example="agrégats d'enrobés",
        description="matériau : agrégats d'enrobés, graves recyclées, retraitement en place…",
    ),
    Column("tonnage_total_t", "decimal", description="tonnes de matériaux mis en œuvre"),
    Column(
        "tonnage_recycle_ou_reemploye_t",
        "decimal",
        description="dont tonnes issues du réemploi, de la réutilisation ou du recyclage (LTECV art. 79)",
    ),
    Column(
        "tonnage_granulats_neufs_evites_t",
        "decimal",
        required=False,
        description="tonnes de granulats neufs évitées, si elles sont mesurées",
    ),
    Column(
        "methode_calcul",
        "text",
        required=False,
        example="pesées",
        description="comment les tonnes évitées ont été mesurées",
    ),
    Column(
        "source_piece", "text", required=False, example="DOE", description="pièce justificative : DOE, bons de pesée"
    ),
]

GRANULATS_TABLE = contract_table("dechets", "dechets_granulats", GRANULATS_COLUMNS)


def read_granulats(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, GRANULATS_COLUMNS)


# --- Auction sales and second-hand purchases (no public format) -----------------------------

REEMPLOI_COLUMNS = [
    Column(
        "reference",
        "text",
        not_null=True,
        example="LOT-2026-017",
        description="référence du lot ou de la commande (unique)",
    ),
    Column(
        "type_operation",
        "text",
        not_null=True,
        example="vente_encheres",
        formats="vente_encheres ou achat_seconde_main (« Vente aux enchères », « Achat de seconde main » acceptés)",
        description="vente aux enchères ou achat de seconde main",
    ),
    Column("date_operation", "date", not_null=True, description="date de la vente ou de l'achat"),
    Column("objet", "text", example="Fourgon Renault Master", description="ce qui a été vendu ou acheté"),
    Column(
        "categorie",
        "text",
        required=False,
        example="véhicules",
        description="catégorie : véhicules, mobilier, informatique…",
    ),
    Column(
        "plateforme_ou_fournisseur",
        "text",
        required=False,
        example="Agorastore",
        description="plateforme ou fournisseur : Agorastore, Webenchères, ressourcerie…",
    ),
    Column(
        "montant_eur",
        "decimal",
        not_null=True,
        description="prix de vente, ou prix payé (euros TTC, tel que comptabilisé)",
    ),
    Column(
        "prix_neuf_estime_eur",
        "decimal",
        required=False,
        description="prix estimé du même bien neuf (achats) ; sans lui le gain d'un achat est inconnu",
    ),
    Column(
        "tonnes_evitees_t",
        "decimal",
        required=False,
        description="tonnes de déchets ou de biens neufs évitées, si elles sont connues",
    ),
    Column(
        "id_marche",
        "text",
        required=False,
        example="2026-0042",
        description="identifiant DECP du marché de l'achat, s'il y en a un",
    ),
]

REEMPLOI_TABLE = contract_table("dechets", "dechets_reemploi", REEMPLOI_COLUMNS)


def read_reemploi(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, REEMPLOI_COLUMNS)
