"""Fictional demo data: a French département's DECP feeds and internal procedure export.

`generate_demo` lives in `orchestration.demo.generator`; it is re-exported lazily so that
`python -m orchestration.demo.generator` does not import the module twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["generate_demo", "save_workbook", "write_csv"]


def write_csv(
    path: Path,
    header: Sequence,
    rows: Iterable[Sequence],
    *,
    encoding: str = "cp1252",
    delimiter: str = ";",
    lineterminator: str = "\r\n",
) -> None:
    """A demo CSV file, by default as a French Excel saves one (cp1252, `;`, CRLF)."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows(rows)


# openpyxl stamps a workbook with the time it is saved (docProps/core.xml, each zip member):
# the demo's .xlsx files are written with fixed times instead, the same bytes on every run.
_WORKBOOK_TIME = dt.datetime(2026, 1, 1)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def save_workbook(workbook, path: Path) -> None:
    """A demo .xlsx file, the same bytes for the same workbook whenever it is written."""
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = workbook.properties.modified = _WORKBOOK_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    with zipfile.ZipFile(buffer) as written, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in written.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = info.compress_type
            out.writestr(member, written.read(info.filename))


def __getattr__(name: str):
    if name == "generate_demo":
        from .generator import generate_demo

        return generate_demo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
