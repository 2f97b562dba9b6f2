"""`spaser withdraw`: take a wrongly delivered file out of the build, with the reason on record.

The file is moved out of its landing folder (into `$SPASER_HOME/retires/`, never deleted) and
the reason is recorded in the warehouse; the next ingest of its feed finds it gone, deletes its
rows from raw and quarantine, and marks its ingest-log entry withdrawn with that reason
(framework.withdraw_absent). Deleting the file by hand does the same, with a default reason.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from ..feeds import RawSource, all_sources
from ..settings import Paths
from .framework import IngestError, request_withdrawal


def source_of(paths: Paths, file: Path) -> tuple[RawSource, str]:
    """The raw source whose landing folder holds `file` (the shared one, or an organisation's
    under landing/organisations/<org_id>/: the folders the ingest reads), and the file's key in
    the ingest log (`<org_id>/` + its name for an organisation's)."""
    from ..configuration import landing_roots

    file = file.resolve()
    for source in all_sources():
        for prefix, root in landing_roots(paths, source.folder):
            if file.parent == root.resolve():
                return source, prefix + file.relative_to(root.resolve()).as_posix()
    raise IngestError(f"{file}: not in a landing folder of a feed (under {paths.landing})")


def withdraw_file(paths: Paths, file: Path, reason: str, by: str | None = None, now: dt.datetime | None = None) -> Path:
    """Record the withdrawal and move the file aside; returns where it now is."""
    if not reason.strip():
        raise ValueError("a withdrawal needs a reason (--reason)")
    if not file.is_file():
        raise IngestError(f"{file}: no such file")
    source, rel = source_of(paths, file)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(paths.warehouse))
    try:
        request_withdrawal(con, source.table, rel, reason.strip(), by, now)
    finally:
        con.close()
    target = paths.home / "retires" / source.folder / f"{now:%Y%m%dT%H%M%S}_{file.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(file), target)
    return target
