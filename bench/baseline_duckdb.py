"""The floor: the pipeline's transformations as plain DuckDB SQL in one process, no orchestration.

    python bench/baseline_duckdb.py --home <SPASER_HOME of a finished run> --out <folder>

Run by bench/run_bench.py after a full pipeline run, on the same landing files. Stages (timed,
written to <out>/stages.json):

- read: every DECP JSON file to raw.decp_marches with the pipeline's own SQL normalisation
  (ingest/decp_bulk.py: locate, copy, one staging query, insert; the few irregular records through
  decp.normalise_record), without hashing, row accounting or the ingest log;
- models: the compiled SQL of every dbt model of the run (its manifest), executed in dependency
  order as CREATE TABLE / CREATE VIEW: the same transformations without dbt (no seeds, tests,
  docs, adapter, events);
- gates: the rows each suite's gate hands to GX (gates/prefilter.py), counted in one query per
  suite, without GX;
- publication: the release's tables (publication/publish.py PUBLISHED_TABLES) written as Parquet.

The other raw tables, the seeds and the release register are copied from the finished run's
warehouse first (small, not counted): only DECP grows with N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from orchestration.ingest import decp_bulk  # noqa: E402
from orchestration.ingest.decp import DECP_TABLE, read_decp_json  # noqa: E402
from orchestration.ingest.framework import FileResult, _stream_into_tables, ensure_tables  # noqa: E402


def semester_models(manifest: dict) -> dict[str, dict]:
    """The models a semester run builds: every model but the observatory's (tag observatoire,
    built only by `spaser observatoire`, never compiled by a semester build)."""
    return {
        k: n
        for k, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and "observatoire" not in n.get("tags", [])
    }


def latest_manifest() -> dict:
    manifests = sorted((REPO / "dbt_project" / "target").glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    for path in reversed(manifests):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        models = list(semester_models(manifest).values())
        if models and all(n.get("compiled_code") for n in models):
            return manifest
    raise SystemExit("no compiled dbt manifest: run the pipeline first")


def copy_inputs(con, source: Path, model_schemas: set[str]) -> None:
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    tables = con.execute(
        """SELECT schema_name, table_name FROM duckdb_tables()
           WHERE database_name = 'src' AND NOT temporary"""
    ).fetchall()
    for schema, table in tables:
        if schema in model_schemas or (schema, table) == ("raw", "decp_marches"):
            continue
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        con.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM src."{schema}"."{table}"')
    con.execute("DETACH src")


def read_decp(con, landing: Path) -> int:
    ensure_tables(con, DECP_TABLE)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = 0
    for path in sorted((landing / "decp").iterdir()):
        rel = path.relative_to(landing / "decp").as_posix()
        result = FileResult("decp", rel, "baseline", "loaded")
        prepared = decp_bulk.prepare(con, path) if path.suffix == ".json" else None
        if prepared is None:  # the row reader, as the pipeline would
            _stream_into_tables(con, DECP_TABLE, path, rel, "baseline", read_decp_json, now, result)
        else:
            rows += decp_bulk.load(con, prepared, DECP_TABLE.table, DECP_TABLE.columns, rel, "baseline", now)
            _stream_into_tables(
                con, DECP_TABLE, path, rel, "baseline", lambda _: decp_bulk.irregular_records(prepared), now, result
            )
            prepared.close()
        rows += result.rows_loaded
    return rows


def run_models(con, manifest: dict) -> int:
    nodes = semester_models(manifest)
    done: set[str] = set()
    order: list[str] = []

    def visit(key: str) -> None:
        if key in done or key not in nodes:
            return
        done.add(key)
        for dep in nodes[key]["depends_on"]["nodes"]:
            visit(dep)
        order.append(key)

    for key in sorted(nodes):
        visit(key)
    for key in order:
        node = nodes[key]
        kind = node["config"]["materialized"]
        if kind == "ephemeral":
            continue
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{node["schema"]}"')
        sql = re.sub(r";\s*$", "", node["compiled_code"].strip())
        what = "VIEW" if kind == "view" else "TABLE"
        con.execute(f"CREATE OR REPLACE {what} {node['relation_name']} AS {sql}")
    return len(order)


def run_gates(con, semester: str) -> int:
    """Rows the gates hand to GX, one query per suite: the prefilter's flagged rows
    (gates/prefilter.py), or the whole frame of a suite it cannot translate."""
    from orchestration.feeds import all_sources
    from orchestration.gates import datasets
    from orchestration.gates.prefilter import flagged_sql

    con.execute(datasets._SIRET_MACRO)
    frames = [(s.suite, s.suite_sql or f"SELECT * FROM raw.{s.table.table}") for s in all_sources() if s.suite]
    frames += [
        (datasets.INGEST_LOG.suite, datasets.INGEST_LOG.sql),
        (datasets.MART_INDICATEURS.suite, datasets.MART_INDICATEURS.sql),
        ("feed_coverage", datasets.feed_coverage_sql(semester)),
    ]
    rows = 0
    for suite, sql in frames:
        rows += con.execute(f"SELECT count(*) FROM ({flagged_sql(suite, sql) or sql})").fetchall()[0][0]
    return rows


def publish(con, out: Path, org: str, semester: str) -> int:
    from orchestration.publication.publish import PUBLISHED_TABLES
    from orchestration.semesters import semester_bounds

    start, end = semester_bounds(semester)
    params = {"org": org, "semester": semester, "year": str(start.year), "semester_start": start, "semester_end": end}
    out.mkdir(parents=True, exist_ok=True)
    for name, sql in PUBLISHED_TABLES.items():
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        con.sql(sql, params=used).write_parquet(str(out / f"{name}.parquet"), compression="zstd")
    return len(PUBLISHED_TABLES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="SPASER_HOME of a finished pipeline run")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--semester", default="2026-S1")
    parser.add_argument("--org", default="nordval")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    warehouse = args.out / "warehouse.duckdb"  # dbt-duckdb's catalog name is the file stem
    warehouse.unlink(missing_ok=True)
    manifest = latest_manifest()
    model_schemas = {n["schema"] for n in semester_models(manifest).values()}
    con = duckdb.connect(str(warehouse))
    t = time.monotonic()
    copy_inputs(con, args.home / "warehouse" / "warehouse.duckdb", model_schemas)
    stages = {"copy small inputs (not counted)": time.monotonic() - t}
    for stage, work in (
        ("read", lambda: read_decp(con, args.home / "landing")),
        ("models", lambda: run_models(con, manifest)),
        ("gates", lambda: run_gates(con, args.semester)),
        ("publication", lambda: publish(con, args.out / "release", args.org, args.semester)),
    ):
        t = time.monotonic()
        result = work()
        stages[stage] = time.monotonic() - t
        print(f"baseline {stage}: {stages[stage]:.1f} s ({result})", flush=True)
    con.close()
    (args.out / "stages.json").write_text(json.dumps(stages, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
