"""Feed registry: one module per feed in this package, discovered automatically.

A feed module exposes `FEED = Feed(...)`: its raw sources (one raw table each, with readers
per file suffix and an optional GX suite), how to measure its coverage of a semester, and
optionally a demo-data writer. Ingest assets, GX checks, the feed-coverage gate and the demo
generator are all built from this registry, so adding a feed never edits shared code.

The usual shapes are declared with the helpers below: `raw_source` (a source and its GX
frame), `rows_in_semester` and `coverage` (the coverage SQL), `demo_writer`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.framework import BulkReader, FeedTable, Quarantine
from ..ingest.french_csv import Column

Reader = Callable[[Path], Iterator[tuple[int, "dict | Quarantine"]]]
TABULAR = (".csv", ".xlsx")  # the files the organisation's services fill: CSV or a spreadsheet
LINEAGE_INDEX = ("_source_file", "_source_row")  # what names a raw row


@dataclass(frozen=True)
class Template:
    """The blank file handed to the service that fills a landing folder (`spaser modeles`,
    orchestration/templates.py). `columns` is the reader's own column contract (the same list
    object), so the template and the reader cannot disagree."""

    columns: Sequence[Column]
    title: str  # in French: what the file holds, what one line is
    filled_by: str  # in French: which service fills it


@dataclass(frozen=True)
class RawSource:
    """One landing sub-folder loaded into one raw table."""

    folder: str  # landing sub-folder, e.g. "decp" or "energie/consommations"
    table: FeedTable  # raw.<table.table>, quarantine.<table.table>
    readers: dict[str, Reader]  # file suffix (".csv", ".xlsx", ".json") -> reader
    description: str
    suite: str | None = None  # GX suite validating the raw table
    suite_sql: str | None = None  # SQL of the frame for that suite (macro siret_ok available)
    index_columns: tuple[str, ...] = LINEAGE_INDEX
    # file suffix -> set-based reader for large files (see ingest.framework.BulkReader)
    bulk_readers: dict[str, BulkReader] = field(default_factory=dict)
    # the blank template of a folder the organisation's services fill, or (in French) why the
    # folder has none (a format published by a platform, dropped as it is); every source says
    # one or the other (tests/test_templates.py)
    template: Template | str | None = None

    def read(self, path: Path):
        reader = self.readers.get(path.suffix.lower())
        if reader is None:
            raise ValueError(f"{path}: no reader for {path.suffix}")
        return reader(path)

    def bulk_for(self, path: Path) -> BulkReader | None:
        return self.bulk_readers.get(path.suffix.lower())


@dataclass(frozen=True)
class Feed:
    name: str
    sources: list[RawSource]
    # SQL giving (org_id, rows_in_semester) for a semester key, over dbt marts; None: not gated
    coverage_sql: Callable[[str], str] | None = None
    # writes the feed's demo files under landing/; returns a summary dict
    write_demo: Callable[..., dict] | None = field(default=None, compare=False)


def raw_source(
    folder: str,
    table: FeedTable,
    reader: Reader,
    description: str,
    *,
    template: Template | str,
    select: str = "*",
    index: tuple[str, ...] = (),
    suffixes: tuple[str, ...] = TABULAR,
) -> RawSource:
    """A raw source as most are: one reader for every suffix, and the GX suite raw_<table> over
    `select` of the raw table in file order, a failing row named by its file, row and `index`."""
    return RawSource(
        folder=folder,
        table=table,
        readers=dict.fromkeys(suffixes, reader),
        description=description,
        suite=f"raw_{table.table}",
        suite_sql=f"SELECT {select} FROM raw.{table.table} ORDER BY {', '.join(LINEAGE_INDEX)}",
        index_columns=LINEAGE_INDEX + index,
        template=template,
    )


def rows_in_semester(feed: str, mart: str, *, column: str = "semestre", where: str = "") -> Callable[[str], str]:
    """Coverage of one landing folder (`feed`, as organisation_flux.csv names it): the rows of
    `mart` whose `column` is the semester, per organisation; `where`: a further condition."""
    condition = f" AND {where}" if where else ""

    def sql(semester: str) -> str:
        return f"""
            SELECT org_id, '{feed}' AS feed, count(*) AS rows_in_semester
            FROM marts.{mart} WHERE {column} = '{semester}' AND org_id IS NOT NULL{condition}
            GROUP BY org_id
        """

    return sql


def coverage(*folders: Callable[[str], str]) -> Callable[[str], str]:
    """The coverage of a feed with several gated folders: each one's, one after the other."""
    return lambda semester: " UNION ALL ".join(folder(semester) for folder in folders)


def demo_writer(module: str, function: str = "write_demo") -> Callable[..., dict]:
    """A feed's demo writer, orchestration/demo/<module>.py, imported only when the demo is
    written; it takes the options of `spaser demo` (seed, n_contracts, n_buyers) and ignores
    those it does not use."""

    def write(landing: Path, **options) -> dict:
        return getattr(importlib.import_module(f"..demo.{module}", __name__), function)(landing, **options)

    return write


def all_feeds() -> list[Feed]:
    feeds = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        feed = getattr(importlib.import_module(f"{__name__}.{module.name}"), "FEED", None)
        if isinstance(feed, Feed):
            feeds.append(feed)
    return feeds


def all_sources() -> list[RawSource]:
    return [source for feed in all_feeds() for source in feed.sources]
