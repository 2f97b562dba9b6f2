"""GX suites as blocking Dagster asset checks.

A check fails with severity ERROR when a `block` expectation fails (downstream assets, the
publication among them, do not run) and with severity WARN when only `warn` expectations
fail. Its metadata and description name the expectation and the failing rows. Every run's
summary is also written to <gx results>/runs/<run_id>/<check>.json for the release manifest.
A raw gate whose table and suite did not change since its last validation reuses it and says
so (gates/reuse.py); so does the ingest-log gate whose rows did not change.

(No `from __future__ import annotations`: Dagster inspects the `context` annotation.)
"""

import datetime as dt
import json
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    Config,
    MetadataValue,
    asset_check,
    multi_asset_check,
)

from ..dbt import dbt_asset_key
from ..feeds import all_sources
from ..resources import SpaserResource
from . import datasets, exceptions, reuse
from .runner import GateResult, build_data_docs_index, build_data_docs_pages, run_suite


def _semester(context: AssetCheckExecutionContext) -> str | None:
    return context.op_execution_context.run.tags.get("dagster/partition")


@dataclass
class _Gate:
    """One suite's outcome on its dataset, before it is recorded."""

    check_name: str
    result: GateResult
    rows: int  # rows of the dataset
    flagged: int | None  # rows handed to GX after the SQL prefilter (None: every row)
    asset_key: AssetKey | None = None
    key: str | None = None  # raw gates: what a later run compares to reuse this validation (reuse.py)
    recorded_at: str | None = None  # set by _report


def _evaluate(
    context,
    spaser: SpaserResource,
    check_name: str,
    suite: str,
    sql: str,
    index_columns: list[str],
    con=None,
    asset_key: AssetKey | None = None,
    docs: bool = True,
    fetched: tuple | None = None,
) -> _Gate:
    """Validate one dataset with its suite and apply the accepted exceptions (`fetched`: the
    dataset as datasets.fetch_for_suite gave it, when the caller has read it already)."""
    paths = spaser.paths()
    df, rows, prefiltered = fetched or datasets.fetch_for_suite(
        paths.warehouse, suite, sql, con=con, memory_limit=spaser.duckdb_memory_limit
    )
    result = run_suite(
        suite,
        df,
        run_name=_run_name(context, check_name),
        index_columns=index_columns,
        results_dir=paths.gx_results,
        docs=docs,
    )
    _apply_exceptions(context, spaser, check_name, result)
    return _Gate(check_name, result, rows, len(df) if prefiltered else None, asset_key)


def _run_name(context, check_name: str) -> str:
    return f"{_semester(context) or 'all'}__{check_name}"


def _apply_exceptions(context, spaser: SpaserResource, check_name: str, result: GateResult) -> None:
    """A blocking failure a person accepted for this semester, exactly as it is today, no longer blocks."""
    for accepted in exceptions.apply(result, check_name, _semester(context), spaser.paths().config):
        context.log.warning(
            f"{check_name}: exception acceptée par {accepted['accepte_par']} le {accepted['accepte_le']} "
            f"({accepted['regle']} sur {accepted['colonne']}, {accepted['lignes']} ligne(s)) : {accepted['motif']}"
        )


def _reused(context, spaser: SpaserResource, validation: reuse.Validation, asset_key: AssetKey) -> _Gate:
    """The gate given by the last validation of the same data by the same suite, its exceptions
    those of this run's semester: it blocks, warns or passes as validating again would."""
    result = reuse.reused_result(validation, _run_name(context, validation.check), spaser.paths().gx_results)
    _apply_exceptions(context, spaser, validation.check, result)
    return _Gate(validation.check, result, validation.rows, validation.flagged, asset_key)


def _report(context, spaser: SpaserResource, gate: _Gate) -> AssetCheckResult:
    """Record a gate for the gates index and the release manifest (written by _finish_gates)
    and turn it into the Dagster check result."""
    gate.recorded_at = _record(
        spaser.paths().gx_results,
        context.op_execution_context.run_id,
        gate.check_name,
        gate.result,
        rows=gate.rows,
        flagged=gate.flagged,
    )
    context.log.info(gate.result.summary())
    return _to_check_result(
        gate.result, rows=gate.rows, flagged=gate.flagged, check_name=gate.check_name, asset_key=gate.asset_key
    )


def _single_gate(context, spaser: SpaserResource, *args) -> AssetCheckResult:
    result = _report(context, spaser, _evaluate(context, spaser, *args))
    _finish_gates(spaser, [result])
    return result


def _finish_gates(spaser: SpaserResource, results: list[AssetCheckResult]) -> None:
    """Once per gate step: the auditors' index of every gate run and, when a gate blocks (the
    run stops there, before the publication rebuilds it), the Data Docs index."""
    paths = spaser.paths()
    try:
        from .index import write_index

        write_index(paths.gx_results, paths.publications)
    except Exception:  # noqa: BLE001 - never let the index break a gate
        logging.getLogger(__name__).exception("could not rebuild %s", paths.gx_results / "index.html")
    if any(not r.passed and r.severity == AssetCheckSeverity.ERROR for r in results):
        build_data_docs_index(paths.gx_results)


def _record(
    root: Path,
    run_id: str,
    check_name: str,
    result: GateResult,
    rows: int,
    flagged: int | None = None,
) -> str:
    """Write the run's record of one gate; returns its recorded_at."""
    out = root / "runs" / run_id
    out.mkdir(parents=True, exist_ok=True)
    recorded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / f"{check_name}.json").write_text(
        json.dumps(
            {
                "check": check_name,
                "suite": result.suite,
                "run_name": result.run_name,
                "rows_validated": rows,
                # rows handed to GX after the SQL prefilter (None: every row), see gates/prefilter.py
                "rows_flagged": flagged,
                "expectations": result.evaluated,
                "passed": result.passed,
                "failures": [f.__dict__ for f in result.failures],
                "data_docs": result.data_docs_index,
                "validation_page": result.validation_page,
                "recorded_at": recorded_at,
                # an earlier validation of the same data by the same suite, not validated again:
                # its run id, run name, time and page (gates/reuse.py); null when validated now
                "reused_from": result.reused_from,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return recorded_at


def _to_check_result(
    result: GateResult,
    rows: int,
    flagged: int | None = None,
    check_name: str | None = None,
    asset_key: AssetKey | None = None,
) -> AssetCheckResult:
    failures = result.failures
    severity = AssetCheckSeverity.ERROR if result.blocking_failures else AssetCheckSeverity.WARN
    return AssetCheckResult(
        check_name=check_name,
        asset_key=asset_key,
        passed=not failures,
        severity=severity,
        description=result.summary()[:4000],
        metadata={
            "rows_validated": rows,
            "rows_flagged": flagged if flagged is not None else rows,
            "expectations": result.evaluated,
            "blocking_failures": len(result.blocking_failures),
            "warnings": len(result.warnings),
            "accepted_exceptions": len(result.accepted),
            "failed_expectations": MetadataValue.md("\n".join(f"- {f.describe()}" for f in failures) or "none"),
            "data_docs": MetadataValue.path(result.data_docs_index or ""),
            **({"reused_from": MetadataValue.json(result.reused_from)} if result.reused_from else {}),
        },
    )


RAW_GATES = {f"gx_raw_{source.table.table}": source for source in all_sources() if source.suite}


class ReuseConfig(Config):
    """`revalidate`: validate again even what could reuse its last validation (the raw gates,
    the ingest log's gate; `spaser run --full-refresh` sets it for both)."""

    revalidate: bool = False


def raw_gate_sql(source) -> str:
    return source.suite_sql or f"SELECT * FROM raw.{source.table.table} ORDER BY _source_file, _source_row"


# Every raw table's suite in one step (one warehouse connection, one index rebuild): a step per
# table cost ~0.1 s of Dagster and GX overhead each, 25 times a run. Each table keeps its own
# blocking check, named and shown as before; a blocking failure on any table stops the run
# before dbt, which reads them all. A table whose content and suite did not change since its
# last validation is not validated again: that validation is reused, and says so.
@multi_asset_check(
    name="raw__gx_gates",
    specs=[
        AssetCheckSpec(
            name=name,
            asset=AssetKey(["raw", source.table.table]),
            blocking=True,
            description=f"GX suite {source.suite} on raw.{source.table.table}.",
        )
        for name, source in RAW_GATES.items()
    ],
    can_subset=True,
)
def gx_raw_gates(context: AssetCheckExecutionContext, spaser: SpaserResource, config: ReuseConfig):
    selected = {key.name for key in context.selected_asset_check_keys}
    paths = spaser.paths()
    code = reuse.code_fingerprint()
    gates = []
    con = datasets.connect(paths.warehouse, spaser.duckdb_memory_limit)
    try:
        for name, source in RAW_GATES.items():
            if name not in selected:
                continue
            table, sql = source.table.table, raw_gate_sql(source)
            index_columns = list(source.index_columns)
            key = reuse.validation_key(con, table, source.suite, sql, index_columns, code)
            gates.append(
                _reused_or_evaluated(
                    context,
                    spaser,
                    name,
                    key,
                    config.revalidate,
                    AssetKey(["raw", table]),
                    evaluate=partial(
                        _evaluate,
                        context,
                        spaser,
                        name,
                        source.suite,
                        sql,
                        index_columns,
                        con=con,
                        asset_key=AssetKey(["raw", table]),
                        docs=False,
                    ),
                )
            )
    finally:
        con.close()
    fresh = [g for g in gates if g.result.reused_from is None]
    reused = len(gates) - len(fresh)
    if reused:
        context.log.info(
            f"{reused} of {len(gates)} raw gate(s) reuse their last validation (same data, same suite)"
            + ("" if fresh else ": GX not run")
        )
    build_data_docs_pages(paths.gx_results, [g.result for g in fresh])
    results = [_report(context, spaser, gate) for gate in gates]
    for gate in fresh:
        _keep(context, paths.gx_results, gate)
    yield from results
    _finish_gates(spaser, results)


def _reused_or_evaluated(
    context, spaser: SpaserResource, name: str, key: str | None, revalidate: bool, asset_key: AssetKey, evaluate
) -> _Gate:
    """The last validation of `name` when its key is `key` (reuse.py), else `evaluate()`, the
    gate validated now and keyed for later runs; `revalidate`: never reuse."""
    previous = None if revalidate or key is None else reuse.load(spaser.paths().gx_results, name, key)
    if previous is not None:
        return _reused(context, spaser, previous, asset_key)
    gate = evaluate()
    gate.key = key
    return gate


def _keep(context, root: Path, gate: _Gate, reason: str = reuse.REASON) -> None:
    """Keep a gate's new validation for later runs to reuse (reuse.py). Not one where an
    expectation raised: an error may not happen again, a later run validates again."""
    if gate.key is None or any(f.exception for f in gate.result.failures):
        return
    try:
        reuse.save(
            root,
            reuse.Validation(
                check=gate.check_name,
                key=gate.key,
                result=reuse.stored_result(gate.result),
                rows=gate.rows,
                flagged=gate.flagged,
                run_id=context.op_execution_context.run_id,
                run_name=gate.result.run_name,
                recorded_at=gate.recorded_at,
                reason=reason,
            ),
        )
    except OSError as exc:  # the gate stands; the next run validates again
        context.log.warning(f"{gate.check_name}: validation not kept for reuse ({exc})")


def _dataset_check(asset: AssetKey, dataset: datasets.Dataset, description: str):
    """The blocking check gx_<suite> of `asset`: its dataset validated with its suite."""
    name = f"gx_{dataset.suite}"

    @asset_check(asset=asset, blocking=True, name=name, description=description)
    def _check(context: AssetCheckExecutionContext, spaser: SpaserResource) -> AssetCheckResult:
        return _single_gate(context, spaser, name, dataset.suite, dataset.sql, dataset.index_columns)

    return _check


# The ingest log changes only when a file is loaded, superseded or withdrawn: a run with no new
# file (a rerun, another semester of the same files) would validate the same rows again, and its
# first GX validation pays for importing GX (~2 s). Its dataset is small (a row per file), read
# whole and compared row for row with the last validation's (reuse.dataset_key).
@asset_check(
    asset=AssetKey(["meta", "ingest_log"]),
    blocking=True,
    name="gx_ingest_log",
    description="GX suite ingest_log over every file of every feed: row accounting and quarantine spikes.",
)
def gx_ingest_log(context: AssetCheckExecutionContext, spaser: SpaserResource, config: ReuseConfig) -> AssetCheckResult:
    name, dataset, asset_key = "gx_ingest_log", datasets.INGEST_LOG, AssetKey(["meta", "ingest_log"])
    paths = spaser.paths()
    fetched = datasets.fetch_for_suite(
        paths.warehouse, dataset.suite, dataset.sql, memory_limit=spaser.duckdb_memory_limit
    )
    key = reuse.dataset_key(
        fetched[0], fetched[1], dataset.suite, dataset.sql, dataset.index_columns, reuse.code_fingerprint()
    )
    gate = _reused_or_evaluated(
        context,
        spaser,
        name,
        key,
        config.revalidate,
        asset_key,
        evaluate=partial(
            _evaluate,
            context,
            spaser,
            name,
            dataset.suite,
            dataset.sql,
            dataset.index_columns,
            asset_key=asset_key,
            fetched=fetched,
        ),
    )
    result = _report(context, spaser, gate)
    if gate.result.reused_from is None:
        _keep(context, paths.gx_results, gate, reason=reuse.DATASET_REASON)
    else:
        context.log.info(f"{name} reuses its last validation (same rows, same suite): GX not run")
    _finish_gates(spaser, [result])
    return result


gx_mart_spaser_indicateurs = _dataset_check(
    dbt_asset_key("mart_spaser_indicateurs"),
    datasets.MART_INDICATEURS,
    "GX suite mart_spaser_indicateurs: unique keys, full catalogue, ratios in 0-100 %.",
)


# Not blocking for the whole run: an organisation whose required feed is missing is not
# published, the others are (the publication asset reads the same coverage per organisation).
@asset_check(
    asset=dbt_asset_key("fct_marches"),
    blocking=False,
    name="gx_feed_coverage",
    description="GX suite feed_coverage: every required feed of each organisation holds rows for the "
    "semester; an organisation with a missing feed is not published, the others are.",
)
def gx_feed_coverage(context: AssetCheckExecutionContext, spaser: SpaserResource) -> AssetCheckResult:
    semester = _semester(context)
    if semester is None:
        return AssetCheckResult(passed=True, metadata={"skipped": "not a semester run"})
    return _single_gate(
        context, spaser, "gx_feed_coverage", "feed_coverage", datasets.feed_coverage_sql(semester), ["org_id", "feed"]
    )


gate_checks = [
    gx_raw_gates,
    gx_ingest_log,
    gx_mart_spaser_indicateurs,
    gx_feed_coverage,
]
