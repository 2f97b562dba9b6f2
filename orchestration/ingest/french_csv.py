"""Streaming reader for CSV files in French conventions, driven by a column contract.

`;` separator, decimal comma, dd/mm/yyyy dates, Oui/Non booleans; encodings, line numbers and
quoting faults as orchestration/ingest/text.py decides them (UTF-8 with or without BOM, UTF-16
with BOM, cp1252; a quote left open fails the file on the line where its record starts).
A missing required column fails the file (line 1, the column named); a column outside the
contract or an optional column absent is noted (text.contract_index); a cell that cannot be
typed sends its row to quarantine with the line number and the column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..identifiers import SPREADSHEET_EXACT_DIGITS, IdentifierError, identifier_from_cell
from .framework import FeedTable, IngestError, Quarantine, compact_json
from .limits import check_spreadsheet, int_digits_limit, number_too_long, too_long_reason
from .text import contract_index, note, open_csv

_DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_BOOL = {"oui": True, "o": True, "vrai": True, "1": True, "non": False, "n": False, "faux": False, "0": False}


@dataclass(frozen=True)
class Column:
    name: str  # column name in the file (and in the raw table)
    kind: str  # text | decimal | integer | date | boolean
    required: bool = True  # must the column exist in the header?
    not_null: bool = False  # must every row carry a value?
    multiline: bool = False  # may a cell hold line breaks (free text)? Elsewhere one is a quoting fault
    # For the people who fill the file (the blank templates of `spaser modeles`, orchestration/templates.py),
    # in French: what the column holds; its accepted formats when narrower than its kind's; an example
    # value; the seed listing its accepted values ("file.csv:column"); for an older name of another
    # column, that column (the templates leave it out and name it as accepted).
    description: str = ""
    formats: str = ""
    example: str = ""
    values: str = ""
    alias_of: str = ""
    # a SIRET/SIREN or other identifier (identifiers.WIDTHS: 'siret', 'siren', 'siret_siren',
    # 'code'), kind text: a value a spreadsheet stored as a number is read back to its digits
    # (leading zeros restored) or quarantined when they cannot be known (IdentifierNotes)
    identifier: str = ""


class IdentifierNotes:
    """Identifiers of one file read back from numbers, per column: how many and the first one as
    it was in the file, noted on the file (the ingest log keeps the raw value beside the count)."""

    def __init__(self) -> None:
        self.seen: dict[str, list] = {}

    def read(self, col: Column, value, where: str):
        """The identifier of a non-empty cell; IdentifierError when its digits are lost."""
        text, converted = identifier_from_cell(value, col.identifier)
        if converted:
            entry = self.seen.setdefault(col.name, [0, where, value, text])
            entry[0] += 1
        return text

    def flush(self, path: Path) -> None:
        for name, (count, where, value, text) in self.seen.items():
            note(
                path,
                f"column '{name}': {count} identifier(s) stored as numbers, read back as text "
                f"(first, {where}: {value!r} -> {text!r})",
            )
        self.seen.clear()


# The contract a line belongs to, as the DECP publish it: the first columns of the procedure
# export and of the insertion hours (one declaration, one wording in their templates)
DECP_CONTRACT = [
    Column(
        "siret_acheteur",
        "text",
        not_null=True,
        identifier="siret",
        example="22950001300011",
        formats="14 chiffres (espaces acceptés)",
        description="SIRET de l'acheteur, celui des DECP (acheteur.id) ; donne l'organisation",
    ),
    Column(
        "id_marche", "text", not_null=True, example="2026-0042", description="identifiant du marché dans les DECP (id)"
    ),
]


# what float() takes that is not a number written in a file: nan, inf, 1_000
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _to_decimal(s: str) -> float:
    if number_too_long(s):  # never converted (limits.NUMBER_MAX_CHARS)
        raise ValueError(s)
    s = s.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    if s.count(",") == 1 and "." in s:  # 1.234,56: dot as thousands separator
        s = s.replace(".", "")
    s = s.replace(",", ".")
    if not _NUMBER.match(s) or not math.isfinite(value := float(s)):  # 1e400 is no amount, never inf
        raise ValueError(s)
    return value


def to_date(s: str) -> dt.date:
    m = _DATE_FR.match(s)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _DATE_ISO.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(s)


def _to_bool(s: str) -> bool:
    return _BOOL[s.lower()]


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "text": lambda s: s,
    "decimal": _to_decimal,
    "integer": lambda s: int(_to_decimal(s)) if float(_to_decimal(s)).is_integer() else int("x"),
    "date": to_date,
    "boolean": _to_bool,
}

DUCKDB_TYPES = {"text": "VARCHAR", "decimal": "DOUBLE", "integer": "BIGINT", "date": "DATE", "boolean": "BOOLEAN"}


def read_delimited(
    path: Path,
    columns: list[Column],
    delimiter: str | tuple[str, ...] = (",", ";"),
    *,
    key=None,
    unknown: bool = True,
    absent: bool = True,
    rename=None,
) -> Iterator[tuple[int, dict | Quarantine]]:
    """A CSV under a column contract, typed with the French-convention converters (which also
    accept ISO numbers and dates). `delimiter`: the separator, or candidates chosen on the header
    line; `key` folds header names before matching (str.lower: case-insensitive); `rename` maps
    typed rows (raw column names)."""
    with open_csv(path, delimiter) as table:
        header = [h.strip() for h in table.header]
        if table.delimiter == ";" and len(header) == 1 and "," in header[0]:
            raise IngestError(f"{path}: line 1: separator is not ';' (found ',')")
        fold = key or (lambda s: s)
        multiline = {fold(c.name) for c in columns if c.multiline}
        table.allow_multiline({h for h in header if fold(h) in multiline})
        index = contract_index(path, header, columns, key=key, unknown=unknown, absent=absent)
        for line, item in typed_records(path, table, header, index, columns):
            yield line, item if rename is None or isinstance(item, Quarantine) else rename(item)


def typed_records(
    path: Path, table, header: list[str], index: dict[str, int], columns: list[Column], prepare=None
) -> Iterator[tuple[int, dict | Quarantine]]:
    """The records of an open CSV (text.open_csv) typed under the contract, `prepare` rewriting
    a record's cells first; an empty line is quarantined. Identifiers read back from numbers are
    noted on the file once every record is read."""
    ids = IdentifierNotes()
    for line, cells in table:
        if not any(map(str.strip, cells)):
            yield line, Quarantine("empty line", None, table.delimiter.join(cells))
            continue
        yield line, type_row(prepare(cells) if prepare else cells, header, index, columns, ids, f"line {line}")
    ids.flush(path)


def type_row(
    cells, header, index, columns: list[Column], ids: IdentifierNotes | None = None, where: str = ""
) -> dict | Quarantine:
    """A CSV record typed under the contract; `ids` collects identifiers read back from numbers."""
    if len(cells) != len(header):
        return Quarantine(f"expected {len(header)} fields, found {len(cells)}", None, ";".join(cells))
    row: dict = {}
    for col in columns:
        i = index.get(col.name)
        raw = cells[i].strip() if i is not None else ""
        if raw == "":
            if col.not_null:
                return Quarantine(f"{col.name} is empty", col.name, compact_json(dict(zip(header, cells))))
            row[col.name] = None
            continue
        try:
            row[col.name] = _CONVERTERS[col.kind](raw) if not col.identifier else _identifier(col, raw, ids, where)
        except IdentifierError as exc:
            return Quarantine(f"{col.name}: {exc}", col.name, compact_json(dict(zip(header, cells))))
        except (ValueError, KeyError):
            return Quarantine(_invalid(col, raw), col.name, compact_json(dict(zip(header, cells))))
    return row


def _identifier(col: Column, value, ids: IdentifierNotes | None, where: str):
    return (ids or IdentifierNotes()).read(col, value, where)


def _invalid(col: Column, value) -> str:
    """Why a cell (text, or a spreadsheet's typed value) is not of its column's kind."""
    if col.kind in ("decimal", "integer") and number_too_long(value):
        return too_long_reason(col.name)
    return f"{col.name} is not a valid {col.kind}: {str(value)[:40]!r}"


# Spreadsheet files every reader that takes .xlsx takes: LibreOffice's .ods alike (ods.py)
SPREADSHEETS = (".xlsx", ".ods")


def is_spreadsheet(path: Path) -> bool:
    return path.suffix.lower() in SPREADSHEETS


def open_workbook(path: Path):
    """An .xlsx workbook in openpyxl's read-only mode, once its archive is within the limits
    (limits.check_spreadsheet: zip bombs, parts and rows too large to hold); an .ods workbook
    read the same way (ods.open_ods)."""
    import openpyxl

    if path.suffix.lower() == ".ods":
        from .ods import open_ods

        return open_ods(path)

    check_spreadsheet(path)
    try:
        with int_digits_limit():
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a broken file
        cause = exc.__cause__ or exc.__context__  # openpyxl wraps the parser's error
        why = f"{exc} ({type(cause).__name__}: {cause})" if cause else str(exc)
        raise IngestError(f"{path}: cannot open as an Excel workbook: {why}") from exc


def sheet_rows(path: Path, ws) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of a sheet, 1 = first. Numbers are converted under Python's default
    digit limit (limits.int_digits_limit); a row openpyxl cannot read fails the file, named."""
    rows = ws.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            with int_digits_limit():
                values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a damaged part, a number of more than 4 300 digits, a DOCTYPE
            raise IngestError(f"{path}: sheet {ws.title}: row {number + 1}: cannot read: {exc}") from exc
        number += 1
        yield number, values


def read_excel(
    path: Path,
    columns: list[Column],
    sheet: str | None = None,
    *,
    key=None,
    unknown: bool = True,
    absent: bool = True,
) -> Iterator[tuple[int, dict | Quarantine]]:
    """Same contract as read_delimited for an .xlsx workbook (first sheet unless named),
    streamed with openpyxl's read-only mode. Typed cells (dates, numbers, booleans) are taken as
    they are; text cells go through the French-convention converters. `key` folds header names
    before matching, as for a CSV."""
    workbook = open_workbook(path)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise IngestError(f"{path}: no sheet named {sheet!r} (found {', '.join(workbook.sheetnames)})")
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        rows = sheet_rows(path, ws)
        try:
            _, first = next(rows)
        except StopIteration:
            raise IngestError(f"{path}: sheet {ws.title}: row 1: empty sheet, expected a header row") from None
        header = ["" if h is None else str(h).strip() for h in first]
        index = contract_index(
            path, header, columns, key=key, unknown=unknown, absent=absent, where=f"sheet {ws.title}: row 1"
        )
        ids = IdentifierNotes()
        for line, cells in rows:
            cells = list(cells) + [None] * (len(header) - len(cells))
            if len(cells) > len(header):  # .ods leaves out trailing empty cells, the header's too
                header += [""] * (len(cells) - len(header))
            if all(c is None or str(c).strip() == "" for c in cells):
                continue  # Excel keeps formatted empty rows: not data
            yield line, _type_excel_row(cells, header, index, columns, ids, f"sheet {ws.title}: row {line}")
        ids.flush(path)
    finally:
        workbook.close()


def _type_excel_row(
    cells, header, index, columns: list[Column], ids: IdentifierNotes | None = None, where: str = ""
) -> dict | Quarantine:
    row: dict = {}
    for col in columns:
        i = index.get(col.name)
        value = cells[i] if i is not None else None
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if col.not_null:
                return Quarantine(f"{col.name} is empty", col.name, _sheet_raw(header, cells))
            row[col.name] = None
            continue
        try:
            if col.identifier and not number_too_long(value):
                row[col.name] = _identifier(col, value, ids, where)
            else:
                row[col.name] = _excel_value(value, col.kind)
        except IdentifierError as exc:
            return Quarantine(f"{col.name}: {exc}", col.name, _sheet_raw(header, cells))
        except (ValueError, KeyError, TypeError, OverflowError):
            return Quarantine(_invalid(col, value), col.name, _sheet_raw(header, cells))
    return row


def _sheet_raw(header, cells) -> str:
    """A sheet row as kept in quarantine: unnamed empty columns left out (an .xlsx row is as wide
    as the sheet, an .ods row stops at its last value), an unnamed value never overwritten."""
    return compact_json({h: c for h, c in zip(header, cells) if h or c is not None})


def _excel_value(value, kind: str):
    if isinstance(value, str):
        return _CONVERTERS[kind](value.strip())
    if kind == "text":  # as the sheet shows it: 1e+30, not the 31 digits of the nearest double
        exact = isinstance(value, float) and value.is_integer() and abs(value) < 10**SPREADSHEET_EXACT_DIGITS
        return str(int(value)) if exact else str(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raise ValueError(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise ValueError(value)
    if isinstance(value, bool) or number_too_long(value):
        raise ValueError(value)
    if kind == "integer":
        if float(value).is_integer():
            return int(value)
        raise ValueError(value)
    if not math.isfinite(value := float(value)):
        raise ValueError(value)
    return value


def read_table(
    path: Path,
    columns: list[Column],
    sheet: str | None = None,
    *,
    delimiter: str | tuple[str, ...] = ";",
    key=None,
    unknown: bool = True,
    absent: bool = True,
    rename=None,
) -> Iterator[tuple[int, dict | Quarantine]]:
    """A tabular file under a column contract: .xlsx/.ods, or a CSV in French conventions (`;`
    unless `delimiter` says otherwise, as read_delimited). `key` folds the header names of
    either (a header read in any case is read in any case from a sheet too); `rename` maps typed
    rows, from either."""
    if not is_spreadsheet(path):
        return read_delimited(path, columns, delimiter, key=key, unknown=unknown, absent=absent, rename=rename)
    rows = read_excel(path, columns, sheet, key=key, unknown=unknown, absent=absent)
    if rename is None:
        return rows
    return ((line, item if isinstance(item, Quarantine) else rename(item)) for line, item in rows)


def lower_keys(item: dict) -> dict:
    """A typed row under lower-case names (a rename for read_table): for contracts whose header
    is read in any case and whose raw table is in lower case."""
    return {k.lower(): v for k, v in item.items()}


def contract_table(
    feed: str,
    table: str,
    columns: list[Column],
    *,
    raw_name: Callable[[str], str] = str,
    types: dict[str, str] | None = None,
    extra: list[tuple[str, str]] | None = None,
) -> FeedTable:
    """raw.<table> of a column contract: each column under `raw_name` of its name, with the DuckDB
    type of its kind unless `types` names another (a column the reader converts); `extra`:
    columns the reader adds."""
    types = types or {}
    typed = [(raw_name(c.name), types.get(c.name) or DUCKDB_TYPES[c.kind]) for c in columns]
    return FeedTable(feed=feed, table=table, columns=typed + (extra or []))
