"""dbt's parse state of a home, and the parse of a home's project ahead of its first build.

dbt parses the whole project (~4-6 s here) unless the target folder holds the parse state of an
invocation with the same vars and profile; the project's own state (dbt_project/target, from
`spaser prepare`) never matches a home's warehouse path. Each home keeps the state of its last
build beside its warehouse: the next run, of the same semester (the landing sensor's reruns, a
correction) or of another, starts from it. dbt itself checks that vars and profile are
unchanged, and parses everything when they are not.

A state is kept under the fingerprint of the project's files it was made from (`project_key`)
and reused only by the same files: dbt's partial parsing of *changed* files can differ from a
full parse (dbt 1.11: a model file added after its yml entry gets no contract, tests or
descriptions until a full parse; tests/test_dbt_parse_state.py). A home's project changes only
with an upgrade, where one full parse (made ahead, below) costs little: dbt reuses a parse only
where it finds no file changed, and an upgraded home builds what a new home would.

A home without a state for its project (its first run, or the first after an upgrade) has it
made at the start of the run (`ParseAhead`): the run's warm dbt process parses the project while
the run ingests and validates its files, which takes longer than the parse, so the build starts
from a state instead of parsing in full on the run's path (docs/performance.md).
"""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .dbt_parse import project_files, project_fingerprint
from .settings import REPO_ROOT

PARSE_STATE = "partial_parse.msgpack"


def project_key() -> str:
    """The fingerprint of the project's files as dbt reads them now (dbt_parse.project_files):
    what a parse state is kept under. Taken before the dbt command that makes the state."""
    return project_fingerprint(project_files(), REPO_ROOT)


def parse_state_path(paths, key: str | None = None) -> Path:
    """Where the home keeps the parse state of the project whose files have `key`
    (project_key(): the files as they are now)."""
    key = key or project_key()
    return paths.warehouse.parent / f"dbt_{Path(PARSE_STATE).stem}_{key[:16]}.msgpack"


def reuse_parse_state(paths, target: Path, key: str | None = None) -> None:
    """Put the home's parse state of the project with `key` in dbt's `target` folder; none
    there, dbt parses in full."""
    state = parse_state_path(paths, key)
    if state.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, target / PARSE_STATE)


def keep_parse_state(target: Path, paths, key: str | None = None) -> None:
    """Keep the state dbt left in `target`, made from the project with `key`, in place of the
    home's earlier ones (other projects: older code, never reused)."""
    state = target / PARSE_STATE
    if not state.exists():
        return
    kept = parse_state_path(paths, key)
    tmp = kept.with_suffix(".tmp")
    shutil.copyfile(state, tmp)
    tmp.replace(kept)
    # the earlier projects' states, and the single state of versions before keys
    for old in kept.parent.glob(f"dbt_{Path(PARSE_STATE).stem}*.msgpack"):
        if old != kept:
            old.unlink(missing_ok=True)


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


def needs_parse_ahead(paths, key: str | None = None) -> bool:
    """Whether the home's next build would parse the project in full: it keeps no state of the
    project with `key` (a new home, or the first run after an upgrade)."""
    return not parse_state_path(paths, key).exists()


class ParseAhead:
    """A `dbt parse` of a home's project, started by the run's dbt resource when the run begins
    (dbt.SpaserDbtCliResource), its state kept for the home once it ends (`finish`)."""

    def __init__(self, process: subprocess.Popen, target: Path, paths, output, key: str | None = None):
        self.process = process
        self.target = target
        self.paths = paths
        self.key = key or project_key()  # the project's files when the parse started
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
        keep_parse_state(self.target, self.paths, self.key)
        now = time.monotonic()
        log.info(
            f"dbt: the home's project was parsed while the run ingested (started {now - self.started:.1f} s"
            f" ago, waited for {now - waited:.1f} s)"
        )
        return True
