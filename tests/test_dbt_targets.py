"""dbt's per-invocation target folders are removed once old, the recent ones and anything else
in the target folder kept (orchestration/dbt_targets.py)."""

from __future__ import annotations

import os
import time

from orchestration.dbt_targets import prune_targets, stale_targets

DAY = 24 * 3600


def _folder(root, name: str, age_s: float, log_age_s: float | None = None):
    folder = root / name
    folder.mkdir(parents=True)
    log = folder / "dbt.log"
    log.write_text("{}\n", encoding="utf-8")
    now = time.time()
    os.utime(log, (now - (age_s if log_age_s is None else log_age_s),) * 2)
    os.utime(folder, (now - age_s,) * 2)
    return folder


def test_the_oldest_invocation_folders_go_the_recent_ones_and_other_files_stay(tmp_path):
    root = tmp_path / "target"
    old = [_folder(root, f"spaser_dbt_models-{i:07x}-abcdef{i}", age_s=(10 + i) * DAY) for i in range(4)]
    observatory = _folder(root, "534fafe", age_s=30 * DAY)
    postgres = _folder(root, "postgres__bi_publication-1234567-89abcde", age_s=30 * DAY)
    recent = _folder(root, "spaser_dbt_models-aaaaaaa-bbbbbbb", age_s=3600)
    # written long ago, but its log is being appended to: an invocation still running
    running = _folder(root, "spaser_dbt_models-ccccccc-ddddddd", age_s=40 * DAY, log_age_s=10)
    (root / "notes").mkdir()  # a folder of someone's, not an invocation's
    (root / "manifest.json").write_text("{}", encoding="utf-8")
    (root / "partial_parse.msgpack").write_bytes(b"\0")

    stale = stale_targets(root, keep=2)
    # the two most recently written are kept; then the oldest first are not spared
    assert set(stale) == {*old, observatory, postgres}
    assert recent not in stale and running not in stale
    # a folder written in the last day is kept whatever the count
    assert stale_targets(root, keep=0, min_age_s=DAY) == sorted(
        [*old, observatory, postgres], key=lambda p: -os.stat(p / "dbt.log").st_mtime
    )

    removed = prune_targets(root, keep=2)
    assert set(removed) == set(stale)
    left = sorted(p.name for p in root.iterdir())
    assert left == sorted(["manifest.json", "notes", "partial_parse.msgpack", recent.name, running.name])


def test_no_target_folder_yet_removes_nothing(tmp_path):
    assert prune_targets(tmp_path / "target") == []
