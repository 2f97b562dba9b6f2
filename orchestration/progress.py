"""What `spaser run` shows while it works: one line per phase (what it did, how long it took).

Everything else a run prints (dbt's node lines, which dagster-dbt writes to stdout, and
Dagster's own logs) goes to a log file that the summary names; `--verbose` shows it live.
The lines come from a Dagster logger given to the CLI's runs only (`job.with_logger_defs`):
runs launched from the UI, the schedule or a sensor are untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dagster import LoggerDefinition, logger

# (label, step key prefixes), in the order a run goes through them
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lecture des flux", ("raw__", "meta__")),
    ("modèles dbt", ("spaser_dbt_models", "marts__")),
    ("publication", ("publication__",)),
    ("PostgreSQL (BI)", ("postgres__",)),
)


def phase_of(step_key: str | None) -> str | None:
    for label, prefixes in PHASES:
        if step_key and step_key.startswith(prefixes):
            return label
    return None


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}".replace(",", " ")


@dataclass
class _Phase:
    label: str
    started: float
    materialized: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    checks_passed: int = 0
    checks_warned: int = 0
    checks_blocked: int = 0
    failed_steps: list[str] = field(default_factory=list)

    def line(self, elapsed: float) -> str:
        if self.label == "lecture des flux":
            # files already loaded (same content) are not read again: only new rows count here
            what = (
                [
                    _count(self.rows_loaded, "ligne chargée", "lignes chargées"),
                    f"{self.rows_quarantined:,} en quarantaine".replace(",", " "),
                ]
                if self.rows_loaded or self.rows_quarantined
                else ["aucun fichier nouveau ou modifié"]
            )
        elif self.label == "modèles dbt":
            what = [_count(self.materialized, "modèle construit", "modèles construits")]
        else:
            what = []
        checks = self.checks_passed + self.checks_warned + self.checks_blocked
        if checks:
            verdict = [_count(self.checks_passed, "passé", "passés")]
            if self.checks_warned:
                verdict.append(_count(self.checks_warned, "avertissement"))
            if self.checks_blocked:
                verdict.append(f"{self.checks_blocked} BLOQUANT{'S' if self.checks_blocked > 1 else ''}")
            what.append(f"contrôles : {', '.join(verdict)}")
        if self.failed_steps:
            what.append(f"ÉCHEC de {', '.join(self.failed_steps)}")
        return f"  {self.label:<17} {', '.join(what) or 'fait'} ({elapsed:.0f} s)"


class PhaseProgress:
    """Collects a run's Dagster events and writes a line each time a phase ends."""

    def __init__(self, out: TextIO):
        self.out = out
        self.phase: _Phase | None = None

    def on_event(self, event) -> None:
        kind = event.event_type_value
        if kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED"):
            self.close()
            return
        label = phase_of(event.step_key)
        if label is None:
            return
        if self.phase is None or self.phase.label != label:
            self.close()
            self.phase = _Phase(label, time.monotonic())
        phase = self.phase
        data = event.event_specific_data
        if kind == "ASSET_MATERIALIZATION":
            phase.materialized += 1
            metadata = event.event_specific_data.materialization.metadata
            if event.step_key.startswith("raw__"):
                phase.rows_loaded += _int(metadata.get("rows_loaded"))
                phase.rows_quarantined += _int(metadata.get("rows_quarantined"))
        elif kind == "ASSET_CHECK_EVALUATION":
            if data.passed:
                phase.checks_passed += 1
            elif data.severity.value == "ERROR":
                phase.checks_blocked += 1
            else:
                phase.checks_warned += 1
        elif kind == "STEP_FAILURE":
            phase.failed_steps.append(event.step_key)

    def close(self) -> None:
        if self.phase is not None:
            print(self.phase.line(time.monotonic() - self.phase.started), file=self.out, flush=True)
            self.phase = None

    def logger_def(self) -> LoggerDefinition:
        progress = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                event = getattr(record, "dagster_event", None)
                if event is not None:
                    progress.on_event(event)

        @logger(description="one line per phase of the run, for the spaser CLI")
        def spaser_progress(_init_context):
            events = logging.Logger("spaser_progress", level=logging.DEBUG)
            events.addHandler(_Handler())
            return events

        return spaser_progress


def _int(value) -> int:
    value = getattr(value, "value", value)
    return int(value) if isinstance(value, (int, float)) else 0


def log_file(home: Path, semester: str) -> Path:
    folder = home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{stamp}-{semester}.log"


@contextlib.contextmanager
def quiet(path: Path | None) -> Iterator[None]:
    """Send what the run prints (stdout and stderr) to `path`; nothing when `path` is None."""
    if path is None:
        yield
        return
    with path.open("a", encoding="utf-8") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        yield
