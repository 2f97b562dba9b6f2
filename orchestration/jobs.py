"""Jobs, schedule and sensor.

The pipeline job is partitioned by semester; the unpartitioned ingest assets run in every
partition run (they only load files not loaded before). It uses the in-process executor:
DuckDB has a single writer, so steps must not write concurrently. Across runs, the instance
(dagster.yaml, instances/postgres/dagster.yaml) queues runs one at a time, and at most one run
tagged spaser/writes_warehouse.
"""

import datetime as dt
import hashlib

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)

from .partitions import ensure_semester_partitions
from .resources import SpaserResource
from .semesters import last_closed_semester

spaser_pipeline = define_asset_job(
    name="spaser_pipeline",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest every feed, build the dbt models for the semester, run the gates, publish.",
    # run tag limited to one run at a time by both instance files (concurrency.runs)
    tags={"spaser/writes_warehouse": "duckdb"},
)

# DECP are published up to two months after notification: publish a semester once its data
# has had time to arrive (1 March and 1 September).
PUBLICATION_CRON = "0 6 1 3,9 *"


def semester_to_publish(scheduled: dt.datetime) -> str:
    return last_closed_semester(scheduled.date())


@schedule(
    job=spaser_pipeline,
    cron_schedule=PUBLICATION_CRON,
    execution_timezone="Europe/Paris",
    default_status=DefaultScheduleStatus.STOPPED,
)
def semester_publication_schedule(context: ScheduleEvaluationContext):
    semester = semester_to_publish(context.scheduled_execution_time)
    ensure_semester_partitions(context.instance, context.scheduled_execution_time.date())
    return RunRequest(run_key=f"scheduled-{semester}", partition_key=semester, tags={"spaser/trigger": "schedule"})


def landing_fingerprint(root) -> str:
    """Changes when a file is added, removed or rewritten in the landing folder."""
    h = hashlib.sha256()
    if root.exists():
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                st = p.stat()
                h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@sensor(job=spaser_pipeline, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED)
def landing_sensor(context: SensorEvaluationContext, spaser: SpaserResource):
    """New or changed files in landing/: rebuild and publish the last closed semester."""
    fingerprint = landing_fingerprint(spaser.paths().landing)
    if fingerprint == context.cursor:
        return SkipReason("landing folder unchanged")
    context.update_cursor(fingerprint)
    today = dt.date.today()
    ensure_semester_partitions(context.instance, today)
    semester = last_closed_semester(today)
    return RunRequest(
        run_key=f"landing-{fingerprint[:16]}", partition_key=semester, tags={"spaser/trigger": "landing_sensor"}
    )


@sensor(minimum_interval_seconds=3600, default_status=DefaultSensorStatus.RUNNING)
def semester_calendar_sensor(context: SensorEvaluationContext):
    """Offers each semester as a partition once it has ended (the calendar, not the day the
    code server started); launches nothing."""
    added = ensure_semester_partitions(context.instance, dt.date.today())
    return SkipReason(f"semesters added: {', '.join(added)}" if added else "every closed semester is a partition")
