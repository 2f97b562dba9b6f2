"""Ingest assets, one per raw source of the feed registry (orchestration/feeds/).

(No `from __future__ import annotations`: Dagster inspects the `context` annotation.)
"""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from ..configuration import landing_roots
from ..feeds import RawSource, all_sources
from ..resources import SpaserResource
from .framework import FileResult, IngestError, ensure_tables, ingest_files, withdraw_absent


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


def accepted_suffixes(source: RawSource) -> tuple[str, ...]:
    """The file kinds a source reads: its readers', and LibreOffice's .ods wherever .xlsx is."""
    suffixes = tuple(source.readers)
    return suffixes + (".ods",) if ".xlsx" in suffixes and ".ods" not in suffixes else suffixes


def read_landing_file(source: RawSource, path: Path):
    """The source's reader for the file; an .ods goes to its .xlsx reader, which reads both
    (french_csv.open_workbook)."""
    if path.suffix.lower() == ".ods" and ".ods" not in source.readers and ".xlsx" in source.readers:
        return source.readers[".xlsx"](path)
    return source.read(path)


def _report(results: list[FileResult]) -> dict:
    lines = ["| file | status | read | loaded | quarantined | top reasons | notes |", "|---|---|---|---|---|---|---|"]
    for r in results:
        reasons = ", ".join(f"{k} ({v})" for k, v in sorted(r.quarantine_reasons.items(), key=lambda kv: -kv[1])[:3])
        lines.append(
            f"| {r.file} | {r.status} | {r.rows_read} | {r.rows_loaded} | {r.rows_quarantined} | {reasons} "
            f"| {'; '.join(r.notes)} |"
        )
    return {
        "files_seen": len(results),
        "files_loaded": sum(r.status not in ("unchanged", "withdrawn") for r in results),
        "files_withdrawn": sum(r.status == "withdrawn" for r in results),
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
    def _ingest(context: AssetExecutionContext, spaser: SpaserResource) -> MaterializeResult:
        paths = spaser.paths()
        roots = landing_roots(paths, source.folder)  # one per organisation (configuration)
        found = {prefix: landing_files(root, accepted_suffixes(source)) for prefix, root in roots}
        files = [f for fs in found.values() for f in fs]
        root = roots[0][1]
        con = spaser.connect()
        try:
            ensure_tables(con, target)
            results = []
            for prefix, folder in roots:
                results += ingest_files(
                    con,
                    target,
                    folder,
                    found[prefix],
                    lambda path: read_landing_file(source, path),
                    bulk=source.bulk_for,
                    prefix=prefix,
                )
                # the folder is the truth: a loaded file no longer in it leaves the build
                results += withdraw_absent(
                    con,
                    target,
                    folder,
                    {prefix + p.relative_to(folder).as_posix() for p in found[prefix]},
                    prefix=prefix,
                )
        finally:
            con.close()
        for r in results:
            if r.status == "withdrawn":
                context.log.warning(f"{r.file}: withdrawn, its rows leave the build (meta.ingest_log keeps why)")
                continue
            context.log.info(
                f"{r.file}: {r.status}, read {r.rows_read} = loaded {r.rows_loaded} + quarantined {r.rows_quarantined}"
            )
            for note in r.notes:  # columns outside the contract, absent or renamed: never silent
                context.log.warning(f"{r.file}: {note}")
        if not files:
            context.log.warning(f"no file in {root}: raw.{target.table} unchanged")
        return MaterializeResult(metadata=_report(results))

    return _ingest


ingest_assets = [build_ingest_asset(source) for source in all_sources()]


@asset(
    key=AssetKey(["meta", "ingest_log"]),
    group_name="ingest",
    kinds={"duckdb"},
    deps=[a.key for a in ingest_assets],
    description="Row accounting of every file currently loaded, all feeds (meta.ingest_log): rows read "
    "= loaded + quarantined. Its gate runs once every feed is ingested, before dbt.",
)
def ingest_log(context: AssetExecutionContext, spaser: SpaserResource) -> MaterializeResult:
    con = spaser.connect(read_only=True)
    try:
        rows = con.execute(
            """SELECT feed, raw_table, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined)
               FROM meta.ingest_log WHERE superseded_at IS NULL GROUP BY ALL ORDER BY feed, raw_table"""
        ).fetchall()
    finally:
        con.close()
    lines = ["| feed | table | files | read | loaded | quarantined |", "|---|---|---|---|---|---|"]
    lines += [f"| {f} | {t} | {n} | {r} | {l} | {q} |" for f, t, n, r, l, q in rows]
    return MaterializeResult(
        metadata={
            "files": sum(r[2] for r in rows),
            "rows_read": sum(r[3] for r in rows),
            "rows_quarantined": sum(r[5] for r in rows),
            "tables": MetadataValue.md("\n".join(lines)),
        }
    )
