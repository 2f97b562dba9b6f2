"""Publishing despite a blocking gate through an accepted exception (issue 17): scoped to the
rows failing today, visible in the manifest, the report, the gates' page and `spaser status`,
refused for the rules that make a release wrong by construction."""

from __future__ import annotations

import json

import pytest
from conftest import SEMESTER, check_results, run, spoil_notification_dates

from orchestration.cli import main
from orchestration.gates.exceptions import ExceptionRefused, accept
from orchestration.gates.prefilter import suite_expectations

REASON = "plateforme de la commune : marchés sans date lisible, non corrigeable par l'acheteur"
BY = "Jeanne Martin, responsable SPASER"


def test_a_blocked_semester_is_published_after_an_accepted_exception_scoped_to_its_rows(published_home, capsys):
    """On a copy of the published demo (v1): a redelivered file with a quarantine spike."""
    demo_home = published_home
    decp = demo_home / "landing" / "decp" / "decp_2026-S1.json"
    spoil_notification_dates(decp, 4)
    assert not run().success  # the quarantine spike blocks

    assert main(["accept", SEMESTER, "--gate", "gx_ingest_log", "--reason", REASON, "--by", BY]) == 0
    assert "exception acceptée pour nordval 2026-S1 : gx_ingest_log" in capsys.readouterr().out
    result = run(reason="marchés de la plateforme de la commune écartés (exception acceptée)")
    assert result.success
    gate = check_results(result)["gx_ingest_log"]
    assert gate.severity.value == "WARN" and "accepted exception" in gate.description

    release = demo_home / "publications" / "nordval" / SEMESTER / "v2"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    [accepted] = [x for g in manifest["gates"] for x in g.get("exceptions_acceptees") or []]
    assert accepted["motif"] == REASON and accepted["accepte_par"] == BY
    assert accepted["regle"] == "expect_column_values_to_be_between" and accepted["colonne"] == "quarantined_share"
    assert "decp_2026-S1.json" in accepted["exemple"]
    report = next(release.glob("rapport_*.html")).read_text(encoding="utf-8")
    assert "<h2>Exceptions acceptées</h2>" in report and "Jeanne Martin, responsable SPASER" in report
    index = (demo_home / "gx" / "index.html").read_text(encoding="utf-8")
    assert "exception acceptée" in index and "Jeanne Martin" in index
    assert main(["status"]) == 0
    assert "exceptions acceptées (1)" in capsys.readouterr().out

    # more rows fail than were accepted: the gate blocks again
    spoil_notification_dates(decp, 2)
    again = run()
    assert not again.success
    gate = check_results(again)["gx_ingest_log"]
    assert not gate.passed and gate.severity.value == "ERROR"


def _record(gx, failures: list[dict]) -> None:
    folder = gx / "runs" / "run-1"
    folder.mkdir(parents=True)
    (folder / "gx_mart_spaser_indicateurs.json").write_text(
        json.dumps(
            {
                "run_name": f"{SEMESTER}__gx_mart_spaser_indicateurs",
                "recorded_at": "2026-07-02T08:00:00+00:00",
                "failures": failures,
            }
        ),
        encoding="utf-8",
    )


def test_rules_that_make_a_release_wrong_never_accept_an_exception(tmp_path):
    gx, config = tmp_path / "gx", tmp_path / "config"
    config.mkdir()
    _record(gx, [{"expectation": "expect_column_values_to_be_between", "column": "value", "severity": "block"}])
    with pytest.raises(ExceptionRefused, match="n'admet pas d'exception"):
        accept(gx, config, SEMESTER, "gx_mart_spaser_indicateurs", REASON, BY, "nordval")
    with pytest.raises(ExceptionRefused, match="aucune exécution"):
        accept(gx, config, "2025-S2", "gx_mart_spaser_indicateurs", REASON, BY, "nordval")
    with pytest.raises(ExceptionRefused, match="motif"):
        accept(gx, config, SEMESTER, "gx_mart_spaser_indicateurs", " ", BY, "nordval")
    assert not (config / "exceptions_acceptees.csv").exists()


def test_only_the_quarantine_spike_accepts_exceptions_by_design():
    """The suites say which blocking rules accept an exception (meta.exception_allowed); row
    accounting, the mart's keys, ranges and catalogue, and the raw structure never do."""
    allowed = {
        (suite, e["kwargs"].get("column"))
        for suite in ("ingest_log", "mart_spaser_indicateurs", "feed_coverage", "raw_decp_marches")
        for e in suite_expectations(suite)
        if e["meta"].get("exception_allowed")
    }
    assert allowed == {("ingest_log", "quarantined_share")}
