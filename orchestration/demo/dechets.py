"""Deterministic demo files of the waste feed for the fictional "Département du Nord-Val".

Writes under `landing/dechets/`:
- `registre/`: the outgoing waste registry, 2023-S1..2026-S1 (2023 is the reference year of
  BES-6): Trackdéchets "registre" exports (CSV, UTF-8 with BOM, `;`) for 2023-2024 and
  2026-S1, and the RNDTS "déchets sortants" file in Excel for 2025 (with a MODIFIER and an
  ANNULER line, as a producer corrects its registry);
- `granulats/chantiers_granulats.csv`: road-work sites and the aggregates they saved (cp1252);
- `reemploi/ventes_et_achats_reemploi.xlsx`: auction sales and second-hand purchases.

Defects injected on purpose (reported in the summary): a weight that is not a number and a
date that does not exist (quarantine), a weight typed in kg (implausible, excluded from BES-6),
a cancelled bordereau, an unknown waste code, intermediate operations (R13, D15) without final
destination, a site whose recycled tonnage exceeds its total, an unknown operation type.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

from ..ingest.dechets import GRANULATS_COLUMNS, REEMPLOI_COLUMNS
from . import catalog as cat
from . import save_workbook, write_csv

SEMESTERS = ["2023-S1", "2023-S2", "2024-S1", "2024-S2", "2025-S1", "2025-S2", "2026-S1"]

# Trackdéchets OUTGOING export headers used by the demo (the real export has 165 columns;
# the reader needs only these).
EXPORT_HEADER = [
    "Source",
    "identifiant unique",
    "N° de bordereau",
    "SIRET du déclarant",
    "Date d'expédition",
    "Date de réalisation de l'opération",
    "Type de bordereau",
    "Statut du bordereau",
    "Dénomination usuelle",
    "Code déchet",
    "Dangereux",
    "Émetteur - Quantité de déchet",
    "Émetteur - Type de quantité",
    "Expéditeur - N° d'identification",
    "Expéditeur - Raison sociale",
    "Expéditeur - Référence du chantier / lieu de collecte",
    "Destination - N° d'identification",
    "Destination - Raison sociale",
    "Quantité acceptée / traitée nette (tonnes)",
    "Code opération prévu",
    "Mode opération prévu",
    "Code(s) de traitement réalisé(s)",
    "Mode(s) de traitement réalisé(s)",
    "Destination finale - Code(s) de traitement final réalisé(s)",
    "Quantité finale (tonnes)",
]
# RNDTS "registre des déchets sortants" import headers used by the demo (100 in the template).
RNDTS_HEADER = [
    "Motif",
    "Identifiant unique",
    "SIRET du déclarant",
    "SIRET de l'expéditeur ou du détenteur",
    "Référence du chantier ou du lieu de collecte de l'expéditeur ou du détenteur",
    "Dénomination du déchet",
    "Code déchet",
    "Dangereux",
    "Date d'expédition",
    "Poids en tonnes",
    "Type de poids",
    "Numéro d'identification du destinataire",
    "Raison sociale du destinataire",
    "Code de traitement prévu",
    "Mode de traitement prévu",
]

# Waste streams: code, usual name, planned code, mode, final code after an intermediate
# operation (None: the planned operation is final), mean tonnes per pickup, pickups per site
# and semester, site kinds producing it.
STREAMS = [
    ("20 03 01", "Déchets non dangereux en mélange", "R1", "VALORISATION_ENERGETIQUE", None, 1.6, 5, "cb"),
    ("20 03 01", "Refus de tri en mélange", "D5", "ELIMINATION", None, 1.2, 2, "b"),
    ("20 01 01", "Papiers et cartons de bureau", "R3", "RECYCLAGE", None, 0.45, 4, "cb"),
    ("15 01 02", "Emballages en matières plastiques", "R3", "RECYCLAGE", None, 0.12, 3, "c"),
    ("20 01 08", "Biodéchets de restauration scolaire", "R3", "RECYCLAGE", None, 0.6, 6, "c"),
    ("20 02 01", "Déchets verts de fauchage", "R3", "RECYCLAGE", None, 9.0, 3, "r"),
    ("17 03 02", "Fraisats d'enrobés", "R5", "RECYCLAGE", None, 38.0, 3, "r"),
    ("17 09 04", "Déchets de chantier en mélange", "R13", None, "R5", 6.5, 2, "r"),
    ("20 03 03", "Déchets de nettoyage des routes", "D5", "ELIMINATION", None, 4.0, 3, "r"),
    ("20 01 40", "Métaux", "R4", "RECYCLAGE", None, 0.8, 1, "rb"),
    ("20 01 36", "Équipements électriques et électroniques hors d'usage", "R13", None, "R4", 0.35, 1, "cb"),
    ("20 01 21*", "Tubes fluorescents", "R13", None, "R4", 0.03, 1, "b"),
    ("13 02 05*", "Huiles moteur usagées", "R9", "RECYCLAGE", None, 0.4, 1, "r"),
    ("20 03 07", "Mobilier de bureau réformé (ressourcerie)", "R0", "REUTILISATION", None, 0.9, 1, "cb"),
    ("17 06 05*", "Matériaux de construction contenant de l'amiante", "D15", None, "D5", 1.1, 1, "q"),
]
DESTINATIONS = {
    "R1": ("53489876500013", "Unité de valorisation énergétique du Val"),
    "D5": ("44230956200021", "Installation de stockage de déchets non dangereux de Noirval"),
    "R3": ("81234567800016", "Centre de tri et de compostage Nord-Val Recyclage"),
    "R5": ("39876543200011", "Plateforme de recyclage des matériaux routiers"),
    "R13": ("51122233300017", "Déchèterie professionnelle de Bellerive (transit)"),
    "R4": ("42255566600013", "Nord Métaux Recyclage"),
    "R9": ("38899900000016", "Régénération des huiles du Nord"),
    "R0": ("80011122200018", "Ressourcerie solidaire de Valbrune"),
    "D15": ("50033344400012", "Plateforme de transit amiante"),
}


def _semester_bounds(label: str) -> tuple[dt.date, dt.date]:
    year, half = int(label[:4]), int(label[-1])
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))


def _day(rng: random.Random, label: str) -> dt.date:
    start, end = _semester_bounds(label)
    while True:
        day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
        if day.weekday() < 5:
            return day


def _sites() -> list[tuple[str, str, str]]:
    """(site reference, kind, producer SIRET): collèges (c), buildings (b), road centres (r)."""
    sites = [(college, "c", cat.ORG_COLLEGES_SIRET) for college in cat.COLLEGES]
    sites += [(b, "b", cat.ORG_MAIN_SIRET) for b in cat.BATIMENTS if "routier" not in b]
    sites += [(f"Centre d'exploitation routier {s}", "r", cat.ORG_MAIN_SIRET) for s in cat.SECTEURS[:5]]
    sites += [("Chantier de désamiantage du collège Jean Jaurès", "q", cat.ORG_COLLEGES_SIRET)]
    return sites


def _registry_lines(seed: int) -> list[dict]:
    """Every pickup of 2023-S1..2026-S1, with a slow decrease of the tonnages (BES-6)."""
    rng = random.Random(seed + 6102)
    lines, n = [], 0
    for s, label in enumerate(SEMESTERS):
        trend = 0.95 ** (s / 2)  # about -5 % a year
        for site, kind, siret in _sites():
            for code, name, planned, mode, final, mean_t, pickups, kinds in STREAMS:
                if kind not in kinds:
                    continue
                if kind == "q" and label != "2025-S2":  # asbestos removal: one site, one semester
                    continue
                for _ in range(pickups):
                    n += 1
                    weight = round(mean_t * trend * math.exp(rng.gauss(0, 0.35)), 3)
                    day = _day(rng, label)
                    done = day + dt.timedelta(days=rng.randrange(2, 25))
                    lines.append(
                        {
                            "n": n,
                            "semester": label,
                            "site": site,
                            "siret": siret,
                            "code": code,
                            "name": name,
                            "planned": planned,
                            "mode": mode,
                            "final": final,
                            "weight": max(weight, 0.005),
                            "day": day,
                            "done": done,
                            "estimate": rng.random() < 0.3,
                        }
                    )
    return lines


def _fr(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def _export_row(line: dict, status: str = "PROCESSED") -> list[str]:
    dest_siret, dest_name = DESTINATIONS[line["planned"]]
    dangerous = line["code"].endswith("*")
    realised = line["planned"]
    final = line["final"] or ""
    final_weight = f"{line['weight'] * 0.97:.3f}" if final else ""
    return [
        "BSD" if dangerous else "REGISTRY",
        f"ND-{line['n']:06d}",
        f"BSDD-{line['day']:%Y%m%d}-{line['n']:05d}" if dangerous else "",
        cat.ORG_MAIN_SIRET,
        line["day"].isoformat(),
        line["done"].isoformat(),
        "BSDD" if dangerous else "",
        status if dangerous else "",
        line["name"],
        line["code"],
        "O" if dangerous else "N",
        f"{line['weight']:.3f}",
        "ESTIME" if line["estimate"] else "REEL",
        line["siret"],
        cat.ORG_NAME,
        line["site"],
        dest_siret,
        dest_name,
        f"{line['weight']:.3f}",
        line["planned"],
        line["mode"] or "",
        realised,
        line["mode"] or "",
        final,
        final_weight,
    ]


def _rndts_row(line: dict, motif: str = "") -> list:
    dest_siret, dest_name = DESTINATIONS[line["planned"]]
    return [
        motif,
        f"RN-{line['n']:06d}",
        cat.ORG_MAIN_SIRET,
        line["siret"],
        line["site"],
        line["name"],
        line["code"],
        "OUI" if line["code"].endswith("*") else "NON",
        line["day"],
        line["weight"],
        "ESTIME" if line["estimate"] else "REEL",
        dest_siret,
        dest_name,
        line["planned"],
        line["mode"] or "",
    ]


def _write_registre(folder: Path, seed: int) -> dict:
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    lines = _registry_lines(seed)
    defects: dict[str, dict] = {}
    files: dict[str, int] = {}

    def export(name: str, semesters: list[str], inject: bool) -> None:
        rows = []
        for line in (x for x in lines if x["semester"] in semesters):
            rows.append(_export_row(line))
        if inject:
            # a weight typed in kg in the tonnes column: implausible, excluded from BES-6
            rows[10][11] = "12500.000"
            defects["poids_en_kg"] = {"file": name, "identifiant": rows[10][1], "poids_t": 12500.0}
            # a weight that is not a number: quarantine
            rows[20][11] = "2,5 t"
            defects["poids_non_numerique"] = {"file": name, "identifiant": rows[20][1], "line": 22}
            # a cancelled hazardous-waste bordereau: not produced waste
            dangerous = next(r for r in rows if r[10] == "O")
            dangerous[7] = "CANCELED"
            defects["bordereau_annule"] = {"file": name, "identifiant": dangerous[1]}
            # a code that is not in the European List of Waste
            rows[30][9] = "20 03 10"
            defects["code_dechet_inconnu"] = {"file": name, "identifiant": rows[30][1], "code": "20 03 10"}
        write_csv(folder / name, EXPORT_HEADER, rows, encoding="utf-8-sig")
        files[f"registre/{name}"] = len(rows)

    export("export_registre_sortant_2023_2024.csv", SEMESTERS[:4], inject=True)
    export("export_registre_sortant_2026-S1.csv", SEMESTERS[6:], inject=False)

    # 2025: the RNDTS "déchets sortants" file, in Excel, with a correction and a cancellation.
    name = "registre_dechets_sortants_2025.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Déchets sortants"
    ws.append(RNDTS_HEADER)
    year_lines = [x for x in lines if x["semester"] in SEMESTERS[4:6]]
    for line in year_lines:
        ws.append(_rndts_row(line))
    corrected = year_lines[5]
    ws.append(_rndts_row(corrected | {"weight": round(corrected["weight"] * 0.8, 3)}, motif="MODIFIER"))
    cancelled = year_lines[7]
    ws.append(_rndts_row(cancelled, motif="ANNULER"))
    save_workbook(wb, folder / name)
    files[f"registre/{name}"] = len(year_lines) + 2
    defects["ligne_modifiee"] = {"file": name, "identifiant": f"RN-{corrected['n']:06d}"}
    defects["ligne_annulee"] = {"file": name, "identifiant": f"RN-{cancelled['n']:06d}"}
    return {"files": files, "defects": defects, "lines": len(lines)}


# --- Road works -------------------------------------------------------------------------------

MATERIAUX = [("agrégats d'enrobés", 0.35), ("graves recyclées", 0.6), ("retraitement en place", 0.85)]
GRANULATS_HEADER = [c.name for c in GRANULATS_COLUMNS]  # the contract's columns, in its order


def _write_granulats(folder: Path, seed: int) -> dict:
    rng = random.Random(seed + 6104)
    folder.mkdir(parents=True, exist_ok=True)
    rows, n = [], 0
    for s, label in enumerate(SEMESTERS):
        for _ in range(rng.randint(9, 13)):
            n += 1
            materiau, base_share = rng.choice(MATERIAUX)
            share = min(0.95, base_share * (0.8 + 0.06 * s) * rng.uniform(0.85, 1.15))
            total = round(math.exp(rng.uniform(math.log(400), math.log(9000))), 1)
            recycled = round(total * share, 1)
            known = rng.random() < 0.8
            commune = rng.choice(cat.COMMUNES)[0]
            rows.append(
                [
                    f"CH-{label[:4]}-{n:03d}",
                    _day(rng, label).strftime("%d/%m/%Y"),
                    commune,
                    cat.ORG_MAIN_SIRET,
                    "",
                    materiau,
                    _fr(total, 1),
                    _fr(recycled, 1),
                    _fr(recycled * rng.uniform(0.9, 1.0), 1) if known else "",
                    "pesées des matériaux recyclés" if known else "",
                    rng.choice(["DOE", "bons de pesée"]),
                ]
            )
    defects = {
        "date_inexistante": {"chantier_id": rows[15][0], "date_fin": "31/06/2025"},
        "recycle_superieur_total": {"chantier_id": rows[40][0]},
    }
    rows[15][1] = "31/06/2025"
    rows[40][7] = _fr(float(rows[40][6].replace(",", ".")) * 1.4, 1)
    rows[40][8] = ""
    name = "chantiers_granulats.csv"
    write_csv(folder / name, GRANULATS_HEADER, rows)
    return {"files": {f"granulats/{name}": len(rows)}, "defects": defects}


# --- Auction sales and second-hand purchases -----------------------------------------------------

VENTES = [
    ("Véhicule léger réformé", "véhicules", 1500, 9000, 1.1),
    ("Camion de viabilité hivernale", "véhicules", 6000, 28000, 9.0),
    ("Lot de mobilier scolaire", "mobilier", 200, 1500, 0.8),
    ("Lot de matériel informatique", "informatique", 300, 2500, 0.3),
    ("Tondeuse autoportée", "matériel", 800, 3500, 0.4),
]
ACHATS = [
    ("Mobilier de bureau de réemploi", "mobilier", 800, 6000, 0.55, 0.6),
    ("Ordinateurs portables reconditionnés", "informatique", 3000, 25000, 0.6, 0.05),
    ("Téléphones reconditionnés", "informatique", 500, 4000, 0.55, None),
    ("Chaises de réemploi pour collège", "mobilier", 400, 3000, 0.5, 0.9),
]
REEMPLOI_HEADER = [c.name for c in REEMPLOI_COLUMNS]


def _write_reemploi(folder: Path, seed: int) -> dict:
    import openpyxl

    rng = random.Random(seed + 6107)
    folder.mkdir(parents=True, exist_ok=True)
    rows, n = [], 0
    for s, label in enumerate(SEMESTERS[2:], start=2):
        for _ in range(rng.randint(5, 8)):  # auctions
            n += 1
            objet, categorie, low, high, tonnes = rng.choice(VENTES)
            rows.append(
                [
                    f"ENC-{n:04d}",
                    "vente_encheres",
                    dt.datetime.combine(_day(rng, label), dt.time()),
                    objet,
                    categorie,
                    rng.choice(["Agorastore", "Webenchères"]),
                    round(rng.uniform(low, high), 2),
                    None,
                    tonnes if rng.random() < 0.7 else None,
                    None,
                ]
            )
        for _ in range(rng.randint(3, 5) + s // 2):  # second-hand purchases grow
            n += 1
            objet, categorie, low, high, discount, t_per_keur = rng.choice(ACHATS)
            paid = round(rng.uniform(low, high), 2)
            new_price = round(paid / discount * rng.uniform(0.9, 1.1), 2)
            rows.append(
                [
                    f"ACH-{n:04d}",
                    "achat_seconde_main",
                    dt.datetime.combine(_day(rng, label), dt.time()),
                    objet,
                    categorie,
                    "Ressourcerie solidaire de Valbrune"
                    if categorie == "mobilier"
                    else "Reconditionneur Nord Numérique",
                    paid,
                    new_price,
                    round(paid / 1000 * t_per_keur, 3) if t_per_keur else None,
                    None,
                ]
            )
    purchase = next(r for r in rows[5:] if r[1] == "achat_seconde_main")
    defects = {"type_inconnu": {"reference": rows[3][0]}, "prix_neuf_inconnu": {"reference": purchase[0]}}
    rows[3][1] = "don"  # a donation is neither a sale nor a purchase: excluded with its reason
    purchase[7] = None  # saving unknown: left out of BES-7, tonnes avoided still reported
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Réemploi"
    ws.append(REEMPLOI_HEADER)
    for row in rows:
        ws.append(row)
    name = "ventes_et_achats_reemploi.xlsx"
    save_workbook(wb, folder / name)
    return {"files": {f"reemploi/{name}": len(rows)}, "defects": defects}


def write_demo(landing: Path, *, seed: int = 20240101, **_) -> dict:
    root = Path(landing) / "dechets"
    registre = _write_registre(root / "registre", seed)
    granulats = _write_granulats(root / "granulats", seed)
    reemploi = _write_reemploi(root / "reemploi", seed)
    return {
        "org_id": cat.ORG_ID,
        "seed": seed,
        "files": registre["files"] | granulats["files"] | reemploi["files"],
        "defects": registre["defects"] | granulats["defects"] | reemploi["defects"],
    }
