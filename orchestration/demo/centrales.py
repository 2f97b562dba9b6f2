"""Deterministic demo files of the centrales d'achat feed for the demo organisation (nordval).

Writes under `landing/centrales/`:
- `achats/UGAP_<semester>.xlsx`: UGAP client report, one line per order (Excel);
- `achats/RESAH_<semester>.csv`: RESAH quarterly report per segment (cp1252, `;`, decimal comma);
- `achats/CAIH_<semester>.csv`: CAIH monthly report per domain (UTF-8 with BOM, `;`);
- `referentiel/centrales_achat_reference.csv`: the centrales reference list (published format);
- `agec58/declaration_agec58_2024.csv`: the organisation's filed AGEC art. 58 declaration for 2024
  (official data.gouv.fr schema), for reconciliation with what the centrales report.

Each centrale uses its own column names (configuration file centrales_colonnes.csv maps them). A few
realistic defects: a UGAP line with an unreadable environmental flag (quarantine), a credit
note (negative amount), a line whose re-used share exceeds 100 % (flagged, left out of NAT-5).
Supplier SIRETs of some lines are protected-work suppliers (EA/ESAT) of the fournisseurs demo.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from ..ingest.centrales import AGEC58_FIELDS
from . import catalog as cat
from . import save_workbook, write_csv
from .fournisseurs import demo_classification

SEMESTERS = ("2024-S1", "2024-S2", "2025-S1", "2025-S2", "2026-S1")

# UGAP families: (famille, explicit AGEC category or '' (mapped by seed) or None (not covered),
#                 amount low, high, env propensity, insertion-hours propensity, reuse %, recycled %)
UGAP_FAMILIES = (
    ("Mobilier de bureau", "", 800, 25000, 0.6, 0.1, (0, 25), (10, 40)),
    ("Papeterie", "", 200, 6000, 0.8, 0.0, (0, 0), (30, 90)),
    ("Fournitures de bureau", "Fournitures de bureau", 100, 5000, 0.5, 0.0, (0, 10), (5, 50)),
    ("Véhicules", "Véhicules et pièces détachées", 15000, 60000, 0.7, 0.0, (0, 20), (0, 15)),
    ("Produits d'entretien", None, 200, 8000, 0.7, 0.0, None, None),
    ("Prestations de nettoyage", None, 3000, 40000, 0.5, 0.8, None, None),
    ("Informatique", "Matériel informatique et téléphonie", 1000, 50000, 0.4, 0.0, (0, 30), (0, 10)),
)
RESAH_SEGMENTS = (
    ("Mobilier", 5000, 40000, 0.5, 0.3, (2, 20), (10, 30)),
    ("Textile", 2000, 15000, 0.6, 0.5, (3, 15), (10, 35)),
    ("Restauration", 20000, 90000, 0.7, 0.6, None, None),
    ("Entretien des locaux", 10000, 50000, 0.6, 0.9, None, None),
)
CAIH_DOMAINS = (
    ("Postes de travail", 5000, 60000, 0.3, (5, 30), (0, 10)),
    ("Téléphonie", 1000, 15000, 0.3, (10, 40), (0, 5)),
    ("Logiciels", 3000, 40000, 0.2, None, None),
)


def _months(sem: str) -> list[tuple[int, int]]:
    year, half = int(sem[:4]), int(sem[-1])
    return [(year, m) for m in range(6 * half - 5, 6 * half + 1)]


def _fr(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def _share(rng, rng_pct) -> float | None:
    if rng_pct is None:
        return None
    low, high = rng_pct
    return round(rng.uniform(low, high), 1) if high else 0.0


def write_demo(landing: Path, *, seed: int, **_) -> dict:
    base = Path(landing) / "centrales"
    achats, referentiel, agec = base / "achats", base / "referentiel", base / "agec58"
    for d in (achats, referentiel, agec):
        d.mkdir(parents=True, exist_ok=True)
    suppliers = demo_classification(seed)
    stpa = sorted(s["siret"] for s in suppliers if s["type_structure"] in ("EA", "ESAT") and len(s["siret"]) == 14)
    others = sorted(s["siret"] for s in suppliers if s["type_structure"] == "" and len(s["siret"]) == 14)
    files: dict[str, int] = {}
    defects: dict[str, dict] = {}
    agec_2024: dict[str, list[float]] = {}

    def track(year: int, category: str | None, amount: float, reuse: float, recycled: float) -> None:
        if year == 2024 and category:
            tot = agec_2024.setdefault(category, [0.0, 0.0, 0.0])
            tot[0] += amount
            tot[1] += reuse
            tot[2] += recycled

    seed_categories = {
        "Mobilier de bureau": "Mobilier et aménagement d'intérieur",
        "Papeterie": "Papier",
        "Mobilier": "Mobilier et aménagement d'intérieur",
        "Textile": "Produits textiles à l'exception des équipements de protection individuels",
        "Postes de travail": "Matériel informatique et téléphonie",
        "Téléphonie": "Matériel informatique et téléphonie",
    }

    for s, sem in enumerate(SEMESTERS):
        rng = random.Random((seed << 8) + 0xCE + s)
        year = int(sem[:4])
        growth = 1 + 0.12 * s  # the département uses more responsible offers over time

        # UGAP: Excel, one line per order.
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Commandes"
        ws.append(
            [
                "N° commande",
                "Date de commande",
                "SIRET client",
                "Famille d'achat",
                "Catégorie AGEC",
                "Montant HT (€)",
                "Achat responsable (environnement)",
                "Heures d'insertion",
                "Part réemploi (%)",
                "Part matières recyclées (%)",
                "SIRET titulaire",
            ]
        )
        n_lines = 60
        for i in range(n_lines):
            fam, agec_cat, low, high, p_env, p_hours, reuse_r, recyc_r = rng.choice(UGAP_FAMILIES)
            y, m = rng.choice(_months(sem))
            day = dt.date(y, m, rng.randint(1, 28))
            amount = round(rng.uniform(low, high), 2)
            env = "Oui" if rng.random() < min(0.95, p_env * growth) else "Non"
            hours = round(amount / rng.uniform(60, 120)) if rng.random() < p_hours else None
            reuse, recycled = _share(rng, reuse_r), _share(rng, recyc_r)
            supplier = (
                rng.choice(stpa)
                if fam in ("Fournitures de bureau", "Prestations de nettoyage") and rng.random() < 0.4
                else rng.choice(others)
            )
            ref = f"UG{year}{s}{i:04d}"
            if i == 7 and s == len(SEMESTERS) - 1:
                env = "Oui (partiel)"
                defects["env_illisible"] = {"file": f"centrales/achats/UGAP_{sem}.xlsx", "row": i + 2, "ref": ref}
            if i == 11 and s == 2:
                amount = -round(amount / 3, 2)
                defects["avoir"] = {"file": f"centrales/achats/UGAP_{sem}.xlsx", "row": i + 2, "ref": ref}
            if i == 13 and s == len(SEMESTERS) - 1 and reuse is not None:
                reuse = 120.0
                defects["part_reemploi_incoherente"] = {
                    "file": f"centrales/achats/UGAP_{sem}.xlsx",
                    "row": i + 2,
                    "ref": ref,
                }
            buyer = cat.ORG_COLLEGES_SIRET if fam == "Mobilier de bureau" and rng.random() < 0.5 else cat.ORG_MAIN_SIRET
            ws.append([ref, day, buyer, fam, agec_cat or None, amount, env, hours, reuse, recycled, supplier])
            category = agec_cat or seed_categories.get(fam)
            if reuse is not None and env != "Oui (partiel)" and reuse <= 100:
                track(year, category, amount, amount * reuse / 100, amount * (recycled or 0) / 100)
        path = achats / f"UGAP_{sem}.xlsx"
        save_workbook(wb, path)
        files[f"centrales/achats/{path.name}"] = n_lines

        # RESAH: quarterly, cp1252, decimal comma.
        rows = []
        for q in (2 * int(sem[-1]) - 1, 2 * int(sem[-1])):
            for seg, low, high, p_env, p_hours, reuse_r, recyc_r in RESAH_SEGMENTS:
                amount = round(rng.uniform(low, high) * growth, 2)
                env = (
                    "Clause environnementale"
                    if rng.random() < min(0.95, p_env * growth)
                    else "Pas de considération environnementale"
                )
                hours = _fr(round(amount / rng.uniform(50, 90))) if rng.random() < p_hours else ""
                reuse = round(amount * (_share(rng, reuse_r) or 0) / 100, 2) if reuse_r else None
                recycled = round(amount * (_share(rng, recyc_r) or 0) / 100, 2) if recyc_r else None
                supplier = (
                    rng.choice(stpa) if seg == "Entretien des locaux" and rng.random() < 0.5 else rng.choice(others)
                )
                rows.append(
                    [
                        f"{year}-T{q}",
                        seg,
                        "",
                        _fr(amount),
                        env,
                        hours,
                        "" if reuse is None else _fr(reuse),
                        "" if recycled is None else _fr(recycled),
                        supplier,
                    ]
                )
                if reuse is not None:
                    track(year, seed_categories.get(seg), amount, reuse, recycled or 0)
        path = achats / f"RESAH_{sem}.csv"
        header = [
            "Période",
            "Segment",
            "Categorie_AGEC58",
            "Montant_HT",
            "Consideration_env",
            "Heures_insertion",
            "Montant_reemploi",
            "Montant_recycle",
            "Siret_titulaire",
        ]
        write_csv(path, header, rows)
        files[f"centrales/achats/{path.name}"] = len(rows)

        # CAIH: monthly, UTF-8 with BOM, no insertion hours.
        rows = []
        for y, m in _months(sem):
            for dom, low, high, p_env, reuse_r, recyc_r in CAIH_DOMAINS:
                amount = round(rng.uniform(low, high), 2)
                env = "O" if rng.random() < min(0.9, p_env * growth) else "N"
                reuse = round(amount * (_share(rng, reuse_r) or 0) / 100, 2) if reuse_r else None
                recycled = round(amount * (_share(rng, recyc_r) or 0) / 100, 2) if recyc_r else None
                rows.append(
                    [
                        f"{m:02d}/{y}",
                        dom,
                        _fr(amount),
                        env,
                        "" if reuse is None else _fr(reuse),
                        "" if recycled is None else _fr(recycled),
                        rng.choice(others),
                    ]
                )
                if reuse is not None:
                    track(year, seed_categories.get(dom), amount, reuse, recycled or 0)
        path = achats / f"CAIH_{sem}.csv"
        header = ["Mois", "Domaine", "Total HT", "Clause verte", "Reconditionné HT", "Recyclé HT", "SIRET fournisseur"]
        write_csv(path, header, rows, encoding="utf-8-sig")
        files[f"centrales/achats/{path.name}"] = len(rows)

    # The centrales reference list, in the published format of the shared reference file.
    path = referentiel / "centrales_achat_reference.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Code", "nom_usuel", "acheteur_nom_observe_dans_DECP", "secteur", "siret_candidat", "statut_siret"])
        w.writerow(
            [
                "UGAP",
                "Union des groupements d'achats publics",
                "UNION DES GROUPEMENTS D'ACHATS PUBLICS (UGAP)",
                "généraliste (EPIC)",
                "",
                "à résoudre via SIRENE",
            ]
        )
        w.writerow(
            [
                "RESAH",
                "Réseau des acheteurs hospitaliers",
                "RESEAU DES ACHETEURS HOSPITALIERS",
                "santé / médico-social / collectivités (GIP)",
                "",
                "à résoudre via SIRENE",
            ]
        )
        w.writerow(
            [
                "CAIH",
                "Centrale d'achat de l'informatique hospitalière",
                "",
                "numérique santé / collectivités (GIP)",
                "",
                "à résoudre via SIRENE",
            ]
        )
    files[f"centrales/referentiel/{path.name}"] = 3

    # The 2024 AGEC art. 58 declaration as filed (official schema: UTF-8, ',', '.' decimals).
    path = agec / "declaration_agec58_2024.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(AGEC58_FIELDS)
        for category in sorted(agec_2024):
            total, reuse, recycled = agec_2024[category]
            w.writerow(
                [
                    2024,
                    cat.ORG_MAIN_SIRET,
                    cat.ORG_NAME,
                    category,
                    f"{total * 1.15:.2f}",
                    f"{reuse:.2f}",
                    "0.00",
                    f"{recycled:.2f}",
                    "centrales et marchés propres",
                ]
            )
    files[f"centrales/agec58/{path.name}"] = len(agec_2024)
    return {"org_id": cat.ORG_ID, "files": files, "defects": defects}
