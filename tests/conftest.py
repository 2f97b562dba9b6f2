"""Shared fixtures: an isolated SPASER_HOME per test, the shared real data, demo feeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def spaser_home(tmp_path, monkeypatch) -> Path:
    """Every path of the pipeline (landing, warehouse, releases, GX results) under tmp_path."""
    home = tmp_path / "spaser"
    monkeypatch.setenv("SPASER_HOME", str(home))
    for var in ("SPASER_LANDING_DIR", "SPASER_WAREHOUSE_DIR", "SPASER_PUBLICATIONS_DIR", "SPASER_GX_DIR"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def demo_feeds(tmp_path_factory) -> Path:
    """Demo landing folder of every feed (small: 600 contracts over 2024-S1..2026-S1), once."""
    from orchestration.feeds import all_feeds

    landing = tmp_path_factory.mktemp("demo") / "landing"
    for feed in all_feeds():
        if feed.write_demo:
            feed.write_demo(landing, seed=20240101, n_contracts=600)
    return landing


@pytest.fixture
def demo_home(spaser_home, demo_feeds) -> Path:
    """An isolated SPASER_HOME whose landing folder holds a copy of the demo feeds."""
    shutil.copytree(demo_feeds, spaser_home / "landing")
    return spaser_home


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session (dropped at the end), as a dict of
    libpq connection parameters. Server from SPASER_PG_HOST/PORT/USER/PASSWORD (default
    127.0.0.1:5432, postgres). Skipped when no server answers there, except under CI, where the
    PostgreSQL target must be tested: then it fails."""
    import os
    import uuid

    psycopg2 = pytest.importorskip("psycopg2")
    server = {
        "host": os.environ.get("SPASER_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("SPASER_PG_PORT", "5432")),
        "user": os.environ.get("SPASER_PG_USER", "postgres"),
        "password": os.environ.get("SPASER_PG_PASSWORD", ""),
    }
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=5, **server)
    except psycopg2.OperationalError as exc:
        reason = " ".join(str(exc).split())
        message = f"no PostgreSQL server reachable at {server['host']}:{server['port']} ({reason})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    admin.autocommit = True
    name = f"spaser_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**server, "dbname": name}
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
