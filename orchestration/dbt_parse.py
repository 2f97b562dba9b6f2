"""`dbt parse` of the project into the manifest the code location is built from.

The manifest is prepared explicitly, never as a side effect of importing the code location:
`prepare_manifest()` (the tests before collection, a deployment with `spaser prepare`) or
`start_parse()` then `finish_parse()` (`spaser run` and `backfill`, which import Dagster and
Great Expectations while dbt parses in its own process) parse the project when a model, seed,
macro or dbt_project.yml is newer than the manifest; under `dagster dev`, dbt_manifest does it on
load. The parse needs no configuration: without one, dbt reads the blank configuration
(dbt_project/config_blank/).

Nothing here imports Dagster or dbt, so the parse starts before either is imported.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from .settings import DBT_PROJECT_DIR, REPO_ROOT

# The venv's dbt, whether or not the venv is activated.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
# dagster-dbt's DbtProject default (dbt_manifest.spaser_dbt_project reads the same folder)
TARGET_PATH = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = TARGET_PATH / "manifest.json"


def project_files(suffixes: tuple[str, ...] = (".sql", ".yml", ".csv")) -> list[Path]:
    """The dbt project's own files: models, seeds, macros, singular tests, the blank configuration
    and dbt_project.yml (a new singular test is a node the manifest must know)."""
    watched = [
        REPO_ROOT / "models",
        REPO_ROOT / "seeds",
        DBT_PROJECT_DIR / "macros",
        DBT_PROJECT_DIR / "materializations",
        DBT_PROJECT_DIR / "tests",
        DBT_PROJECT_DIR / "config_blank",
    ]
    files = [p for d in watched for p in d.rglob("*") if p.is_file() and (not suffixes or p.suffix in suffixes)]
    return sorted(files + [DBT_PROJECT_DIR / "dbt_project.yml"])


def project_fingerprint(files: list[Path], root: Path, extra: str = "") -> str:
    """SHA-256 of the files' paths (relative to root) and contents, in path order, and `extra`
    (the configuration's fingerprint)."""
    h = hashlib.sha256(extra.encode())
    for path in sorted(files):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def manifest_is_stale(manifest: Path = MANIFEST_PATH) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in project_files(suffixes=()))


def parse_args() -> list[str]:
    """`dbt parse` of the project into its own target folder, in full: the manifest is stale
    only because files changed, and dbt's partial parsing of changed files can differ from a
    full parse (a model file added after its yml entry loses the entry's contract and tests,
    dbt 1.11: dbt_parse_state). ~5 s instead of ~2 s, once per change of the project."""
    return [
        DBT_EXECUTABLE,
        "parse",
        "--quiet",
        "--no-partial-parse",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(TARGET_PATH),
    ]


def start_parse() -> subprocess.Popen | None:
    """Start `dbt parse` when the project changed since the manifest was written (None when it
    did not); finish_parse() waits for it."""
    if not manifest_is_stale():
        return None
    return subprocess.Popen(parse_args(), cwd=DBT_PROJECT_DIR)


def finish_parse(process: subprocess.Popen) -> None:
    """Wait for start_parse()'s dbt; its errors are on stderr, a failure raises."""
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, process.args)


def prepare_manifest() -> bool:
    """`dbt parse` when the project changed since the manifest was written; True if it ran."""
    process = start_parse()
    if process is None:
        return False
    finish_parse(process)
    return True
