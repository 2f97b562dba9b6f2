"""Accepted exceptions: publishing a semester despite a blocking rule, explained and signed off.

Some deliveries are known bad and cannot be fixed by the buyer (a platform's file with empty
ids: rightly quarantined, but a quarantine spike). `spaser accept` records, in the
organisation's configuration (`exceptions_acceptees.csv`, the user's file), an exception for one
blocking rule of one semester, scoped to the rows that fail it today: the rule, its column, the
number of rows and a SHA-256 of those rows. A later run of that semester's gate accepts the
failure only when it is exactly that one; more or other rows block again.

Only the rules whose suite says `meta.exception_allowed: true` accept exceptions. Rules that
make a release wrong by construction (row accounting, duplicate keys, indicators out of range,
an incomplete catalogue) never do (docs/operations.md, "Accepted exceptions").
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

EXCEPTIONS_FILE = "exceptions_acceptees.csv"
COLUMNS = [
    "org_id",
    "semestre",
    "controle",
    "regle",
    "colonne",
    "lignes",
    "empreinte",
    "exemple",
    "motif",
    "accepte_par",
    "accepte_le",
]


class ExceptionRefused(Exception):
    """Why no exception can be recorded (one sentence, in French)."""


@dataclass(frozen=True)
class Scope:
    """What an exception covers: one rule of one check, the rows failing it."""

    check: str
    expectation: str
    column: str | None
    rows: int | None
    rows_sha256: str | None

    def matches(self, row: dict) -> bool:
        return (
            row.get("controle") == self.check
            and row.get("regle") == self.expectation
            and (row.get("colonne") or None) == self.column
            and row.get("lignes") == ("" if self.rows is None else str(self.rows))
            and (row.get("empreinte") or None) == self.rows_sha256
        )


def read(config_dir: Path) -> list[dict[str, str]]:
    from ..configuration import read_table

    return read_table(config_dir, Path(EXCEPTIONS_FILE).stem)


def _scope(check: str, failure) -> Scope:
    get = failure.get if isinstance(failure, dict) else lambda k: getattr(failure, k)
    return Scope(check, get("expectation"), get("column"), get("unexpected_count"), get("rows_sha256"))


def apply(result, check: str, semester: str | None, config_dir: Path) -> list[dict]:
    """Mark the blocking failures of `result` that an exception of `semester` covers exactly
    (their `accepted` becomes the exception's row); returns the exceptions applied."""
    if semester is None:
        return []
    recorded = [r for r in read(config_dir) if r.get("semestre") == semester]
    applied = []
    for failure in result.failures:
        if failure.severity != "block" or not failure.exception_allowed:
            continue
        scope = _scope(check, failure)
        row = next((r for r in recorded if scope.matches(r)), None)
        if row is not None:
            failure.accepted = row
            applied.append(row)
    return applied


def latest_record(gx_results: Path, semester: str, check: str) -> dict | None:
    """The newest recorded run of `check` for `semester` (gates/checks.py writes them)."""
    found = []
    for path in (gx_results / "runs").glob(f"*/{check}.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if record.get("run_name", "").startswith(f"{semester}__"):
            found.append(record)
    return max(found, key=lambda r: r.get("recorded_at") or "", default=None)


def accept(
    gx_results: Path,
    config_dir: Path,
    semester: str,
    check: str,
    reason: str,
    by: str,
    org: str,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Record an exception for every blocking failure of the last run of `check` for `semester`;
    the rows written. ExceptionRefused when there is nothing to accept or a rule accepts none."""
    if not reason.strip() or not by.strip():
        raise ExceptionRefused("une exception demande un motif (--reason) et le nom de qui l'accepte (--by)")
    record = latest_record(gx_results, semester, check)
    if record is None:
        raise ExceptionRefused(f"aucune exécution du contrôle {check} pour {semester} : lancez d'abord le semestre")
    blocking = [f for f in record.get("failures") or [] if f.get("severity") == "block" and not f.get("accepted")]
    if not blocking:
        raise ExceptionRefused(f"le contrôle {check} ne bloque pas {semester} : rien à accepter")
    refused = [f for f in blocking if not f.get("exception_allowed")]
    if refused:
        rules = ", ".join(f"{f.get('expectation')} sur {f.get('column')}" for f in refused)
        raise ExceptionRefused(
            f"la règle {rules} du contrôle {check} n'admet pas d'exception : une publication fausse par "
            "construction (comptage des lignes, clés en double, valeurs hors bornes) ne se publie pas"
        )
    when = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    rows = [
        {
            "org_id": org,
            "semestre": semester,
            "controle": check,
            "regle": f.get("expectation") or "",
            "colonne": f.get("column") or "",
            "lignes": "" if f.get("unexpected_count") is None else str(f.get("unexpected_count")),
            "empreinte": f.get("rows_sha256") or "",
            "exemple": json.dumps((f.get("sample_rows") or [])[:5], ensure_ascii=False, default=str),
            "motif": reason.strip(),
            "accepte_par": by.strip(),
            "accepte_le": when,
        }
        for f in blocking
    ]
    path = config_dir / EXCEPTIONS_FILE
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerows(rows)
    return rows
