"""Semester calendar: pure functions, unit-tested, used by the CLI, the partitions
(partitions.py), the schedules, the releases and dbt's environment. Imports nothing heavy: every
`spaser` command reads it, most without Dagster.
"""

from __future__ import annotations

import datetime as dt
import re

_SEMESTER = re.compile(r"^(\d{4})-S([12])$")

# DECP exist in a machine-readable national format from 2019 on; earlier semesters make no sense.
FIRST_SEMESTER = "2019-S1"


def parse_semester(key: str) -> tuple[int, int]:
    m = _SEMESTER.match(key)
    if not m:
        raise ValueError(f"not a semester key (expected YYYY-S1 or YYYY-S2): {key!r}")
    return int(m.group(1)), int(m.group(2))


# The semester reaches dbt as an environment variable (dbt_project/macros/semester.sql,
# build_semester): a changed dbt var makes dbt parse the whole project again (3.4 s of each new
# semester on the demo), a changed environment variable only the two models that read it.
SEMESTER_ENV = "SPASER_SEMESTER"


def dbt_env(partition_key: str) -> dict[str, str]:
    """Environment of a dbt invocation for a semester partition: the marts are computed up to it."""
    parse_semester(partition_key)  # fail early on a malformed key
    return {SEMESTER_ENV: partition_key}


def semester_of(day: dt.date) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def semester_bounds(key: str) -> tuple[dt.date, dt.date]:
    """First and last day of a semester, both inclusive."""
    year, half = parse_semester(key)
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


def previous_semester(key: str) -> str:
    year, half = parse_semester(key)
    return f"{year - 1}-S2" if half == 1 else f"{year}-S1"


def next_semester(key: str) -> str:
    year, half = parse_semester(key)
    return f"{year}-S2" if half == 1 else f"{year + 1}-S1"


def last_closed_semester(today: dt.date) -> str:
    """The most recent semester whose last day is before `today`."""
    return previous_semester(semester_of(today))


def semesters_between(first: str, last: str) -> list[str]:
    if parse_semester(first) > parse_semester(last):
        return []
    keys, key = [], first
    while True:
        keys.append(key)
        if key == last:
            return keys
        key = next_semester(key)


def semester_partition_keys(today: dt.date, first: str = FIRST_SEMESTER) -> list[str]:
    """Closed semesters only: an open semester cannot be published."""
    return semesters_between(first, last_closed_semester(today))


class SemesterNotClosed(ValueError):
    """A semester that has not ended yet (or a malformed key) cannot be published."""


def check_closed(key: str, today: dt.date) -> None:
    try:
        parse_semester(key)
    except ValueError as exc:
        raise SemesterNotClosed(f"semestre {key!r} invalide : attendu AAAA-S1 ou AAAA-S2 (ex. 2026-S1)") from exc
    if parse_semester(key) < parse_semester(FIRST_SEMESTER):
        raise SemesterNotClosed(f"semestre {key} antérieur au premier semestre des DECP ({FIRST_SEMESTER})")
    if parse_semester(key) > parse_semester(last_closed_semester(today)):
        raise SemesterNotClosed(
            f"le semestre {key} n'est pas terminé (dernier semestre clos : "
            f"{last_closed_semester(today)}) : il ne peut pas être publié"
        )
