"""Runs that survive hard stops: one writer at a time, and dead runs marked failed.

- `warehouse_lock`: DuckDB has one writer; two `spaser run` started together used to both fail,
  alternating on DuckDB's lock. The CLI takes this file lock for the whole run: the second one
  says who holds it and waits its turn.
- `reap_dead_runs`: a CLI run killed (kill -9, machine restart) stays STARTED in the Dagster
  instance forever and blocks the queue (max one run at a time). CLI runs carry the host and pid
  of their process (RUN_TAGS); before starting, the CLI marks failed the runs of this host whose
  process is gone. Runs launched by the daemon are watched by Dagster's run monitoring
  (dagster.yaml).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

PID_TAG, HOST_TAG = "spaser/pid", "spaser/host"


def run_tags() -> dict[str, str]:
    """Tags identifying the process that executes a run in-process."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def process_alive(pid: int) -> bool:
    """The process exists (on this host)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def reap_dead_runs(instance, alive: Callable[[int], bool] = process_alive) -> list[str]:
    """Mark failed the unfinished runs of this host whose process is gone; their ids."""
    from dagster import DagsterRunStatus, RunsFilter

    host = socket.gethostname()
    unfinished = instance.get_runs(
        filters=RunsFilter(
            statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.CANCELING],
            tags={HOST_TAG: host},
        )
    )
    reaped = []
    for run in unfinished:
        pid = run.tags.get(PID_TAG, "")
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            instance.report_run_failed(
                run,
                f"process {pid} on {host} ended without finishing the run "
                "(killed or machine restarted): marked failed so the queue moves",
            )
            reaped.append(run.run_id)
    return reaped


@contextlib.contextmanager
def warehouse_lock(home: Path, say: Callable[[str], None] = print, poll_s: float = 1.0) -> Iterator[None]:
    """Hold the SPASER_HOME writer lock; if another process holds it, say so and wait."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / ".spaser.lock"
    with path.open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "un autre processus"
            say(f"un autre lancement écrit dans l'entrepôt ({holder}) : attente de sa fin...")
            while True:  # flock is released by the kernel if the holder dies: no stale lock
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(poll_s)
            say("verrou obtenu, lancement")
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} sur {socket.gethostname()}, depuis {dt.datetime.now():%d/%m/%Y %H:%M:%S}")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            f.flush()
            fcntl.flock(f, fcntl.LOCK_UN)
