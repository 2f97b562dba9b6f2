"""Manual input (saisie manuelle): one documented spreadsheet, long format.

Input contract: docs/feeds/saisie.md. One line = one value of one field (`champ`) for one
period (`2026-S1` or `2026`). Validated like any feed: a line with an unknown field, a bad
period, a non-numeric or negative value, a unit other than the field's or an unknown
organisation goes to `quarantine.saisie_valeurs` with its line number and the reason.

The fields are configuration, not code: `seeds/saisie_champs.csv` lists them (with their
indicator, unit and aggregation) and is read both here, to validate, and by dbt.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from .framework import Quarantine, compact_json
from .french_csv import Column, contract_table, read_table

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

SAISIE_COLUMNS = [
    Column(
        "org",
        "text",
        required=False,
        example="nordval",
        description="identifiant de l'organisation (organisations.csv) ; vide = celle du dossier de dépôt",
    ),
    Column(
        "champ",
        "text",
        not_null=True,
        example="reunions_copil",
        values="saisie_champs.csv:champ",
        formats="majuscules et minuscules indifférentes",
        description="code du champ saisi",
    ),
    Column(
        "periode",
        "text",
        not_null=True,
        example="2026-S1",
        formats="AAAA-S1, AAAA-S2 (semestre) ou AAAA (année civile)",
        description="période de la valeur",
    ),
    Column("valeur", "decimal", not_null=True, description="la valeur, positive ou nulle, dans l'unité du champ"),
    Column(
        "unite",
        "text",
        required=False,
        example="réunions",
        values="saisie_champs.csv:unite",
        formats="celle du champ (majuscules, accents et pluriel indifférents) ; vide = celle du champ",
        description="unité de la valeur",
    ),
    Column(
        "commentaire",
        "text",
        required=False,
        multiline=True,
        example="compte rendu du 12/03",
        description="source, remarque",
    ),
    Column("saisi_par", "text", example="c.delattre", description="qui a saisi la valeur"),
    Column("date_saisie", "date", description="date de la saisie"),
]

SAISIE_TABLE = contract_table("saisie", "saisie_valeurs", SAISIE_COLUMNS)

_PERIOD = re.compile(r"^(\d{4})(?:-S([12]))?$")


def _fold(s: str) -> str:
    """Lower case without accents or trailing plural s: 'Réunions' == 'reunion'."""
    s = unicodedata.normalize("NFKD", s.strip().lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return s[:-1] if s.endswith("s") else s


@functools.cache
def fields() -> dict[str, dict]:
    """The known fields: seeds/saisie_champs.csv, keyed on `champ`."""
    with (SEEDS / "saisie_champs.csv").open(encoding="utf-8", newline="") as f:
        return {row["champ"]: row for row in csv.DictReader(f)}


def organisations() -> frozenset[str]:
    """The organisations of the configuration in use (organisations.csv)."""
    from ..configuration import config_file

    path = config_file("organisations")
    if not path.exists():
        return frozenset()
    with path.open(encoding="utf-8-sig", newline="") as f:
        return frozenset((row.get("org_id") or "").strip() for row in csv.DictReader(f))


def validate(row: dict) -> dict | Quarantine:
    """Checks a typed line against the field list; normalises field, period and organisation."""
    raw = compact_json(row)
    champ = row["champ"].strip().lower()
    if champ not in fields():
        return Quarantine(f"unknown field (champ) {row['champ'][:40]!r}: see seeds/saisie_champs.csv", "champ", raw)
    periode = row["periode"].strip().upper().replace(" ", "")
    m = _PERIOD.match(periode)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        return Quarantine(f"periode is not YYYY-S1, YYYY-S2 or YYYY: {row['periode'][:40]!r}", "periode", raw)
    if row["valeur"] < 0:
        return Quarantine(f"valeur is negative: {row['valeur']}", "valeur", raw)
    expected = fields()[champ]["unite"]
    if row.get("unite") and _fold(row["unite"]) != _fold(expected):
        return Quarantine(f"unite {row['unite'][:20]!r} for {champ}, expected {expected!r}", "unite", raw)
    org = (row.get("org") or "").strip() or None
    if org is not None and org not in organisations():
        return Quarantine(
            f"unknown organisation (org) {org[:40]!r}: see the configuration's organisations.csv", "org", raw
        )
    return row | {"org": org, "champ": champ, "periode": periode, "unite": row.get("unite") or expected}


def read_saisie(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    for line, item in read_table(path, SAISIE_COLUMNS):
        yield line, item if isinstance(item, Quarantine) else validate(item)
