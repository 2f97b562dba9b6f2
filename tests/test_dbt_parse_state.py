"""A home keeps dbt's parse state beside its warehouse: its next build, of the same semester or
of another, parses only what changed (orchestration/dbt_parse_state.py, ~4-6 s of every build)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import conftest
import pytest
from conftest import mini_dbt, mini_dbt_project, run_dbt

from orchestration.dbt_parse import project_fingerprint
from orchestration.dbt_parse_state import (
    PARSE_STATE,
    ParseAhead,
    keep_parse_state,
    needs_parse_ahead,
    parse_mode,
    parse_state_path,
    reuse_parse_state,
)
from orchestration.resources import run_paths
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

    # other project files (an upgrade): the state is not handed to dbt, which parses in full
    reuse_parse_state(paths, spaser_home / "build_5", key="f" * 64)
    assert not (spaser_home / "build_5" / PARSE_STATE).exists()
    fifth = run_dbt(spaser_home, "parse", target_dir="build_5")
    assert fifth.returncode == 0, fifth.stdout[-2000:]
    assert parse_mode(spaser_home / "build_5") == "full"


def test_a_home_is_parsed_ahead_without_a_state_of_its_project(tmp_path):
    paths = Paths(home=tmp_path / "home")
    assert needs_parse_ahead(paths)  # a new home
    state = parse_state_path(paths)
    state.parent.mkdir(parents=True)
    state.write_bytes(b"state")
    assert not needs_parse_ahead(paths)
    assert needs_parse_ahead(paths, key="f" * 64)  # kept before an upgrade changed the project's files


def test_a_parse_state_is_reused_only_by_the_project_files_it_was_made_from(tmp_path):
    """dbt's partial parsing of changed files can differ from a full parse: a model file added
    after its yml entry gets no contract (dbt 1.11, the test below). A home reuses a state only
    for the same files, and keeps the state of its current project only."""
    paths = Paths(home=tmp_path / "home")
    paths.warehouse.parent.mkdir(parents=True)
    (tmp_path / "t1").mkdir()
    (tmp_path / "t1" / PARSE_STATE).write_bytes(b"made from project a")
    keep_parse_state(tmp_path / "t1", paths, key="a" * 64)
    legacy = paths.warehouse.parent / f"dbt_{PARSE_STATE}"  # the single state of earlier versions
    legacy.write_bytes(b"older")

    reuse_parse_state(paths, tmp_path / "t2", key="a" * 64)
    assert (tmp_path / "t2" / PARSE_STATE).read_bytes() == b"made from project a"
    reuse_parse_state(paths, tmp_path / "t3", key="b" * 64)
    assert not (tmp_path / "t3" / PARSE_STATE).exists()  # dbt parses in full

    (tmp_path / "t3").mkdir(exist_ok=True)
    (tmp_path / "t3" / PARSE_STATE).write_bytes(b"made from project b")
    keep_parse_state(tmp_path / "t3", paths, key="b" * 64)
    kept = sorted(p.name for p in paths.warehouse.parent.iterdir())
    assert kept == [parse_state_path(paths, "b" * 64).name]


MINI_SCHEMA = """
models:
  - name: t
    columns: [{name: x, data_type: integer}]
  - name: u
    config: {contract: {enforced: true}}
    columns: [{name: y, data_type: integer}]
"""


@pytest.mark.slow
def test_a_model_added_after_its_yml_entry_is_built_with_its_contract(tmp_path):
    """The case that partial parsing gets wrong (dbt 1.11): u's yml entry exists before its
    SQL file. Started from the state of the project without u, dbt builds u without its
    contract; the home's state is not reused for the new files, and the broken contract fails."""
    project = mini_dbt_project(tmp_path / "mini", MINI_SCHEMA, tmp_path / "w.duckdb")
    (project / "models" / "t.sql").write_text("select 1 as x", encoding="utf-8")
    paths = Paths(home=tmp_path / "home")
    paths.warehouse.parent.mkdir(parents=True)

    def build(n: int) -> subprocess.CompletedProcess:
        key = project_fingerprint(list((project / "models").iterdir()), project)
        target = project / f"target_{n}"
        reuse_parse_state(paths, target, key)
        done = mini_dbt(
            project, "build", "--target-path", str(target), "--log-path", str(target), "--log-format-file", "json"
        )
        keep_parse_state(target, paths, key)
        return done

    assert build(1).returncode == 0
    (project / "models" / "u.sql").write_text("select 'not an integer' as y", encoding="utf-8")
    second = build(2)
    assert second.returncode != 0 and "enforced contract that failed" in second.stdout, second.stdout[-2000:]
    assert parse_mode(project / "target_2") == "full"


def _ahead(target: Path, paths: Paths, code: str, state: bytes) -> ParseAhead:
    """A parse ahead whose dbt is a Python process running `code`, having written `state`."""
    target.mkdir(parents=True)
    (target / PARSE_STATE).write_bytes(state)
    output = (target / "parse_ahead.out").open("wb")
    return ParseAhead(subprocess.Popen([sys.executable, "-c", code], stdout=output), target, paths, output)


def test_a_parse_made_ahead_is_kept_for_the_home_only_when_it_succeeded(tmp_path, caplog):
    paths = Paths(home=tmp_path / "home")
    parse_state_path(paths).parent.mkdir(parents=True)

    failed = _ahead(tmp_path / "a", paths, "import sys; sys.exit(2)", b"half written")
    assert not failed.finish()
    assert not parse_state_path(paths).exists()  # the build parses itself, and says what is wrong
    assert "exit code 2" in caplog.text

    hung = _ahead(tmp_path / "b", paths, "import time; time.sleep(60)", b"state")
    assert not hung.finish(timeout=0.2)
    assert hung.process.returncode is not None and not parse_state_path(paths).exists()
    assert "timed out" in caplog.text

    # a run that ended without a build: stopped at once, nothing kept, nothing to report
    going = _ahead(tmp_path / "d", paths, "import time; time.sleep(60)", b"state")
    time.sleep(0.5)  # the interpreter is up: SIGINT is its KeyboardInterrupt
    caplog.clear()
    started = time.monotonic()
    assert not going.finish(interrupt=True)
    assert time.monotonic() - started < 5 and going.process.returncode != 0
    assert not parse_state_path(paths).exists() and caplog.text == ""

    done = _ahead(tmp_path / "c", paths, "pass", b"state")
    assert done.finish()
    assert parse_state_path(paths).read_bytes() == b"state"


def test_the_parse_ahead_reads_the_home_the_run_configures(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASER_HOME", str(tmp_path / "default"))
    configured = SimpleNamespace(run_config={"resources": {"spaser": {"config": {"home": str(tmp_path / "cli")}}}})
    assert run_paths(configured).home == tmp_path / "cli"
    assert run_paths(SimpleNamespace(run_config={})).home == tmp_path / "default"
    assert run_paths(SimpleNamespace(run_config={"resources": {"dbt": {}}})).home == tmp_path / "default"


def test_a_parse_ahead_that_cannot_start_never_fails_the_run(tmp_path, caplog):
    """Only a head start: a home the run's configuration names wrongly, or a dbt that cannot be
    started, leaves the build to parse the project itself (and report what is wrong)."""
    from orchestration.dbt import SpaserDbtCliResource, spaser_dbt_project

    executable = tmp_path / "no-dbt"
    executable.write_text("#!/bin/sh\n", encoding="utf-8")
    executable.chmod(0o755)  # dagster-dbt checks that it is there
    resource = SpaserDbtCliResource(project_dir=spaser_dbt_project, dbt_executable=str(executable), parse_ahead=True)
    executable.chmod(0o644)  # and then it cannot be started
    bad_home = SimpleNamespace(
        job_name="spaser_pipeline",
        run_id="0" * 36,
        run_config={"resources": {"spaser": {"config": {"home": {"env": "X"}}}}},
    )
    resource.setup_for_execution(SimpleNamespace(run=bad_home, log=None))
    assert resource._ahead is None and "not started" in caplog.text

    caplog.clear()
    new_home = SimpleNamespace(
        job_name="spaser_pipeline",
        run_id="1" * 36,
        run_config={"resources": {"spaser": {"config": {"home": str(tmp_path)}}}},
    )
    resource.setup_for_execution(SimpleNamespace(run=new_home, log=None))
    assert resource._ahead is None and "no-dbt" in caplog.text
    resource.teardown_after_execution(None)


def test_the_observatory_job_does_not_parse_ahead(tmp_path, caplog):
    """Its dbt invocation has its own vars (the observatory's parameters): a parse of the
    semester build's would not serve it, only delay its command in the warm process."""
    from orchestration.dbt import dbt_resource
    from orchestration.observatory.job import JOB_NAME

    config = {"resources": {"spaser": {"config": {"home": str(tmp_path)}}}}
    dbt_resource.setup_for_execution(
        SimpleNamespace(run=SimpleNamespace(job_name=JOB_NAME, run_id="2" * 36, run_config=config), log=None)
    )
    assert dbt_resource._ahead is None and needs_parse_ahead(Paths(home=tmp_path))
