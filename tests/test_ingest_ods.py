"""LibreOffice .ods wherever .xlsx is (issue 12, item 9): every feed reader that takes an .xlsx
takes the same sheet as .ods and reads the same rows; repeats (a row or cell written once with a
count, as LibreOffice writes the end of every sheet) are expanded within bounds; hostile
documents (DOCTYPE, zip bomb, repeat bomb, a row too wide, a run of a billion spaces) fail naming
the file and the limit. The files are written here as LibreOffice writes them (no ODS library)."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import openpyxl
import pytest

from orchestration.ingest.assets import accepted_suffixes, landing_files, read_landing_file
from orchestration.ingest.framework import IngestError, ingest_files
from orchestration.ingest.french_csv import _CONVERTERS
from orchestration.templates import columns, example, file_stem, templates

NOW = dt.datetime(2025, 1, 1)
_QUOTE = {'"': "&quot;"}
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_cell(value, repeat: int = 1) -> str:
    """One cell as LibreOffice writes it (a value attribute for numbers, dates, booleans)."""
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{rep}/>"
    if isinstance(value, str) and value.startswith("="):  # a formula never computed: no cached value
        return f'<table:table-cell{rep} table:formula="of:{escape(value, _QUOTE)}"/>'
    if isinstance(value, bool):
        attrs = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, (int, float)):
        if math.isnan(value) or math.isinf(value):
            return f"<table:table-cell{rep}/>"  # what a spreadsheet keeps of them (openpyxl too)
        attrs = f'office:value-type="float" office:value="{"%.16g" % value}"'
    elif isinstance(value, (dt.date, dt.datetime)):
        attrs = f'office:value-type="date" office:date-value="{value.isoformat()}"'
    else:
        attrs = 'office:value-type="string"'
        return (
            f"<table:table-cell{rep} {attrs}>"
            + "".join(f"<text:p>{escape(p)}</text:p>" for p in str(value).split("\n"))
            + "</table:table-cell>"
        )
    return f"<table:table-cell{rep} {attrs}><text:p>{escape(str(value))}</text:p></table:table-cell>"


def ods_row(cells: list, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f"<table:table-row{rep}>"
        + "".join(c if isinstance(c, str) and c.startswith("<") else ods_cell(c) for c in cells)
        + "</table:table-row>"
    )


def write_ods(path: Path, rows: list, sheet: str = "Feuille1", raw_rows: str | None = None, prolog: str = "") -> Path:
    """An .ods file: `rows` (lists of values, or row XML) of one sheet, LibreOffice's trailing
    empty rows repeated to the end of the sheet."""
    body = raw_rows if raw_rows is not None else "".join(r if isinstance(r, str) else ods_row(r) for r in rows)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {_NS} office:version="1.3">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">'
        '<table:table-column table:number-columns-repeated="1024"/>'
        f'{body}<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
        '</table:table><table:table table:name="Aide"><table:table-row><table:table-cell office:value-type="string">'
        "<text:p>aide</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            zipfile.ZIP_DEFLATED,
        )
    return path


def write_xlsx(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Feuille1")
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


TEMPLATES = templates()


def _typed(column):
    return _CONVERTERS[column.kind](example(column))


@pytest.mark.parametrize("source, template", TEMPLATES, ids=[s.folder for s, _ in TEMPLATES])
def test_every_xlsx_reader_reads_the_same_sheet_as_ods_alike(source, template, tmp_path):
    """The same rows, typed cells and text, an empty row between, a row repeated, a cell with a
    number where text is expected: .ods gives what .xlsx gives, row numbers included."""
    assert ".ods" in accepted_suffixes(source)
    header = columns(template)
    row = [_typed(c) for c in header]
    text = [example(c) for c in header]  # every cell typed as text
    rows = [[c.name for c in header], row, [None] * len(header), text, row]
    xlsx = write_xlsx(tmp_path / "x" / f"{file_stem(source)}.xlsx", rows)
    ods = write_ods(tmp_path / "o" / f"{file_stem(source)}.ods", rows)
    from_xlsx = list(read_landing_file(source, xlsx))
    from_ods = list(read_landing_file(source, ods))
    assert [line for line, _ in from_ods] == [2, 4, 5]
    assert from_ods == from_xlsx


def test_ods_in_a_landing_folder_is_ingested_and_other_kinds_refused(tmp_path):
    from orchestration.feeds import all_sources

    source = next(s for s in all_sources() if s.folder == "procedures")
    header = [c.name for c in columns(source.template)]
    values = {c.name: _typed(c) for c in columns(source.template)}
    folder = tmp_path / "procedures"
    # the same data row written once with a repeat count: three rows, numbered 2 to 4
    write_ods(folder / "export.ods", [header, ods_row([values[h] for h in header], repeat=3)])
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(IngestError, match=r"unsupported file\(s\) old\.xls"):
        landing_files(folder, accepted_suffixes(source))
    (folder / "old.xls").unlink()
    files = landing_files(folder, accepted_suffixes(source))
    con = duckdb.connect()
    [result] = ingest_files(con, source.table, folder, files, lambda p: read_landing_file(source, p), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    assert con.execute(f"SELECT list(_source_row ORDER BY _source_row) FROM raw.{source.table.table}").fetchone() == (
        [2, 3, 4],
    )


def test_ods_text_cells_read_as_written(tmp_path):
    from orchestration.ingest.french_csv import Column, read_table

    cell = (
        '<table:table-cell office:value-type="string"><text:p>Bâtiment<text:s text:c="3"/>A<text:tab/>B</text:p>'
        "<text:p>2<text:line-break/>3<text:span> gras</text:span></text:p>"
        "<office:annotation><text:p>commentaire</text:p></office:annotation></table:table-cell>"
    )
    rows = [
        ods_row(["objet", "siret", "montant", "date", ods_cell(None, repeat=5), "fin"]),
        ods_row([cell, 552013500017, ods_cell(12.5), dt.date(2026, 3, 2), ods_cell(None, repeat=5), "x"]),
    ]
    path = write_ods(tmp_path / "t.ods", rows)
    contract = [
        Column("objet", "text", multiline=True),
        Column("siret", "text", identifier="siret"),
        Column("montant", "decimal"),
        Column("date", "date"),
        Column("fin", "text"),
    ]
    [(line, item)] = list(read_table(path, contract))
    assert line == 2
    assert item == {
        "objet": "Bâtiment   A\tB\n2\n3 gras",
        "siret": "00552013500017",
        "montant": 12.5,
        "date": dt.date(2026, 3, 2),
        "fin": "x",
    }


def _refused(path: Path, pattern: str) -> None:
    from orchestration.ingest.french_csv import Column, read_table

    with pytest.raises(IngestError, match=pattern) as info:
        list(read_table(path, [Column("a", "text")]))
    assert str(info.value).startswith(str(path))


def test_hostile_ods_files_fail_naming_the_file_and_the_limit(tmp_path):
    big = "x" * 100_000
    _refused(  # 100 KB copied over 1 000 columns and 1 000 rows: 100 GB once expanded
        write_ods(tmp_path / "repeat.ods", [["a"], ods_row([ods_cell(big, repeat=1000)], repeat=1000)]),
        r"repeat\.ods: sheet Feuille1: row 2: repeated cells and rows expand to more than 32 MiB.*ODS_REPEATED_MAX_CHARS",
    )
    _refused(
        write_ods(tmp_path / "wide.ods", [["a"], ods_row([ods_cell(None, repeat=20_000), "x"])]),
        r"row 2: more than 16384 columns.*ODS_MAX_COLUMNS",
    )
    _refused(
        write_ods(tmp_path / "rows.ods", [["a"], ods_row(["x"], repeat=2_000_000)]),
        r"more than 1048576 rows.*SHEET_MAX_ROWS",
    )
    _refused(
        write_ods(
            tmp_path / "spaces.ods",
            [["a"], ods_row(['<table:table-cell><text:p><text:s text:c="1000000000"/></text:p></table:table-cell>'])],
        ),
        r"row 2: a run of 1000000000 spaces.*LINE_MAX_CHARS",
    )
    _refused(
        write_ods(tmp_path / "doctype.ods", [["a"]], prolog='<!DOCTYPE x [<!ENTITY a "aaaa">]>'),
        r"content\.xml: DOCTYPE or entity declaration refused",
    )
    _refused(
        write_ods(tmp_path / "broken.ods", [], raw_rows="<table:table-row>"), r"content\.xml: malformed XML at line"
    )
    bomb = tmp_path / "bomb.ods"
    with zipfile.ZipFile(bomb, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", b" " * (8 << 20), zipfile.ZIP_DEFLATED)
    _refused(bomb, r"member content\.xml: expands [\d ,]+ times.*ZIP_MAX_RATIO")
    wrong = tmp_path / "wrong.ods"
    with zipfile.ZipFile(wrong, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")
    _refused(wrong, r"member mimetype: .*not an OpenDocument spreadsheet")
    empty = tmp_path / "empty.ods"
    with zipfile.ZipFile(empty, "w") as z:  # a spreadsheet without a single table
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", f"<office:document-content {_NS}><office:body/></office:document-content>")
    _refused(empty, r"content\.xml: no sheet 1")
    junk = tmp_path / "junk.ods"
    junk.write_bytes(b"\x00" * 1000)
    _refused(junk, r"byte 0: not an OpenDocument spreadsheet")


def test_an_ods_amount_past_a_double_is_quarantined(tmp_path):
    from orchestration.ingest.framework import Quarantine
    from orchestration.ingest.french_csv import Column, read_table

    cell = '<table:table-cell office:value-type="float" office:value="1e400"><text:p>1E+400</text:p></table:table-cell>'
    path = write_ods(tmp_path / "inf.ods", [["code", "montant"], ods_row(["A", cell])])
    [(line, item)] = list(read_table(path, [Column("code", "text"), Column("montant", "decimal")]))
    assert line == 2 and isinstance(item, Quarantine) and item.reason == "montant is not a valid decimal: '1e400'"


@pytest.mark.parametrize("source, template", TEMPLATES, ids=[s.folder for s, _ in TEMPLATES])
def test_a_sheet_reads_its_header_as_the_csv_does(source, template, tmp_path):
    """A header typed with capitals: each reader gives the same answer from a `;` CSV and from
    an .xlsx (the same rows where it folds the header's case, the same missing column where it
    does not). The centrales referentiel read `Code` from a CSV and refused it from a sheet."""
    header = columns(template)
    names = [c.name.upper() for c in header]
    text = [example(c) for c in header]
    csv = tmp_path / "c" / f"{file_stem(source)}.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text(";".join(names) + "\n" + ";".join(text) + "\n", encoding="utf-8")
    xlsx = write_xlsx(tmp_path / "x" / f"{file_stem(source)}.xlsx", [names, text])

    def outcome(path):
        try:
            return [item for _, item in read_landing_file(source, path)]
        except IngestError as exc:  # the message names the file: compare what follows it
            return str(exc).split(": ", 1)[1].replace("sheet Feuille1: row 1", "line 1")

    assert outcome(xlsx) == outcome(csv)
