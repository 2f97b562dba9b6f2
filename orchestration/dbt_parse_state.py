"""dbt's parse state of a home, and the parse of a home's project ahead of its first build.

dbt parses the whole project (~4-6 s here) unless the target folder holds the parse state of an
invocation with the same vars and profile; the project's own state (dbt_project/target, from
`spaser prepare`) never matches a home's warehouse path. Each home keeps the state of its last
build beside its warehouse: the next run, of the same semester (the landing sensor's reruns, a
correction) or of another, parses only what changed. dbt itself checks that files, vars and
profile are unchanged, and parses everything when they are not.

A home without a state (its first run, or the first after an upgrade changed dbt_project.yml)
has it made at the start of the run (`ParseAhead`): the run's warm dbt process parses the
project while the run ingests and validates its files, which takes longer than the parse, so the
build starts from a state instead of parsing in full on the run's path (docs/performance.md).
"""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .settings import DBT_PROJECT_DIR

PARSE_STATE = "partial_parse.msgpack"


def parse_state_path(paths) -> Path:
    return paths.warehouse.parent / f"dbt_{PARSE_STATE}"


def reuse_parse_state(paths, target: Path) -> None:
    state = parse_state_path(paths)
    if state.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, target / PARSE_STATE)


def keep_parse_state(target: Path, paths) -> None:
    state = target / PARSE_STATE
    if state.exists():
        tmp = parse_state_path(paths).with_suffix(".tmp")
        shutil.copyfile(state, tmp)
        tmp.replace(parse_state_path(paths))


def parse_mode(target: Path) -> str | None:
    """How dbt parsed the project in the invocation logged in `target` (its JSON dbt.log):
    "partial" (from a saved state) or "full"; None without a log."""
    try:
        with (target / "dbt.log").open(encoding="utf-8") as log:
            for line in log:
                if '"UnableToPartialParse"' in line:
                    return "full"
                if '"PartialParsingEnabled"' in line:
                    return "partial"
    except OSError:
        return None
    return "full"


def needs_parse_ahead(paths) -> bool:
    """Whether the home's next build would parse the project in full: it keeps no state, or
    one older than dbt_project.yml (dbt rejects a state when that file changed)."""
    state = parse_state_path(paths)
    try:
        kept = state.stat().st_mtime
    except OSError:
        return True
    return kept < (DBT_PROJECT_DIR / "dbt_project.yml").stat().st_mtime


class ParseAhead:
    """A `dbt parse` of a home's project, started by the run's dbt resource when the run begins
    (dbt.SpaserDbtCliResource), its state kept for the home once it ends (`finish`)."""

    def __init__(self, process: subprocess.Popen, target: Path, paths, output):
        self.process = process
        self.target = target
        self.paths = paths
        self._output = output
        self.started = time.monotonic()

    def finish(self, timeout: float = 600, log: logging.Logger | None = None, interrupt: bool = False) -> bool:
        """Wait for the parse and keep its state for the home; True when it did. A parse that
        failed or did not end in time is only logged: the build parses the project itself, and
        reports what is wrong with it. `interrupt`: a run that ended without a build stops a
        parse still going (SIGINT: dbt stops, the warm process stays); its next run parses
        ahead again, while it ingests."""
        log = log or logging.getLogger(__name__)
        waited = time.monotonic()
        if interrupt and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            timeout = min(timeout, 10)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        finally:
            self._output.close()
        if code != 0:
            if interrupt:
                return False
            log.warning(
                f"dbt parse ahead of the build: {'timed out' if code is None else f'exit code {code}'} (see {self.target})"
            )
            return False
        keep_parse_state(self.target, self.paths)
        now = time.monotonic()
        log.info(
            f"dbt: the home's project was parsed while the run ingested (started {now - self.started:.1f} s"
            f" ago, waited for {now - waited:.1f} s)"
        )
        return True
