"""The warm dbt process (orchestration/dbt_warm.py): `spaser-dbt` behaves as `dbt`, whether a
warm process runs its command or it runs dbt itself, and dbt never outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from orchestration.dbt_parse import DBT_EXECUTABLE
from orchestration.dbt_warm import ENV, EXECUTABLE, WarmDbt
from orchestration.settings import DBT_PROJECT_DIR


@pytest.fixture
def warm():
    process = WarmDbt.start()
    yield process
    process.stop()


def _run(args, env=None):
    return subprocess.run([EXECUTABLE, *args], env=os.environ | (env or {}), capture_output=True, text=True)


def test_a_command_gives_what_dbt_gives_warm_or_not(warm):
    dbt = subprocess.run([DBT_EXECUTABLE, "no-such-command"], capture_output=True, text=True)
    through_warm = _run(["no-such-command"], {ENV: warm.take()})
    warm.process.wait(timeout=30)
    assert warm.process.returncode == dbt.returncode == 2  # the warm process ran it
    cold = _run(["no-such-command"], {ENV: "/nonexistent/dbt.sock"})  # none there: dbt itself
    for result in (through_warm, cold):
        assert (result.returncode, result.stdout, result.stderr) == (dbt.returncode, dbt.stdout, dbt.stderr)
    assert "Usage: dbt " in dbt.stderr


def test_one_command_per_warm_process(warm):
    assert warm.take() == warm.socket and os.path.exists(warm.socket)
    assert warm.take() is None  # a run's later commands start dbt themselves
    warm.stop(timeout=30)  # taken but never used: it ends when its stdin closes
    assert warm.process.returncode == 0 and not os.path.exists(warm.folder)


def test_an_unused_warm_process_is_ended_at_once():
    warm = WarmDbt.start()
    warm.stop(timeout=1)  # a run that failed before dbt: no wait for its imports
    assert warm.process.returncode == -signal.SIGKILL and not os.path.exists(warm.folder)


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
    client.communicate(timeout=60)
    warm.process.wait(timeout=60)
    assert client.returncode == warm.process.returncode != 0


def test_a_killed_client_stops_its_command(warm, tmp_path):
    client = _parse(warm, tmp_path)
    client.kill()
    client.wait()
    started = time.monotonic()
    warm.process.wait(timeout=10)  # never left writing the warehouse behind a killed step
    assert warm.process.returncode == -signal.SIGKILL and time.monotonic() - started < 10
