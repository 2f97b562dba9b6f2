"""The benchmark harness runs end to end at a tiny N, so it cannot rot: the CLI pipeline (demo,
run), stage timing from the Dagster step events, process-tree memory, the parse limit and the
ratios to it, the plain-DuckDB baseline, the Markdown table and the chart."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))


@pytest.mark.slow
def test_bench_small_n(tmp_path):
    import run_bench

    out = tmp_path / "out"
    code = run_bench.main(
        ["--sizes", "2000", "--no-incremental", "--workdir", str(tmp_path / "work"), "--out", str(out)]
    )
    assert code == 0
    results = json.loads((out / "bench_results.json").read_text(encoding="utf-8"))
    runs = {r["label"]: r for r in results["runs"]}
    assert set(runs) == {"parse limit", "full", "baseline"}
    limit = runs["parse limit"]
    # sampled every 0.1 s: at this N the process may be seen only while it starts
    assert limit["ok"] and limit["wall_s"] > 0 and limit["cpu_s"] > 0 and limit["peak_rss_mb"] > 0
    assert "cut" in limit["note"] and "query" in limit["note"]
    assert 0 < limit["outputs"]["acheteur x semestre"] < 2000  # the query answered
    full = runs["full"]
    assert full["ok"] and full["n"] == 2000
    for stage in ("startup", "ingest", "dbt", "gates", "publication"):
        assert full["stages"][stage]["wall_s"] > 0, stage
    assert full["stages"]["dbt"]["peak_rss_mb"] > 50  # dbt runs as a child process: the tree is sampled
    assert any(step.startswith("raw__decp_marches") for step in full["steps"])
    assert len(full["load_avg"]) == 3
    base = runs["baseline"]
    assert base["ok"] and {"ingest", "dbt", "gates", "publication"} <= set(base["stages"])
    table = (out / "performance_table.md").read_text(encoding="utf-8")
    assert "| 2,000 | full |" in table and "| 2,000 | baseline |" in table and "| 2,000 | parse limit |" in table
    for label in ("full", "baseline"):  # wall / CPU / peak as multiples of the parse limit
        row = next(line for line in table.splitlines() if line.startswith(f"| 2,000 | {label} |"))
        assert re.search(r"\| \d+\.\d / \d+\.\d / \d+\.\d \|", row), row
    assert (out / "performance.png").stat().st_size > 10_000
    assert not (tmp_path / "work" / "n2000").exists()  # big work folders are removed


def test_the_incremental_scenario_runs_in_a_home_with_the_full_runs_configuration(tmp_path):
    """The incremental scenario's home holds the full run's configuration (without it every run
    there stopped at `configuration invalide`) and its landing files but the last DECP semester."""
    import run_bench

    from orchestration import configuration

    full, inc = tmp_path / "full", tmp_path / "incremental"
    configuration.write_demo(full / "config")
    decp = full / "landing" / "decp"
    decp.mkdir(parents=True)
    for semester in ("2025-S2", "2026-S1"):
        (decp / f"decp_{semester}.json").write_text("{}", encoding="utf-8")
    last, parked = run_bench.prepare_incremental_home(full, inc)
    assert configuration.check(inc / "config") == []
    assert sorted(p.name for p in (inc / "landing" / "decp").iterdir()) == ["decp_2025-S2.json"]
    assert parked.exists() and not last.exists() and last.parent == inc / "landing" / "decp"
