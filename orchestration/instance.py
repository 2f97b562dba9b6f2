"""Which Dagster instance (run, event-log and schedule storage) the CLI and `make ui` use.

    SQLite (default)   DAGSTER_HOME = the repository (dagster.yaml), state under .dagster/
    PostgreSQL         DAGSTER_HOME = instances/postgres/ (its dagster.yaml), when
                       SPASER_DAGSTER_PG_URL is set, or SPASER_DAGSTER_PG_HOST (with
                       SPASER_DAGSTER_PG_PORT, _USER, _PASSWORD, _DB), from which the URL is
                       composed here because dagster.yaml can only read whole variables.

An explicit DAGSTER_HOME always wins. Pure functions of an environment mapping, so they are
unit-tested without touching os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from .settings import REPO_ROOT

SQLITE_HOME = REPO_ROOT
POSTGRES_HOME = REPO_ROOT / "instances" / "postgres"

PG_URL = "SPASER_DAGSTER_PG_URL"
PG_HOST = "SPASER_DAGSTER_PG_HOST"
PG_PORT = "SPASER_DAGSTER_PG_PORT"
PG_USER = "SPASER_DAGSTER_PG_USER"
PG_PASSWORD = "SPASER_DAGSTER_PG_PASSWORD"
PG_DB = "SPASER_DAGSTER_PG_DB"


# dagster-postgres installs psycopg2, but SQLAlchemy >= 2.1 maps a bare postgresql:// URL to
# psycopg (3): name the driver explicitly.
DRIVER_SCHEME = "postgresql+psycopg2"


def with_driver(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{DRIVER_SCHEME}://{rest}" if sep and scheme in ("postgres", "postgresql") else url


def postgres_url(env: Mapping[str, str]) -> str | None:
    """The PostgreSQL URL of the instance (SQLAlchemy form, with its driver), or None for SQLite."""
    if env.get(PG_URL):
        return with_driver(env[PG_URL])
    if not env.get(PG_HOST):
        return None
    user = quote(env.get(PG_USER, "postgres"), safe="")
    password = env.get(PG_PASSWORD)
    auth = f"{user}:{quote(password, safe='')}" if password else user
    db = quote(env.get(PG_DB, "dagster"), safe="")
    return f"{DRIVER_SCHEME}://{auth}@{env[PG_HOST]}:{env.get(PG_PORT, '5432')}/{db}"


def instance_env(env: Mapping[str, str]) -> dict[str, str]:
    """Variables to add to `env` so that DagsterInstance.get() opens the right instance."""
    updates: dict[str, str] = {}
    url = postgres_url(env)
    if url and env.get(PG_URL) != url:
        updates[PG_URL] = url  # instances/postgres/dagster.yaml reads only this variable
    if not env.get("DAGSTER_HOME"):
        updates["DAGSTER_HOME"] = str(POSTGRES_HOME if url else SQLITE_HOME)
    return updates


def masked(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def describe(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    home = Path(env.get("DAGSTER_HOME") or instance_env(env)["DAGSTER_HOME"])
    url = postgres_url(env)
    if home.resolve() not in (SQLITE_HOME.resolve(), POSTGRES_HOME.resolve()):
        where = f"as configured in {home / 'dagster.yaml'}"
    elif home.resolve() == POSTGRES_HOME.resolve():
        where = f"PostgreSQL {masked(url)}" if url else f"PostgreSQL, but {PG_URL} is not set"
    else:
        where = f"SQLite under {REPO_ROOT / '.dagster'}"
    return f"DAGSTER_HOME={home}\nstorage: {where}"


def write_local_instance(dagster_home: Path) -> Path:
    """A Dagster instance of its own in `dagster_home` (a test's, a benchmark's), configured as
    the CLI's: the repository's dagster.yaml (SQLite), its local folders moved under
    `dagster_home`. Returns the dagster.yaml written."""
    import yaml

    config = yaml.safe_load((SQLITE_HOME / "dagster.yaml").read_text(encoding="utf-8"))
    config["storage"]["custom"]["config"]["base_dir"] = str(dagster_home / "storage")
    config["local_artifact_storage"]["config"]["base_dir"] = str(dagster_home / "artifacts")
    config["compute_logs"]["config"]["base_dir"] = str(dagster_home / "compute_logs")
    dagster_home.mkdir(parents=True, exist_ok=True)
    path = dagster_home / "dagster.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
