"""Centrales d'achat feed: purchase reports of each centrale (UGAP, RESAH, CAIH, ...), the
centrales reference list and AGEC art. 58 declarations in the official data.gouv.fr schema.

Input contract: docs/feeds/centrales.md.

Every centrale reports with its own column names. The mapping of those names onto the one
contract of this feed is configuration, not code: the configuration's `centrales_colonnes.csv` (one line per
centrale x contract field: the centrale's column name and an optional conversion). A file is
attributed to a centrale by its name, `<CODE>_<anything>.csv|.xlsx` (e.g. `UGAP_2026-S1.xlsx`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..identifiers import normalise_siret
from .framework import FeedTable, IngestError, Quarantine, compact_json
from .french_csv import Column, contract_table, lower_keys, read_table
from .text import detect_encoding

# Contract fields: name -> (kind read from the file, DuckDB type in raw)
CONTRACT_FIELDS: dict[str, str] = {
    "reference_ligne": "text",
    "date_achat": "date",
    "periode": "text",
    "siret_acheteur": "text",
    "montant_ht": "decimal",
    "categorie": "text",
    "type_produit_agec58": "text",
    "consideration_environnementale": "text",
    "heures_insertion": "decimal",
    "montant_reemploi_ht": "decimal",
    "montant_recycle_ht": "decimal",
    "siret_fournisseur": "text",
}
CONVERSIONS = {"", "pourcentage_du_montant"}

ACHATS_TABLE = FeedTable(
    feed="centrales",
    table="centrales_achats",
    columns=[
        ("centrale", "VARCHAR"),
        ("reference_ligne", "VARCHAR"),
        ("date_achat", "DATE"),
        ("periode_source", "VARCHAR"),
        ("periode_debut", "DATE"),
        ("periode_fin", "DATE"),
        ("siret_acheteur", "VARCHAR"),
        ("montant_ht", "DOUBLE"),
        ("categorie", "VARCHAR"),
        ("type_produit_agec58", "VARCHAR"),
        ("consideration_environnementale_source", "VARCHAR"),
        ("consideration_environnementale", "BOOLEAN"),
        ("heures_insertion", "DOUBLE"),
        ("montant_reemploi_ht", "DOUBLE"),
        ("montant_recycle_ht", "DOUBLE"),
        ("siret_fournisseur", "VARCHAR"),
    ],
)

# Environmental consideration as the centrales write it: yes/no words or the DECP 2024 enum.
_ENV_YES = {
    "oui",
    "o",
    "vrai",
    "true",
    "1",
    "yes",
    "x",
    "clause environnementale",
    "critère environnemental",
    "critere environnemental",
}
_ENV_NO = {
    "non",
    "n",
    "faux",
    "false",
    "0",
    "no",
    "pas de considération environnementale",
    "pas de consideration environnementale",
}


@dataclass(frozen=True)
class FieldMapping:
    source_column: str
    conversion: str


@lru_cache(maxsize=4)
def _load_mappings(path: Path, mtime: float) -> dict[str, dict[str, FieldMapping]]:
    mappings: dict[str, dict[str, FieldMapping]] = {}
    with path.open(encoding=detect_encoding(path), newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            code, champ = row["centrale_code"].strip().upper(), row["champ"].strip()
            conversion = (row.get("conversion") or "").strip()
            if champ not in CONTRACT_FIELDS or conversion not in CONVERSIONS:
                raise IngestError(f"{path}: line {n}: unknown field {champ!r} or conversion {conversion!r}")
            mappings.setdefault(code, {})[champ] = FieldMapping(row["colonne_source"].strip(), conversion)
    return mappings


def centrale_mappings(path: Path | None = None) -> dict[str, dict[str, FieldMapping]]:
    """The column maps of the organisation's configuration (centrales_colonnes.csv)."""
    if path is None:
        from ..configuration import config_file

        path = config_file("centrales_colonnes")
    if not path.exists():
        raise IngestError(
            f"{path}: the centrale column maps are missing from the configuration (spaser init writes the known ones)"
        )
    return _load_mappings(path, path.stat().st_mtime)


def centrale_of(path: Path, mappings: dict[str, dict[str, FieldMapping]]) -> str:
    code = re.split(r"[_\-. ]", path.stem, maxsplit=1)[0].upper()
    if code not in mappings:
        raise IngestError(
            f"{path}: line 1: file name must start with a centrale code configured in "
            f"the configuration's centrales_colonnes.csv ({', '.join(sorted(mappings))}), found {code!r}"
        )
    return code


# --- Periods ------------------------------------------------------------------------------------

_P_MONTH = re.compile(r"^(?:(\d{4})[-/](\d{1,2})|(\d{1,2})[-/](\d{4}))$")
_P_QUARTER = re.compile(r"^(?:(\d{4})\s*[-/ ]?\s*[TQ]([1-4])|[TQ]([1-4])\s*[-/ ]?\s*(\d{4}))$", re.I)
_P_SEMESTER = re.compile(r"^(?:(\d{4})\s*[-/ ]?\s*S([12])|S([12])\s*[-/ ]?\s*(\d{4}))$", re.I)
_P_YEAR = re.compile(r"^(\d{4})$")


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_periode(text: str) -> tuple[dt.date, dt.date]:
    """A reporting period as the centrales write it: 2026-03, 03/2026, 2026-T1, T1 2026,
    2026-S1, 2026. Returns (first day, last day); ValueError otherwise."""
    s = text.strip()
    if m := _P_MONTH.match(s):
        year, month = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        if not 1 <= month <= 12:
            raise ValueError(s)
        return dt.date(year, month, 1), _month_end(year, month)
    if m := _P_QUARTER.match(s):
        year, q = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        return dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    if m := _P_SEMESTER.match(s):
        year, h = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        return dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h)
    if m := _P_YEAR.match(s):
        year = int(m.group(1))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise ValueError(s)


def parse_consideration(text: str | None) -> bool | None:
    if text is None or text.strip() == "":
        return None
    s = text.strip().lower()
    if s in _ENV_YES:
        return True
    if s in _ENV_NO:
        return False
    raise ValueError(text)


# --- Reader -------------------------------------------------------------------------------------


def read_centrale_achats(path: Path, mapping_path: Path | None = None) -> Iterator[tuple[int, dict | Quarantine]]:
    mappings = centrale_mappings(mapping_path)
    code = centrale_of(path, mappings)
    mapping = mappings[code]
    if "montant_ht" not in mapping or not ({"date_achat", "periode"} & set(mapping)):
        raise IngestError(f"{path}: line 1: mapping of {code} needs montant_ht and date_achat or periode")
    columns = [
        Column(
            m.source_column,
            CONTRACT_FIELDS[champ],
            required=champ in ("montant_ht", "date_achat", "periode"),
            not_null=champ == "montant_ht",
            identifier="siret" if champ.startswith("siret_") else "",
        )
        for champ, m in mapping.items()
    ]
    # a centrale's report carries its own columns beyond the mapped ones: not reported
    for line, item in read_table(path, columns, unknown=False):
        if isinstance(item, Quarantine):
            yield line, item
            continue
        yield line, _to_contract(code, mapping, item)


def _to_contract(code: str, mapping: dict[str, FieldMapping], item: dict) -> dict | Quarantine:
    values = {champ: item.get(m.source_column) for champ, m in mapping.items()}
    raw = compact_json(item)
    row: dict = {name: None for name, _ in ACHATS_TABLE.columns}
    row.update({k: v for k, v in values.items() if k in row})
    row["centrale"] = code
    date_achat, periode = values.get("date_achat"), values.get("periode")
    if date_achat is not None:
        row["periode_debut"] = row["periode_fin"] = date_achat
        row["periode_source"] = date_achat.isoformat()
    elif periode is not None:
        try:
            row["periode_debut"], row["periode_fin"] = parse_periode(str(periode))
        except ValueError:
            return Quarantine(
                f"periode is not a recognised period: {str(periode)[:40]!r}", mapping["periode"].source_column, raw
            )
        row["periode_source"] = str(periode).strip()
    else:
        return Quarantine("no purchase date nor period", None, raw)
    env = values.get("consideration_environnementale")
    row["consideration_environnementale_source"] = env
    try:
        row["consideration_environnementale"] = parse_consideration(env)
    except ValueError:
        return Quarantine(
            f"consideration_environnementale is not yes/no nor a DECP value: {str(env)[:40]!r}",
            mapping["consideration_environnementale"].source_column,
            raw,
        )
    for champ in ("montant_reemploi_ht", "montant_recycle_ht"):
        m = mapping.get(champ)
        if m is not None and m.conversion == "pourcentage_du_montant" and row[champ] is not None:
            row[champ] = round(row["montant_ht"] * row[champ] / 100.0, 2)
    for champ in ("siret_fournisseur", "siret_acheteur"):
        row[champ] = normalise_siret(row[champ])
    return row


# --- Centrales reference list (format of ../shared/data/centrales/centrales_achat_reference.csv) ---

REFERENTIEL_COLUMNS = [
    Column(
        "code",
        "text",
        not_null=True,
        example="UGAP",
        description="code de la centrale (celui de centrales_colonnes.csv et des noms de fichiers)",
    ),
    Column(
        "nom_usuel",
        "text",
        not_null=True,
        example="Union des groupements d'achats publics",
        description="nom de la centrale",
    ),
    Column(
        "acheteur_nom_observe_dans_DECP",
        "text",
        required=False,
        example="UNION DES GROUPEMENTS D'ACHATS PUBLICS (UGAP)",
        description="nom de la centrale tel qu'il apparaît comme acheteur dans les DECP",
    ),
    Column("secteur", "text", required=False, example="généraliste (EPIC)", description="secteur de la centrale"),
    Column(
        "siret_candidat",
        "text",
        required=False,
        identifier="siret",
        example="77605646700587",
        formats="14 chiffres",
        description="SIRET présumé de la centrale (non vérifié)",
    ),
    Column(
        "statut_siret",
        "text",
        required=False,
        example="à vérifier dans SIRENE",
        description="où en est la vérification du SIRET",
    ),
]
REFERENTIEL_TABLE = contract_table("centrales", "centrales_referentiel", REFERENTIEL_COLUMNS, raw_name=str.lower)


def read_referentiel(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # `,` as published, `;` when re-saved by Excel (the header line decides; header names in any case)
    return read_table(path, REFERENTIEL_COLUMNS, delimiter=(",", ";"), key=str.lower, rename=lower_keys)


# --- AGEC art. 58 declarations (schema datagouv/schema-declaration-biens-reemploi-...) -----------

AGEC58_COLUMNS = [
    Column("annee", "integer", not_null=True, example="2025", description="année des achats déclarés"),
    Column(
        "siret",
        "text",
        not_null=True,
        identifier="siret",
        example="22950001300011",
        formats="14 chiffres, sans espace",
        description="SIRET de l'acheteur qui déclare",
    ),
    Column(
        "raison_sociale",
        "text",
        not_null=True,
        example="Département du Val",
        description="nom de l'acheteur qui déclare",
    ),
    Column(
        "type_produit_acquis",
        "text",
        not_null=True,
        example="Papier",
        formats="une des 17 catégories de l'arrêté du 29 février 2024, écrite comme dans le schéma data.gouv.fr",
        description="catégorie de produits",
    ),
    Column(
        "montant_total", "decimal", not_null=True, description="montant total des achats de la catégorie, en euros HT"
    ),
    Column(
        "montant_reemploi_et_reutilisation",
        "decimal",
        not_null=True,
        description="dont biens issus du réemploi ou de la réutilisation, en euros HT",
    ),
    Column(
        "montant_produits_issus_don", "decimal", not_null=True, description="dont produits issus de dons, en euros HT"
    ),
    Column(
        "montant_produits_recycles",
        "decimal",
        not_null=True,
        description="dont produits intégrant des matières recyclées, en euros HT",
    ),
    Column("commentaires", "text", required=False, multiline=True, description="remarques"),
]
AGEC58_TABLE = contract_table("centrales", "centrales_declarations_agec58", AGEC58_COLUMNS)
AGEC58_FIELDS = [c.name for c in AGEC58_COLUMNS]


def read_declarations_agec58(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    """The official schema: CSV, UTF-8, ',' separator, '.' decimals (an Excel copy is accepted)."""
    return read_table(path, AGEC58_COLUMNS, delimiter=(",", ";"), key=str.lower)
