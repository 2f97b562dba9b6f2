"""Retention of dbt's per-invocation target folders.

dagster-dbt gives every dbt invocation a folder of its own under the project's target folder
(`spaser_dbt_models-<run>-<id>` for a semester build, `<id>` or `<op>-<run>-<id>` for the
others): its manifest, compiled SQL, run results and debug log, ~20 MB a build. Nothing reads
them after their run (the release keeps its own copy of the docs), and nothing removed them:
a weekly run grows the checkout by about 1 GB a year. Each build now removes the oldest, keeping
the most recent ones for whoever investigates a run, and never one that may still be in use
(homes share the project's target folder; a national build writes to its folder for minutes).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from .dbt_manifest import spaser_dbt_project

# dagster-dbt's names (DbtCliResource._get_unique_target_path) and ours (dbt.build_target_path)
INVOCATION_FOLDER = re.compile(r"(?:[a-z0-9_]+-[0-9a-f]{7}-)?[0-9a-f]{7}")
KEEP = 20
MIN_AGE_S = 24 * 3600


def target_root() -> Path:
    """The project's target folder, where dbt writes every invocation's folder."""
    return Path(spaser_dbt_project.project_dir) / spaser_dbt_project.target_path


def last_write(folder: Path) -> float:
    """The latest modification time of the folder and of what it holds at its top level (dbt
    appends to dbt.log while it runs: a folder's own time changes only when an entry is added)."""
    times = [folder.stat().st_mtime]
    for entry in folder.iterdir():
        try:
            times.append(entry.stat().st_mtime)
        except OSError:  # removed meanwhile
            continue
    return max(times)


def stale_targets(root: Path, keep: int = KEEP, min_age_s: float = MIN_AGE_S, now: float | None = None) -> list[Path]:
    """The invocation folders under `root` to remove: all but the `keep` most recently written,
    and none written in the last `min_age_s` seconds. Other files and folders (the project's own
    manifest and parse state) are never listed."""
    now = time.time() if now is None else now
    folders = [p for p in root.iterdir() if p.is_dir() and INVOCATION_FOLDER.fullmatch(p.name)] if root.is_dir() else []
    written = sorted(((last_write(p), p) for p in folders), key=lambda t: (t[0], t[1].name), reverse=True)
    return [p for at, p in written[keep:] if now - at >= min_age_s]


def prune_targets(root: Path | None = None, keep: int = KEEP, min_age_s: float = MIN_AGE_S) -> list[Path]:
    """Remove the stale invocation folders (stale_targets) of `root` (the project's target
    folder by default); the ones removed."""
    removed = []
    for folder in stale_targets(target_root() if root is None else root, keep, min_age_s):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed
