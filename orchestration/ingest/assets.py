"""Ingest assets, one per raw source of the feed registry (orchestration/feeds/).

(No `from __future__ import annotations`: Dagster inspects the `context` annotation.)
"""

from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from ..feeds import RawSource, all_sources
from ..settings import get_paths
from .framework import FileResult, IngestError, ensure_tables, ingest_files


def landing_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files to load. Anything else in the folder is an error, not a silent skip."""
    if not folder.exists():
        return []
    files, unsupported = [], []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        (files if path.suffix.lower() in suffixes else unsupported).append(path)
    if unsupported:
        names = ", ".join(p.name for p in unsupported)
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


def build_ingest_asset(source: RawSource) -> AssetsDefinition:
    target = source.table

    @asset(
        key=AssetKey(["raw", target.table]),
        group_name="ingest",
        kinds={"python", "duckdb"},
        description=source.description,
        op_tags={"spaser/writes_warehouse": "duckdb"},
    )
    def _ingest(context: AssetExecutionContext) -> MaterializeResult:
        paths = get_paths()
        root = paths.landing / source.folder
        files = landing_files(root, tuple(source.readers))
        paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(paths.warehouse))
        try:
            ensure_tables(con, target)
            results = ingest_files(con, target, root, files, source.read)
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


ingest_assets = [build_ingest_asset(source) for source in all_sources()]
