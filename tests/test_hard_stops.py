"""A publication killed half-way (kill -9, in a real process): no half-written version is ever
visible in the publication tree, the leftover is cleaned at the next start, and the next
publication succeeds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import duckdb
from test_publication_safety import ORG, SEMESTER, _warehouse

from orchestration.publication.publish import clean_staging, publish_semester, staging_folder
from orchestration.publication.verify import verify_publications


def test_a_publication_killed_half_way_leaves_nothing_visible(spaser_home):
    warehouse = spaser_home / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        _warehouse(con)
    publications = spaser_home / "publications"
    # the release's files are written, then the report takes long: killed there
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time, duckdb
        from pathlib import Path
        from orchestration.publication.publish import publish_semester
        def render(folder, manifest):
            print("writing", flush=True)
            time.sleep(60)
            return []
        con = duckdb.connect({str(warehouse)!r})
        publish_semester(con, Path({str(publications)!r}), {ORG!r}, {SEMESTER!r}, reason=None, gates=[], render=render)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "writing"
    child.kill()
    child.wait(timeout=10)

    semester = publications / ORG / SEMESTER
    assert not semester.exists() or list(semester.iterdir()) == []  # nothing a glob could read
    leftovers = list(staging_folder(publications).iterdir())
    assert len(leftovers) == 1 and any(leftovers[0].glob("*.parquet"))  # it was half-way
    with duckdb.connect() as con:  # the BI globs see no release
        assert con.execute(f"SELECT count(*) FROM glob('{publications}/*/*/*/*.parquet')").fetchone()[0] == 0

    assert clean_staging(publications) == leftovers
    assert list(staging_folder(publications).iterdir()) == []
    with duckdb.connect(str(warehouse)) as con:
        release = publish_semester(con, publications, ORG, SEMESTER, reason=None, gates=[])
    assert release.version == 1 and release.created
    assert verify_publications(publications).problems == []


def test_cleaning_leaves_a_running_publication_alone(spaser_home):
    staging = staging_folder(spaser_home / "publications")
    staging.mkdir(parents=True)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (staging / f"{ORG}_{SEMESTER}_v1.tmp-{alive.pid}").mkdir()
        time.sleep(0.1)
        assert clean_staging(spaser_home / "publications") == []
    finally:
        alive.kill()
        alive.wait()
    assert len(clean_staging(spaser_home / "publications")) == 1
