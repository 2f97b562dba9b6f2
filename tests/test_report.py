"""Report and GX index pieces that need no pipeline run (the release-level tests are in
test_pipeline.py, which shares one run on the demo data)."""

from __future__ import annotations

import json

from orchestration.publication.report import _ticks, chart_svg, fmt_value


def test_gx_index_outcomes_and_order(tmp_path):
    from orchestration.gates.index import write_index

    def record(run_id, semester, when, passed=True, failures=()):
        folder = tmp_path / "runs" / run_id
        folder.mkdir(parents=True)
        (folder / "gx_x.json").write_text(
            json.dumps(
                {
                    "check": "gx_x",
                    "suite": "s",
                    "run_name": f"{semester}__gx_x",
                    "passed": passed,
                    "failures": list(failures),
                    "recorded_at": when,
                    "validation_page": None,
                }
            )
        )

    failure = {"expectation": "expect_x", "severity": "block", "column": "c", "why": "because", "unexpected_count": 3}
    record("aaaa1111", "2025-S2", "2026-01-01T00:00:00+00:00")
    record("bbbb2222", "2026-S1", "2026-02-01T00:00:00+00:00", passed=False, failures=[failure])
    record("cccc3333", "2026-S1", "2026-03-01T00:00:00+00:00", failures=[dict(failure, severity="warn")])
    text = write_index(tmp_path, publications=tmp_path / "none").read_text(encoding="utf-8")
    assert text.index("Semestre 2026-S1") < text.index("Semestre 2025-S2")  # newest semester first
    assert text.index("cccc3333") < text.index("bbbb2222")  # newest run first
    assert "bloqué" in text and "avertissements" in text and "conforme" in text
    assert "because" in text and "3 ligne(s)" in text


def test_chart_and_number_formatting():
    row = {"indicator_id": "X-1", "unit": "%", "target_value": 100.0}
    history = [
        {"period": "2025-S2", "value": 40.0, "expected_value": 38.0},
        {"period": "2026-S1", "value": None, "expected_value": 44.0},
    ]
    svg = chart_svg(row, history, ["2025-S1", "2025-S2", "2026-S1"])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 1  # one measured value; a gap is not drawn across
    assert "aucune valeur" in chart_svg(row, [], ["2026-S1"])
    assert _ticks(0, 100)[0] == 0 and _ticks(0, 100)[-1] >= 100
    assert fmt_value(1234.6, "EUR") == "1\u202f235\u00a0€" and fmt_value(12.5, "EUR") == "12,5\u00a0€"
    assert fmt_value(57.26, "%") == "57,3\u00a0%" and fmt_value(140.0, "nombre") == "140"
    assert fmt_value(1.0, "oui/non") == "oui" and fmt_value(None, "%") == "–"
    assert fmt_value(-31.41, "% vs référence") == "−31,4\u00a0% vs référence"
    assert fmt_value(1.0, "réunions") == "1\u00a0réunion" and fmt_value(4.0, "réunions") == "4\u00a0réunions"


def test_charts_are_honest():
    from orchestration.publication.report import chart_for

    periods = ["2025-S1", "2025-S2"]
    narrow = {"indicator_id": "IMP-8", "unit": "années", "target_value": None}
    rows = [{"period": p, "value": v, "expected_value": None} for p, v in zip(periods, [5.4, 5.7])]
    svg = chart_svg(narrow, rows, periods)
    assert 'data-y-min="0"' in svg  # a narrow band far from zero still starts at zero
    assert ">0</text>" in svg
    negative = {"indicator_id": "IMP-6", "unit": "% vs référence", "target_value": -40.0}
    rows = [{"period": p, "value": v, "expected_value": v + 1} for p, v in zip(periods, [-28.4, -30.6])]
    svg = chart_svg(negative, rows, periods)
    assert 'data-y-min="-40"' in svg and 'data-y-max="0"' in svg  # zero stays on the axis
    yes_no = {"indicator_id": "GOV-2", "unit": "oui/non", "target_value": 1.0}
    rows = [{"period": p, "value": v, "expected_value": 1.0} for p, v in zip(periods, [0.0, 1.0])]
    svg = chart_svg(yes_no, rows, periods)
    assert 'data-trajectory="non"' in svg and "trajectory" not in svg.split(">", 1)[1]
    assert "<polyline" not in svg and svg.count("<circle") == 2  # points, never a line between non and oui
    # a yearly indicator (its source feed is yearly) is drawn per year, the others per semester
    history = {
        "NAT-3": [
            {"period_type": "annee", "period": "2024", "value": 39.7, "expected_value": 50.0},
            {"period_type": "semestre", "period": "2025-S1", "value": 39.7, "expected_value": 50.0},
            {"period_type": "annee", "period": "2025", "value": 48.2, "expected_value": 50.0},
        ]
    }
    nat3 = {"indicator_id": "NAT-3", "unit": "%", "source_feed": "restauration", "target_value": 50.0}
    svg = chart_for(nat3, history, periods, ["2024", "2025"])
    assert 'data-per="annee"' in svg and 'data-periods="2024 2025"' in svg and svg.count("<circle") == 2
    assert 'data-per="semestre"' in chart_for(dict(nat3, source_feed="marches"), history, periods, ["2024"])


def test_readers_see_french_rules_and_reasons():
    import glob

    from orchestration.publication.report import EXPECTATIONS_FR, gate_warning, reason_fr
    from orchestration.settings import GX_PROJECT_DIR

    used = set()
    for path in glob.glob(str(GX_PROJECT_DIR / "gx" / "expectations" / "*.json")):
        with open(path, encoding="utf-8") as f:
            used |= {e["type"] for e in json.load(f)["expectations"]}
    assert used and used <= set(EXPECTATIONS_FR), used - set(EXPECTATIONS_FR)
    warning = {
        "expectation": "expect_column_values_to_be_in_set",
        "column": "energie",
        "unexpected_count": 3,
        "why": "carrier from the contract",
    }
    text = gate_warning(warning)
    assert "expect_" not in text and "carrier" not in text
    assert "valeur dans la liste admise" in text and "3 ligne(s) en écart" in text
    assert "expect_" not in gate_warning(dict(warning, expectation="expect_something_new"))
    assert (
        reason_fr("quantite is not a valid decimal: '1 2OO'") == "quantite : '1 2OO' n'est pas un nombre décimal valide"
    )
    assert reason_fr("surface_m2 is empty") == "surface_m2 : valeur vide"
    assert reason_fr("mois is not a month (MM/AAAA): '13/2024'") == "mois : '13/2024' n'est pas un mois MM/AAAA"
    assert reason_fr("montant is not a number") == "montant : la valeur n'est pas un nombre"
    assert reason_fr("objet illisible") == "objet illisible"  # already French: as written


def test_the_report_says_which_gates_reused_an_earlier_validation():
    from orchestration.publication.report import _gates

    origin = {"run_id": "r0", "run_name": "2025-S2__gx_raw_x", "recorded_at": "2026-07-01T08:30:00+00:00"}
    fresh = {"check": "gx_ingest_log", "suite": "ingest_log", "passed": True, "reused_from": None}
    text = _gates({"gates": [fresh, {"check": "gx_raw_x", "suite": "raw_x", "passed": True, "reused_from": origin}]})
    assert text.count("reprise") == 1
    assert "gx_raw_x<br>" in text and "validation du 01/07/2026 à 08:30 UTC reprise (mêmes données, même suite)" in text
