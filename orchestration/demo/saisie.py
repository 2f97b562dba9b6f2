"""Demo manual input for the fictional "Département du Nord-Val" (docs/feeds/saisie.md).

Writes under `landing/saisie/`:
- `saisie_2024_2025.csv` (cp1252, `;`, decimal comma, dd/mm/yyyy): every field for 2024-S1 to
  2025-S2, the 2023 reference levels, yearly IT-inventory figures, and a value entered again
  later in the file (it replaces the earlier one);
- `saisie_2026-S1.xlsx`: the 2026-S1 values and a correction of a 2025-S2 value.

Defects (each in quarantine with its line and reason, under 5 % of the file): a field code
typed wrong and a period that does not exist (`2025-S3`).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from ..ingest.saisie import SAISIE_COLUMNS
from . import save_workbook, write_csv

SEED_OFFSET = 0x5A1_51E  # this feed's stream of the demo seed
HEADER = tuple(c.name for c in SAISIE_COLUMNS)  # the contract's columns, in its order
SEMESTERS = ("2024-S1", "2024-S2", "2025-S1", "2025-S2")
AGENTS = ("c.delattre", "m.benali", "s.vandamme")


def _semester_values(rng: random.Random, k: int) -> dict[str, float]:
    """Plausible values for the k-th semester since 2024-S1."""
    return {
        "reunions_copil": 1 if k in (0, 4) else 0,  # every two years
        "reunions_instance_technique": 0 if k == 2 else rng.choice((1, 1, 2)),
        "certifications_hqe": rng.choice((0, 1, 1, 2)),
        "litres_eau_economises": round(rng.uniform(140_000, 260_000), -2),
        "km_pistes_cyclables": round(412.5 + 9.5 * k + rng.uniform(0, 4), 1),
        "duree_utilisation_informatique": round(5.2 + 0.15 * k + rng.uniform(-0.05, 0.05), 1),
        "attestations_pts": rng.randint(18, 46),
        "agents_formes": 40 + 38 * k + rng.randint(0, 6),  # cumulated since the start
        "agents_concernes": 420 + 5 * (k // 2),
    }


def _unit(champ: str) -> str:
    return {
        "reunions_copil": "réunions",
        "reunions_instance_technique": "réunions",
        "litres_eau_economises": "litres",
        "km_pistes_cyclables": "km",
        "duree_utilisation_informatique": "années",
        "agents_formes": "agents",
        "agents_concernes": "agents",
    }.get(champ, "nombre")


def _fr(x: float) -> str:
    return (f"{x:.2f}".rstrip("0").rstrip(".")).replace(".", ",")


def write_demo(landing: Path, *, seed: int = 20240101, **_) -> dict:
    import openpyxl

    rng = random.Random(seed + SEED_OFFSET)
    root = Path(landing) / "saisie"
    root.mkdir(parents=True, exist_ok=True)

    lines: list[list[str]] = []

    def add(org, champ, periode, valeur, comment, date: dt.date, unit=None):
        lines.append(
            [
                org,
                champ,
                periode,
                valeur if isinstance(valeur, str) else _fr(valeur),
                _unit(champ) if unit is None else unit,
                comment,
                rng.choice(AGENTS),
                date.strftime("%d/%m/%Y"),
            ]
        )

    add("nordval", "km_pistes_cyclables", "2023", 405.0, "référence: réseau au 31/12/2023", dt.date(2024, 2, 12))
    add("nordval", "duree_utilisation_informatique", "2023", 5.0, "référence: inventaire 2023", dt.date(2024, 2, 12))
    values = {}
    for k, sem in enumerate(SEMESTERS):
        year, half = int(sem[:4]), int(sem[-1])
        entered = dt.date(year, 7, 10) if half == 1 else dt.date(year + 1, 1, 15)
        values[sem] = _semester_values(rng, k)
        for champ, v in values[sem].items():
            add(
                "" if rng.random() < 0.3 else "nordval",
                champ,
                sem,
                v,
                "",
                entered + dt.timedelta(days=rng.randint(0, 9)),
            )
        if half == 2:  # the IT inventory gives a yearly figure too
            add(
                "nordval",
                "duree_utilisation_informatique",
                str(year),
                values[sem]["duree_utilisation_informatique"],
                f"inventaire du parc informatique {year}",
                entered,
            )
    # the 2024-S2 water figure re-entered after the contractor's corrected report: replaces it
    add(
        "nordval",
        "litres_eau_economises",
        "2024-S2",
        values["2024-S2"]["litres_eau_economises"] + 12_400,
        "bilan corrigé du titulaire",
        dt.date(2025, 3, 3),
    )
    # defects: a field code typed wrong, a period that does not exist
    add("nordval", "reunions_comite_pilotage", "2025-S1", 1.0, "", dt.date(2025, 7, 12), unit="réunions")
    add("nordval", "attestations_pts", "2025-S3", 12.0, "", dt.date(2025, 7, 12))

    write_csv(root / "saisie_2024_2025.csv", HEADER, lines)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "saisie"
    ws.append(list(HEADER))
    v26 = _semester_values(rng, 4)
    for champ, v in v26.items():
        ws.append(["nordval", champ, "2026-S1", v, _unit(champ), None, rng.choice(AGENTS), dt.datetime(2026, 7, 8)])
    ws.append(
        [
            "nordval",
            "attestations_pts",
            "2025-S2",
            values["2025-S2"]["attestations_pts"] + 3,
            "nombre",
            "3 attestations reçues après la clôture",
            "m.benali",
            dt.datetime(2026, 7, 8),
        ]
    )
    save_workbook(wb, root / "saisie_2026-S1.xlsx")
    return {"lines_csv": len(lines), "lines_xlsx": len(v26) + 1, "quarantined": 2, "replaced": 2}
