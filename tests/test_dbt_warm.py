"""The warm dbt process (orchestration/dbt_warm.py): `spaser-dbt` behaves as `dbt`, whether a
warm process runs its command or it runs dbt itself, and dbt never outlives it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest

from orchestration import dbt_warm
from orchestration.dbt_parse import DBT_EXECUTABLE
from orchestration.dbt_warm import ENV, EXECUTABLE, WarmDbt
from orchestration.settings import DBT_PROJECT_DIR


@pytest.fixture
def warm():
    process = WarmDbt.start()
    yield process
    process.stop()


def _run(args, env=None, cwd=None):
    # capture_output waits for the end of the command's output: never, if a process kept it
    return subprocess.run(
        [EXECUTABLE, *args], env=os.environ | (env or {}), cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _ran_in(warm: WarmDbt, cwd) -> bool:
    """Whether the warm process ran the last command (it works in the command's folder)."""
    return os.readlink(f"/proc/{warm.process.pid}/cwd") == str(cwd)


def test_a_command_gives_what_dbt_gives_warm_or_not(warm, tmp_path):
    dbt = subprocess.run([DBT_EXECUTABLE, "no-such-command"], capture_output=True, text=True)
    through_warm = _run(["no-such-command"], {ENV: warm.take()}, cwd=tmp_path)
    assert _ran_in(warm, tmp_path)
    cold = _run(["no-such-command"], {ENV: "/nonexistent/dbt.sock"})  # none there: dbt itself
    for result in (through_warm, cold):
        assert (result.returncode, result.stdout, result.stderr) == (dbt.returncode, dbt.stdout, dbt.stderr)
    assert dbt.returncode == 2 and "Usage: dbt " in dbt.stderr


def test_the_run_commands_run_one_after_the_other_in_the_warm_process(warm, tmp_path):
    for folder in (tmp_path / "build", tmp_path / "docs"):
        folder.mkdir()
        assert _run(["no-such-command"], {ENV: warm.take()}, cwd=folder).returncode == 2
        assert _ran_in(warm, folder) and warm.process.poll() is None
    warm.stop()  # the run ended: it was waiting for a command
    assert warm.process.wait(timeout=30) == 0 and not os.path.exists(warm.folder)


def test_an_unused_warm_process_is_ended_at_once():
    warm = WarmDbt.start()
    warm.stop()  # a run that failed before dbt: no wait for its imports
    assert warm.process.wait(timeout=1) == -signal.SIGKILL and not os.path.exists(warm.folder)


def _parse(warm, tmp_path) -> subprocess.Popen:
    """A command of a few seconds (the project's parse), through the warm process, once it runs."""
    args = ["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    args += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path)]
    client = subprocess.Popen(
        [EXECUTABLE, *args],
        env=os.environ | {ENV: warm.take()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=DBT_PROJECT_DIR,
    )
    assert client.stdout.readline()  # dbt's first line: the warm process runs the command
    return client


def test_an_interrupted_client_interrupts_its_command(warm, tmp_path):
    client = _parse(warm, tmp_path)
    client.send_signal(signal.SIGINT)  # what dagster-dbt sends to stop dbt
    output, _ = client.communicate(timeout=60)
    assert client.returncode != 0, output
    # the warm process stopped dbt's command, not itself: the next command runs there
    assert _run(["no-such-command"], {ENV: warm.take()}, cwd=tmp_path).returncode == 2
    assert _ran_in(warm, tmp_path)


def test_a_terminated_client_ends_as_dbt_would(warm, tmp_path):
    client = _parse(warm, tmp_path)
    client.terminate()  # SIGTERM ends dbt, and so the warm process that runs it
    client.communicate(timeout=60)
    assert client.returncode == warm.process.wait(timeout=60) == -signal.SIGTERM


def test_a_killed_client_stops_its_command(warm, tmp_path):
    client = _parse(warm, tmp_path)
    client.kill()
    client.wait()
    started = time.monotonic()
    warm.process.wait(timeout=10)  # never left writing the warehouse behind a killed step
    assert warm.process.returncode == -signal.SIGKILL and time.monotonic() - started < 10


def test_dbt_duckdb_still_keeps_its_database_where_the_warm_process_closes_it():
    """After each command the warm process closes the DuckDB database dbt-duckdb keeps in a
    private class attribute (dbt_warm._release_warehouse): if an upgrade renames it, fail here
    rather than leave the warehouse locked for the rest of the run."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    from orchestration.dbt_warm import _release_warehouse

    assert "_ENV" in vars(DuckDBConnectionManager)
    _release_warehouse()
    assert DuckDBConnectionManager._ENV is None


def test_the_runs_of_a_process_share_its_warm_process(monkeypatch):
    monkeypatch.setattr(dbt_warm, "_shared", None)  # not this worker's, which its runs use
    first = WarmDbt.shared()
    assert WarmDbt.shared() is first  # the next run's dbt is warm from this one's commands
    first.process.kill()  # what a killed command does to it
    first.process.wait()
    second = WarmDbt.shared()
    assert second is not first and second.process.poll() is None
    second.stop()


def test_dbt_docs_that_fail_never_block_the_release(tmp_path, monkeypatch):
    """The docs accompany a release: a failed or unstartable `dbt docs generate` is a warning."""
    import logging

    from orchestration.dbt import SpaserDbtCliResource, generate_docs, spaser_dbt_project

    failing = SpaserDbtCliResource(project_dir=spaser_dbt_project, dbt_executable=shutil.which("false"))
    log = logging.getLogger("test_docs")
    warnings = []
    monkeypatch.setattr(log, "warning", warnings.append)
    target = tmp_path / "dbt_docs.html"
    assert generate_docs(failing, "2026-S1", target, tmp_path, log=log) is None

    def unstartable(*_args, **_kwargs):
        raise OSError("gone")

    monkeypatch.setattr(SpaserDbtCliResource, "run_command", unstartable)
    assert generate_docs(failing, "2026-S1", target, tmp_path, log=log) is None
    assert [w.split("(")[-1] for w in warnings] == ["exit code 1)", "gone)"] and not target.exists()
