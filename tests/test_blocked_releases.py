"""A semester whose delivery breaks a blocking gate is not published: each test runs the
pipeline on its own demo home (not the shared run, so they run beside it under `make test`)."""

from __future__ import annotations

from conftest import SEMESTER, check_results, published, run, spoil_notification_dates


def test_failing_gate_blocks_the_release_and_names_expectation_and_rows(demo_home):
    # a broken delivery: most records of one file cannot be typed (quarantine spike)
    decp = demo_home / "landing" / "decp" / "decp_2026-S1.json"
    spoil_notification_dates(decp, 2)

    result = run()
    assert not result.success
    assert not published(result)
    assert not (demo_home / "publications" / "nordval" / SEMESTER).exists()
    gate = check_results(result)["gx_ingest_log"]
    assert not gate.passed and gate.severity.value == "ERROR"
    assert "quarantined_share" in gate.description
    assert "decp_2026-S1.json" in gate.description  # the failing row: the file
    # the gate's step is what failed, and it stopped the run before dbt: neither the models nor the
    # release step ever started (Dagster abandons them: a log line, no STEP_SKIPPED event)
    steps = {kind: set() for kind in ("STEP_START", "STEP_FAILURE")}
    for e in result.all_events:
        steps.get(e.event_type_value, set()).add(e.step_key)
    assert steps["STEP_FAILURE"] == {"meta__ingest_log_gx_ingest_log"}
    assert not {"spaser_dbt_models", "publication__spaser_release"} & steps["STEP_START"]
    # the run stops at the gate: the gate step itself rebuilt the Data Docs index, which lists it
    assert f"{SEMESTER}__gx_ingest_log" in (demo_home / "gx" / "data_docs" / "index.html").read_text(encoding="utf-8")


def test_missing_feed_for_the_semester_blocks_the_release(demo_home):
    (demo_home / "landing" / "decp" / "decp_2026-S1.json").unlink()
    result = run()
    assert not published(result)
    gate = check_results(result)["gx_feed_coverage"]
    assert not gate.passed and gate.severity.value == "ERROR"
    assert "feed missing" in gate.description and '"feed": "marches/decp"' in gate.description
