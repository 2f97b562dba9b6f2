"""A home keeps dbt's parse state beside its warehouse: its next build, of the same semester or
of another, parses only what changed (orchestration/dbt.py, ~3 s of every build)."""

from __future__ import annotations

import conftest
import pytest
from conftest import run_dbt

from orchestration.dbt import keep_parse_state, parse_mode, parse_state_path, reuse_parse_state
from orchestration.settings import Paths


@pytest.mark.slow
def test_the_next_invocation_of_a_home_parses_from_the_kept_state(spaser_home, monkeypatch):
    paths = Paths(home=spaser_home)
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    first = run_dbt(spaser_home, "parse", target_dir="build_1")
    assert first.returncode == 0, first.stdout[-2000:]
    assert parse_mode(spaser_home / "build_1") == "full"  # a new home: nothing to start from

    keep_parse_state(spaser_home / "build_1", paths)
    assert parse_state_path(paths).parent == paths.warehouse.parent
    reuse_parse_state(paths, spaser_home / "build_2")
    second = run_dbt(spaser_home, "parse", target_dir="build_2")
    assert second.returncode == 0, second.stdout[-2000:]
    assert parse_mode(spaser_home / "build_2") == "partial"

    # another semester is another SPASER_SEMESTER, not other vars, and it is read when a node
    # runs, never while parsing (macros/semester.sql): dbt keeps the whole parse, and the SQL it
    # compiles holds the new semester
    reuse_parse_state(paths, spaser_home / "build_3")
    monkeypatch.setattr(conftest, "SEMESTER", "2025-S2")
    third = run_dbt(spaser_home, "compile", "--select", "int_periodes", target_dir="build_3")
    assert third.returncode == 0, third.stdout[-2000:]
    assert parse_mode(spaser_home / "build_3") == "partial"
    log = (spaser_home / "build_3" / "dbt.log").read_text(encoding="utf-8")
    assert "0 files deleted, 0 files added, 0 files changed" in log
    (compiled,) = (spaser_home / "build_3" / "compiled").rglob("int_periodes.sql")
    assert "where c.semester <= '2025-S2'" in compiled.read_text(encoding="utf-8")

    # other vars (another home's warehouse) are another project: never trusted, parsed in full
    other = spaser_home / "other_home"
    reuse_parse_state(paths, other / "build_4")
    fourth = run_dbt(other, "parse", target_dir="build_4")
    assert fourth.returncode == 0, fourth.stdout[-2000:]
    assert parse_mode(other / "build_4") == "full"
