"""Ingest assets: every file of a landing sub-folder into raw.<table>, with row accounting.

(No `from __future__ import annotations`: Dagster inspects the `context` annotation.)
"""

from collections.abc import Callable
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from ..settings import get_paths
from .decp import DECP_TABLE, read_decp_json
from .decp_tabular import read_decp_tabular_csv
from .framework import FeedTable, FileResult, IngestError, ensure_tables, ingest_files
from .procedures import PROCEDURES_TABLE, read_procedures


def landing_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files to load. Anything else in the folder is an error, not a silent skip."""
    if not folder.exists():
        return []
    files, unsupported = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        (files if path.suffix.lower() in suffixes else unsupported).append(path)
    if unsupported:
        names = ", ".join(p.relative_to(folder).as_posix() for p in unsupported)
        raise IngestError(f"{folder}: unsupported file(s) {names} (this feed reads {', '.join(suffixes)})")
    return files


def _report(results: list[FileResult]) -> dict:
    lines = ["| file | status | read | loaded | quarantined | top reasons |", "|---|---|---|---|---|---|"]
    for r in results:
        reasons = ", ".join(f"{k} ({v})" for k, v in sorted(r.quarantine_reasons.items(), key=lambda kv: -kv[1])[:3])
        lines.append(f"| {r.file} | {r.status} | {r.rows_read} | {r.rows_loaded} | {r.rows_quarantined} | {reasons} |")
    return {
        "files_seen": len(results),
        "files_loaded": sum(r.status != "unchanged" for r in results),
        "rows_read": sum(r.rows_read for r in results),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "files": MetadataValue.md("\n".join(lines)),
    }


def build_ingest_asset(
    target: FeedTable,
    folder: str,
    suffixes: tuple[str, ...],
    reader: Callable,
    description: str,
) -> AssetsDefinition:
    @asset(
        key=AssetKey(["raw", target.table]),
        group_name="ingest",
        kinds={"python", "duckdb"},
        description=description,
        op_tags={"spaser/writes_warehouse": "duckdb"},
    )
    def _ingest(context: AssetExecutionContext) -> MaterializeResult:
        paths = get_paths()
        root = paths.landing / folder
        files = landing_files(root, suffixes)
        paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(paths.warehouse))
        try:
            ensure_tables(con, target)
            results = ingest_files(con, target, root, files, reader)
        finally:
            con.close()
        for r in results:
            context.log.info(
                f"{r.file}: {r.status}, read {r.rows_read} = loaded {r.rows_loaded} + quarantined {r.rows_quarantined}"
            )
        if not files:
            context.log.warning(f"no file in {root}: raw.{target.table} unchanged")
        return MaterializeResult(metadata=_report(results))

    return _ingest


def read_decp(path: Path):
    """JSON (2019 and 2024 formats) or the official flattened CSV export."""
    return read_decp_tabular_csv(path) if path.suffix.lower() == ".csv" else read_decp_json(path)


raw_decp_marches = build_ingest_asset(
    DECP_TABLE,
    "decp",
    (".json", ".csv"),
    read_decp,
    "DECP (2024 and 2019 JSON formats, official tabular CSV exports) from landing/decp: one row "
    "per record, lineage columns, untypeable records in quarantine.decp_marches, accounting in "
    "meta.ingest_log.",
)

raw_procedures_internes = build_ingest_asset(
    PROCEDURES_TABLE,
    "procedures",
    (".csv",),
    read_procedures,
    "Internal procedure export (CSV, French conventions) from landing/procedures.",
)

ingest_assets = [raw_decp_marches, raw_procedures_internes]
