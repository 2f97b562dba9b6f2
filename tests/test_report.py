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
