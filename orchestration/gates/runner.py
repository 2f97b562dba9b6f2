"""Great Expectations gates: run a committed suite on a DataFrame and judge it.

GX SQL datasources are broken on DuckDB (GX issue 11579: empty results, success=False, no
exception), so tables are fetched from DuckDB (read-only) as pandas DataFrames and validated
with the file-mode context in `expectations/gx`. Suites are committed there; validation
results, checkpoints and Data Docs go to the home's GX folder (git-ignored; GX reads it as
SPASER_GX_RESULTS_DIR from the context's runtime environment, never from os.environ), one
entry per run, so every semester's run is kept side by side.

Each expectation carries `meta.severity`: `block` (the release would be wrong: stop
publication) or `warn` (a row-level defect already quarantined or excluded with a reason).
An expectation that raised an exception counts as failed, never as passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import logging
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..files import write_atomically
from ..settings import GX_PROJECT_DIR

DATASOURCE = "spaser"
DATAFRAME_ASSET = "dataframe"
BATCH_DEFINITION = "whole_table"
MAX_SAMPLE_ROWS = 20


@dataclass
class Failure:
    expectation: str
    severity: str
    column: str | None
    why: str
    unexpected_count: int | None
    sample_rows: list[dict] = field(default_factory=list)
    exception: str | None = None
    # may a person accept this failure for a semester (suite meta.exception_allowed, gates/exceptions.py)
    exception_allowed: bool = False
    # SHA-256 of every failing row (index columns and value): what an accepted exception covers
    rows_sha256: str | None = None
    # the accepted exception (a row of exceptions_acceptees.csv) that covers this failure
    accepted: dict | None = None

    def describe(self) -> str:
        where = f" on column {self.column}" if self.column else ""
        count = f", {self.unexpected_count} row(s)" if self.unexpected_count is not None else ""
        rows = "; ".join(json.dumps(r, ensure_ascii=False, default=str) for r in self.sample_rows[:5])
        severity = (
            f"{self.severity}, exception accepted by {self.accepted.get('accepte_par')}"
            if self.accepted
            else self.severity
        )
        text = f"[{severity}] {self.expectation}{where}{count}: {self.why}"
        if self.exception:
            text += f" (raised: {self.exception})"
        return text + (f" e.g. {rows}" if rows else "")


@dataclass
class GateResult:
    suite: str
    run_name: str
    evaluated: int
    failures: list[Failure]
    data_docs_index: str | None
    results_dir: str
    # this run's validation page, relative to the Data Docs folder (None if not built)
    validation_page: str | None = None
    # GX identifiers of this run's validation results: their pages are built from these
    validation_ids: list = field(default_factory=list, repr=False)
    # set when this is an earlier validation of the same data by the same suite, reused instead
    # of validating again (gates/reuse.py): that validation's run id, run name, time and page
    reused_from: dict | None = None

    @property
    def blocking_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "block" and not f.accepted]

    @property
    def accepted(self) -> list[Failure]:
        return [f for f in self.failures if f.accepted]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity != "block"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def summary(self) -> str:
        head = (
            f"suite {self.suite} (run {self.run_name}): {self.evaluated} expectations, "
            f"{len(self.blocking_failures)} blocking failure(s), {len(self.warnings)} warning(s)"
            + (f", {len(self.accepted)} accepted exception(s)" if self.accepted else "")
        )
        if self.reused_from:
            origin = self.reused_from
            head += (
                f"; reused: validation of run {origin.get('run_id')} ({origin.get('run_name')}, "
                f"{origin.get('recorded_at')}): same data, same suite"
            )
        return "\n".join([head] + ["  - " + f.describe() for f in self.failures])


_TEMPLATE_CACHE_INSTALLED = False


def _share_data_docs_templates() -> None:
    """GX renders each Data Docs page with a new jinja Environment, so every gate recompiled every
    template (about 70 % of a gate's time on small tables). A shared in-memory bytecode cache
    (keyed by template name and source checksum, jinja's own mechanism) compiles each template
    once per process; the rendered pages are unchanged."""
    global _TEMPLATE_CACHE_INSTALLED
    if _TEMPLATE_CACHE_INSTALLED:
        return
    import jinja2
    from great_expectations.render.view.view import DefaultJinjaView

    class _MemoryBytecodeCache(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self._store: dict[str, bytes] = {}

        def load_bytecode(self, bucket) -> None:
            code = self._store.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket) -> None:
            self._store[bucket.key] = bucket.bytecode_to_string()

    cache = _MemoryBytecodeCache()
    original_init = DefaultJinjaView.__init__

    def __init__(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = __init__
    _TEMPLATE_CACHE_INSTALLED = True


_CONTEXTS: dict[str, object] = {}


def _copy_committed_suites(target: Path) -> None:
    """The committed suites (expectations/gx/expectations), copied where the context's
    expectations store reads them: whole files, each replaced atomically when it differs."""
    target.mkdir(parents=True, exist_ok=True)
    for suite in sorted((GX_PROJECT_DIR / "gx" / "expectations").glob("*.json")):
        data = suite.read_bytes()
        copy = target / suite.name
        if not copy.exists() or copy.read_bytes() != data:
            write_atomically(copy, data)


_PRELOAD_LOCK = threading.Lock()
_preloading: threading.Thread | None = None


def preload_gx() -> threading.Thread | None:
    """Import Great Expectations in a background thread, once per process, while the process
    mostly waits (the dbt build runs in its own process): the first gate after it would otherwise
    pay the import (~2 s). The caller calls wait_for_gx() before it imports anything itself
    (streaming dbt's events imports nothing: measured, docs/performance.md). A failed import in
    the thread is made again, and raised, by the first gate."""
    global _preloading
    with _PRELOAD_LOCK:
        if _preloading is not None or "great_expectations" in sys.modules:
            return None
        _preloading = threading.Thread(target=_import_gx, name="gx-import", daemon=True)
        _preloading.start()
        return _preloading


def wait_for_gx() -> None:
    """Wait for preload_gx's import, if one is running. Two threads importing at once can meet
    in a package each is importing (a circular import across threads), so the import runs only
    beside code that imports nothing: the caller waits for it before anything else."""
    thread = _preloading
    if thread is not None:
        thread.join()


def _import_gx() -> None:
    try:
        importlib.import_module("great_expectations")
    except Exception:  # noqa: BLE001 - the gate imports it again and reports the error
        logging.getLogger(__name__).warning("Great Expectations could not be imported ahead", exc_info=True)


def gx_context(results_dir: Path):
    """The committed file-mode context, its stores in `results_dir`. One context per results
    folder and process: opening it reads and validates the whole project configuration (about
    0.3 s), once per gate before."""
    import great_expectations as gx

    _share_data_docs_templates()
    key = str(Path(results_dir).resolve())
    if key not in _CONTEXTS:
        Path(key).mkdir(parents=True, exist_ok=True)
        _copy_committed_suites(Path(key) / "expectations")
        _CONTEXTS[key] = gx.get_context(
            mode="file", project_root_dir=str(GX_PROJECT_DIR), runtime_environment={"SPASER_GX_RESULTS_DIR": key}
        )
    return _CONTEXTS[key]


_CHECKPOINTS: dict[tuple, object] = {}


def _checkpoint(context, results_key: str, suite_name: str, index_columns: tuple[str, ...]):
    """The suite's validation definition and checkpoint, stored once per process, results folder
    and version of the committed suite (storing them writes and re-reads JSON: ~40 ms a gate)."""
    import great_expectations as gx

    suite_file = GX_PROJECT_DIR / "gx" / "expectations" / f"{suite_name}.json"
    key = (results_key, suite_name, index_columns, suite_file.stat().st_mtime_ns if suite_file.exists() else None)
    if key not in _CHECKPOINTS:
        _copy_committed_suites(Path(results_key) / "expectations")  # a suite edited since the context opened
        suite = context.suites.get(suite_name)
        asset = context.data_sources.get(DATASOURCE).get_asset(DATAFRAME_ASSET)
        batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{suite_name}", data=batch_definition, suite=suite)
        )
        _CHECKPOINTS[key] = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{suite_name}_checkpoint",
                validation_definitions=[validation],
                # no UpdateDataDocsAction: it rebuilds the site index, which lists every validation
                # stored (its cost grows with the history); run_suite builds the pages itself
                actions=[],
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": list(index_columns),
                    "partial_unexpected_count": MAX_SAMPLE_ROWS,
                },
            )
        )
    return _CHECKPOINTS[key]


def run_suite(
    suite_name: str,
    df: pd.DataFrame,
    *,
    run_name: str,
    index_columns: list[str],
    results_dir: Path,
    docs: bool = True,
) -> GateResult:
    """Validate `df` with the committed suite; with `docs`, build its Data Docs pages at once
    (a step validating many tables passes docs=False and calls build_data_docs_pages once)."""
    import great_expectations as gx

    context = gx_context(results_dir)
    checkpoint = _checkpoint(context, str(Path(results_dir).resolve()), suite_name, tuple(index_columns))
    run_id = gx.RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    result = checkpoint.run(batch_parameters={"dataframe": df}, run_id=run_id)

    failures: list[Failure] = []
    evaluated = 0
    for validation_result in result.run_results.values():
        for r in validation_result.results:
            evaluated += 1
            raised_message = _exception_message(r.exception_info)
            if r.success and raised_message is None:
                continue
            config = r.expectation_config
            meta = config.meta or {}
            res = r.result or {}
            failures.append(
                Failure(
                    expectation=config.type,
                    severity=meta.get("severity", "block"),
                    column=config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", []) or []) or None,
                    why=meta.get("why", ""),
                    unexpected_count=res.get("unexpected_count"),
                    sample_rows=_sample_rows(res, index_columns),
                    exception=raised_message,
                    exception_allowed=bool(meta.get("exception_allowed")),
                    rows_sha256=_rows_sha256(res),
                )
            )
    sites = context.get_docs_sites_urls()
    gate = GateResult(
        suite=suite_name,
        run_name=run_name,
        evaluated=evaluated,
        failures=failures,
        data_docs_index=sites[0]["site_url"] if sites else None,
        results_dir=str(results_dir),
        validation_ids=list(result.run_results.keys()),
    )
    if docs:
        build_data_docs_pages(results_dir, [gate])
    return gate


def build_data_docs_pages(results_dir: Path, gates: list[GateResult]) -> None:
    """The Data Docs pages of these validations and of their suites, in one build, and each
    gate's validation_page. Never the index: rebuilding it reads every validation result stored
    (its cost grows with the history); the gate step rebuilds it once when it blocks, the
    publication once per run (build_data_docs_index). One build for many gates: each call of
    GX's site builder costs ~0.1 s whatever it builds (25 raw gates: 4.5 s one by one, 0.6 s
    together)."""
    if not gates:  # every gate reused: GX is not even imported
        return
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    suites = {g.suite: ExpectationSuiteIdentifier(name=g.suite) for g in gates}
    gx_context(results_dir).build_data_docs(
        resource_identifiers=[*(i for g in gates for i in g.validation_ids), *suites.values()],
        build_index=False,
    )
    for gate in gates:
        gate.validation_page = next(
            (p for p in (_validation_page(i, results_dir) for i in gate.validation_ids) if p), None
        )


def build_data_docs_index(results_dir: Path) -> None:
    """Rebuild the Data Docs site index (and no page): once per run, by the publication."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    # an identifier no store holds: the section builders skip every page
    gx_context(results_dir).build_data_docs(resource_identifiers=[ExpectationSuiteIdentifier(name="__index_only__")])


def _validation_page(identifier, results_dir: Path) -> str | None:
    """Data Docs page of one validation result: validations/<suite>/<run>/<time>/<batch>.html."""
    try:
        parts = [str(p) for p in identifier.to_tuple()]
    except (AttributeError, TypeError):
        return None
    page = "/".join(["validations", *parts]) + ".html"
    docs = Path(results_dir) / "data_docs"
    return page if (docs / page).exists() else None


def _exception_message(info) -> str | None:
    """GX reports exceptions flat ({raised_exception, exception_message}) or keyed by metric."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception") if info.get("raised_exception") else None
    for nested in info.values():
        message = _exception_message(nested)
        if message:
            return message
    return None


def _rows_sha256(res: dict) -> str | None:
    """SHA-256 of every failing row (index columns and value), in a stable order."""
    rows = res.get("unexpected_index_list")
    if not rows:
        return None
    lines = sorted(json.dumps(_plain_row(r), ensure_ascii=False, sort_keys=True, default=str) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _plain_row(row):
    return {k: _plain(v) for k, v in row.items()} if isinstance(row, dict) else _plain(row)


def _sample_rows(res: dict, index_columns: list[str]) -> list[dict]:
    rows = res.get("unexpected_index_list") or []
    out = []
    for row in rows[:MAX_SAMPLE_ROWS]:
        out.append(_plain_row(row) if isinstance(row, dict) else {"index": _plain(row)})
    if not out and res.get("observed_value") is not None:
        out.append({"observed_value": _plain(res.get("observed_value"))})
    return out


def _plain(v):
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, (dt.date, dt.datetime, Path)):
        return str(v)
    return v
