"""Blank templates (CSV and .xlsx) of the landing folders the organisation's services fill.

`spaser modeles` writes, for each raw source whose `template` is a `Template`
(orchestration/feeds), `<folder with / as __>.csv` and `.xlsx`. The columns are the reader's own
contract (`Column`s, orchestration/ingest/), so a template always loads: header names, kinds,
required columns, accepted formats, accepted values (from the seeds) and examples all come from
that one declaration. A column declared as an older name of another (`alias_of`) is left out
and named in the other's help.

- CSV: the French conventions every tabular reader accepts: `;` separator, UTF-8 with a
  byte-order mark (so Excel shows the accents), CRLF line ends, header on line 1.
- .xlsx: the sheet the readers read (the first, « Données »: header on row 1, text columns
  formatted as text so Excel keeps leading zeros and `03/2026` as typed, date columns as
  dd/mm/yyyy), then « Aide »: one line per column (description, type, required or not,
  accepted formats, example), the landing folder, who fills it and the contract. Readers read
  the first sheet only.

Folders without a template say why in their `template` (a format a platform publishes, dropped
as it is); `spaser modeles` lists them.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

from .feeds import RawSource, Template, all_sources
from .ingest.french_csv import Column
from .settings import SEEDS_DIR

DATA_SHEET = "Données"
HELP_SHEET = "Aide"
HELP_HEADER = ("colonne", "description", "type", "obligatoire", "formats acceptés", "exemple")

# What each kind accepts: the converters of orchestration/ingest/french_csv.py, in French.
KIND_LABELS = {
    "text": "texte",
    "decimal": "nombre décimal",
    "integer": "nombre entier",
    "date": "date",
    "boolean": "oui / non",
}
KIND_FORMATS = {
    "text": "",
    "decimal": "virgule ou point décimal (1 250,5 ou 1250.5) ; espaces des milliers et € acceptés",
    "integer": "nombre sans décimale (12)",
    "date": "jj/mm/aaaa (31/03/2026) ou aaaa-mm-jj ; dans Excel, une cellule date",
    "boolean": "Oui ou Non (O/N, Vrai/Faux, 1/0 acceptés) ; vide = inconnu",
}
KIND_EXAMPLES = {"text": "", "decimal": "1 250,5", "integer": "12", "date": "31/03/2026", "boolean": "Oui"}
# Excel number formats of the data sheet's columns, so what a person types stays what they meant
_EXCEL_FORMATS = {"text": "@", "date": "dd/mm/yyyy", "integer": "0"}


def templates() -> list[tuple[RawSource, Template]]:
    """Every raw source with a template, in registry order."""
    return [(s, s.template) for s in all_sources() if isinstance(s.template, Template)]


def without_template() -> list[tuple[RawSource, str]]:
    """Every raw source without a template, with the reason it has none."""
    return [(s, s.template) for s in all_sources() if isinstance(s.template, str)]


def file_stem(source: RawSource) -> str:
    """`energie/consommations` -> `energie__consommations`."""
    return source.folder.replace("/", "__")


def columns(template: Template) -> list[Column]:
    """The template's header: the contract's columns but older names of other columns."""
    return [c for c in template.columns if not c.alias_of]


def contract_doc(source: RawSource) -> str:
    """The feed contract of a landing folder (docs/feeds/<first segment>.md)."""
    return f"docs/feeds/{source.folder.split('/')[0]}.md"


def required_label(column: Column) -> str:
    if column.required and column.not_null:
        return "oui, toujours remplie"
    if column.required:
        return "colonne obligatoire, cellule qui peut rester vide"
    if column.not_null:
        return "non ; si la colonne est là, toujours remplie"
    return "non"


@functools.cache
def seed_values(spec: str) -> tuple[str, ...]:
    """Accepted values from a seed, `"file.csv:column"`, each once, in the seed's order; with
    their label (`libelle`) when the column is the seed's first (its key)."""
    name, _, column = spec.partition(":")
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        labelled = reader.fieldnames[0] == column and "libelle" in reader.fieldnames
        values = {}
        for row in reader:
            values.setdefault(row[column], f"{row[column]} : {row['libelle']}" if labelled else row[column])
    return tuple(values.values())


def accepted_formats(column: Column, template: Template) -> str:
    parts = [column.formats or KIND_FORMATS[column.kind]]
    if column.values:
        values = seed_values(column.values)
        listed = "".join(f"\n- {v}" for v in values) if any(" : " in v for v in values) else " " + " ; ".join(values)
        parts.append(f"valeurs (seeds/{column.values.split(':')[0]}) :{listed}")
    aliases = [c.name for c in template.columns if c.alias_of == column.name]
    if aliases:
        parts.append("ancien nom accepté : " + ", ".join(aliases))
    if column.multiline:
        parts.append("retours à la ligne permis")
    return "\n".join(p for p in parts if p)


def example(column: Column) -> str:
    """The column's example as a person would type it (French conventions)."""
    return column.example or KIND_EXAMPLES[column.kind]


def help_rows(template: Template) -> list[tuple[str, ...]]:
    """One line per template column: HELP_HEADER."""
    return [
        (
            c.name,
            c.description,
            KIND_LABELS[c.kind],
            required_label(c),
            accepted_formats(c, template),
            example(c),
        )
        for c in columns(template)
    ]


def write_csv(path: Path, template: Template, rows: Iterable[Sequence[str]] = ()) -> Path:
    """The template as CSV (`;`, UTF-8 with BOM, CRLF): the header, then `rows` if any."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow([c.name for c in columns(template)])
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, source: RawSource, template: Template, rows: Iterable[Sequence] = ()) -> Path:
    """The template as .xlsx: « Données » (the header, then `rows` if any), « Aide »."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = columns(template)
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = DATA_SHEET
    data.append([c.name for c in cols])
    for row in rows:
        data.append(list(row))
    for i, c in enumerate(cols, start=1):
        cell = data.cell(row=1, column=i)
        cell.font = Font(bold=True)
        if c.description:
            cell.comment = Comment(c.description, "SPASER")
        letter = get_column_letter(i)
        data.column_dimensions[letter].width = max(12, min(40, len(c.name) + 4))
        if c.kind in _EXCEL_FORMATS:
            data.column_dimensions[letter].number_format = _EXCEL_FORMATS[c.kind]
            for (cell,) in data.iter_rows(min_row=2, min_col=i, max_col=i):
                if c.kind == "text" or not isinstance(cell.value, str):
                    cell.number_format = _EXCEL_FORMATS[c.kind]
    data.freeze_panes = "A2"

    aide = wb.create_sheet(HELP_SHEET)
    aide.append(HELP_HEADER)
    for row in help_rows(template):
        aide.append(row)
    notes = [
        (template.title,),
        (f"À remplir par : {template.filled_by}",),
        (
            f"Dossier de dépôt : landing/{source.folder}/ (landing/organisations/<org>/{source.folder}/ "
            "pour une organisation ajoutée)",
        ),
        (f"Contrat du flux : {contract_doc(source)}",),
        (
            f"Remplir la feuille « {DATA_SHEET} » à partir de la ligne 2 sans renommer ni supprimer ses "
            "colonnes ; seule cette première feuille est lue.",
        ),
        (
            "En CSV : séparateur point-virgule, encodage UTF-8 (ou « CSV (séparateur : point-virgule) » "
            "d'Excel), première ligne = noms des colonnes.",
        ),
    ]
    aide.append(())
    for note in notes:
        aide.append(note)
    for cell in aide[1]:
        cell.font = Font(bold=True)
    for row in aide.iter_rows(min_row=2, max_row=len(cols) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (32, 60, 16, 24, 60, 24)):
        aide.column_dimensions[letter].width = width
    aide.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_templates(folder: Path) -> list[Path]:
    """Every template, CSV and .xlsx, into `folder`; the paths written."""
    written = []
    for source, template in templates():
        stem = file_stem(source)
        written.append(write_csv(folder / f"{stem}.csv", template))
        written.append(write_xlsx(folder / f"{stem}.xlsx", source, template))
    return written


def main_modeles(folder: Path | None) -> int:
    """`spaser modeles [--dossier DIR]`: write the templates, say what goes to whom."""
    from .settings import get_paths

    folder = folder or get_paths().home / "modeles"
    write_templates(folder)
    print(f"modèles vierges écrits dans {folder} (CSV et .xlsx, onglet « {HELP_SHEET} » pour chaque colonne) :")
    for source, template in templates():
        print(f"  {file_stem(source)}.csv|.xlsx -> landing/{source.folder}/ : {template.filled_by}")
    print("dossiers sans modèle (fichiers déposés tels que publiés ou reçus) :")
    for source, reason in without_template():
        print(f"  landing/{source.folder}/ : {reason}")
    return 0
