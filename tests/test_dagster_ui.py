"""The Dagster UI on the project: `dagster dev` on a free port with a temporary instance and
SPASER_HOME, the asset graph through GraphQL, then the pages in headless Chromium, each read
once a condition on its DOM holds (the UI renders after its own GraphQL calls: on a busy
machine that takes a while, so the test waits for the rows themselves, up to a generous
deadline, and fails if they never come).

Screenshots are kept in test-artifacts/ (git-ignored): dagster_ui_assets.png (the catalog) and
dagster_ui_lineage.png (the lineage of the groups). The server is always shut down (its whole
process group). Skipped when no Chromium is installed, except under CI, where it fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser import Page, require_chromium

from orchestration.instance import write_local_instance
from orchestration.semesters import semester_partition_keys
from orchestration.settings import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
STARTUP_TIMEOUT_S = 120  # usually ~25 s: the code location loads the dbt manifest
PAGE_TIMEOUT_S = 90  # usually 2-5 s; a loaded 2-core machine has taken over 8 s
GROUPS = {"ingest", "staging", "intermediate", "marts", "reference", "publication"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_signals() -> None:
    # a parent may ignore SIGTERM/SIGINT (it is inherited): the server must be stoppable
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its children (webserver, daemon, code server): the process group."""
    if proc.poll() is not None:
        return
    # a graceful stop takes ~10 s (services wait for each other): the instance is a throwaway,
    # give it 2 s, then kill the group
    for sig, wait in ((signal.SIGTERM, 2), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # children that outlived the leader
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Server:
    def __init__(self, port: int, log: Path):
        self.base = f"http://127.0.0.1:{port}"
        self.log = log

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"{self.base}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@pytest.fixture
def dagster_ui(tmp_path):
    chromium = require_chromium()
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    write_local_instance(dagster_home)
    # the closed semesters, as the calendar sensor registers them on a running deployment
    from dagster import DagsterInstance

    from orchestration.partitions import ensure_semester_partitions

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        ensure_semester_partitions(instance, dt.date.today())
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPASER_")}
    env |= {
        "DAGSTER_HOME": str(dagster_home),
        "SPASER_HOME": str(tmp_path / "spaser"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    }
    log = tmp_path / "dagster_dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagster",
                "dev",
                "-m",
                "orchestration.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_default_signals,
        )
    server = Server(port, log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"dagster dev exited with {proc.returncode}:\n{server.log_tail()}"
            assert time.monotonic() < deadline, f"no answer in {STARTUP_TIMEOUT_S} s:\n{server.log_tail()}"
            try:
                entries = server.graphql(
                    "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus"
                    " locationOrLoadError { __typename ... on PythonError { message } } } } } }"
                )["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    errors = [
                        e["locationOrLoadError"]
                        for e in entries
                        if e["locationOrLoadError"]["__typename"] == "PythonError"
                    ]
                    assert not errors, errors
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        yield server, chromium, tmp_path
    finally:
        _stop(proc)


def _read_page(chromium: str, url: str, ready_js: str, screenshot: Path, profile: Path) -> str:
    """The DOM of a page once `ready_js` holds (or as it is at the deadline), and its screenshot."""
    with Page(chromium, url, profile) as page:
        page.wait_for(ready_js, PAGE_TIMEOUT_S)
        page.wait_for("document.fonts.status === 'loaded'", 10)
        page.screenshot(screenshot)
        return page.html()


def by_key_group(nodes) -> dict[str, str]:
    return {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}


@pytest.mark.slow
def test_dagster_ui_shows_the_asset_graph(dagster_ui):
    server, chromium, tmp_path = dagster_ui

    nodes = server.graphql(
        "{ assetNodes { assetKey { path } groupName partitionKeys"
        " assetChecksOrError { ... on AssetChecks { checks { name } } } } }"
    )["assetNodes"]
    keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
    assert {"raw/decp_marches", "marts/mart_spaser_indicateurs", "publication/spaser_release"} <= keys
    # (the release register publication/releases is an asset spec of the publication group)
    assert by_key_group(nodes)["publication/releases"] == "publication"
    assert GROUPS <= {n["groupName"] for n in nodes}

    checks = {c["name"] for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
    assert {"gx_raw_decp_marches", "gx_mart_spaser_indicateurs", "gx_feed_coverage"} <= checks
    assert sum(name.startswith("gx_") for name in checks) >= 10

    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    expected = semester_partition_keys(dt.date.today())
    assert by_key["marts/mart_spaser_indicateurs"]["partitionKeys"] == expected
    assert by_key["publication/spaser_release"]["partitionKeys"] == expected
    assert expected[0] == "2019-S1" and all(k[-3:] in ("-S1", "-S2") for k in expected)

    repos = server.graphql(
        "{ repositoriesOrError { ... on RepositoryConnection { nodes {"
        " schedules { name scheduleState { status } } sensors { name sensorState { status } } } } } }"
    )["repositoriesOrError"]["nodes"]
    states = {s["name"]: s["scheduleState"]["status"] for r in repos for s in r["schedules"]}
    states |= {s["name"]: s["sensorState"]["status"] for r in repos for s in r["sensors"]}
    # publishing is opt-in; the calendar sensor (registers closed semesters, launches nothing) runs
    assert states == {
        "semester_publication_schedule": "STOPPED",
        "landing_sensor": "STOPPED",
        "semester_calendar_sensor": "RUNNING",
    }

    # the community sign-up dialog would cover the screenshots ("Skip" does the same)
    assert server.graphql("mutation { setNuxSeen }")["setNuxSeen"] is True

    ARTIFACTS.mkdir(exist_ok=True)
    groups_js = " && ".join(f"document.body.innerText.includes({json.dumps(g)})" for g in sorted(GROUPS))
    lineage = _read_page(
        chromium,
        f"{server.base}/asset-groups",
        groups_js,
        ARTIFACTS / "dagster_ui_lineage.png",
        tmp_path / "chromium-lineage",
    )
    catalog = _read_page(
        chromium,
        f"{server.base}/assets",
        "document.querySelectorAll('a[href^=\"/assets/\"]').length >= 5",
        ARTIFACTS / "dagster_ui_assets.png",
        tmp_path / "chromium-assets",
    )
    for group in GROUPS:
        assert f">{group}<" in lineage, f"group {group} not on the lineage page"
    # the catalog is a virtualised list sorted by key: the page holds its first rows (the
    # intermediate models, then the first marts)
    shown = {key for key in keys if f'href="/assets/{key}"' in catalog}
    assert len(shown) >= 5, "no asset rows in the catalog page"
    assert shown == set(sorted(keys)[: len(shown)]), sorted(shown)
    assert sorted(keys)[0].startswith("intermediate/int_")
    assert "Join the Dagster community" not in catalog
