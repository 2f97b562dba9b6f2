"""Deterministic demo files of the insertion feed for the fictional "Département du Nord-Val".

The hours are reported on the demo's real contracts: those of the marché demo (same seed, same
number of contracts) whose DECP record carries a "Clause sociale" or is a "Marché réservé", so
that the lines join fct_marches. Writes under `landing/insertion/`:
- `heures/heures_insertion_<year>.csv|.xlsx`: hours per contract, holder and month, as the
  clause facilitator reports them (2024 and 2026 in CSV cp1252, 2025 in Excel);
- `parcours/parcours_insertion.csv`: the beneficiaries' pathways, their exit and its type.

Defects injected on purpose (reported in the summary): a month that does not exist
(quarantine), negative hours (excluded), a contract id unknown to the DECP (flagged, counted),
a buyer SIRET with a wrong check digit (excluded: no organisation), an exit before the entry,
an ended pathway without exit type, an exit type outside the list.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from ..ingest.insertion import HEURES_COLUMNS, PARCOURS_COLUMNS
from . import catalog as cat
from . import save_workbook, write_csv
from .generator import ContractFactory, _allocate, semesters_between

FIRST, LAST = "2024-S1", "2026-S1"
LAST_MONTH = dt.date(2026, 6, 1)
# the contracts' columns, in their order
HEURES_HEADER = [c.name for c in HEURES_COLUMNS]
PARCOURS_HEADER = [c.name for c in PARCOURS_COLUMNS]
STRUCTURES = [
    "Chantier d'insertion Val Nature",
    "Entreprise d'insertion Nord Bâtiment",
    "ETTI Val Intérim",
    "Association intermédiaire Solidarité Sambre",
    "GEIQ BTP Nord-Val",
]
# exit type, weight (roughly the national IAE mix: about half of the exits are positive)
SORTIES = [
    ("CDI", 10),
    ("CDD_6_MOIS_PLUS", 12),
    ("CREATION_ENTREPRISE", 1),
    ("CDD_MOINS_6_MOIS", 14),
    ("CONTRAT_AIDE", 5),
    ("FORMATION_QUALIFIANTE", 8),
    ("AUTRE_SIAE", 4),
    ("SANS_EMPLOI", 22),
    ("ABANDON", 12),
    ("INCONNUE", 6),
    ("DEMENAGEMENT", 3),
    ("SANTE", 3),
]
HOURLY_COST_EUR = 35.0  # loaded hourly cost used to turn the insertion share into hours


def insertion_contracts(seed: int, n_contracts: int, n_buyers: int | None = None) -> list[dict]:
    """The organisation's demo contracts with a social clause, rebuilt exactly as the marché demo
    builds them (same allocation and buyers, and the two defect contracts of that demo left aside).
    With `n_buyers` (national scale) most contracts belong to other buyers and are skipped."""
    semesters = semesters_between(FIRST, LAST)
    counts = _allocate(n_contracts, [(s.end - s.start).days + 1 for s in semesters])
    starts = [0]
    for c in counts:
        starts.append(starts[-1] + c)
    last = len(semesters) - 1
    master = random.Random(seed)  # same draws as generator.generate_demo
    dup_idx = master.randrange(starts[0], starts[1])
    outlier_idx, outlier_sem = dup_idx, min(2, last)
    while outlier_idx == dup_idx:
        outlier_idx = master.randrange(starts[outlier_sem], starts[outlier_sem + 1])
    factory = ContractFactory(seed, semesters, n_buyers, {dup_idx: "duplicate", outlier_idx: "outlier"})
    selected = []
    for s in range(len(semesters)):
        for index in range(starts[s], starts[s + 1]):
            if index in (dup_idx, outlier_idx) or not factory.is_org(index, s):
                continue
            record = factory.build(index, s).record
            sociales = record["considerationsSociales"]["considerationSociale"]
            if record["acheteur"]["id"] not in cat.ORG_BUYER_SIRETS:
                continue
            if "Clause sociale" in sociales or "Marché réservé" in sociales:
                selected.append(record)
    return selected


def _months(start: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def write_demo(
    landing: Path, *, seed: int = 20240101, n_contracts: int = 3000, n_buyers: int | None = None, **_
) -> dict:
    rng = random.Random(seed + 1300)
    root = Path(landing) / "insertion"
    (root / "heures").mkdir(parents=True, exist_ok=True)
    (root / "parcours").mkdir(parents=True, exist_ok=True)
    contracts = insertion_contracts(seed, n_contracts, n_buyers)

    by_year: dict[int, list[list]] = {2024: [], 2025: [], 2026: []}
    parcours: list[list] = []
    n_parcours = 0
    for record in contracts:
        notified = dt.date.fromisoformat(record["dateNotification"])
        duration = max(1, int(record.get("dureeMois") or 12))
        share = (
            rng.uniform(0.02, 0.05)
            if "Clause sociale" in record["considerationsSociales"]["considerationSociale"]
            else rng.uniform(0.15, 0.3)
        )
        total_hours = min(record["montant"], 3e6) * share / HOURLY_COST_EUR
        per_month = total_hours / duration
        holder = record["titulaires"][0]["titulaire"]
        holder_siret = holder["id"] if holder.get("typeIdentifiant", "SIRET") == "SIRET" else ""
        structure = rng.choice(STRUCTURES)
        first_month = _months(notified, 2)[1]  # work starts the month after notification
        months = [m for m in _months(first_month, duration) if m <= LAST_MONTH]
        beneficiaries = max(1, round(per_month / 120))
        for month in months:
            hours = round(per_month * rng.uniform(0.6, 1.4), 1)
            if hours < 1:
                continue
            by_year[month.year].append(
                [
                    record["acheteur"]["id"],
                    record["id"],
                    month.strftime("%m/%Y"),
                    f"{hours:.1f}".replace(".", ","),
                    holder_siret,
                    structure,
                    beneficiaries,
                    "",
                ]
            )
        # pathways of the beneficiaries on this contract
        for _ in range(beneficiaries + (1 if duration > 12 else 0)):
            n_parcours += 1
            entry = first_month + dt.timedelta(days=rng.randrange(0, 60))
            length = rng.randint(90, 540)
            exit_day = entry + dt.timedelta(days=length)
            ended = exit_day <= dt.date(2026, 6, 30)
            kind = rng.choices([k for k, _ in SORTIES], [w for _, w in SORTIES])[0] if ended else ""
            parcours.append(
                [
                    f"P-{n_parcours:05d}",
                    record["acheteur"]["id"],
                    record["id"],
                    structure,
                    entry.strftime("%d/%m/%Y"),
                    exit_day.strftime("%d/%m/%Y") if ended else "",
                    kind,
                    f"{min(length, 365) * 3.5:.0f}",
                ]
            )

    defects: dict[str, dict] = {}
    r24, r25, r26 = by_year[2024], by_year[2025], by_year[2026]
    r24[7][2] = "13/2024"
    defects["mois_inexistant"] = {"file": "heures/heures_insertion_2024.csv", "id_marche": r24[7][1], "mois": "13/2024"}
    r25[12][3] = "-" + r25[12][3]
    defects["heures_negatives"] = {"file": "heures/heures_insertion_2025.xlsx", "id_marche": r25[12][1]}
    r26.append(
        [
            cat.ORG_MAIN_SIRET,
            "2026X999999",
            "03/2026",
            "120,0",
            "",
            STRUCTURES[0],
            1,
            "marché de travaux hors DECP (convention)",
        ]
    )
    defects["marche_inconnu"] = {"file": "heures/heures_insertion_2026.csv", "id_marche": "2026X999999"}
    wrong_siret = cat.ORG_MAIN_SIRET[:-1] + str((int(cat.ORG_MAIN_SIRET[-1]) + 1) % 10)
    r26[3][0] = wrong_siret
    defects["siret_acheteur_errone"] = {
        "file": "heures/heures_insertion_2026.csv",
        "id_marche": r26[3][1],
        "siret_acheteur": wrong_siret,
    }
    ended = [p for p in parcours if p[5]]
    ended[3][5] = (dt.datetime.strptime(ended[3][4], "%d/%m/%Y") - dt.timedelta(days=30)).strftime("%d/%m/%Y")
    ended[8][6] = ""
    ended[11][6] = "EMBAUCHE"
    defects["sortie_avant_entree"] = {"id_parcours": ended[3][0]}
    defects["type_sortie_absent"] = {"id_parcours": ended[8][0]}
    defects["type_sortie_hors_liste"] = {"id_parcours": ended[11][0], "type_sortie": "EMBAUCHE"}

    files: dict[str, int] = {}
    for year, rows in ((2024, r24), (2026, r26)):
        name = f"heures/heures_insertion_{year}.csv"
        write_csv(root / name, HEURES_HEADER, rows)
        files[name] = len(rows)
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Heures d'insertion"
    ws.append(HEURES_HEADER)
    for row in r25:
        ws.append(
            [row[0], row[1], row[2], float(row[3].replace(",", ".")), row[4] or None, row[5], row[6], row[7] or None]
        )
    save_workbook(wb, root / "heures" / "heures_insertion_2025.xlsx")
    files["heures/heures_insertion_2025.xlsx"] = len(r25)
    write_csv(root / "parcours" / "parcours_insertion.csv", PARCOURS_HEADER, parcours)
    files["parcours/parcours_insertion.csv"] = len(parcours)
    return {
        "org_id": cat.ORG_ID,
        "seed": seed,
        "contracts_with_hours": len(contracts),
        "files": files,
        "defects": defects,
    }
