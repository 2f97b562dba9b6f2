"""Static guards for "same inputs, same outputs": no dbt model may read the clock, judge data
against the moment it was loaded, or aggregate measured doubles in an order-dependent way
(docs/indicateurs.md, "Rounding and exactness"). Each guard names the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SQL_FILES = sorted([*REPO.glob("models/**/*.sql"), *REPO.glob("dbt_project/macros/*.sql")])


def _code_lines(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("--", 1)[0]
        if code.strip():
            yield number, code


def _offenders(pattern: re.Pattern, allowed=lambda path, code: False) -> list[str]:
    return [
        f"{path.relative_to(REPO)}:{number}: {code.strip()}"
        for path in SQL_FILES
        for number, code in _code_lines(path)
        if pattern.search(code) and not allowed(path, code)
    ]


def test_sql_files_found():
    assert len(SQL_FILES) > 50


def test_no_model_reads_the_clock():
    clock = re.compile(
        r"\b(current_date|current_timestamp|now\s*\(|today\s*\(|get_current_time|localtimestamp)", re.IGNORECASE
    )
    assert not _offenders(clock)


def test_no_model_judges_data_against_its_load_time():
    # _ingested_at may order versions of a row (a later delivery supersedes), never be compared
    # with the data: the same files loaded another day must give the same rows
    compared = re.compile(r"[<>=]\s*(cast\()?\s*\w*\.?_ingested_at|_ingested_at\b[^,]*[<>=]", re.IGNORECASE)
    assert not _offenders(compared)


@pytest.mark.parametrize("kind", ["sum", "avg"])
def test_measured_quantities_are_summed_exactly(kind):
    # sum()/avg() of a double depends on the order in which DuckDB's threads add the rows:
    # amounts, kWh, tonnes and hours go through exact_sum (macros/exact.sql). Sums of 0/1 flags
    # (integers) are exact already.
    aggregate = re.compile(rf"\b{kind}\s*\(", re.IGNORECASE)
    integer_flag = re.compile(r"\b(sum|avg)\s*\(\s*case\b.*\bthen\s+\d+\s+else\s+\d+\s+end", re.IGNORECASE)
    exact_macro = Path("dbt_project/macros/exact.sql")
    assert not _offenders(
        aggregate, lambda path, code: bool(integer_flag.search(code)) or path.relative_to(REPO) == exact_macro
    )


def test_a_contract_is_keyed_one_way():
    """Every model keys a DECP contract with the contrat_key macro (compacted buyer SIRET and
    id): a key concatenated by hand loses the holders of a SIRET typed with spaces."""
    by_hand = re.compile(r"""acheteur\w*\s*\|\|\s*'\|'""")
    assert not _offenders(by_hand)
