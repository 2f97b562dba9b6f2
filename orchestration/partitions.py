"""The semesters (semesters.py) as Dagster partitions.

The partitions are dynamic: a static list computed at import would freeze the calendar of the
day the code server started (a server started in June would never offer the semester that
closes on 30 June, and the 1 September schedule would ask for a partition that does not
exist). Every closed semester is registered in the instance by `ensure_semester_partitions`:
the calendar sensor (running by default), the schedule, the landing sensor and the CLI call it.
"""

from __future__ import annotations

import datetime as dt

from dagster import DagsterInstance, DynamicPartitionsDefinition

from .semesters import semester_partition_keys

SEMESTER_PARTITIONS = "semestre"
semester_partitions = DynamicPartitionsDefinition(name=SEMESTER_PARTITIONS)


def ensure_semester_partitions(instance: DagsterInstance, today: dt.date) -> list[str]:
    """Register every semester closed on `today` as a partition (idempotent); the ones added."""
    existing = set(instance.get_dynamic_partitions(SEMESTER_PARTITIONS))
    missing = [key for key in semester_partition_keys(today) if key not in existing]
    if missing:
        instance.add_dynamic_partitions(SEMESTER_PARTITIONS, missing)
    return missing
