"""OpenDocument spreadsheets (.ods, LibreOffice Calc), read wherever .xlsx is (issue 12, item 9).

`open_ods(path)` gives a workbook with the few members of openpyxl's read-only workbook the
readers use (`sheetnames`, `worksheets`, `[name]`, `close()`; a sheet's `title` and
`iter_rows(values_only=True)`), so `french_csv.read_excel` and every feed reader take .ods as
they take .xlsx. Cell values are typed as openpyxl types them: numbers (int when written without
a point or exponent, else float), dates and datetimes, booleans, text (paragraphs joined by line
breaks, `text:s` spaces and tabs expanded, comments left out); a formula gives its cached value.

Bounded: the archive and each row's XML are checked before parsing (limits.check_ods), the
document is parsed without DOCTYPE (refused), entities, network or huge trees, and freed cell by
cell. Repeats cost nothing when empty (LibreOffice writes the rest of a sheet as one row repeated
a million times); the copies of repeated values are bounded (limits.ODS_REPEATED_MAX_CHARS), so
are the width of a row (ODS_MAX_COLUMNS) and the number of rows (SHEET_MAX_ROWS).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import defusedxml
from defusedxml import ElementTree as DefusedET
from lxml import etree

from .framework import IngestError
from .limits import (
    LINE_MAX_CHARS,
    NUMBER_MAX_CHARS,
    ODS_MAX_COLUMNS,
    ODS_REPEATED_MAX_CHARS,
    SHEET_MAX_ROWS,
    check_ods,
    mib,
)

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
T_TABLE, T_ROW = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
T_CELLS = {f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"}
A_NAME = f"{{{_TABLE}}}name"
A_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
A_COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
A_VALUE_TYPE, A_VALUE = f"{{{_OFFICE}}}value-type", f"{{{_OFFICE}}}value"
A_DATE, A_BOOLEAN = f"{{{_OFFICE}}}date-value", f"{{{_OFFICE}}}boolean-value"
A_TIME, A_STRING = f"{{{_OFFICE}}}time-value", f"{{{_OFFICE}}}string-value"
T_ANNOTATION = f"{{{_OFFICE}}}annotation"
T_PARAGRAPHS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
T_SPACE, T_TAB, T_BREAK = f"{{{_TEXT}}}s", f"{{{_TEXT}}}tab", f"{{{_TEXT}}}line-break"
A_SPACES = f"{{{_TEXT}}}c"
_PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True
)
_INTEGER = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6})\d*)?)?")


def open_ods(path: Path) -> OdsWorkbook:
    check_ods(path)
    return OdsWorkbook(path)


class OdsWorkbook:
    def __init__(self, path: Path):
        self.path = path
        self._names: list[str] | None = None

    @property
    def sheetnames(self) -> list[str]:
        if self._names is None:  # one pass over the table start tags, nothing kept
            self._names = [element.get(A_NAME, "") for _, element in self._parse(("start",), T_TABLE)]
        return self._names

    @property
    def worksheets(self) -> _Sheets:
        return _Sheets(self)

    def __getitem__(self, name: str) -> OdsSheet:
        return OdsSheet(self, self.sheetnames.index(name), name)

    def close(self) -> None:
        pass  # each pass opens and closes the archive itself

    def _parse(self, events, tag=None) -> Iterator[tuple[str, etree._Element]]:
        """Events of content.xml, DOCTYPE refused first; errors name the file and the position."""
        path = self.path
        try:
            with zipfile.ZipFile(path) as archive:
                with archive.open("content.xml") as member:
                    try:
                        for _ in DefusedET.iterparse(member, events=("start",), forbid_dtd=True, forbid_entities=True):
                            break
                    except defusedxml.DefusedXmlException as exc:
                        raise IngestError(f"{path}: member content.xml: DOCTYPE or entity declaration refused") from exc
                with archive.open("content.xml") as member:
                    yield from etree.iterparse(member, events=events, tag=tag, **_PARSER_OPTIONS)
        except (etree.XMLSyntaxError, DefusedET.ParseError) as exc:
            line, column = exc.position
            raise IngestError(
                f"{path}: member content.xml: malformed XML at line {line}, column {column}: {exc}"
            ) from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise IngestError(f"{path}: member content.xml: cannot read: {exc}") from exc


class _Sheets:
    """The workbook's sheets by rank: the first is found without reading the whole document."""

    def __init__(self, workbook: OdsWorkbook):
        self._workbook = workbook

    def __getitem__(self, index: int) -> OdsSheet:
        for rank, (_, element) in enumerate(self._workbook._parse(("start",), T_TABLE)):
            if rank == index:
                return OdsSheet(self._workbook, index, element.get(A_NAME, ""))
        raise IngestError(
            f"{self._workbook.path}: member content.xml: no sheet {index + 1} (a spreadsheet without tables)"
        )

    def __len__(self) -> int:
        return len(self._workbook.sheetnames)

    def __iter__(self) -> Iterator[OdsSheet]:
        return (OdsSheet(self._workbook, i, name) for i, name in enumerate(self._workbook.sheetnames))


class OdsSheet:
    def __init__(self, workbook: OdsWorkbook, index: int, title: str):
        self._workbook, self._index, self.title = workbook, index, title

    def iter_rows(self, values_only: bool = True) -> Iterator[tuple]:
        """Every row of the sheet from the first, as tuples of values (empty rows as (); trailing
        empty rows and cells left out), whatever repeats the file declares."""
        path, table, depth_in_cell = self._workbook.path, -1, 0
        number = 0  # rows of the sheet so far
        pending_rows = 0  # empty rows not yet given (dropped if nothing follows)
        repeated = 0  # characters of repeated copies so far
        cells: list = []
        pending_cells = 0
        for event, element in self._workbook._parse(("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == T_TABLE and not depth_in_cell:
                    table += 1
                elif tag in T_CELLS:
                    depth_in_cell += 1
                continue
            if tag == T_TABLE and not depth_in_cell and table == self._index:
                return  # the end of this sheet: trailing empty rows dropped
            if table != self._index:
                if not depth_in_cell:
                    _free(element)
                continue
            if tag in T_CELLS:
                depth_in_cell -= 1
                if depth_in_cell:
                    continue  # a cell inside a cell (a sub-table): read with its outer one
                value = _value(element, path, number + pending_rows + 1)
                times = _count(element.get(A_COLUMNS_REPEATED))
                if value is None:
                    pending_cells += times
                else:
                    if len(cells) + pending_cells + times > ODS_MAX_COLUMNS:
                        raise IngestError(
                            f"{path}: sheet {self.title}: row {number + pending_rows + 1}: more than "
                            f"{ODS_MAX_COLUMNS} columns (limit ODS_MAX_COLUMNS)"
                        )
                    repeated += (times - 1) * _size(value)
                    cells += [None] * pending_cells + [value] * times
                    pending_cells = 0
                _free(element)
            elif tag == T_ROW and not depth_in_cell:
                times = _count(element.get(A_ROWS_REPEATED))
                if cells:
                    repeated += (times - 1) * sum(map(_size, cells))
                    if repeated > ODS_REPEATED_MAX_CHARS:
                        raise IngestError(
                            f"{path}: sheet {self.title}: row {number + pending_rows + 1}: repeated cells and rows "
                            f"expand to more than {mib(ODS_REPEATED_MAX_CHARS)} (limit ODS_REPEATED_MAX_CHARS)"
                        )
                    if number + pending_rows + times > SHEET_MAX_ROWS:
                        raise IngestError(
                            f"{path}: sheet {self.title}: more than {SHEET_MAX_ROWS} rows (limit SHEET_MAX_ROWS)"
                        )
                    for _ in range(pending_rows):
                        yield ()
                    row = tuple(cells)
                    for _ in range(times):
                        yield row
                    number += pending_rows + times
                    pending_rows = 0
                else:
                    pending_rows += times
                cells, pending_cells = [], 0
                _free(element)
            elif not depth_in_cell:
                _free(element)


def _free(element) -> None:
    """The element and its earlier siblings, once read: memory does not grow with the sheet."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _count(text: str | None) -> int:
    """A repeat count as written (1 when absent or not a number); past 10 digits, larger than
    every bound, so the bounds say so."""
    text = (text or "").strip()
    if not text.isdigit():
        return 1
    return max(1, int(text)) if len(text) <= 10 else 10**10


def _size(value) -> int:
    return len(value) if isinstance(value, str) else 8


def _value(cell, path: Path, row: int):
    """The cell's value as openpyxl gives an .xlsx cell's (module docstring); None when empty."""
    kind = cell.get(A_VALUE_TYPE)
    if kind in ("float", "percentage", "currency"):
        text = (cell.get(A_VALUE) or "").strip()
        if len(text) > NUMBER_MAX_CHARS:  # never converted: the reader quarantines it by its length
            return text
        try:
            number = int(text) if _INTEGER.fullmatch(text) else float(text)
        except ValueError:
            return _text(cell, path, row) or None
        return number if not isinstance(number, float) or math.isfinite(number) else text
    if kind == "boolean":
        return (cell.get(A_BOOLEAN) or "").strip().lower() == "true"
    if kind == "date":
        m = _DATE.fullmatch((cell.get(A_DATE) or "").strip())
        if m:
            try:
                if m.group(4) is None:
                    return dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                fraction = int((m.group(7) or "0").ljust(6, "0"))
                return dt.datetime(*(int(g) for g in m.groups()[:6]), fraction)
            except ValueError:
                pass
    if kind == "string" and cell.get(A_STRING) is not None:
        return cell.get(A_STRING)
    text = _text(cell, path, row)
    return text if text != "" else None


def _text(cell, path: Path, row: int) -> str:
    paragraphs = [_inline(p, path, row) for p in cell if p.tag in T_PARAGRAPHS]
    text = "\n".join(paragraphs)
    if len(text) > LINE_MAX_CHARS:
        raise IngestError(f"{path}: row {row}: a cell of more than {LINE_MAX_CHARS} characters (limit LINE_MAX_CHARS)")
    return text


def _inline(element, path: Path, row: int) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == T_SPACE:
            spaces = _count(child.get(A_SPACES))
            if spaces > LINE_MAX_CHARS:
                raise IngestError(f"{path}: row {row}: a run of {spaces} spaces (limit LINE_MAX_CHARS)")
            parts.append(" " * spaces)
        elif tag == T_TAB:
            parts.append("\t")
        elif tag == T_BREAK:
            parts.append("\n")
        elif tag != T_ANNOTATION:
            parts.append(_inline(child, path, row))
        parts.append(child.tail or "")
    return "".join(parts)
