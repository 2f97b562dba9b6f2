"""A deterministic SIRENE extract for the buyers of the generated DECP (national mode).

Writes `sirene/StockEtablissement_utf8.csv` and `sirene/StockUniteLegale_utf8.csv` under the
landing folder, with the full header of the INSEE stock files and one row per buyer SIRET
(establishment) and per SIREN (legal unit): the organisation's buyers, the foreign commune and
every extra buyer of `build_extra_buyers`. The legal category follows the SIREN prefix the
generator gives each kind of buyer (21: commune, 20: EPCI or syndicat, 26: hospital, 27: other
public bodies and State services, 22: département).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from . import catalog as cat

FOLDER = "sirene"
ETABLISSEMENTS_FILE = "StockEtablissement_utf8.csv"
UNITES_LEGALES_FILE = "StockUniteLegale_utf8.csv"

# The header of the INSEE stock files (dessin de fichier Sirene), in their order.
ETABLISSEMENT_HEADER = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,"
    "typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,"
    "libellePaysEtrangerEtablissement,identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,"
    "coordonneeLambertOrdonneeEtablissement,complementAdresse2Etablissement,numeroVoie2Etablissement,"
    "indiceRepetition2Etablissement,typeVoie2Etablissement,libelleVoie2Etablissement,codePostal2Etablissement,"
    "libelleCommune2Etablissement,libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,"
    "codeCommune2Etablissement,codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement"
).split(",")
UNITE_LEGALE_HEADER = (
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,"
    "sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,"
    "prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,"
    "anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,nombrePeriodesUniteLegale,categorieEntreprise,"
    "anneeCategorieEntreprise,dateDebut,etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,"
    "denominationUniteLegale,denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,"
    "denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,"
    "nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,"
    "societeMissionUniteLegale,caractereEmployeurUniteLegale"
).split(",")

# SIREN prefix of the generator -> (legal categories to draw from, activity, name pattern)
_KINDS = {
    "21": (("7210",), "84.11Z", "Commune n°{n} ({dept})"),
    "20": (("7346", "7348", "7353", "7355"), "84.11Z", "Intercommunalité n°{n} ({dept})"),
    "26": (("7364",), "86.10Z", "Centre hospitalier n°{n} ({dept})"),
    "27": (("7372", "7371", "7172", "7389"), "84.12Z", "Établissement public n°{n} ({dept})"),
    "22": (("7220",), "84.11Z", "Département ({dept})"),
}


def _buyer(siret: str, dept: str, n: int, commune: str | None = None) -> tuple[dict, dict]:
    """(establishment row, legal unit row) of one buyer, drawn from its own RNG."""
    rng = random.Random(f"sirene:{siret}")
    categories, naf, pattern = _KINDS.get(siret[:2], (("5599",), "70.10Z", "Société n°{n} ({dept})"))
    commune = commune or f"{dept}{rng.randrange(1, 999):03d}"
    name = pattern.format(n=n, dept=dept)
    etab = {
        "siren": siret[:9],
        "nic": siret[9:],
        "siret": siret,
        "statutDiffusionEtablissement": "O",
        "dateCreationEtablissement": f"{rng.randrange(1970, 2015)}-01-01",
        "etablissementSiege": "true",
        "nombrePeriodesEtablissement": "1",
        "codePostalEtablissement": commune[:2] + f"{rng.randrange(0, 999):03d}",
        "libelleCommuneEtablissement": f"COMMUNE {commune}",
        "codeCommuneEtablissement": commune,
        "dateDebut": "2015-01-01",
        "etatAdministratifEtablissement": "A",
        "activitePrincipaleEtablissement": naf,
        "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
        "caractereEmployeurEtablissement": "O",
    }
    unit = {
        "siren": siret[:9],
        "statutDiffusionUniteLegale": "O",
        "unitePurgeeUniteLegale": "",
        "dateCreationUniteLegale": etab["dateCreationEtablissement"],
        "nombrePeriodesUniteLegale": "1",
        "dateDebut": "2015-01-01",
        "etatAdministratifUniteLegale": "A",
        "denominationUniteLegale": name.upper(),
        "categorieJuridiqueUniteLegale": rng.choice(categories),
        "activitePrincipaleUniteLegale": naf,
        "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
        "nicSiegeUniteLegale": siret[9:],
        "caractereEmployeurUniteLegale": "O",
    }
    return etab, unit


def write_sirene_extract(landing_dir: Path, buyers: list[tuple[str, str]]) -> dict:
    """Write the extract of `buyers` ((SIRET, département) of the generated DECP's extra buyers)
    plus the organisation's buyers and the foreign commune; returns the files and row counts."""
    folder = Path(landing_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        _buyer(siret, cat.ORG_DEPARTEMENT_CODE, i + 1, commune=cat.COMMUNES[0][0])
        for i, siret in enumerate(cat.ORG_BUYER_SIRETS)
    ]
    rows.append(_buyer(cat.FOREIGN_BUYER_SIRET, "62", 0, commune=cat.FOREIGN_COMMUNE_CODE))
    rows += [_buyer(siret, dept, i + 1) for i, (siret, dept) in enumerate(buyers)]
    units: dict[str, dict] = {}
    for _, unit in rows:  # one legal unit per SIREN (the org's two establishments share one)
        units.setdefault(unit["siren"], unit)
    for name, header, records in (
        (ETABLISSEMENTS_FILE, ETABLISSEMENT_HEADER, [etab for etab, _ in rows]),
        (UNITES_LEGALES_FILE, UNITE_LEGALE_HEADER, list(units.values())),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header, restval="", lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
    return {
        f"{FOLDER}/{ETABLISSEMENTS_FILE}": {"rows": len(rows)},
        f"{FOLDER}/{UNITES_LEGALES_FILE}": {"rows": len(units)},
    }
