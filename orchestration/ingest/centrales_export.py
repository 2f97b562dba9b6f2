"""Export of the AGEC art. 58 declaration (purchases through the centrales d'achat) in the
official data.gouv.fr format: schema `schema-declaration-biens-reemploi-reutilisation-recycle`
v0.1.0 (Frictionless Table Schema; CSV, UTF-8, ',' separator, '.' decimals).

    python -m orchestration.ingest.centrales_export --org nordval --annee 2025 --out decl.csv

The rows come from marts.mart_centrales_declaration_agec58. `validate_declaration` checks a
file against the schema (field names and order, required, enum, pattern, year and number types).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from .centrales import AGEC58_FIELDS
from .framework import IngestError
from .text import open_csv


def export_declaration_agec58(warehouse: Path, org_id: str, annee: int, out: Path) -> int:
    """Write the declaration of one organisation and year; returns the number of rows."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            f"""SELECT {", ".join(AGEC58_FIELDS)} FROM marts.mart_centrales_declaration_agec58
                WHERE org_id = ? AND annee = ? ORDER BY type_produit_acquis""",
            [org_id, annee],
        ).fetchall()
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(AGEC58_FIELDS)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    return len(rows)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (float, Decimal)):
        return f"{value:.2f}"
    return str(value)


def validate_declaration(path: Path, schema_path: Path) -> list[str]:
    """Errors of a declaration file against the Table Schema (empty list: valid)."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    fields = schema["fields"]
    errors: list[str] = []
    try:
        with open_csv(path, ",", multiline={"commentaires"}) as table:
            if table.encoding not in ("utf-8", "utf-8-sig"):
                errors.append(f"encoding is {table.encoding}, the schema wants UTF-8")
            expected = [fd["name"] for fd in fields]
            if table.header != expected:
                return errors + [f"line 1: header {table.header} differs from the schema fields {expected}"]
            for line, row in table:
                for fd, value in zip(fields, row):
                    errors += [f"line {line}: {fd['name']}: {e}" for e in _check(fd, value)]
    except IngestError as exc:
        errors.append(str(exc))
    return errors


def _check(field: dict, value: str) -> list[str]:
    constraints = field.get("constraints", {})
    if value == "":
        return ["required value missing"] if constraints.get("required") else []
    out = []
    kind = field.get("type")
    if kind == "year" and not re.fullmatch(r"\d{4}", value):
        out.append(f"not a year: {value!r}")
    if kind == "number":
        try:
            float(value)
        except ValueError:
            out.append(f"not a number: {value!r}")
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        out.append(f"does not match {constraints['pattern']}: {value!r}")
    if "enum" in constraints and value not in constraints["enum"]:
        out.append(f"not in the enumeration: {value!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    from ..settings import get_paths

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--org", required=True)
    parser.add_argument("--annee", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    n = export_declaration_agec58(get_paths().warehouse, args.org, args.annee, args.out)
    print(f"{n} rows written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
