"""Demo catering files for the fictional "Département du Nord-Val" (docs/feeds/restauration.md).

Writes under `landing/restauration/`:
- `etablissements/etablissements_restauration.xlsx`: 36 collèges and 6 other establishments;
- `bilans/bilans_simples_<year>.csv` for 2023-2025: ma-cantine "bilan simple" files as
  ma-cantine publishes them (comma, UTF-8, decimal point), EUR HT per canteen and year;
- `teledeclarations/campagne_td_2024.csv`: the open-data campaign format (shares only);
- `label_local/label_ici_je_mange_local.csv`: labels awarded in 2024 and 2025 (French CSV).

Realistic defects: a bilan whose total is "NC" (quarantine), a bilan whose EGALim parts
exceed its total (kept, flagged, left out of NAT-3/NAT-4), a bilan sent twice (the last line
wins), a canteen outside the département's list (ignored), a label naming a lycée of the
Région (not an establishment of the département: flagged, not counted), a label level 4 (warn).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from ..ingest.restauration import ETABLISSEMENT_COLUMNS, LABEL_COLUMNS
from . import catalog as cat
from . import save_workbook, write_csv

SEED_OFFSET = 0x5E57A0  # "restau": this feed's stream of the demo seed
YEARS = (2023, 2024, 2025)
N_COLLEGES = 36
# EGALim progress of the département's canteens: (durables et de qualité incl. bio, bio) shares
TRAJECTORY = {2023: (0.31, 0.14), 2024: (0.39, 0.17), 2025: (0.47, 0.21)}
AUTRES = (
    ("Foyer départemental de l'enfance", "autre"),
    ("Institut départemental de l'enfance et de la famille", "autre"),
    ("Restaurant administratif de l'Hôtel du Département", "autre"),
    ("EHPAD départemental Les Tilleuls", "autre"),
    ("Maison d'enfants à caractère social Le Verger", "autre"),
    ("Centre départemental de vacances de Bois-Guérin", "autre"),
)
BILAN_HEADER = (
    "siret",
    "année_bilan",
    "valeur_totale",
    "valeur_bio",
    "valeur_bio_dont_commerce_equitable",
    "valeur_siqo",
    "valeur_externalites_performance",
    "valeur_egalim_autres",
    "valeur_egalim_autres_dont_commerce_equitable",
    "valeur_viandes_volailles",
    "valeur_viandes_volailles_egalim",
    "valeur_viandes_volailles_france",
    "valeur_produits_de_la_mer",
    "valeur_produits_de_la_mer_egalim",
    "valeur_produits_de_la_mer_france",
    "valeur_fruits_et_legumes_france",
    "valeur_charcuterie_france",
    "valeur_produits_laitiers_france",
    "valeur_boulangerie_france",
    "valeur_boissons_france",
    "valeur_autres_france",
)
TD_HEADER = (
    "id",
    "applicant_id",
    "teledeclaration_mode",
    "year",
    "version",
    "canteen_id",
    "canteen_siret",
    "canteen_name",
    "canteen_central_kitchen_siret",
    "canteen_city_insee_code",
    "canteen_epci",
    "canteen_epci_lib",
    "canteen_pat_list",
    "canteen_pat_lib_list",
    "canteen_department",
    "canteen_department_lib",
    "canteen_region",
    "canteen_region_lib",
    "canteen_satellite_canteens_count",
    "canteen_economic_model",
    "canteen_management_type",
    "canteen_production_type",
    "canteen_sector_list",
    "canteen_line_ministry",
    "teledeclaration_type",
    "teledeclaration_ratio_bio",
    "teledeclaration_ratio_egalim_hors_bio",
    "creation_date",
)
LABEL_HEADER = tuple(c.name for c in LABEL_COLUMNS)  # the contract's columns, in its order
# A canteen of a commune (not the département's) and a lycée of the Région.
FOREIGN_CANTEEN = (cat.with_luhn_key("2159090100001"), "Restaurant scolaire de la commune de Noirval")
LYCEE_REGION = (cat.with_luhn_key("1959099900001"), "Lycée régional Paul Hazard")


def establishments() -> list[tuple[str, str, str, str]]:
    """(siret, nom, type_etablissement, uai) of the demo département's canteens."""
    rows = []
    names = [f"{n[0].upper()}{n[1:]} de {c}" for c in (name for _, name in cat.COMMUNES[:3]) for n in cat.COLLEGES]
    for i, name in enumerate(names[:N_COLLEGES]):
        siret = cat.with_luhn_key(f"1959{i + 10:03d}100001")  # an EPLE has its own SIREN
        rows.append((siret, name, "Collège", f"0599{i + 10:03d}{'ABCDEFGHJKLMNPRSTUVWXYZ'[i % 23]}"))
    for i, (name, kind) in enumerate(AUTRES):
        rows.append((cat.with_luhn_key(f"22590099201{i + 10:02d}"), name, kind, ""))
    return rows


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def write_demo(landing: Path, *, seed: int = 20240101, **_) -> dict:
    import openpyxl

    rng = random.Random(seed + SEED_OFFSET)
    root = Path(landing) / "restauration"
    for sub in ("etablissements", "bilans", "teledeclarations", "label_local"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    etabs = establishments()

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "etablissements"
    ws.append([c.name for c in ETABLISSEMENT_COLUMNS])
    for siret, nom, kind, uai in etabs:
        ws.append([siret, nom, kind, uai or None, rng.choice(cat.COMMUNES)[1]])
    save_workbook(wb, root / "etablissements" / "etablissements_restauration.xlsx")

    summary = {"etablissements": len(etabs), "bilans": 0, "bilans_quarantined": 0, "bilans_flagged": 0}
    ratios_2024: dict[str, tuple[float, float]] = {}
    for year in YEARS:
        durable_share, bio_share = TRAJECTORY[year]
        lines = []
        for k, (siret, nom, kind, _) in enumerate(etabs):
            if kind != "Collège" and rng.random() < 0.25:
                continue  # some social establishments do not declare every year
            total = round(rng.uniform(60_000, 320_000) if kind == "Collège" else rng.uniform(25_000, 180_000), 2)
            bio = round(total * max(0.02, rng.gauss(bio_share, 0.05)), 2)
            durable = max(bio, total * max(0.05, rng.gauss(durable_share, 0.08)))
            siqo = round((durable - bio) * 0.45, 2)
            ext = round((durable - bio) * 0.15, 2)
            autres = round(durable - bio - siqo - ext, 2)
            viandes = round(total * 0.28, 2)
            line = [
                siret,
                str(year),
                _fmt(total),
                _fmt(bio),
                _fmt(bio * 0.05),
                _fmt(siqo),
                _fmt(ext),
                _fmt(autres),
                "",
                _fmt(viandes),
                _fmt(viandes * durable_share * 0.9),
                _fmt(viandes * 0.7),
            ] + [""] * 9
            if year == 2024:
                ratios_2024[siret] = (bio / total, (durable - bio) / total)
            lines.append(line)
        lines.append([FOREIGN_CANTEEN[0], str(year), "45000", "9000", "", "4000", "", "3500", ""] + [""] * 12)
        if year == 2024:  # an export with "NC" (non communiqué) in place of the total: quarantine
            lines[3][2] = "NC"
            summary["bilans_quarantined"] += 1
        if year == 2025:
            # bio typed in cents: parts above the total, flagged and left out of NAT-3/NAT-4
            lines[5][3] = _fmt(float(lines[5][3]) * 100)
            summary["bilans_flagged"] += 1
            # the first line sent again with a corrected total: the last line wins
            fixed = list(lines[0])
            fixed[2] = _fmt(float(fixed[2]) + 1250.0)
            lines.append(fixed)
        # as ma-cantine publishes it: UTF-8, `,`, LF
        write_csv(
            root / "bilans" / f"bilans_simples_{year}.csv",
            BILAN_HEADER,
            lines,
            encoding="utf-8",
            delimiter=",",
            lineterminator="\n",
        )
        summary["bilans"] += len(lines)

    # The 2024 open-data campaign (département 59 rows): shares only, consistent with the bilans.
    with (root / "teledeclarations" / "campagne_td_2024.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TD_HEADER)
        for n, (siret, nom, kind, _) in enumerate(etabs + [(FOREIGN_CANTEEN[0], FOREIGN_CANTEEN[1], "École", "")]):
            bio, egalim = ratios_2024.get(siret, (0.2, 0.1523))
            sector = (
                "Secondaire collège"
                if kind == "Collège"
                else (
                    "Ecole primaire (maternelle et élémentaire)"
                    if kind == "École"
                    else "Autres établissements sociaux et médico-sociaux"
                )
            )
            w.writerow(
                [
                    30_000 + n,
                    9_000 + n,
                    "SITE",
                    2024,
                    11,
                    70_000 + n,
                    siret,
                    nom,
                    "",
                    "59901",
                    "",
                    "",
                    "",
                    "",
                    "59",
                    "Nord-Val",
                    "32",
                    "Hauts-de-France",
                    "",
                    "public",
                    "direct",
                    "site",
                    sector,
                    "",
                    "",
                    f"{bio:.4f}",
                    f"{egalim:.4f}",
                    f"2025-03-{1 + n % 28:02d}T10:00:00+01:00",
                ]
            )

    # Labels: 2024 then 2025, more collèges each year; a lycée of the Région in the list.
    colleges = [e for e in etabs if e[2] == "Collège"]
    autres = [e for e in etabs if e[2] != "Collège"]
    with (root / "label_local" / "label_ici_je_mange_local.csv").open("w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(LABEL_HEADER)
        for year, n_col, n_autres in ((2024, 12, 2), (2025, 18, 3)):
            acte = f"Délibération de remise du label {year}"
            for siret, nom, kind, _ in colleges[:n_col] + autres[:n_autres]:
                niveau = rng.choice((1, 1, 2, 2, 3))
                part = {1: 0.2, 2: 0.4, 3: 0.6}[niveau] + rng.uniform(0.0, 0.12)
                w.writerow(
                    [
                        year,
                        siret,
                        nom,
                        "collège" if kind == "Collège" else "ESMS",
                        niveau,
                        "Oui" if rng.random() < 0.3 else "Non",
                        f"{part:.2f}".replace(".", ","),
                        niveau + 1 + rng.randint(0, 1),
                        acte,
                    ]
                )
            w.writerow([year, LYCEE_REGION[0], LYCEE_REGION[1], "lycée", 2, "Non", "0,45", 3, acte])
        # a level typed 4 (the label has 3): warned by the GX suite
        w.writerow(
            [
                2025,
                colleges[20][0],
                colleges[20][1],
                "collège",
                4,
                "Non",
                "0,62",
                4,
                "Délibération de remise du label 2025",
            ]
        )
    summary["labels"] = {2024: 14, 2025: 22}
    return summary
