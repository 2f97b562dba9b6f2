"""Buyer reference of the observatory: an extract of the INSEE SIRENE stock, as INSEE publishes it.

Input contract (docs/observatoire.md): CSV files in `landing/sirene/`, `,`-separated, UTF-8, with
the header of the stock files (the columns below are read, the others are ignored, as an extract
may keep all of them or only these):

- `StockEtablissement*.csv`: one row per establishment (siret, siren, codeCommuneEtablissement,
  etatAdministratifEtablissement...): gives a buyer SIRET its commune, hence its département;
- `StockUniteLegale*.csv`: one row per legal unit (siren, categorieJuridiqueUniteLegale,
  denominationUniteLegale...): gives the buyer's legal category, hence its kind (seed
  observatoire_categories_juridiques).

Rows are read under a column contract like every other feed (rows read = loaded +
quarantined in meta.ingest_log); a row whose identifier is not 14 (SIRET) or 9 (SIREN) digits,
or whose legal category is not 4 digits, is quarantined with the reason. The warehouse keeps
the INSEE names in snake case (codeCommuneEtablissement -> code_commune_etablissement).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .framework import IngestError, Quarantine, compact_json
from .french_csv import Column, contract_table, read_delimited

FOLDER = "sirene"
FEED = "sirene"

ETABLISSEMENT_COLUMNS = [
    Column("siret", "text", not_null=True, description="SIRET de l'établissement (14 chiffres)"),
    Column("siren", "text", not_null=True, description="SIREN de l'unité légale (9 chiffres)"),
    Column("codeCommuneEtablissement", "text", required=False, description="code INSEE de la commune"),
    Column("codePostalEtablissement", "text", required=False, description="code postal"),
    Column("libelleCommuneEtablissement", "text", required=False, description="libellé de la commune"),
    Column("etatAdministratifEtablissement", "text", required=False, description="A actif, F fermé"),
    Column("denominationUsuelleEtablissement", "text", required=False, description="dénomination usuelle"),
    Column("enseigne1Etablissement", "text", required=False, description="enseigne"),
]
UNITE_LEGALE_COLUMNS = [
    Column("siren", "text", not_null=True, description="SIREN de l'unité légale (9 chiffres)"),
    Column("categorieJuridiqueUniteLegale", "text", not_null=True, description="catégorie juridique (4 chiffres)"),
    Column("denominationUniteLegale", "text", required=False, description="dénomination"),
    Column("sigleUniteLegale", "text", required=False, description="sigle"),
    Column("etatAdministratifUniteLegale", "text", required=False, description="A active, C cessée"),
]


def snake(name: str) -> str:
    """INSEE camelCase column name -> the warehouse's snake case."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


ETABLISSEMENTS_TABLE = contract_table(FEED, "sirene_etablissements", ETABLISSEMENT_COLUMNS, raw_name=snake)
UNITES_LEGALES_TABLE = contract_table(FEED, "sirene_unites_legales", UNITE_LEGALE_COLUMNS, raw_name=snake)

_DIGITS = {"siret": re.compile(r"^\d{14}$"), "siren": re.compile(r"^\d{9}$")}
_CATEGORY = re.compile(r"^\d{4}$")


def _checked(rows, columns: list[Column]) -> Iterator[tuple[int, dict | Quarantine]]:
    for line, item in rows:
        if isinstance(item, Quarantine):
            yield line, item
            continue
        row = {snake(c.name): item.get(c.name) for c in columns}
        bad = next((k for k, pattern in _DIGITS.items() if k in row and not pattern.match(row[k])), None)
        if bad is not None:
            yield line, Quarantine(f"{bad} is not {14 if bad == 'siret' else 9} digits", bad, compact_json(item))
        elif "categorie_juridique_unite_legale" in row and not _CATEGORY.match(row["categorie_juridique_unite_legale"]):
            yield (
                line,
                Quarantine(
                    "categorieJuridiqueUniteLegale is not 4 digits", "categorieJuridiqueUniteLegale", compact_json(item)
                ),
            )
        elif "siret" in row and not row["siret"].startswith(row["siren"]):
            yield line, Quarantine("siret does not start with siren", "siret", compact_json(item))
        else:
            yield line, row


def read_etablissements(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return _checked(read_delimited(path, ETABLISSEMENT_COLUMNS, ",", unknown=False), ETABLISSEMENT_COLUMNS)


def read_unites_legales(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return _checked(read_delimited(path, UNITE_LEGALE_COLUMNS, ",", unknown=False), UNITE_LEGALE_COLUMNS)


# file name prefix (case-insensitive, as INSEE names its stock files) -> table and reader
KINDS = {
    "stocketablissement": (ETABLISSEMENTS_TABLE, read_etablissements),
    "stockunitelegale": (UNITES_LEGALES_TABLE, read_unites_legales),
}


def sirene_files(folder: Path) -> dict[str, list[Path]]:
    """The extract's files by raw table. A file that is not a StockEtablissement or
    StockUniteLegale CSV is an error, never silently skipped."""
    found: dict[str, list[Path]] = {t.table: [] for t, _ in KINDS.values()}
    if not folder.is_dir():
        return found
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        kind = next((k for k in KINDS if path.name.lower().startswith(k)), None)
        if kind is None or path.suffix.lower() != ".csv":
            raise IngestError(
                f"{path}: not a SIRENE stock extract (expected StockEtablissement*.csv or StockUniteLegale*.csv)"
            )
        found[KINDS[kind][0].table].append(path)
    return found
