"""The quiet CLI: one line per phase of a run, built from the run's Dagster events, and a
one-line-per-axis summary of a release."""

from __future__ import annotations

import io
from types import SimpleNamespace as NS

from orchestration.cli import format_summary
from orchestration.progress import PhaseProgress, phase_of


def _event(kind: str, step: str | None, **data):
    return NS(event_type_value=kind, step_key=step, event_specific_data=NS(**data))


def _materialized(step: str, **metadata):
    return _event("ASSET_MATERIALIZATION", step, materialization=NS(metadata=metadata))


def _check(step: str, passed: bool, severity: str = "ERROR"):
    return _event("ASSET_CHECK_EVALUATION", step, passed=passed, severity=NS(value=severity))


def test_steps_fall_into_the_phases_of_a_run():
    assert phase_of("raw__decp_marches") == phase_of("meta__ingest_log_gx_ingest_log") == "lecture des flux"
    assert phase_of("spaser_dbt_models") == phase_of("marts__fct_marches_gx_feed_coverage") == "modèles dbt"
    assert phase_of("publication__spaser_release") == "publication"
    assert phase_of(None) is None and phase_of("something_else") is None


def test_one_line_per_phase_with_what_it_did():
    out = io.StringIO()
    progress = PhaseProgress(out)
    for event in [
        _event("PIPELINE_START", None),
        _materialized("raw__decp_marches", rows_loaded=NS(value=1200), rows_quarantined=NS(value=3)),
        _materialized("raw__energie_sites", rows_loaded=NS(value=30), rows_quarantined=NS(value=0)),
        _check("raw__decp_marches_gx_raw_decp_marches", passed=False, severity="WARN"),
        _check("raw__energie_sites_gx_raw_energie_sites", passed=True),
        _materialized("meta__ingest_log"),
        _materialized("spaser_dbt_models"),
        _materialized("spaser_dbt_models"),
        _check("marts__mart_spaser_indicateurs_gx_mart_spaser_indicateurs", passed=False),
        _event("STEP_FAILURE", "publication__spaser_release"),
        _event("PIPELINE_FAILURE", None),
    ]:
        progress.on_event(event)
    lines = [line.rsplit(" (", 1)[0] for line in out.getvalue().splitlines()]
    assert lines == [
        "  lecture des flux  1 230 lignes chargées, 3 en quarantaine, contrôles : 1 passé, 1 avertissement",
        "  modèles dbt       2 modèles construits, contrôles : 0 passés, 1 BLOQUANT",
        "  publication       ÉCHEC de publication__spaser_release",
    ]


def test_a_rerun_on_unchanged_files_says_so():
    out = io.StringIO()
    progress = PhaseProgress(out)
    progress.on_event(_materialized("raw__decp_marches", rows_loaded=NS(value=0), rows_quarantined=NS(value=0)))
    progress.close()
    assert "aucun fichier nouveau ou modifié" in out.getvalue()


def test_summary_counts_each_axis_by_status():
    rows = [
        ("o", "GOV-1", "", 3.0, "", None, None, "sans cible", None, None),
        ("o", "GOV-2", "", 1.0, "", 1.0, 2026, "atteint", None, None),
        ("o", "DEP-1", "", None, "", 5.0, 2030, "sans cible", None, "pas de données"),
        ("o", "DEP-2", "", 4.0, "", 5.0, 2030, "en retard", None, None),
    ]
    text = format_summary(rows, "2026-S1", [("o", 2, "/nowhere")])
    assert text.splitlines()[:3] == [
        "SPASER o, 2026-S1 (v2) : indicateurs par axe",
        "  GOV   2 indicateurs : 1 atteint, 1 sans cible",
        "  DEP   2 indicateurs : 1 en retard, 1 non disponible",
    ]
