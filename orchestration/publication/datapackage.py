"""Every release is also a Frictionless Data Package: `datapackage.json`, validated before sealing.

`write_datapackage(con, folder, manifest)` describes each published table's CSV file of a release
being written (Data Package v1, `profile: tabular-data-package`): path, format, encoding, the
dialect DuckDB writes (publish.write_release_csv), size and SHA-256, and a Table Schema whose
fields are the Parquet file's columns. Nothing is written by hand twice:

- types come from the Parquet schema (the exact values; the CSV is written from the same rows);
- descriptions from the dbt manifest (the columns' documentation, as serving.column_comments);
- `required` from the keys (dbt primary key constraint, unique + not_null tests) and the
  enforced not_null constraints of a contract; `primaryKey` from the same keys;
- `enum` from dbt's accepted_values tests (period_type, status, source_feed...) and, for
  `indicator_id`, from the catalogue (seeds/spaser_indicateurs.csv);
- the indicator table's fields (mart_spaser_indicateurs and its history) are those of the
  proposed "indicateurs SPASER" schema, `indicator_schema()`, whose French titles,
  descriptions and examples are `INDICATEURS_FR` below; `schema/indicateurs-spaser/schema.json`
  is that schema, written by `python -m orchestration.publication.datapackage` (a test keeps
  the file equal to what this module generates).

`validate_datapackage(folder)` runs `frictionless` over the package (its metadata and every row
of every resource); a failure raises `DataPackageError` naming the table, row and field, and
publish_semester then writes no release (a gate). The CSV files neutralise formula triggers (a
text cell starting with =, +, -, @ gets a leading quote): the enums are neutralised alike, and
such a cell is still valid text.
"""

from __future__ import annotations

import csv
import functools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import REPO_ROOT

CATALOGUE = REPO_ROOT / "seeds" / "spaser_indicateurs.csv"
SCHEMA_DIR = REPO_ROOT / "schema" / "indicateurs-spaser"
DATAPACKAGE = "datapackage.json"
INDICATOR_MODEL = "mart_spaser_indicateurs"
CATALOGUE_COLUMN = "indicator_id"  # any published column of this name holds a catalogue id

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
DECP_FORMAT = "https://schema.data.gouv.fr/139bercy/format-commande-publique/"

# The CSV files as publish.write_release_csv writes them (DuckDB's COPY ... (HEADER)).
CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True, "lineTerminator": "\n"}
MISSING_VALUES = [""]  # DuckDB writes NULL as an empty cell

# French titles of the published tables (a release resource's title)
TABLE_TITLES = {
    "mart_spaser_indicateurs": "Indicateurs SPASER du semestre et de son année",
    "mart_spaser_indicateurs_historique": "Indicateurs SPASER de chaque période jusqu'au semestre",
    "indicateur_lignes": "Lignes sources de chaque indicateur (détail pour l'audit)",
    "fct_marches": "Marchés comptés dans le semestre",
    "fct_marches_exclusions": "Marchés du semestre non comptés, avec le motif",
    "dim_acheteurs": "Acheteurs de l'organisation",
    "dim_titulaires": "Titulaires des marchés du semestre",
}

# The indicator table's fields in French: column -> (title, description, example). The order,
# types and constraints come from the dbt model (its enforced contract), enums from dbt's
# accepted_values tests and the catalogue.
INDICATEURS_FR: dict[str, tuple[str, str, str]] = {
    "org_id": (
        "Identifiant de l'organisation",
        "Identifiant court et stable de l'organisation qui publie (l'acheteur public soumis au SPASER).",
        "nordval",
    ),
    "org_name": ("Nom de l'organisation", "Nom de l'organisation qui publie.", "Département du Nord-Val"),
    "period_type": (
        "Type de période",
        "semestre pour un semestre civil, annee pour une année civile.",
        "semestre",
    ),
    "period": (
        "Période",
        "AAAA-S1 pour le premier semestre (janvier à juin), AAAA-S2 pour le second, AAAA pour l'année civile.",
        "2026-S1",
    ),
    "period_start": ("Début de la période", "Premier jour de la période (AAAA-MM-JJ).", "2026-01-01"),
    "period_end": (
        "Fin de la période",
        "Dernier jour de la période ; pour une année incomplète, dernier jour de son dernier semestre publié.",
        "2026-06-30",
    ),
    "is_complete_period": (
        "Période complète",
        "false pour une année civile dont le second semestre n'est pas encore publié : sa valeur est "
        "le chiffre à date, jamais jugé contre la cible annuelle (statut vide).",
        "true",
    ),
    "indicator_id": (
        "Identifiant de l'indicateur",
        "Identifiant stable de l'indicateur dans le catalogue des indicateurs SPASER (axes GOV, BES, IMP, "
        "MOB, NAT, DEP).",
        "IMP-12",
    ),
    "axe": (
        "Axe du SPASER",
        "Axe du SPASER auquel appartient l'indicateur (catalogue).",
        "Rééquilibrer l'impact de nos achats",
    ),
    "indicator_label": (
        "Libellé de l'indicateur",
        "Libellé de l'indicateur (catalogue).",
        "Part des marchés comportant une considération sociale",
    ),
    "unit": (
        "Unité",
        "Unité de value, numerator, denominator, target_value, baseline_value, expected_value et "
        "previous_value (catalogue) : % pour un ratio (0 à 100), nombre, EUR HT, tonnes, heures, "
        "oui/non (1 pour oui, 0 pour non)...",
        "%",
    ),
    "source_feed": (
        "Source des données",
        "Source dont l'indicateur est calculé : marches (DECP et export des procédures), energie, dechets, "
        "insertion, centrales, fournisseurs, restauration, saisie (saisie manuelle), entrepot (les "
        "publications elles-mêmes).",
        "marches",
    ),
    "value": (
        "Valeur",
        "Valeur de l'indicateur pour la période, dans l'unité de unit ; vide quand l'indicateur n'est pas "
        "disponible (jamais 0 à la place).",
        "34.96",
    ),
    "numerator": (
        "Numérateur",
        "Numérateur d'un ratio, ou quantité mesurée (nombre, kWh, tonnes, heures) ; vide si non disponible.",
        "208",
    ),
    "denominator": (
        "Dénominateur",
        "Dénominateur d'un ratio (marchés dont l'information est connue, consommation de référence...) ; "
        "vide quand la valeur n'est pas un ratio.",
        "595",
    ),
    "target_value": (
        "Cible",
        "Cible fixée par l'organisation pour l'indicateur, dans l'unité de unit ; vide sans cible.",
        "35",
    ),
    "target_year": ("Année de la cible", "Année à laquelle la cible doit être atteinte.", "2030"),
    "target_direction": (
        "Sens de l'objectif",
        "hausse (la cible est atteinte par le haut) ou baisse (par le bas).",
        "hausse",
    ),
    "baseline_value": (
        "Valeur de référence",
        "Valeur de départ de la trajectoire : celle fixée par l'organisation, ou la première année complète mesurée.",
        "24.83",
    ),
    "baseline_year": ("Année de référence", "Année de la valeur de référence.", "2024"),
    "expected_value": (
        "Valeur attendue",
        "Valeur attendue à la fin de la période sur la trajectoire : droite de la valeur de référence (fin de "
        "son année) à la cible (fin de l'année de la cible), arrondie au centième.",
        "27.37",
    ),
    "status": (
        "Statut",
        "atteint (cible atteinte), en bonne voie (au niveau de la valeur attendue ou au-delà), en retard "
        "(en deçà), sans cible, non disponible ; vide pour une période incomplète dont la valeur, un chiffre "
        "à date, n'est pas jugée.",
        "en retard",
    ),
    "previous_value": (
        "Valeur précédente",
        "Valeur de la période précédente du même type (semestre précédent, année précédente).",
        "31.57",
    ),
    "is_available": (
        "Disponible",
        "false quand l'indicateur ne peut pas être calculé pour la période (voir unavailable_reason).",
        "true",
    ),
    "unavailable_reason": (
        "Motif d'indisponibilité",
        "Pourquoi l'indicateur n'est pas disponible pour la période ; vide quand il l'est.",
        "aucun bilan EGALim (euros HT) des établissements du Département pour l'année",
    ),
    "source_rows": (
        "Lignes sources",
        "Nombre de lignes sources (marchés, lignes de registre, relevés...) dans le périmètre de "
        "l'indicateur pour la période ; le détail est publié dans indicateur_lignes.",
        "595",
    ),
}

# French titles of the other tables' fields (their descriptions stay dbt's): one meaning per
# column name across the tables
TITRES = {
    # indicateur_lignes
    "org_id": "Identifiant de l'organisation",
    "period_type": "Type de période",
    "period": "Période",
    "indicator_id": "Identifiant de l'indicateur",
    "source_feed": "Source des données",
    "record_key": "Enregistrement",
    "measure": "Ce qu'est la ligne pour l'indicateur",
    "unit": "Unité des montants de la ligne",
    "in_denominator": "Compte au dénominateur",
    "in_numerator": "Compte au numérateur",
    "numerator_value": "Apport au numérateur",
    "denominator_value": "Apport au dénominateur",
    "value_contribution": "Apport à la valeur",
    "flags": "Champs examinés",
    "source_file": "Fichier source",
    "source_row": "Ligne du fichier source",
    "secondary_source_file": "Fichier source secondaire",
    "secondary_source_row": "Ligne du fichier source secondaire",
    # fct_marches, fct_marches_exclusions
    "contrat_key": "Clé du marché (SIRET de l'acheteur|identifiant)",
    "acheteur_id": "SIRET de l'acheteur",
    "marche_id": "Identifiant du marché (DECP)",
    "uid": "Identifiant unique DECP (uid)",
    "format_version": "Format DECP du fichier",
    "nature": "Nature du marché",
    "objet": "Objet du marché",
    "code_cpv": "Code CPV",
    "procedure": "Procédure de passation",
    "forme_prix": "Forme du prix",
    "date_notification": "Date de notification",
    "semestre": "Semestre de notification",
    "annee": "Année de notification",
    "date_publication_donnees": "Date de publication des données",
    "montant_initial": "Montant initial (EUR HT)",
    "montant": "Montant après modifications (EUR HT)",
    "montant_plausible": "Montant plausible",
    "duree_mois": "Durée (mois)",
    "date_fin_prevue": "Date de fin prévue",
    "offres_recues": "Nombre d'offres reçues",
    "techniques": "Techniques d'achat",
    "modalites_execution": "Modalités d'exécution",
    "titulaires": "Titulaires (JSON)",
    "considerations_sociales": "Considérations sociales",
    "considerations_environnementales": "Considérations environnementales",
    "considerations_sociales_connues": "Considérations sociales connues",
    "considerations_environnementales_connues": "Considérations environnementales connues",
    "considerations_sociales_hors_liste": "Considérations sociales hors liste",
    "considerations_environnementales_hors_liste": "Considérations environnementales hors liste",
    "has_clause_sociale": "Clause sociale",
    "is_marche_reserve": "Marché réservé",
    "has_consideration_sociale": "Considération sociale",
    "has_consideration_environnementale": "Considération environnementale",
    "perimetre_numerique": "Périmètre numérique",
    "has_procedure_interne": "Présent dans l'export des procédures",
    "direction": "Direction acheteuse",
    "section_budgetaire": "Section budgétaire",
    "sourcing_realise": "Sourçage réalisé",
    "negociation_realisee": "Négociation réalisée",
    "clause_progres": "Clause de progrès",
    "analyse_cycle_vie": "Analyse du cycle de vie",
    "label_spaser": "Label SPASER interne",
    "analyse_opportunite_clause_sociale": "Opportunité d'une clause sociale analysée",
    "fiche_type_considerations_sociales": "Fiche type « considérations sociales » utilisée",
    "criteres_numerique_responsable": "Critères de numérique responsable",
    "nombre_versions_recues": "Nombre d'enregistrements reçus",
    "nombre_modifications": "Nombre de modifications",
    "parse_warnings": "Anomalies de lecture",
    "_source_file": "Fichier DECP source",
    "_source_row": "Rang de l'enregistrement dans le fichier DECP",
    "_source_sha256": "SHA-256 du fichier DECP",
    "procedures_source_file": "Fichier de l'export des procédures",
    "procedures_source_row": "Ligne de l'export des procédures",
    "exclusion_reason": "Motif d'exclusion",
    "retained_source_file": "Fichier DECP de la version retenue",
    "retained_source_row": "Rang de la version retenue",
    # dim_acheteurs, dim_titulaires
    "acheteur_nom": "Nom de l'acheteur",
    "siret_valide": "SIRET valide",
    "nombre_marches": "Nombre de marchés",
    "premiere_notification": "Première notification",
    "derniere_notification": "Dernière notification",
    "titulaire_id": "Identifiant du titulaire",
    "type_identifiant": "Type d'identifiant",
    "denomination_sociale": "Dénomination sociale",
    "siren": "SIREN",
    "montant_total": "Montant total des marchés (EUR HT)",
}


def schema_metadata(
    name: str, title: str, description: str, *, version: str, created: str, last_modified: str, sources: list[dict]
) -> dict:
    """The metadata of a proposed schema, in the conventions of schema.data.gouv.fr (its fields are
    generated), with what every schema of the project shares: example file, author, licence."""
    return {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": name,
        "title": title,
        "description": description,
        "countryCode": "FR",
        "version": version,
        "created": created,
        "lastModified": last_modified,
        "resources": [{"title": "Exemple de fichier valide", "path": "exemple-valide.csv"}],
        "sources": sources,
        "contributors": [{"title": "Entrepôt d'indicateurs SPASER (projet open source)", "role": "author"}],
        "licenses": [LICENCE],
    }


# bump `version` and `last_modified` with an entry in CHANGELOG.md when the schema changes
SCHEMA_METADATA = schema_metadata(
    "indicateurs-spaser",
    "Indicateurs SPASER",
    (
        "Indicateurs de suivi d'un schéma de promotion des achats socialement et écologiquement "
        "responsables (SPASER) : une ligne par organisation, période (semestre ou année civile) et "
        "indicateur du catalogue, avec sa valeur, son unité, sa cible, la valeur attendue sur la "
        "trajectoire et son statut. Tout acheteur soumis au SPASER peut publier ses indicateurs dans "
        "ce format pour qu'ils se comparent à ceux des autres."
    ),
    version="0.1.0",
    created="2026-12-06",
    last_modified="2026-12-06",
    sources=[
        {"title": "Catalogue des indicateurs SPASER de l'entrepôt d'indicateurs SPASER (seeds/spaser_indicateurs.csv)"},
        {"title": "Données essentielles de la commande publique (DECP)", "path": DECP_FORMAT},
    ],
)


class DataPackageError(ValueError):
    """The release is not a valid Data Package: nothing is published (a gate)."""

    def __init__(self, problems: list[str], where: str):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... et {len(problems) - 20} autre(s)" if len(problems) > 20 else ""
        super().__init__(
            f"{where} : le Data Package n'est pas valide (frictionless, {len(problems)} erreur(s) ; "
            f"lignes numérotées comme dans le CSV, l'en-tête est la ligne 1) : rien n'est publié.\n{shown}{more}"
        )


# --- what dbt and the catalogue say


@dataclass
class ModelDoc:
    """What the dbt manifest says of one model's columns."""

    columns: dict[str, dict] = field(default_factory=dict)  # name -> {description, data_type}
    primary_key: list[str] = field(default_factory=list)
    not_null: set[str] = field(default_factory=set)  # enforced (contract) or tested not null keys
    enums: dict[str, list[str]] = field(default_factory=dict)  # accepted_values tests
    tested_not_null: set[str] = field(default_factory=set)  # columns with a not_null data test
    meta: dict = field(default_factory=dict)  # the model's config meta (the observatory's French texts)


def dbt_manifest_path() -> Path:
    from ..dbt_manifest import spaser_dbt_project

    return Path(spaser_dbt_project.manifest_path)


def model_docs(manifest_path: Path | None = None) -> dict[str, ModelDoc]:
    """Every dbt model's documented columns, keys, not-null constraints and accepted values.
    Parsed once per manifest file version (a publication asks for it once per table; the
    manifest is several MB): callers must not modify what it returns."""
    path = manifest_path or dbt_manifest_path()
    try:
        stat = path.stat()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return _model_docs(path, stat.st_mtime_ns, stat.st_size)


def _unreadable(path: Path, exc: Exception) -> DataPackageError:
    return DataPackageError(
        [f"manifeste dbt illisible ({type(exc).__name__} : {exc}) : lancer `spaser prepare`"], str(path)
    )


@functools.lru_cache(maxsize=4)
def _model_docs(path: Path, mtime_ns: int, size: int) -> dict[str, ModelDoc]:  # noqa: ARG001 - cache keys
    try:
        nodes = json.loads(path.read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError) as exc:
        raise _unreadable(path, exc) from exc
    docs: dict[str, ModelDoc] = {}
    by_id: dict[str, ModelDoc] = {}
    for node_id, node in nodes.items():
        if node.get("resource_type") != "model":
            continue
        doc = ModelDoc(meta=(node.get("config") or {}).get("meta") or {})
        for name, column in node.get("columns", {}).items():
            doc.columns[name] = {
                "description": " ".join((column.get("description") or "").split()),
                "data_type": column.get("data_type"),
                "meta": (column.get("config") or {}).get("meta") or column.get("meta") or {},
            }
            if any(c.get("type") == "not_null" for c in column.get("constraints") or []):
                doc.not_null.add(name)
        for constraint in node.get("constraints") or []:
            if constraint.get("type") == "primary_key":
                doc.primary_key = list(constraint.get("columns") or [])
        docs[node["name"]] = by_id[node_id] = doc
    unique: dict[str, set[str]] = {}
    tested_not_null: dict[str, set[str]] = {}
    for node in nodes.values():
        meta = node.get("test_metadata") or {}
        doc = by_id.get(node.get("attached_node") or "")
        if node.get("resource_type") != "test" or doc is None:
            continue
        kwargs, column = meta.get("kwargs") or {}, node.get("column_name")
        if meta.get("name") == "accepted_values" and column:
            doc.enums[column] = [str(v) for v in kwargs.get("values") or []]
        elif meta.get("name") == "unique_combination" and not doc.primary_key:
            doc.primary_key = list(kwargs.get("columns") or [])
        elif meta.get("name") == "unique" and column:
            unique.setdefault(node["attached_node"], set()).add(column)
        elif meta.get("name") == "not_null" and column:
            tested_not_null.setdefault(node["attached_node"], set()).add(column)
    for node_id, doc in by_id.items():
        doc.tested_not_null = set(tested_not_null.get(node_id, set()))
        keys = sorted(unique.get(node_id, set()) & tested_not_null.get(node_id, set()))
        if not doc.primary_key and len(keys) == 1:  # one column unique and not null: the key
            doc.primary_key = keys
        doc.not_null |= set(doc.primary_key)
    return docs


def catalogue_ids(path: Path = CATALOGUE) -> list[str]:
    """The catalogue's indicator ids, in its order."""
    with path.open(encoding="utf-8", newline="") as f:
        return [row["indicator_id"] for row in csv.DictReader(f)]


# --- Table Schema types

DBT_TYPES = {  # the contract's data_type (dbt yml) -> Table Schema type
    "varchar": "string",
    "text": "string",
    "date": "date",
    "boolean": "boolean",
    "double precision": "number",
    "double": "number",
    "real": "number",
    "integer": "integer",
    "bigint": "integer",
    "timestamp": "datetime",
}


def duckdb_type(dtype: str) -> str:
    """Table Schema type of a DuckDB (Parquet) column type as its CSV cell reads."""
    t = dtype.upper()
    if t.endswith("]") or t.startswith(("STRUCT", "MAP", "UNION")):
        return "string"  # lists and structs: DuckDB's text form ([a, b], {'k': v})
    if t == "BOOLEAN":
        return "boolean"
    if t.removeprefix("U") in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}:
        return "integer"
    if t in {"FLOAT", "DOUBLE", "REAL"} or t.startswith("DECIMAL"):
        return "number"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    if t.startswith("TIME"):
        return "time"
    return "string"  # VARCHAR, ENUM, JSON, UUID, INTERVAL, BLOB


def csv_text(value: str) -> str:
    """A text value as the release CSV holds it (publish.csv_safe_sql)."""
    from .publish import FORMULA_TRIGGERS

    return "'" + value if value[:1] in FORMULA_TRIGGERS else value


# --- the indicator table: the proposed schema


def contract_fields(model: str, docs: dict[str, ModelDoc] | None, field: Callable[..., dict]) -> list[dict]:
    """The fields of a proposed schema: the columns of `model` (a contract), in its order, each
    written by `field(name, kind, column, doc)` with the Table Schema type of its dbt data_type
    (DataPackageError for a data_type without one)."""
    doc = (docs or model_docs())[model]
    fields = []
    for name, column in doc.columns.items():
        kind = dbt_type(column["data_type"])
        if kind is None:
            raise DataPackageError([f"colonne {name} : type dbt {column['data_type']!r} sans type Table Schema"], model)
        fields.append(field(name, kind, column, doc))
    return fields


def proposed_schema(metadata: dict, model: str, fields: list[dict], docs: dict[str, ModelDoc]) -> dict:
    """A proposed Table Schema (schema/<name>/schema.json): its metadata, `fields` and the key of
    `model`."""
    return metadata | {"fields": fields, "primaryKey": docs[model].primary_key, "missingValues": MISSING_VALUES}


def write_schema_main(write: Callable[[], Path]) -> None:
    """`python -m` of a module writing a proposed schema: the fields come from the dbt models,
    so their manifest first; prints the file written."""
    from ..dbt_parse import prepare_manifest

    prepare_manifest()
    print(write())


def indicator_fields(docs: dict[str, ModelDoc] | None = None) -> list[dict]:
    """The fields of the indicator table (mart_spaser_indicateurs), in the model's order: the
    proposed schema's and every release's. A column without a French entry keeps dbt's
    description (tests/test_datapackage.py requires one for each)."""
    return contract_fields(INDICATOR_MODEL, docs, _indicator_field)


def _indicator_field(name: str, kind: str, column: dict, doc: ModelDoc) -> dict:
    title, description, example = INDICATEURS_FR.get(name, (None, column["description"], None))
    entry = _field(name, kind, title, description, example=example)
    if constraints := _constraints(name, kind, doc) | _pattern(name):
        entry["constraints"] = constraints
    return entry


def dbt_type(data_type: str | None) -> str | None:
    """Table Schema type of a contract's data_type; None when unknown."""
    t = (data_type or "").lower()
    return "number" if t.startswith(("decimal", "numeric")) else DBT_TYPES.get(t)


def _pattern(name: str) -> dict:
    """A period reads 2026-S1 or 2026 (orchestration/semesters.py)."""
    return {"pattern": r"^[0-9]{4}(-S[12])?$"} if name == "period" else {}


period_pattern = _pattern  # public: the observatory's tables have periods too


def indicator_schema(docs: dict[str, ModelDoc] | None = None) -> dict:
    """The proposed "indicateurs SPASER" Table Schema (schema/indicateurs-spaser/schema.json)."""
    docs = docs or model_docs()
    return proposed_schema(SCHEMA_METADATA, INDICATOR_MODEL, indicator_fields(docs), docs)


def _constraints(name: str, kind: str, doc: ModelDoc) -> dict:
    constraints: dict = {}
    if name in doc.not_null:
        constraints["required"] = True
    if kind == "string":
        values = catalogue_ids() if name == CATALOGUE_COLUMN else doc.enums.get(name)
        if values:
            constraints["enum"] = enum_values(values)
    return constraints


def schema_field(
    name: str, kind: str, title: str | None, description: str, constraints: dict | None = None, **extra
) -> dict:
    """One Table Schema field as every package of this project writes it (name, title,
    description, type, then `extra` properties such as example, then constraints)."""
    entry = _field(name, kind, title, description, example=extra.pop("example", None)) | extra
    if constraints:
        entry["constraints"] = constraints
    return entry


def enum_values(values: list[str]) -> list[str]:
    """An enum as the CSV files hold its values (formula triggers neutralised, csv_text)."""
    return [csv_text(v) for v in values]


def _field(name: str, kind: str, title: str | None, description: str, example: str | None = None) -> dict:
    out = {"name": name}
    if title:
        out["title"] = title
    if description:
        out["description"] = description
    out["type"] = kind
    if example is not None:
        out["example"] = example
    return out


# --- a release


def table_schema(name: str, columns: list[tuple[str, str]], docs: dict[str, ModelDoc]) -> dict:
    """The Table Schema of a published table whose Parquet file has `columns` (name, DuckDB type)."""
    from .serving import DESCRIBED_BY

    model = DESCRIBED_BY.get(name, name)
    doc = docs.get(model, ModelDoc())
    indicator = {f["name"]: f for f in indicator_fields(docs)} if model == INDICATOR_MODEL else {}
    fields = []
    for column, dtype in columns:
        if column in indicator:  # the proposed schema's field: the file must conform to it
            fields.append(indicator[column])
            continue
        kind = duckdb_type(dtype)
        described = doc.columns.get(column, {}).get("description", "")
        entry = _field(column, kind, TITRES.get(column), described)
        if constraints := _constraints(column, kind, doc):
            entry["constraints"] = constraints
        fields.append(entry)
    schema: dict = {"fields": fields, "missingValues": MISSING_VALUES}
    names = {c for c, _ in columns}
    if doc.primary_key and set(doc.primary_key) <= names:
        schema["primaryKey"] = doc.primary_key
    return schema


# What every published CSV says of its text cells (write_release_csv neutralises formulas).
CSV_PROTECTION = (
    "dans le CSV, une cellule de texte commençant par =, +, -, @, une tabulation ou un retour "
    "chariot est précédée d'une apostrophe (protection des tableurs)."
)


def parquet_columns(con, parquet: Path) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of a Parquet file."""
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')").fetchall()]


def csv_resource(name: str, title: str, description: str, csv: dict, schema: dict) -> dict:
    """A tabular Data Package resource for a published CSV (`csv`: its file, bytes, sha256)."""
    return {
        "name": name,
        "title": title,
        "description": description,
        "profile": "tabular-data-resource",
        "path": csv["file"],
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": csv["bytes"],
        "hash": f"sha256:{csv['sha256']}",
        "dialect": CSV_DIALECT,
        "schema": schema,
    }


def write_json(path: Path, document: dict) -> Path:
    """`document` as the project writes its JSON descriptors and schemas (UTF-8, indented)."""
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def build_datapackage(con, folder: Path, manifest: dict, docs: dict[str, ModelDoc] | None = None) -> dict:
    """The descriptor of the release being written in `folder` (its tables' files and `manifest`)."""
    from .publish import PUBLISHED_TABLES

    docs = docs or model_docs()
    org, semester, version = manifest["organisation"], manifest["semester"], manifest["version"]
    indicators = folder / f"{INDICATOR_MODEL}.parquet"
    names = con.execute(
        f"SELECT DISTINCT org_name FROM read_parquet('{indicators}') WHERE org_name IS NOT NULL"
    ).fetchall()
    org_name = names[0][0] if len(names) == 1 else org
    resources = []
    for name in PUBLISHED_TABLES:
        output = manifest["outputs"][name]
        columns = parquet_columns(con, folder / output["parquet"]["file"])
        resources.append(
            csv_resource(
                name,
                TABLE_TITLES.get(name, name),
                f"{output['rows']} ligne(s). Valeurs exactes dans {output['parquet']['file']} ; {CSV_PROTECTION}",
                output["csv"],
                table_schema(name, columns, docs),
            )
        )
    feeds = Counter(i.get("feed") for i in manifest.get("inputs") or [])
    sources = [{"title": "Données essentielles de la commande publique (DECP) des acheteurs", "path": DECP_FORMAT}]
    sources += [
        {"title": f"Flux {feed} : {n} fichier(s) reçu(s), listés avec leur empreinte SHA-256 dans manifest.json"}
        for feed, n in sorted(feeds.items(), key=lambda kv: str(kv[0]))
    ]
    return {
        "profile": "tabular-data-package",
        "name": _package_name(f"spaser-{org}-{semester}-v{version}"),
        "title": f"Indicateurs SPASER de {org_name}, {semester} (version {version})",
        "description": (
            f"Publication {semester} (version {version}) des indicateurs du schéma de promotion des achats "
            f"socialement et écologiquement responsables (SPASER) de {org_name} : les indicateurs du semestre "
            "et de son année, leur historique, les lignes sources de chaque valeur, les marchés comptés et "
            "exclus, les acheteurs et les titulaires. Le tableau des indicateurs suit le schéma "
            f"indicateurs-spaser {SCHEMA_METADATA['version']}. Chaque fichier est listé avec son empreinte "
            "SHA-256 dans manifest.json."
        ),
        "version": str(version),
        "created": manifest["published_at"],
        "licenses": [LICENCE],
        "sources": sources,
        "contributors": [{"title": org_name, "role": "publisher"}],
        "keywords": ["SPASER", "achats responsables", "commande publique", "DECP", "indicateurs"],
        "spaser": {
            "organisation": org,
            "semestre": semester,
            "version": version,
            "publie_le": manifest["published_at"],
            "motif": manifest.get("reason"),
            "schema_indicateurs": f"{SCHEMA_METADATA['name']} {SCHEMA_METADATA['version']}",
        },
        "resources": resources,
    }


def _package_name(text: str) -> str:
    return "".join(c if c.isalnum() and c.isascii() or c in "-._" else "-" for c in text.lower())


def write_datapackage(con, folder: Path, manifest: dict, validate: bool = True) -> Path:
    """Write `datapackage.json` into the release being written and validate it (every resource,
    every row); DataPackageError when it is not valid. `validate=False` leaves the validation to
    the caller (validate_release_package)."""
    path = folder / DATAPACKAGE
    write_json(path, build_datapackage(con, folder, manifest))
    if validate:
        validate_release_package(path, manifest)
    return path


def validate_release_package(path: Path, manifest: dict) -> None:
    validate_datapackage(path, f"{manifest['organisation']} {manifest['semester']} v{manifest['version']}")


def validate_datapackage(path: Path, where: str | None = None) -> None:
    """frictionless over the package at `path`: its metadata, then every row of every resource."""
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    keys = {r.get("name"): r.get("schema", {}).get("primaryKey") for r in descriptor.get("resources", [])}
    problems = frictionless_problems(path, keys=keys)
    if problems:
        raise DataPackageError(problems, where or str(path))


def csv_problems(path: Path, schema: Path) -> list[str]:
    """frictionless over one CSV file against a Table Schema file (e.g. a buyer's indicator file
    against schema/indicateurs-spaser/schema.json), as frictionless_problems."""
    from frictionless import Schema

    descriptor = json.loads(schema.read_text(encoding="utf-8"))
    return frictionless_problems(
        path.name,
        keys={path.stem: descriptor.get("primaryKey")},
        schema=Schema.from_descriptor(descriptor),
        basepath=str(path.parent),
    )


def frictionless_problems(source, keys: dict | None = None, **options) -> list[str]:
    """One French line per error frictionless reports on `source` (the path of a package
    descriptor, or with `options` a resource): table, row and field when it has them (for a
    duplicate key, the fields of `keys[table]`)."""
    from frictionless import validate  # imported when used (0.2 s)

    report = validate(str(source), **options)
    problems = [f"métadonnées : {e.message}" for e in report.errors]
    for task in report.tasks:
        for e in task.errors:
            where = [f"table {task.name}"]
            if getattr(e, "row_number", None) is not None:
                where.append(f"ligne {e.row_number}")
            if getattr(e, "field_name", None):
                where.append(f"champ {e.field_name}")
            elif e.type == "primary-key" and (keys or {}).get(task.name):
                where.append(f"champ(s) {', '.join(keys[task.name])}")
            cell = getattr(e, "cell", None)
            value = f", valeur {cell!r}" if cell is not None else ""
            note = e.note
            if e.type == "constraint-error" and note.startswith('constraint "enum"'):
                note = 'constraint "enum" : valeur hors de la liste du schéma'  # not the whole list
            problems.append(f"{', '.join(where)} : {e.type} ({note}){value}")
    return problems


def write_indicator_schema(folder: Path = SCHEMA_DIR) -> Path:
    """schema/indicateurs-spaser/schema.json from the dbt model, the catalogue and INDICATEURS_FR."""
    return write_json(folder / "schema.json", indicator_schema())


if __name__ == "__main__":  # python -m orchestration.publication.datapackage
    write_schema_main(write_indicator_schema)
