"""Deterministic demo files of the fournisseurs (supplier classification) feed.

The demo DECP titulaires come from the generator's supplier pools
(`orchestration.demo.generator.build_supplier_pools(seed)`, read, never changed): most of
their SIRETs are classified here, so that DEP-2 / DEP-3 can be computed on the demo contracts.
About one in eight suppliers is left unclassified on purpose (unknown: out of DEP-3's
denominator), as are the suppliers identified by a VAT number.

Writes under `landing/fournisseurs/`:
- `classification/classification_fournisseurs.xlsx`: the buyer's own classification (SIRENE
  company category, ESS flag, structure type when known), Excel;
- `siae_asp/liste_siae_asp.csv`: the agreed SIAE among them, in the ASP export format (`;`, UTF-8);
- `le_marche/export_le_marche.csv`: the EA / ESAT among them, in Le marché de l'inclusion's
  directory format (`,`, UTF-8).
Defects: one classification line without SIRET (quarantine), one SIRET with a wrong check digit
(flagged by the GX suite), one unknown company category (flagged, treated as unknown).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from ..ingest.fournisseurs import CLASSIFICATION_COLUMNS
from . import catalog as cat
from . import save_workbook

# (sector, rank in the sector's pool, kind). Pools are Zipf-weighted: protected-work suppliers
# (EA/ESAT) sit at low ranks so that their share of spend stays realistic (a few hundred kEUR a year).
STRUCTURES: tuple[tuple[str, int, str], ...] = (
    ("proprete", 12, "EA"),
    ("proprete", 18, "ESAT"),
    ("proprete", 5, "EI"),
    ("environnement", 1, "ACI"),
    ("environnement", 2, "EI"),
    ("environnement", 11, "ESAT"),
    ("fournitures", 22, "ESAT"),
    ("services", 20, "EA"),
    ("batiment", 4, "EI"),
    ("alimentation", 30, "ESAT"),
    ("routes", 6, "ACI"),
    ("social", 1, "AI"),
)
ASP_KINDS = {"EI", "ACI", "AI", "ETTI", "EITI"}
NAMES = ("Atelier", "Société", "Groupe", "Entreprise", "Services", "Ets", "Coopérative", "Compagnie")
PLACES = (
    "du Val",
    "de Sambre",
    "des Flandres",
    "du Hainaut",
    "de l'Escaut",
    "Nord-Val",
    "de l'Avesnois",
    "du Cambrésis",
    "de la Lys",
    "de l'Ostrevent",
)


def demo_classification(seed: int) -> list[dict]:
    """One dict per demo supplier SIRET with its classification (type_structure '' when none)."""
    from .generator import build_supplier_pools

    pools = build_supplier_pools(seed)
    rng = random.Random((seed << 8) + 0xF0)
    kinds = {(sector, rank): kind for sector, rank, kind in STRUCTURES}
    out = []
    for sector in sorted(pools):
        ids, _ = pools[sector]
        for rank, (id_kind, ident) in enumerate(ids):
            if id_kind != "SIRET":
                continue
            kind = kinds.get((sector, rank), "")
            if not kind and rng.random() < 0.12:
                continue  # not classified: unknown
            if kind:
                size = rng.choice(("PME", "TPE", "PME"))
            elif rank == 0 and sector in ("routes", "batiment", "energie", "numerique", "transport"):
                size = "GE"
            elif rank <= 2:
                size = rng.choice(("ETI", "GE", "PME"))
            else:
                size = rng.choices(("PME", "TPE", "ETI", "GE"), (55, 30, 10, 5))[0]
            if kind or sector == "social":
                ess = "Oui"
            else:
                ess = rng.choices(("Non", "Oui", ""), (85, 5, 10))[0]
            name = f"{rng.choice(NAMES)} {sector.capitalize()} {rng.choice(PLACES)}"
            if kind in ("EA", "ESAT"):
                name = f"{kind} {rng.choice(PLACES)}"
            out.append(
                {
                    "siret": ident,
                    "raison_sociale": name,
                    "categorie_entreprise": size,
                    "ess": ess,
                    "type_structure": kind,
                    "sector": sector,
                    "rank": rank,
                }
            )
    return out


def write_demo(landing: Path, *, seed: int, **_) -> dict:
    base = Path(landing) / "fournisseurs"
    dirs = {k: base / k for k in ("classification", "siae_asp", "le_marche")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    suppliers = demo_classification(seed)
    rng = random.Random((seed << 8) + 0xF1)

    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Fournisseurs"
    ws.append([c.name for c in CLASSIFICATION_COLUMNS])
    defects = {}
    for i, s in enumerate(suppliers):
        # the structure type is known from the inclusion directories, not typed in here
        siret, size = s["siret"], s["categorie_entreprise"]
        if i == 17:
            siret = siret[:-1] + str((int(siret[-1]) + 1) % 10)
            defects["siret_cle_invalide"] = {"row": i + 2, "siret": siret}
        if i == 23:
            size = "Moyenne entreprise"
            defects["categorie_inconnue"] = {"row": i + 2, "siret": siret}
        ws.append(
            [siret, s["raison_sociale"], size, s["ess"] or None, None, "SIRENE + saisie achats", dt.date(2026, 1, 15)]
        )
    ws.append([None, "Fournisseur sans SIRET", "PME", "Non", None, "saisie achats", dt.date(2026, 1, 15)])
    defects["sans_siret"] = {"row": len(suppliers) + 2}
    path = dirs["classification"] / "classification_fournisseurs.xlsx"
    save_workbook(wb, path)

    asp = [s for s in suppliers if s["type_structure"] in ASP_KINDS]
    path_asp = dirs["siae_asp"] / "liste_siae_asp.csv"
    with path_asp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(
            [
                "MESURE",
                "CODE_DEPARTEMENT",
                "LIBELLE_DPT",
                "CODE_POSTAL",
                "COMMUNE",
                "CODE_NAF2",
                "NATURE_JURIDIQUE",
                "SIRET",
                "DENOMINATION_SOCIALE",
                "NUM_RUE",
                "NOM_RUE",
                "CODE_POST_COM",
                "LIB_COM",
            ]
        )
        for s in asp:
            code, commune = rng.choice(cat.COMMUNES)
            w.writerow(
                [
                    s["type_structure"],
                    "59V",
                    "NORD",
                    code,
                    commune.upper(),
                    "8130Z",
                    "Association déclarée "
                    if s["type_structure"] in ("ACI", "AI")
                    else "SAS, société par actions simplifiée",
                    s["siret"],
                    s["raison_sociale"].upper(),
                    "",
                    "Rue de la République",
                    code,
                    commune.upper(),
                ]
            )
    handicap = [s for s in suppliers if s["type_structure"] in ("EA", "ESAT")]
    path_lm = dirs["le_marche"] / "export_le_marche.csv"
    with path_lm.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["siret", "name", "brand", "kind", "legal_form", "naf", "post_code", "city", "department", "source"])
        for s in handicap:
            code, commune = rng.choice(cat.COMMUNES)
            w.writerow(
                [
                    s["siret"],
                    s["raison_sociale"],
                    "",
                    s["type_structure"],
                    "ASSOCIATION",
                    "8810C",
                    code,
                    commune,
                    "59",
                    "Import ESAT (GSAT, Handeco)" if s["type_structure"] == "ESAT" else "Import EA/EATT",
                ]
            )
    return {
        "org_id": cat.ORG_ID,
        "files": {
            "fournisseurs/classification/classification_fournisseurs.xlsx": len(suppliers) + 1,
            "fournisseurs/siae_asp/liste_siae_asp.csv": len(asp),
            "fournisseurs/le_marche/export_le_marche.csv": len(handicap),
        },
        "classified": len(suppliers),
        "structures": {s["siret"]: s["type_structure"] for s in suppliers if s["type_structure"]},
        "defects": defects,
    }
