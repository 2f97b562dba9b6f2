"""Fictional demo data: a French département's DECP feeds and internal procedure export.

`generate_demo` lives in `orchestration.demo.generator`; it is re-exported lazily so that
`python -m orchestration.demo.generator` does not import the module twice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["generate_demo", "write_csv"]


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


def __getattr__(name: str):
    if name == "generate_demo":
        from .generator import generate_demo

        return generate_demo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
