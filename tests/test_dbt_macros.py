"""Identifier macros compiled and run by dbt itself (`dbt show --inline`) on DuckDB: what a
holder's or a buyer's identifier becomes for matching."""

from __future__ import annotations

import json

from conftest import run_dbt

CASES = {
    "FR 12 345 678 901": "FR12345678901",  # French VAT typed with spaces
    "225 900 992 00010": "22590099200010",  # SIRET with spaces
    "225.900.992": "225900992",  # SIREN with dots
    "  81259930600014 ": "81259930600014",
    "HRB 12345": "HRB 12345",  # a foreign register number stays as received
    "B-1234-5": "B-1234-5",
    "   ": None,
}


def test_identifiers_are_compacted_only_when_french(spaser_home):
    values = " union all ".join(
        f"select {i} as n, '{raw}' as raw, {{{{ identifiant_compact(\"'{raw}'\") }}}} as id"
        for i, raw in enumerate(CASES)
    )
    done = run_dbt(
        spaser_home,
        "show",
        "--inline",
        f"select * from ({values}) order by n",
        "--limit",
        "20",
        "--output",
        "json",
        "--log-format",
        "json",
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    shown = next(
        json.loads(line)["data"]["preview"]
        for line in done.stdout.splitlines()
        if line.startswith("{") and "preview" in json.loads(line).get("data", {})
    )
    rows = json.loads(shown) if isinstance(shown, str) else shown
    assert {r["raw"]: r["id"] for r in rows} == CASES
