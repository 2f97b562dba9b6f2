"""Energy feed readers: site register, monthly consumption, reference consumption, CEE
(CSV/Excel contracts), Enedis R63/R64 CSV flows, GRDF relevés (CSV or JSON) and Météo-France
daily climatology files (for degree-days).

Input contract: docs/feeds/energie.md. Published formats are read as they are: their header
names are mapped to snake_case raw columns here, nothing else is renamed or converted (units
and conversions happen in dbt, with factors from seeds/energie_facteurs_conversion.csv).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from .decp import replace_lone_surrogates
from .framework import IngestError, Quarantine, compact_json
from .french_csv import Column, IdentifierNotes, contract_table, read_table, type_row, typed_records
from .limits import check_whole_document, scan_json_chunks
from .text import contract_index, note, open_csv, read_text

# --- Buyer-defined contracts (CSV in French conventions or .xlsx) -----------------------------

SITE_COLUMNS = [
    Column(
        "code_site",
        "text",
        not_null=True,
        example="CLG-012",
        description="code du site dans le département (clé reprise par tous les autres fichiers)",
    ),
    Column("nom_site", "text", example="Collège Jean Moulin", description="nom du site"),
    Column(
        "type_site",
        "text",
        example="collège",
        description="nature du site : collège, bâtiment administratif, centre d'exploitation routier…",
    ),
    Column("commune", "text", required=False, example="Pontoise", description="commune du site"),
    Column(
        "surface_m2",
        "decimal",
        not_null=True,
        description="surface en m² (SUB ou surface de plancher, le même choix pour tous les sites) ; sert à IMP-3",
    ),
    Column(
        "raccorde_reseau_chaleur",
        "boolean",
        description="raccordé à un réseau de chaleur ; vide = inconnu (le site sort alors d'IMP-3)",
    ),
    Column(
        "date_raccordement",
        "date",
        required=False,
        description="date de raccordement au réseau de chaleur ; vide avec Oui = raccordé sur toutes les périodes",
    ),
    Column(
        "identifiant_reseau_chaleur",
        "text",
        required=False,
        example="5910C",
        description="identifiant national du réseau (liste de l'arrêté DPE)",
    ),
    Column("date_entree", "date", required=False, description="date d'entrée du site dans le patrimoine"),
    Column(
        "date_sortie",
        "date",
        required=False,
        description="date de sortie du patrimoine (vendu, fermé, transféré) ; vide = toujours en service",
    ),
    Column(
        "prm",
        "text",
        required=False,
        identifier="code",
        example="30001234567890",
        formats="14 chiffres ; plusieurs compteurs séparés par |",
        description="identifiants des compteurs Enedis (PRM) du site",
    ),
    Column(
        "pce",
        "text",
        required=False,
        example="GI123456",
        formats="plusieurs compteurs séparés par |",
        description="identifiants des compteurs GRDF (PCE) du site",
    ),
    Column("ref_operat_efa", "text", required=False, description="identifiant de l'EFA dans OPERAT"),
    Column(
        "station_meteo",
        "text",
        required=False,
        example="95500001",
        formats="8 chiffres (NUM_POSTE)",
        description="station Météo-France utilisée pour la correction climatique",
    ),
]

# The columns the monthly and the reference consumptions share: one wording in both templates
_CODE_SITE = Column(
    "code_site", "text", not_null=True, example="CLG-012", description="code du site (celui du registre des sites)"
)
_ENERGIE = Column(
    "energie",
    "text",
    not_null=True,
    example="electricite",
    values="energie_facteurs_conversion.csv:energie",
    description="énergie consommée",
)
_UNITE = Column(
    "unite",
    "text",
    not_null=True,
    example="kWh",
    values="energie_facteurs_conversion.csv:unite",
    formats="majuscules et minuscules indifférentes",
    description="unité de la quantité",
)

CONSOMMATION_COLUMNS = [
    _CODE_SITE,
    Column(
        "mois",
        "text",
        not_null=True,
        example="03/2026",
        formats="mm/aaaa (aaaa-mm ou une date du mois, 01/03/2026, acceptés)",
        description="mois de la consommation",
    ),
    _ENERGIE,
    Column("quantite", "decimal", not_null=True, description="quantité consommée, dans l'unité de la colonne unite"),
    _UNITE,
    Column(
        "source",
        "text",
        required=False,
        example="facture",
        description="d'où vient le chiffre : facture, OSFi, relevé manuel, bon de livraison…",
    ),
]

REFERENCE_COLUMNS = [
    _CODE_SITE,
    Column(
        "annee_reference",
        "integer",
        not_null=True,
        example="2015",
        formats="une année de 2010 à 2019, la même pour toutes les lignes d'un site",
        description="année de référence du décret tertiaire",
    ),
    Column("mois", "integer", not_null=True, example="3", formats="1 à 12", description="mois de l'année de référence"),
    _ENERGIE,
    Column(
        "quantite",
        "decimal",
        not_null=True,
        description="quantité consommée ce mois-là, dans l'unité de la colonne unite",
    ),
    _UNITE,
    Column("source", "text", required=False, example="OPERAT", description="d'où vient le chiffre"),
]

CEE_COLUMNS = [
    Column("reference_cee", "text", not_null=True, example="CEE-2025-014", description="référence du dossier CEE"),
    Column(
        "date_extraction",
        "date",
        not_null=True,
        description="date d'extraction du registre (la même pour tout le fichier)",
    ),
    Column("code_site", "text", required=False, example="CLG-012", description="code du site des travaux"),
    Column("operation", "text", required=False, example="isolation des combles", description="nature de l'opération"),
    Column(
        "fiche_standardisee", "text", required=False, example="BAT-TH-116", description="fiche d'opération standardisée"
    ),
    Column("volume_kwh_cumac", "decimal", required=False, description="volume de certificats, en kWh cumac"),
    Column("date_depot", "date", required=False, description="date de dépôt du dossier"),
    Column(
        "date_valorisation",
        "date",
        required=False,
        description="date de vente (valorisation) des certificats ; vide = pas (encore) valorisé",
    ),
    Column("montant_eur", "decimal", required=False, description="montant perçu, en euros"),
    Column("oblige", "text", required=False, description="obligé qui a acheté les certificats"),
]

_MONTH = re.compile(r"^(?:(\d{1,2})/(\d{4})|(\d{4})-(\d{1,2})(?:-\d{2})?|\d{2}/(\d{2})/(\d{4}))$")


def _normalise_month(value) -> str | None:
    """'03/2025', '2025-03', '2025-03-01', '01/03/2025' or an Excel date -> '2025-03'."""
    if hasattr(value, "year") and hasattr(value, "month"):
        return f"{value.year:04d}-{value.month:02d}"
    m = _MONTH.match(str(value).strip())
    if not m:
        return None
    if m.group(1):
        month, year = int(m.group(1)), int(m.group(2))
    elif m.group(3):
        year, month = int(m.group(3)), int(m.group(4))
    else:
        month, year = int(m.group(5)), int(m.group(6))
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def read_sites(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, SITE_COLUMNS)


def read_consommations(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    for line, item in read_table(path, CONSOMMATION_COLUMNS):
        if isinstance(item, dict):
            month = _normalise_month(item["mois"])
            if month is None:
                item = Quarantine(
                    f"mois is not a month (mm/aaaa): {str(item['mois'])[:40]!r}", "mois", compact_json(item)
                )
            else:
                item["mois"] = month
        yield line, item


def read_reference(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    for line, item in read_table(path, REFERENCE_COLUMNS):
        if isinstance(item, dict) and not 1 <= item["mois"] <= 12:
            item = Quarantine(f"mois is not 1-12: {item['mois']}", "mois", compact_json(item))
        yield line, item


def read_cee(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    return read_table(path, CEE_COLUMNS)


# --- Published formats -----------------------------------------------------------------------


def read_mapped_csv(
    path: Path,
    columns: list[Column],
    header_map: dict[str, str],
    *,
    delimiter: str = ";",
    missing: frozenset[str] = frozenset(),
    date_columns: frozenset[str] = frozenset(),
    absent: bool = True,
) -> Iterator[tuple[int, dict | Quarantine]]:
    """A published CSV read as it is: `header_map` maps its header names to raw column names
    (the Column names); cells whose value is in `missing` (e.g. Météo-France 'mq') are empty;
    ISO datetimes in `date_columns` are read as their date. `.gz` files (Météo-France publishes
    `.csv.gz`) are decompressed on the fly. Published formats carry more columns than typed here:
    those are not reported; absent optional ones are unless `absent` is False."""
    with open_csv(path, delimiter) as table:
        header = [header_map.get(h.strip(), h.strip()) for h in table.header]
        published = {v: k for k, v in header_map.items()}
        index = contract_index(
            path, header, columns, unknown=False, absent=absent, label=lambda name: published.get(name, name)
        )

        def prepare(cells: list[str]) -> list[str]:
            if missing:
                cells = ["" if c.strip() in missing else c for c in cells]
            if date_columns:
                cells = [
                    _iso_date(c) if i < len(header) and header[i] in date_columns else c for i, c in enumerate(cells)
                ]
            return cells

        yield from typed_records(path, table, header, index, columns, prepare)


_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2})?([.,]\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def _iso_date(cell: str) -> str:
    """GRDF dates may come as ISO datetimes; the date is what a relevé boundary means."""
    m = _ISO_DATETIME.match(cell.strip())
    return m.group(1) if m else cell


# Enedis SGE R63 (load curve) and R64 (index / daily energy per time class), one header each;
# both share the first nine columns (docs/feeds/energie.md).
ENEDIS_HEADER = {
    "Identifiant PRM": "prm",
    "Date de début": "date_debut",
    "Date de fin": "date_fin",
    "Grandeur physique": "grandeur_physique",
    "Grandeur métier": "grandeur_metier",
    "Etape métier": "etape_metier",
    "Unité": "unite",
    "Horodate": "horodate",
    "Valeur": "valeur",
    "Nature": "nature",
    "Pas": "pas",
    "Type relève": "type_releve",
    "Identifiant classe temporelle": "classe_temporelle",
    "Cadran": "cadran",
    "Indice de vraisemblance": "indice_vraisemblance",
}
ENEDIS_COLUMNS = [
    Column("prm", "text", not_null=True, identifier="code"),
    Column("date_debut", "text"),
    Column("date_fin", "text"),
    Column("grandeur_physique", "text", not_null=True),
    Column("grandeur_metier", "text"),
    Column("etape_metier", "text"),
    Column("unite", "text", not_null=True),
    Column("horodate", "text", not_null=True),
    Column("valeur", "decimal", not_null=True),
    Column("nature", "text", required=False),
    Column("pas", "text", required=False),  # R63 only: PT10M, PT30M
    Column("type_releve", "text", required=False),  # R64 only: INDEX, ...
    Column("classe_temporelle", "text", required=False),  # R64 only: HP, HC, BASE, ...
    Column("cadran", "text", required=False),
    Column("indice_vraisemblance", "text", required=False),
]


def read_enedis(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # R63 and R64 differ in their optional columns: their absence says nothing
    for line, item in read_mapped_csv(path, ENEDIS_COLUMNS, ENEDIS_HEADER, absent=False):
        if isinstance(item, dict):
            item["flux"] = "R63" if item.get("pas") else "R64"
        yield line, item


# GRDF relevés: the field names of GRDF's customer space / ADICT API (camelCase), in a `;` CSV
# or as JSON (a list of relevés, or {"idPce": ..., "releves": [...]}).
GRDF_HEADER = {
    "idPce": "pce",
    "dateDebutReleve": "date_debut_releve",
    "dateFinReleve": "date_fin_releve",
    "journeeGaziere": "journee_gaziere",
    "indexDebut": "index_debut",
    "indexFin": "index_fin",
    "volumeBrutConsomme": "volume_brut_m3",
    "coeffConversion": "coeff_conversion",
    "energieConsomme": "energie_kwh_pcs",
    "natureReleve": "nature_releve",
    "qualificationReleve": "qualification_releve",
    "status": "statut",
    "frequenceReleve": "frequence_releve",
}
_GRDF_DATES = frozenset({"date_debut_releve", "date_fin_releve", "journee_gaziere"})
GRDF_COLUMNS = [
    Column("pce", "text", not_null=True, identifier="code"),
    Column("date_debut_releve", "date", required=False),
    Column("date_fin_releve", "date", required=False),
    Column("journee_gaziere", "date", required=False),
    Column("index_debut", "decimal", required=False),
    Column("index_fin", "decimal", required=False),
    Column("volume_brut_m3", "decimal", required=False),
    Column("coeff_conversion", "decimal", required=False),
    Column("energie_kwh_pcs", "decimal", not_null=True),
    Column("nature_releve", "text", required=False),
    Column("qualification_releve", "text", required=False),
    Column("statut", "text", required=False),
    Column("frequence_releve", "text", required=False),
]


def _grdf_dates(item: dict | Quarantine) -> dict | Quarantine:
    if (
        isinstance(item, dict)
        and item.get("journee_gaziere") is None
        and (item.get("date_debut_releve") is None or item.get("date_fin_releve") is None)
    ):
        return Quarantine(
            "relevé without period: dateDebutReleve/dateFinReleve or journeeGaziere needed",
            "dateDebutReleve",
            compact_json(item),
        )
    return item


def read_grdf_csv(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # the period comes as dateDebutReleve/dateFinReleve or as journeeGaziere: one of them is
    # always absent, which _grdf_dates checks per relevé
    for line, item in read_mapped_csv(path, GRDF_COLUMNS, GRDF_HEADER, date_columns=_GRDF_DATES, absent=False):
        yield line, _grdf_dates(item)


def read_grdf_json(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    # read whole: the size is bounded first, then nesting, strings and numbers (limits.py; byte
    # offsets of the text as UTF-8, the file's own for a UTF-8 file)
    check_whole_document(path)
    data = read_text(path).encode("utf-8", "surrogatepass")
    scan_json_chunks([data], str(path))
    data, lone, first = replace_lone_surrogates(data)  # the DECP rule: U+FFFD, counted
    if lone:
        note(path, f"{lone} lone UTF-16 surrogate escape(s), read as U+FFFD (first at byte {first})")
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path}: line {exc.lineno}: not JSON: {exc}") from exc
    parent_pce = None
    if isinstance(doc, dict):
        pce = doc.get("pce")  # {"pce": {"idPce": ...}}; anything else is not a parent PCE
        parent_pce = doc.get("idPce") or (pce.get("idPce") if isinstance(pce, dict) else None)
        doc = doc.get("releves")
    if not isinstance(doc, list):
        raise IngestError(f"{path}: expected a list of relevés or an object with 'releves'")
    header = [GRDF_HEADER[k] for k in GRDF_HEADER]
    index = {h: i for i, h in enumerate(header)}
    ids = IdentifierNotes()
    for n, releve in enumerate(doc, start=1):
        if not isinstance(releve, dict):
            yield n, Quarantine("relevé is not an object", None, compact_json(releve))
            continue
        cells = []
        for key, name in GRDF_HEADER.items():
            value = releve.get(key, parent_pce if key == "idPce" else None)
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append(str(value))
            elif isinstance(value, (int, float)):
                cells.append(repr(value).replace(".", ","))  # JSON numbers: no French typing needed
            else:
                cells.append(_iso_date(str(value)) if name in _GRDF_DATES else str(value))
        yield n, _grdf_dates(type_row(cells, header, index, GRDF_COLUMNS, ids, f"relevé {n}"))
    ids.flush(path)


# Météo-France daily climatology (meteo.data.gouv.fr, Q_<dept>_..._RR-T-Vent.csv[.gz]): only
# the columns degree-days need are kept; 'mq' means missing.
METEO_HEADER = {
    "NUM_POSTE": "num_poste",
    "NOM_USUEL": "nom_usuel",
    "AAAAMMJJ": "aaaammjj",
    "TN": "tn",
    "QTN": "qtn",
    "TX": "tx",
    "QTX": "qtx",
    "TM": "tm",
}
METEO_COLUMNS = [
    Column("num_poste", "text", not_null=True),
    Column("nom_usuel", "text"),
    Column("aaaammjj", "text", not_null=True),
    Column("tn", "decimal"),
    Column("qtn", "text", required=False),
    Column("tx", "decimal"),
    Column("qtx", "text", required=False),
    Column("tm", "decimal", required=False),
]
_AAAAMMJJ = re.compile(r"^\d{8}$")


def read_meteo_france(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    for line, item in read_mapped_csv(path, METEO_COLUMNS, METEO_HEADER, missing=frozenset({"mq"})):
        if isinstance(item, dict) and not _AAAAMMJJ.match(item["aaaammjj"]):
            item = Quarantine(f"AAAAMMJJ is not a date: {item['aaaammjj'][:20]!r}", "AAAAMMJJ", compact_json(item))
        yield line, item


SITES_TABLE = contract_table("energie", "energie_sites", SITE_COLUMNS)
CONSOMMATIONS_TABLE = contract_table("energie", "energie_consommations", CONSOMMATION_COLUMNS)
REFERENCE_TABLE = contract_table("energie", "energie_reference", REFERENCE_COLUMNS)
CEE_TABLE = contract_table("energie", "energie_cee", CEE_COLUMNS)
ENEDIS_TABLE = contract_table("energie", "energie_enedis", ENEDIS_COLUMNS, extra=[("flux", "VARCHAR")])
GRDF_TABLE = contract_table("energie", "energie_grdf", GRDF_COLUMNS)
METEO_TABLE = contract_table("energie", "energie_meteo", METEO_COLUMNS)
