"""Hard stops: a killed CLI run is marked failed so the queue moves; two writers take turns."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from dagster import DagsterInstance, DagsterRunStatus, job, op

from orchestration.runs import reap_dead_runs, run_tags, warehouse_lock


@op
def _nothing():
    return 1


@job
def _tiny():
    _nothing()


def test_a_run_whose_process_died_is_marked_failed(tmp_path):
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        dead = instance.create_run_for_job(_tiny, tags=run_tags() | {"spaser/pid": "999999"})
        instance.handle_run_event(dead.run_id, _start_event(dead))
        mine = instance.create_run_for_job(_tiny, tags=run_tags())  # this process: alive
        instance.handle_run_event(mine.run_id, _start_event(mine))
        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.STARTED
        assert reap_dead_runs(instance, alive=lambda pid: pid != 999999) == [dead.run_id]
        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(mine.run_id).status == DagsterRunStatus.STARTED
        assert reap_dead_runs(instance) == []


def _start_event(run):
    from dagster import DagsterEvent, DagsterEventType

    return DagsterEvent(event_type_value=DagsterEventType.RUN_START.value, job_name=run.job_name)


def _holder(home, seconds: float) -> subprocess.Popen:
    """Another process holding the writer lock for `seconds`; returns once it holds it."""
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from orchestration.runs import warehouse_lock
        with warehouse_lock(Path({str(home)!r})):
            print("held", flush=True)
            time.sleep({seconds})
        """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_waits_its_turn_with_a_message(tmp_path):
    holder = _holder(tmp_path, 2)
    said, started = [], time.monotonic()
    with warehouse_lock(tmp_path, say=said.append, poll_s=0.1):
        waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > 0.5  # it waited for the holder instead of failing
    assert said[0].startswith("un autre lancement écrit dans l'entrepôt (pid ")
    assert said[1] == "verrou obtenu, lancement"


def test_the_lock_of_a_killed_holder_is_free(tmp_path):
    holder = _holder(tmp_path, 60)
    holder.kill()
    holder.wait(timeout=10)
    said = []
    with warehouse_lock(tmp_path, say=said.append):
        pass
    assert said == []
