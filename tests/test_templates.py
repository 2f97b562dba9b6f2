"""Blank templates (`spaser modeles`): every landing folder the organisation's services fill has
one, made from its reader's own column contract, and a template filled with an example row
(CSV and .xlsx) loads through the feed's real reader: one row loaded, none quarantined, no note
about unknown, absent or renamed columns."""

from __future__ import annotations

import csv
import re

import duckdb
import openpyxl
import pytest

from orchestration.cli import main
from orchestration.feeds import Template, all_sources
from orchestration.ingest.framework import Quarantine, ingest_files
from orchestration.ingest.french_csv import _CONVERTERS
from orchestration.settings import REPO_ROOT
from orchestration.templates import (
    DATA_SHEET,
    HELP_HEADER,
    HELP_SHEET,
    columns,
    contract_doc,
    example,
    file_stem,
    seed_values,
    templates,
    write_csv,
    write_xlsx,
)

TEMPLATES = templates()
IDS = [source.folder for source, _ in TEMPLATES]


def test_every_raw_source_has_a_template_or_says_why_not():
    """A new feed cannot forget: each raw source declares its template, or why it has none."""
    for source in all_sources():
        template = source.template
        assert isinstance(template, (Template, str)), (
            f"{source.folder}: declare template=Template(<the reader's columns>, title, filled_by) for a "
            "folder the organisation's services fill, or template='<why not>' for a published format"
        )
        if isinstance(template, str):
            assert template.strip(), source.folder
            continue
        assert template.title.strip() and template.filled_by.strip(), source.folder
        assert {".csv", ".xlsx"} <= set(source.readers), f"{source.folder}: a template is CSV and .xlsx"
        assert (REPO_ROOT / contract_doc(source)).exists(), source.folder


def test_hand_filled_folders_have_templates():
    """The folders of the services' own contracts (no published format) all have one; the
    published formats and the centrales' own reports none."""
    with_template = {source.folder for source, _ in TEMPLATES}
    assert {
        "procedures",
        "saisie",
        "energie/sites",
        "energie/consommations",
        "energie/reference",
        "energie/cee",
        "dechets/granulats",
        "dechets/reemploi",
        "insertion/heures",
        "insertion/parcours",
        "fournisseurs/classification",
        "restauration/etablissements",
        "restauration/label_local",
        "centrales/referentiel",
        "centrales/agec58",
    } <= with_template
    assert not {"decp", "energie/enedis", "dechets/registre", "centrales/achats"} & with_template


@pytest.mark.parametrize("source, template", TEMPLATES, ids=IDS)
def test_declarations_document_every_column(source, template):
    names = {c.name for c in template.columns}
    for column in columns(template):
        assert column.description.strip(), f"{source.folder}.{column.name}: no description"
        if column.values:
            accepted = {v.split(" : ")[0].casefold() for v in seed_values(column.values)}
            assert accepted, column.values
            assert example(column).casefold() in accepted, f"{source.folder}.{column.name}: example not accepted"
    for alias in (c for c in template.columns if c.alias_of):
        assert alias.alias_of in names and not alias.required, alias.name


def _value(column) -> str:
    """The declared example, else one made from the kind (a text column: some text)."""
    return example(column) or f"exemple {column.name}"


def _example_csv(template: Template) -> list[str]:
    return [_value(c) for c in columns(template)]


def _example_xlsx(template: Template) -> list:
    """The example typed as Excel cells (numbers, dates, booleans), through the reader's own
    converters; text stays text."""
    return [_CONVERTERS[c.kind](_value(c)) for c in columns(template)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("source, template", TEMPLATES, ids=IDS)
def test_a_filled_template_loads_with_the_feed_reader(source, template, fmt, tmp_path):
    landing = tmp_path / "landing"
    path = landing / source.folder / f"{file_stem(source)}.{fmt}"
    if fmt == "csv":
        write_csv(path, template, [_example_csv(template)])
    else:
        write_xlsx(path, source, template, [_example_xlsx(template)])

    items = list(source.read(path))
    assert len(items) == 1 and not isinstance(items[0][1], Quarantine), items

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        [result] = ingest_files(con, source.table, landing, [path], source.read)
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (1, 1, 0)
        assert result.notes == [], result.notes
        cur = con.execute(f"SELECT * FROM raw.{source.table.table}")
        row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    finally:
        con.close()
    filled = [k for k, v in row.items() if not k.startswith("_") and v is not None]
    assert len(filled) == len(columns(template)), (filled, [c.name for c in columns(template)])


def test_an_empty_template_loads_as_no_rows(tmp_path):
    for source, template in TEMPLATES:
        for path in (
            write_csv(tmp_path / source.folder / "vide.csv", template),
            write_xlsx(tmp_path / source.folder / "vide.xlsx", source, template),
        ):
            assert list(source.read(path)) == [], path


def test_spaser_modeles_writes_every_template(tmp_path, capsys):
    folder = tmp_path / "modeles"
    assert main(["modeles", "--dossier", str(folder)]) == 0
    out = capsys.readouterr().out
    expected = {f"{file_stem(s)}.{ext}" for s, _ in TEMPLATES for ext in ("csv", "xlsx")}
    assert {p.name for p in folder.iterdir()} == expected
    assert "landing/energie/enedis/" in out and "landing/procedures/" in out

    source, template = next((s, t) for s, t in TEMPLATES if s.folder == "energie/consommations")
    raw = (folder / "energie__consommations.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n") and raw.count(b"\r\n") == 1
    with (folder / "energie__consommations.csv").open(encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f, delimiter=";")) == [c.name for c in columns(template)]

    wb = openpyxl.load_workbook(folder / "energie__consommations.xlsx")
    assert wb.sheetnames == [DATA_SHEET, HELP_SHEET]
    assert [c.value for c in wb[DATA_SHEET][1]] == [c.name for c in columns(template)]
    aide = list(wb[HELP_SHEET].iter_rows(values_only=True))
    assert aide[0] == HELP_HEADER
    assert [r[0] for r in aide[1 : len(columns(template)) + 1]] == [c.name for c in columns(template)]
    mois = next(r for r in aide if r[0] == "mois")
    assert mois[3] == "oui, toujours remplie" and "mm/aaaa" in mois[4] and mois[5] == "03/2026"
    energie = next(r for r in aide if r[0] == "energie")
    assert "electricite" in energie[4] and "seeds/energie_facteurs_conversion.csv" in energie[4]
    assert any("landing/energie/consommations/" in (r[0] or "") for r in aide)
    # text columns are formatted as text: Excel keeps 03/2026 and leading zeros as typed
    assert wb[DATA_SHEET].column_dimensions["B"].number_format == "@"


def test_older_column_names_are_left_out_and_named(tmp_path):
    source, template = next((s, t) for s, t in TEMPLATES if s.folder == "restauration/bilans")
    names = [c.name for c in columns(template)]
    assert "valeur_externalites_performance" in names and "valeur_environnemental" not in names
    wb = openpyxl.load_workbook(write_xlsx(tmp_path / "b.xlsx", source, template))
    row = next(r for r in wb[HELP_SHEET].iter_rows(values_only=True) if r[0] == "valeur_externalites_performance")
    assert "ancien nom accepté : valeur_environnemental" in row[4]


def test_spaser_modeles_default_folder_is_in_spaser_home(spaser_home, capsys):
    assert main(["modeles"]) == 0
    assert (spaser_home / "modeles" / "saisie.xlsx").exists()
    assert str(spaser_home / "modeles") in capsys.readouterr().out


def test_the_guide_names_every_template():
    guide = (REPO_ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert "spaser modeles" in guide
    for source, _ in TEMPLATES:
        assert re.search(rf"`{re.escape(file_stem(source))}`", guide), f"{file_stem(source)} not in the guide"
