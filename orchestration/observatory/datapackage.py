"""The observatory's published files are a Frictionless Data Package (issue 16, item 2).

`$SPASER_HOME/observatoire/donnees/` holds, for each national table (build.MARTS), its Parquet
file (exact values) and its CSV file, and `datapackage.json`: one resource per CSV file with its
Table Schema. The schemas are written from the dbt manifest, with the release packages' code
(orchestration/publication/datapackage.py: model_docs, schema_field, the types of the Parquet
columns, the CSV dialect and the validation) and nothing typed twice:

- French titles, descriptions, units and bounds: each column's `config.meta` in
  models/observatory/marts/_observatory_marts__models.yml (titre, description, unite, minimum,
  maximum); the tables' titles and descriptions: each model's `config.meta`;
- `required`: the columns with a dbt not_null test; `enum`: dbt's accepted_values tests (kinds
  of buyers, statuses, the observatory's indicator ids); `primaryKey`: the unique_combination
  test of each model; periods read 2026-S1 or 2026;
- the buyer table's fields are those of the proposed "observatoire SPASER" schema,
  `buyer_schema()` (schema/observatoire-spaser/schema.json, written by
  `python -m orchestration.observatory.datapackage`), whose types are the columns' dbt data_type:
  the published file must conform to it.

The files are written into a staging folder and validated with `frictionless` (metadata, every
row of every table) before anything is published: a failure raises DataPackageError naming the
table, the row and the field, and the job stops before the publication tables, the files and the
pages are replaced.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..publication.datapackage import (
    CSV_PROTECTION,
    DATAPACKAGE,
    DECP_FORMAT,
    LICENCE,
    MISSING_VALUES,
    ModelDoc,
    contract_fields,
    csv_resource,
    duckdb_type,
    enum_values,
    model_docs,
    parquet_columns,
    period_pattern,
    proposed_schema,
    schema_field,
    schema_metadata,
    validate_datapackage,
    write_json,
    write_schema_main,
)
from ..settings import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "schema" / "observatoire-spaser"
BUYER_TABLE = "mart_observatoire_acheteurs"
SIRENE_STOCK = (
    "https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/"
)

# bump `version` and `last_modified` with an entry in CHANGELOG.md when the schema changes
SCHEMA_METADATA = schema_metadata(
    "observatoire-spaser",
    "Observatoire des achats responsables par acheteur",
    (
        "Indicateurs d'achats responsables calculés à partir des données essentielles de la commande "
        "publique (DECP) pour chaque acheteur public : une ligne par acheteur (SIRET), période "
        "(semestre ou année de notification) et indicateur (NAT-1 et NAT-2 du PNAD, IMP-11 clause "
        "sociale, DEP-4 clause sociale au-dessus d'un seuil, MAR-RES marchés réservés), avec la valeur "
        "en nombre de marchés et en montant, le nombre de marchés derrière le chiffre, la part "
        "d'enregistrements exclus pour qualité, le statut et le rang parmi les acheteurs du même type. "
        "Le département et le type d'acheteur viennent du répertoire SIRENE de l'INSEE."
    ),
    version="0.1.0",
    created="2026-12-06",
    last_modified="2026-12-06",
    sources=[
        {"title": "Données essentielles de la commande publique (DECP)", "path": DECP_FORMAT},
        {"title": "Base SIRENE des entreprises et de leurs établissements (INSEE)", "path": SIRENE_STOCK},
    ],
)


def observatory_field(column: str, kind: str, doc: ModelDoc) -> dict:
    """The Table Schema field of one column of an observatory table (French texts, unit and
    bounds from the column's dbt meta; required, enum and pattern from dbt's tests)."""
    spec = doc.columns.get(column, {})
    meta = spec.get("meta") or {}
    constraints: dict = {}
    if column in doc.tested_not_null:
        constraints["required"] = True
    if kind == "string" and doc.enums.get(column):
        constraints["enum"] = enum_values(doc.enums[column])
    constraints |= period_pattern(column)
    for bound in ("minimum", "maximum"):
        if bound in meta and kind in ("integer", "number"):
            constraints[bound] = meta[bound]
    extra = {"unit": meta["unite"]} if meta.get("unite") else {}
    return schema_field(
        column, kind, meta.get("titre"), meta.get("description") or spec.get("description", ""), constraints, **extra
    )


def buyer_fields(docs: dict[str, ModelDoc] | None = None) -> list[dict]:
    """The fields of the buyer table, in the model's order, typed by their dbt data_type: the
    proposed schema's and every published buyer file's."""
    return contract_fields(BUYER_TABLE, docs, lambda name, kind, _column, doc: observatory_field(name, kind, doc))


def buyer_schema(docs: dict[str, ModelDoc] | None = None) -> dict:
    """The proposed "observatoire SPASER" Table Schema (schema/observatoire-spaser/schema.json)."""
    docs = docs or model_docs()
    return proposed_schema(SCHEMA_METADATA, BUYER_TABLE, buyer_fields(docs), docs)


def table_schema(name: str, columns: list[tuple[str, str]], docs: dict[str, ModelDoc]) -> dict:
    """The Table Schema of an observatory table whose Parquet file has `columns` (name, DuckDB type)."""
    doc = docs.get(name, ModelDoc())
    proposed = {f["name"]: f for f in buyer_fields(docs)} if name == BUYER_TABLE else {}
    fields = [proposed.get(column) or observatory_field(column, duckdb_type(dtype), doc) for column, dtype in columns]
    schema: dict = {"fields": fields, "missingValues": MISSING_VALUES}
    if doc.primary_key and set(doc.primary_key) <= {c for c, _ in columns}:
        schema["primaryKey"] = doc.primary_key
    return schema


def build_datapackage(con, folder: Path, files: dict[str, dict], parameters) -> dict:
    """The descriptor of the observatory's files in `folder`; `files` maps each table to its
    rows, CSV and Parquet file names, bytes and SHA-256."""
    docs = model_docs()
    resources = []
    for name, out in files.items():
        columns = parquet_columns(con, folder / out["parquet"])
        meta = docs.get(name, ModelDoc()).meta
        resources.append(
            csv_resource(
                name,
                meta.get("titre") or name,
                f"{meta.get('description', '')} {out['rows']} ligne(s) ; valeurs exactes dans "
                f"{out['parquet']} ; {CSV_PROTECTION}".strip(),
                {"file": out["csv"], "bytes": out["bytes"], "sha256": out["sha256"]},
                table_schema(name, columns, docs),
            )
        )
    built = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    thresholds = [f"{t:g}" for t in parameters.seuils_dep4_eur]
    return {
        "profile": "tabular-data-package",
        "name": "observatoire-spaser-national",
        "title": "Observatoire national des achats responsables (DECP)",
        "description": (
            "Indicateurs d'achats responsables que les données essentielles de la commande publique (DECP) "
            "permettent de mesurer (NAT-1, NAT-2, IMP-11, DEP-4, part de marchés réservés), pour chaque "
            "acheteur public, chaque département, chaque type d'acheteur et la France entière, par semestre "
            "et par année. Chaque chiffre porte le nombre de marchés derrière lui et la part "
            "d'enregistrements exclus pour qualité ; un chiffre de moins de "
            f"{parameters.min_marches} marchés connus est affiché sans être classé. Le tableau par acheteur "
            f"suit le schéma {SCHEMA_METADATA['name']} {SCHEMA_METADATA['version']}."
        ),
        "created": built,
        "licenses": [LICENCE],
        "sources": SCHEMA_METADATA["sources"],
        "keywords": ["SPASER", "achats responsables", "commande publique", "DECP", "observatoire", "PNAD"],
        "spaser": {
            "observatoire": True,
            "construit_le": built,
            "parametres": {"min_marches": parameters.min_marches, "seuils_dep4_eur": thresholds},
            "schema_acheteurs": f"{SCHEMA_METADATA['name']} {SCHEMA_METADATA['version']}",
        },
        "resources": resources,
    }


def write_datapackage(con, folder: Path, files: dict[str, dict], parameters) -> Path:
    """Write `datapackage.json` into `folder` and validate it with frictionless (every resource,
    every row); DataPackageError when it is not valid."""
    path = folder / DATAPACKAGE
    write_json(path, build_datapackage(con, folder, files, parameters))
    validate_datapackage(path, "observatoire national")
    return path


def write_buyer_schema(folder: Path = SCHEMA_DIR) -> Path:
    """schema/observatoire-spaser/schema.json from the dbt models' documentation and tests."""
    return write_json(folder / "schema.json", buyer_schema())


if __name__ == "__main__":  # python -m orchestration.observatory.datapackage
    write_schema_main(write_buyer_schema)
