"""Deterministic demo feeds for the fictional "Département du Nord-Val".

Writes, under a landing folder:
- `decp/decp_<semester>.json`: DECP in the 2024 JSON format (schema v2.0.3), one file per
  semester of dateNotification; modified contracts are republished in later files;
- `procedures/export_procedures.csv`: the organisation's internal procedure export
  (cp1252, `;`, decimal comma, dd/mm/yyyy, CRLF).

Design choices:
- stdlib only; every contract is derived from its own `random.Random((seed << 32) + index)`, so
  any contract can be rebuilt identically later (republication, duplicate) without keeping
  records in memory: files are streamed record by record and scale to millions of contracts;
- a handful of schema-valid defects are injected on purpose and reported in the summary, so
  the pipeline's quality gates have something to catch.

Usage: python -m orchestration.demo.generator --landing DIR [--seed N] [--contracts N]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import itertools
import json
import math
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..ingest.procedures import PROCEDURE_COLUMNS
from . import catalog as cat

DECP_DIR = "decp"
PROCEDURES_DIR = "procedures"
PROCEDURES_FILE = "export_procedures.csv"
CSV_COLUMNS: tuple[str, ...] = tuple(c.name for c in PROCEDURE_COLUMNS)  # the export's contract
OUTLIER_AMOUNT = 1.0e17
TEST_OBJET = "Marché de test Testville - ne pas traiter"

# Procedure labels, exactly as the 2024 enum spells them.
MAPA = "Procédure adaptée"
AOO = "Appel d'offres ouvert"
AOR = "Appel d'offres restreint"
NEGO = "Procédure avec négociation"
SANS_PUB = "Marché passé sans publicité ni mise en concurrence préalable"
DIALOGUE = "Dialogue compétitif"

# Share of contracts that get 1-2 modifications (among those that can be republished later).
MODIFICATION_RATE = 0.12
# National mode: an org buyer is this many times bigger than an average extra buyer.
ORG_BUYER_SIZE = 10

_SEMESTER = re.compile(r"^(\d{4})-S([12])$")


# --- Calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Semester:
    label: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def filename(self) -> str:
        return f"decp_{self.label}.json"


def _semester(label: str) -> Semester:
    m = _SEMESTER.match(label)
    if not m:
        raise ValueError(f"not a semester (expected YYYY-S1 or YYYY-S2): {label!r}")
    year, half = int(m.group(1)), int(m.group(2))
    if half == 1:
        return Semester(label, dt.date(year, 1, 1), dt.date(year, 6, 30))
    return Semester(label, dt.date(year, 7, 1), dt.date(year, 12, 31))


def semesters_between(first: str, last: str) -> list[Semester]:
    current, stop = _semester(first), _semester(last)
    if current.start > stop.start:
        raise ValueError(f"first semester {first} is after last semester {last}")
    out = [current]
    while current.label != stop.label:
        year, half = current.start.year, 1 if current.start.month == 1 else 2
        current = _semester(f"{year}-S2" if half == 1 else f"{year + 1}-S1")
        out.append(current)
    return out


def _business_days(sem: Semester) -> list[dt.date]:
    days, day = [], sem.start
    while day <= sem.end:
        if day.weekday() < 5:  # contracts are notified on working days
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` proportionally to `weights` (largest remainder, ties by position)."""
    quotas = [total * w / sum(weights) for w in weights]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, 28))


# --- Reference pools (seeded, built once) ----------------------------------------------------------


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, items, cum: list[float]):
    i = bisect.bisect_right(cum, rng.random() * cum[-1])
    return items[min(i, len(items) - 1)]


def _table(*pairs) -> tuple[tuple, list[float]]:
    items, weights = zip(*pairs)
    return items, _cumulative(weights)


def _draw(rng: random.Random, table: tuple[tuple, list[float]]):
    return _pick(rng, *table)


# Weighted draws, precomputed once (random.choices would rebuild the cumulative weights each call).
_FRAMEWORK_DURATIONS = _table((12, 2), (24, 3), (36, 3), (48, 4))
_WORKS_PRICE_FORMS = _table(("Forfaitaire", 70), ("Mixte", 25), ("Unitaire", 5))
_OTHER_PRICE_FORMS = _table(("Forfaitaire", 60), ("Unitaire", 25), ("Mixte", 15))
_ADVANCE_RATES = _table((0.05, 60), (0.1, 20), (0.2, 10), (0.3, 5), (0.0, 5))  # 0 = rate unknown
_LONG_PRICE_TYPES = _table(("Définitif ferme", 10), ("Définitif actualisable", 15), ("Définitif révisable", 75))
_SHORT_PRICE_TYPES = _table(("Définitif ferme", 70), ("Définitif actualisable", 20), ("Définitif révisable", 10))
_SOCIAL_KINDS = _table((("Clause sociale",), 55), (("Critère social",), 20), (("Clause sociale", "Critère social"), 25))
_ENV_KINDS = _table(
    (("Clause environnementale",), 50),
    (("Critère environnemental",), 20),
    (("Clause environnementale", "Critère environnemental"), 30),
)
_MODIFICATION_KINDS = _table(("montant", 45), ("duree", 30), ("both", 25))


def _random_digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def _siret(rng: random.Random, siren_prefix8: str) -> str:
    siren = cat.with_luhn_key(siren_prefix8)
    return cat.with_luhn_key(siren + f"{rng.randrange(1, 100):04d}")


def build_supplier_pools(seed: int) -> dict[str, tuple[list[tuple[str, str]], list[float]]]:
    """Per sector: (typeIdentifiant, id) titulaires and Zipf cumulative weights (a few suppliers
    win most contracts, as in real markets)."""
    rng = random.Random(f"suppliers:{seed}")
    seen: set[str] = set(cat.ORG_BUYER_SIRETS)
    pools = {}
    for sector, size in cat.SUPPLIER_SECTORS.items():
        ids: list[tuple[str, str]] = []
        while len(ids) < size:
            r = rng.random()
            siren_prefix = rng.choice("345789") + _random_digits(rng, 7)
            if r < 0.03:  # French company identified by its VAT number
                ident = ("TVA", cat.french_vat_number(cat.with_luhn_key(siren_prefix)))
            elif r < 0.045:  # EU company without SIRET
                country = rng.choice(("BE", "DE", "LU"))
                body = {"BE": "0" + _random_digits(rng, 9), "DE": _random_digits(rng, 9), "LU": _random_digits(rng, 8)}[
                    country
                ]
                ident = ("TVA", country + body)
            else:
                ident = ("SIRET", _siret(rng, siren_prefix))
            if ident[1] not in seen:
                seen.add(ident[1])
                ids.append(ident)
        pools[sector] = (ids, _cumulative(1 / (rank + 1) ** 1.1 for rank in range(size)))
    return pools


def build_extra_buyers(seed: int, n_buyers: int) -> tuple[list[tuple[str, str]], list[float]]:
    """National mode: (SIRET, département) of other public buyers, with Pareto sizes."""
    rng = random.Random(f"buyers:{seed}")
    seen = set(cat.ORG_BUYER_SIRETS) | {cat.FOREIGN_BUYER_SIRET}
    buyers: list[tuple[str, str]] = []
    weights: list[float] = []
    while len(buyers) < n_buyers:
        dept = rng.choice(cat.OTHER_DEPARTEMENTS)
        r = rng.random()
        if r < 0.6:  # commune: 21 + département + commune number
            prefix = "21" + dept + _random_digits(rng, 4)
        elif r < 0.8:  # EPCI, syndicats
            prefix = "20" + _random_digits(rng, 6)
        elif r < 0.9:  # public hospitals
            prefix = "26" + dept + _random_digits(rng, 4)
        else:  # other public bodies (OPH, SDIS, ...)
            prefix = "27" + dept + _random_digits(rng, 4)
        siret = _siret(rng, prefix)
        if siret in seen:
            continue
        seen.add(siret)
        buyers.append((siret, dept))
        weights.append(rng.paretovariate(1.3))
    return buyers, _cumulative(weights)


# --- Contracts ---------------------------------------------------------------------------------


@dataclass
class Contract:
    record: dict  # DECP record as first published (no `modifications`)
    modifications: list[tuple[int, dict]]  # (semester index of its publication, modification)
    csv_row: list[str] | None  # export row when the buyer belongs to the org


def _de(name: str) -> str:
    """French 'de' with elision: 'de Valbrune', "d'Estrées", 'du Quesnoy'."""
    if name.startswith("Le "):
        return "du " + name[3:]
    return ("d'" if name[0] in "AEIOUÉÈ" else "de ") + name


def _yes_no(rng: random.Random, p_yes: float, p_unknown: float = 0.02) -> str:
    if rng.random() < p_unknown:
        return ""
    return "Oui" if rng.random() < p_yes else "Non"


def _fr_amount(amount: float) -> str:
    return f"{amount:.2f}".replace(".", ",")


class ContractFactory:
    """Builds contract `index` of semester `sem_index` from its own RNG: same inputs, same record."""

    def __init__(self, seed: int, semesters: list[Semester], n_buyers: int | None, roles: dict[int, str]):
        self.seed = seed
        self.semesters = semesters
        self.sem_starts = [s.start for s in semesters]
        self.business_days = [_business_days(s) for s in semesters]
        self.period_start = semesters[0].start
        self.period_end = semesters[-1].end
        self.period_days = (self.period_end - self.period_start).days
        self.roles = roles
        self.cpv_cum = _cumulative(e.weight for e in cat.CPV_CATALOG)
        self.suppliers = build_supplier_pools(seed)
        if n_buyers:
            self.extra_buyers, self.extra_cum = build_extra_buyers(seed, n_buyers)
            n_org = len(cat.ORG_BUYER_SIRETS)
            self.org_share = min(1.0, ORG_BUYER_SIZE * n_org / (n_org + n_buyers))
        else:
            self.extra_buyers, self.extra_cum, self.org_share = [], [], 1.0
        self.rng = random.Random()

    def is_org(self, index: int, sem_index: int) -> bool:
        """Whether contract `index` belongs to the organisation, replaying only the draws that
        `build` makes before deciding it (national scale: most contracts do not, and building
        them all costs minutes). Must stay in step with the start of `build`."""
        rng = self.rng
        rng.seed((self.seed << 32) + index)
        role = self.roles.get(index)
        if role in ("duplicate", "outlier", "unpublished", "test"):
            return True
        if role is not None or not self.org_share < 1:
            return role is None
        _pick(rng, cat.CPV_CATALOG, self.cpv_cum)
        rng.choice(self.business_days[sem_index])
        return rng.random() < self.org_share

    # Thresholds of the code de la commande publique for collectivités (HT), by year.
    @staticmethod
    def _thresholds(kind: str, specific: bool, year: int) -> tuple[float, float]:
        """(limit below which no advertising is required, formal procedure threshold)."""
        if kind == "T":
            return 100_000, (5_538_000 if year < 2026 else 5_404_000)
        if specific:
            return 40_000, 750_000
        return 40_000, (221_000 if year < 2026 else 216_000)

    def build(self, index: int, sem_index: int) -> Contract:
        rng = self.rng
        rng.seed((self.seed << 32) + index)
        role = self.roles.get(index)
        entry = _pick(rng, cat.CPV_CATALOG, self.cpv_cum)
        works = entry.kind == "T"

        day = rng.choice(self.business_days[sem_index])
        if role == "unpublished":  # notified in the last days: not yet in the DECP
            day = self.business_days[sem_index][-1 - rng.randrange(8)]
        t = (day - self.period_start).days / max(1, self.period_days)  # 0 -> 1 over the period

        # Buyer and place of execution.
        is_org = role in ("duplicate", "outlier", "unpublished", "test") or (
            role is None and (self.org_share >= 1 or rng.random() < self.org_share)
        )
        commune_code, commune_name = rng.choice(cat.COMMUNES)
        if role == "foreign":
            buyer = cat.FOREIGN_BUYER_SIRET
            lieu = {"code": cat.FOREIGN_COMMUNE_CODE, "typeCode": "Code commune"}
            commune_name = cat.FOREIGN_BUYER_NAME.removeprefix("Commune de ")
        elif is_org:
            buyer = self._org_buyer(rng, entry)
            dept = cat.ORG_DEPARTEMENT_CODE
            lieu = (
                {"code": commune_code, "typeCode": "Code commune"}
                if rng.random() < 0.35
                else {"code": dept, "typeCode": "Code département"}
            )
        else:
            buyer, dept = _pick(rng, self.extra_buyers, self.extra_cum)
            lieu = {"code": dept, "typeCode": "Code département"}
        if role == "test":
            buyer = cat.ORG_MAIN_SIRET

        # Amount: log-normal over the CPV's typical range, clipped to plausible bounds.
        mu = (math.log(entry.amount_low) + math.log(entry.amount_high)) / 2
        sigma = (math.log(entry.amount_high) - math.log(entry.amount_low)) / 4
        amount = min(max(rng.lognormvariate(mu, sigma), max(entry.amount_low / 4, 300)), entry.amount_high * 2)
        framework = rng.random() < entry.framework
        # Frameworks publish a round estimated maximum; others the exact notified amount.
        amount = round(amount, -3) if framework and rng.random() < 0.6 else round(amount, 2)
        amount = max(amount, 1.0)

        no_ad_limit, threshold = self._thresholds(entry.kind, entry.specific, day.year)
        concours = entry.code == "71221000" and amount >= threshold
        procedure = self._procedure(rng, entry, amount, no_ad_limit, threshold, concours)

        # Purchase technique and execution modality.
        if concours:
            techniques, modalites = ["Concours"], ["Sans objet"]
        elif framework:
            techniques = ["Accord-cadre"]
            modalites = ["Bons de commande"] if rng.random() < 0.75 else ["Marchés subséquents"]
        elif entry.sector == "numerique" and rng.random() < 0.03:
            techniques, modalites = ["Système d'acquisition dynamique"], ["Sans objet"]
        else:
            techniques = ["Sans objet"]
            modalites = ["Tranches"] if rng.random() < (0.2 if works else 0.06) else ["Sans objet"]

        if framework:
            duree = _draw(rng, _FRAMEWORK_DURATIONS)
        elif works:
            duree = rng.randint(1, 18)
        else:
            duree = rng.randint(1, 12) if rng.random() < 0.5 else rng.choice((12, 24, 36, 48))

        if framework:
            forme_prix = "Unitaire" if rng.random() < 0.85 else "Mixte"
        elif works:
            forme_prix = _draw(rng, _WORKS_PRICE_FORMS)
        else:
            forme_prix = _draw(rng, _OTHER_PRICE_FORMS)
        types_prix = self._types_prix(rng, works or duree > 12)

        ccag = "Pas de CCAG" if amount < 40_000 and rng.random() < 0.35 else entry.ccag

        if procedure == SANS_PUB:
            offres = 1 if rng.random() < 0.9 else rng.randint(2, 3)
        else:
            offres = min(8, 1 + int(rng.expovariate(1 / 2.2)) + (1 if amount >= threshold else 0))

        sociales, environnementales = self._considerations(rng, entry, t, procedure == SANS_PUB)

        # Titulaires: groupements are mostly large works.
        p_group = 0.25 if works and amount > 500_000 else 0.08 if amount > 90_000 else 0.02
        if rng.random() < p_group:
            groupement = "Conjoint" if rng.random() < 0.6 else "Solidaire"
            n_holders = rng.choice((2, 2, 3))
        else:
            groupement, n_holders = "Pas de groupement", 1
        holders = self._holders(rng, entry.sector, n_holders)

        avance = (amount > 50_000 and duree > 2 and rng.random() < 0.7) or rng.random() < 0.03
        p_sub = 0.35 if works else 0.15 if entry.sector == "ingenierie" else 0.06
        sous_traitance = rng.random() < p_sub

        publication = day + dt.timedelta(days=min(60, int(rng.expovariate(1 / 10))))
        objet = self._objet(rng, entry, day.year, commune_name)
        contract_id = f"{day.year}{entry.kind}{index + 1:06d}"  # <= 16 chars, unique over all buyers

        record: dict = {
            "id": contract_id,
            "acheteur": {"id": buyer},
            "nature": "Marché",
            "objet": objet,
            "codeCPV": entry.code,
            "techniques": {"technique": techniques},
            "modalitesExecution": {"modaliteExecution": modalites},
            "marcheInnovant": rng.random() < (0.05 if entry.sector == "numerique" else 0.015),
            "ccag": ccag,
            "offresRecues": offres,
            "attributionAvance": avance,
        }
        if avance:
            record["tauxAvance"] = _draw(rng, _ADVANCE_RATES)
        record["typeGroupementOperateurs"] = groupement
        record["sousTraitanceDeclaree"] = sous_traitance
        if sous_traitance and rng.random() < 0.5:
            record["actesSousTraitance"] = self._subcontracting(rng, entry, holders, day, duree, amount)
        record.update(
            {
                "procedure": procedure,
                "lieuExecution": lieu,
                "dureeMois": duree,
                "dateNotification": day.isoformat(),
                "datePublicationDonnees": publication.isoformat(),
                "montant": amount,
                "typesPrix": {"typePrix": types_prix},
                "formePrix": forme_prix,
            }
        )
        # Origin shares are required for food and vehicles only (arrêté annex list).
        if entry.sector == "alimentation" or entry.code.startswith("341"):
            low = 0.35 if entry.sector == "alimentation" else 0.1
            france = round(min(0.95, rng.uniform(low, low + 0.4) + 0.15 * t), 2)
            record["origineUE"] = round(min(1.0, france + rng.uniform(0.05, 0.3)), 2)
            record["origineFrance"] = france
        record["titulaires"] = [{"titulaire": {"typeIdentifiant": k, "id": v}} for k, v in holders]
        record["considerationsSociales"] = {"considerationSociale": sociales}
        record["considerationsEnvironnementales"] = {"considerationEnvironnementale": environnementales}

        modifications = []
        if role is None and sem_index + 1 < len(self.semesters) and rng.random() < MODIFICATION_RATE:
            modifications = self._modifications(rng, entry.sector, day, duree, amount, sem_index)

        csv_row = None
        if is_org and role != "test":  # a platform test is not an internal procedure
            csv_row = self._csv_row(rng, entry, record, t, procedure, sociales, environnementales)

        # Defects are applied last so the rest of the contract stays plausible.
        if role == "outlier":
            record["montant"] = OUTLIER_AMOUNT
        elif role == "test":
            record["id"] = f"TEST{day.year}"
            record["objet"] = TEST_OBJET
        return Contract(record, modifications, csv_row)

    # -- building blocks --

    @staticmethod
    def _org_buyer(rng: random.Random, entry: cat.CpvEntry) -> str:
        r = rng.random()
        if entry.direction == cat.COLLEGES_DIR:
            return cat.ORG_COLLEGES_SIRET if r < 0.85 else cat.ORG_MAIN_SIRET
        if entry.direction in (cat.BATIMENTS_DIR, cat.ENVIRONNEMENT):
            return cat.ORG_SPL_SIRET if r < 0.2 else cat.ORG_MAIN_SIRET
        return cat.ORG_SPL_SIRET if r < 0.02 else cat.ORG_MAIN_SIRET

    @staticmethod
    def _procedure(rng, entry, amount, no_ad_limit, threshold, concours) -> str:
        r = rng.random()
        if concours:
            return NEGO
        if entry.code == "92312000" and r < 0.6:  # artistic exclusivity
            return SANS_PUB
        if amount < no_ad_limit:
            return SANS_PUB if r < 0.45 else MAPA
        if amount < threshold:
            return MAPA if r < 0.94 else NEGO if r < 0.98 else SANS_PUB
        return AOO if r < 0.82 else AOR if r < 0.88 else NEGO if r < 0.96 else DIALOGUE

    @staticmethod
    def _types_prix(rng: random.Random, long_or_works: bool) -> list[str]:
        r = rng.random()
        if r < 0.01:
            return ["Provisoire"]
        if r < 0.05:
            return ["Définitif ferme", "Définitif révisable"]
        return [_draw(rng, _LONG_PRICE_TYPES if long_or_works else _SHORT_PRICE_TYPES)]

    @staticmethod
    def _considerations(rng, entry, t, small) -> tuple[list[str], list[str]]:
        # The SPASER is working: shares drift upward over the period.
        p_social = min(0.9, (0.22 + 0.12 * t) * entry.social * (0.5 if small else 1.0))
        p_reserved = 0.03 * (2.5 if entry.sector in ("proprete", "environnement", "services") else 0.6)
        r = rng.random()
        if r < p_reserved:  # ESAT / entreprises adaptées
            sociales = ("Marché réservé",) if rng.random() < 0.7 else ("Marché réservé", "Clause sociale")
        elif r < p_reserved + p_social:
            sociales = _draw(rng, _SOCIAL_KINDS)
        else:
            sociales = ("Pas de considération sociale",)
        p_env = min(0.95, (0.40 + 0.20 * t) * entry.env * (0.6 if small else 1.0))
        if rng.random() < p_env:
            environnementales = _draw(rng, _ENV_KINDS)
        else:
            environnementales = ("Pas de considération environnementale",)
        return list(sociales), list(environnementales)

    def _holders(self, rng: random.Random, sector: str, n: int) -> list[tuple[str, str]]:
        ids, cum = self.suppliers[sector]
        holders: list[tuple[str, str]] = []
        while len(holders) < n:  # titulaires must be unique (uniqueItems)
            holder = _pick(rng, ids, cum)
            if holder not in holders:
                holders.append(holder)
        return holders

    def _subcontracting(self, rng, entry, holders, day, duree, amount) -> list[dict]:
        # Draw one more distinct supplier than there are titulaires: at least one is not a titulaire.
        others = [h for h in self._holders(rng, entry.sector, len(holders) + 1) if h not in holders]
        actes = []
        for number, (kind, ident) in enumerate(others, start=1):
            notified = day + dt.timedelta(days=rng.randint(0, 60))
            actes.append(
                {
                    "acteSousTraitance": {
                        "id": number,
                        "sousTraitant": {"typeIdentifiant": kind, "id": ident},
                        "dureeMois": rng.randint(1, duree),
                        "dateNotification": notified.isoformat(),
                        "datePublicationDonnees": (notified + dt.timedelta(days=rng.randint(0, 30))).isoformat(),
                        "montant": max(1.0, round(amount * rng.uniform(0.05, 0.3), 2)),
                        "variationPrix": rng.choice(("Ferme", "Actualisable", "Révisable")),
                    }
                }
            )
        return actes

    def _objet(self, rng, entry, year, commune_name) -> str:
        template = rng.choice(entry.objets)
        college_town = rng.choice(cat.COMMUNES)[1]
        return template.format(
            commune=commune_name,
            college=f"{rng.choice(cat.COLLEGES)} {_de(college_town)}",
            rd=rng.randint(1, 999),
            secteur=rng.choice(cat.SECTEURS),
            batiment=rng.choice(cat.BATIMENTS),
            logiciel=rng.choice(cat.LOGICIELS),
            lot=rng.choice(cat.BUILDING_LOTS),
            annee=year,
            annee1=year + 1,
        )

    def _modifications(self, rng, sector, day, duree, amount, sem_index) -> list[tuple[int, dict]]:
        """Avenants published in a later semester, within the contract's life."""
        window_start = self.sem_starts[sem_index + 1]
        window_end = min(self.period_end, _add_months(day, duree) + dt.timedelta(days=90))
        span = (window_end - window_start).days
        if span < 0:
            return []
        pubs = sorted(
            window_start + dt.timedelta(days=rng.randint(0, span)) for _ in range(1 if rng.random() < 0.75 else 2)
        )
        mods, montant, mois, last_notified = [], amount, duree, day
        for number, pub in enumerate(pubs, start=1):
            notified = max(last_notified + dt.timedelta(days=1), pub - dt.timedelta(days=rng.randint(0, 30)))
            notified = min(notified, pub)
            last_notified = notified
            mod = {
                "id": number,
                "dateNotificationModification": notified.isoformat(),
                "datePublicationDonneesModification": pub.isoformat(),
            }
            change = _draw(rng, _MODIFICATION_KINDS)
            if change in ("duree", "both"):
                mois += rng.randint(2, 12)
                mod["dureeMois"] = mois
            if change in ("montant", "both"):
                montant = round(montant * rng.uniform(1.03, 1.2), 2)
                mod["montant"] = montant
            if rng.random() < 0.05:  # cession du marché to another supplier
                kind, ident = self._holders(rng, sector, 1)[0]
                mod["titulaires"] = [{"titulaire": {"typeIdentifiant": kind, "id": ident}}]
            mods.append((bisect.bisect_right(self.sem_starts, pub) - 1, mod))
        return mods

    @staticmethod
    def _csv_row(rng, entry, record, t, procedure, sociales, environnementales) -> list[str]:
        amount = record["montant"]
        social = sociales != ["Pas de considération sociale"]
        env = environnementales != ["Pas de considération environnementale"]
        negotiable = procedure in (MAPA, NEGO)
        life_cycle = entry.sector in ("batiment", "numerique") or entry.code.startswith("341")
        if entry.direction == cat.NUMERIQUE:
            numerique = _yes_no(rng, 0.3 + 0.3 * t, 0.05)
        else:
            numerique = "Non" if rng.random() < 0.6 else ""
        day = dt.date.fromisoformat(record["dateNotification"])
        return [
            record["acheteur"]["id"],
            record["id"],
            record["objet"],
            entry.direction,
            "Investissement" if rng.random() < entry.invest else "Fonctionnement",
            day.strftime("%d/%m/%Y"),
            _fr_amount(amount),
            _yes_no(rng, 0.15 + 0.25 * t + (0.15 if amount > 90_000 else 0)),
            _yes_no(rng, 0.9 if procedure == NEGO else 0.35) if negotiable else "Non",
            _yes_no(rng, 0.05 + 0.2 * t + (0.1 if env else 0)),
            _yes_no(rng, min(0.9, (0.03 + 0.12 * t) * (3 if life_cycle else 1))),
            _yes_no(rng, 0.2 + 0.4 * t),
            _yes_no(rng, 0.85 if amount > 40_000 else 0.2),
            _yes_no(rng, 0.8 if social else 0.1),
            numerique,
        ]


def _concession(seed: int, sem: Semester, suppliers) -> dict:
    """One délégation de service public, to show the other array of the 2024 format."""
    rng = random.Random(f"concession:{seed}")
    signed = sem.start + dt.timedelta(days=rng.randint(20, 150))
    kind, ident = next(s for s in suppliers["environnement"][0] if s[0] == "SIRET")
    return {
        "id": f"{signed.year}DSP0001",
        "autoriteConcedante": {"id": cat.ORG_MAIN_SIRET},
        "nature": "Délégation de service public",
        "objet": "Exploitation de la base de loisirs départementale du Val de Sambre",
        "procedure": "Procédure négociée ouverte",
        "dureeMois": 120,
        "dateSignature": signed.isoformat(),
        "datePublicationDonnees": (signed + dt.timedelta(days=rng.randint(5, 30))).isoformat(),
        "dateDebutExecution": (signed + dt.timedelta(days=rng.randint(30, 90))).isoformat(),
        "valeurGlobale": round(rng.uniform(3e6, 6e6), -3),
        "montantSubventionPublique": round(rng.uniform(2e5, 5e5), -3),
        "concessionnaires": [{"concessionnaire": {"typeIdentifiant": kind, "id": ident}}],
        "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": ["Clause environnementale", "Critère environnemental"]
        },
    }


# --- Writers -------------------------------------------------------------------------------------


class _DecpWriter:
    """Streams `{"marches": {"marche": [...], "contrat-concession": [...]}}`, one record a line."""

    def __init__(self, path: Path):
        self.fh = path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.fh.write('{"marches":{"marche":[')
        self.counts = {"marche": 0, "contrat-concession": 0}
        self._first = True

    def _write(self, record: dict) -> None:
        self.fh.write("\n" if self._first else ",\n")
        self.fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        self._first = False

    def marche(self, record: dict) -> None:
        self._write(record)
        self.counts["marche"] += 1

    def close(self, concessions: list[dict]) -> dict[str, int]:
        if concessions:
            self.fh.write('\n],"contrat-concession":[')
            self._first = True
            for record in concessions:
                self._write(record)
                self.counts["contrat-concession"] += 1
        self.fh.write("\n]}}\n")
        self.fh.close()
        return {k: v for k, v in self.counts.items() if v or k == "marche"}


def _with_modifications(contract: Contract, up_to_sem: int) -> dict:
    record = dict(contract.record)
    record["modifications"] = [{"modification": m} for s, m in contract.modifications if s <= up_to_sem]
    return record


# --- Entry points --------------------------------------------------------------------------------


def generate_demo(
    landing_dir: Path,
    *,
    seed: int = 20240101,
    n_contracts: int = 3000,
    first_semester: str = "2024-S1",
    last_semester: str = "2026-S1",
    n_buyers: int | None = None,
) -> dict:
    """Write the demo DECP files and procedure export under `landing_dir`; return a summary.

    Same arguments, same bytes. `n_buyers` adds that many buyers from other départements
    (national-scale volumes); the org then keeps a share proportional to its size.
    """
    landing_dir = Path(landing_dir)
    semesters = semesters_between(first_semester, last_semester)
    if n_contracts < 4 * len(semesters):
        raise ValueError(f"n_contracts must be at least {4 * len(semesters)} for {len(semesters)} semesters")
    counts = _allocate(n_contracts, [(s.end - s.start).days + 1 for s in semesters])
    starts = [0, *itertools.accumulate(counts)]
    last = len(semesters) - 1

    # Where the defects go: chosen once from the master RNG, then forced by index.
    master = random.Random(seed)
    dup_sem, outlier_sem = 0, min(2, last)
    dup_copy_sem = min(1, last)  # the platform re-exported it in the next file
    foreign_sem, test_sem, concession_sem = last // 2, 0, min(1, last)
    dup_idx = master.randrange(starts[0], starts[1])
    outlier_idx = dup_idx
    while outlier_idx == dup_idx:
        outlier_idx = master.randrange(starts[outlier_sem], starts[outlier_sem + 1])
    foreign_idx, unpublished_idx, test_idx = n_contracts, n_contracts + 1, n_contracts + 2
    roles = {
        dup_idx: "duplicate",
        outlier_idx: "outlier",
        foreign_idx: "foreign",
        unpublished_idx: "unpublished",
        test_idx: "test",
    }

    factory = ContractFactory(seed, semesters, n_buyers, roles)
    decp_dir = landing_dir / DECP_DIR
    proc_dir = landing_dir / PROCEDURES_DIR
    decp_dir.mkdir(parents=True, exist_ok=True)
    proc_dir.mkdir(parents=True, exist_ok=True)

    files: dict[str, dict[str, int]] = {}
    pending: dict[int, list[int]] = {}  # semester index -> contracts republished there
    defects: dict[str, dict] = {}
    n_org = n_modified = n_versions = 0
    modified_examples: list[str] = []
    concession_info: dict | None = None
    csv_path = proc_dir / PROCEDURES_FILE

    def rel(path: Path) -> str:
        return path.relative_to(landing_dir).as_posix()

    with csv_path.open("w", encoding="cp1252", errors="strict", newline="") as csv_fh:
        writer = csv.writer(csv_fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for s, sem in enumerate(semesters):
            path = decp_dir / sem.filename
            out = _DecpWriter(path)
            for index in range(starts[s], starts[s + 1]):
                contract = factory.build(index, s)
                out.marche(contract.record)
                if contract.csv_row is not None:
                    writer.writerow(contract.csv_row)
                    n_org += 1
                if contract.modifications:
                    n_modified += 1
                    if len(modified_examples) < 5:
                        modified_examples.append(contract.record["id"])
                    for pub_sem in sorted({p for p, _ in contract.modifications}):
                        pending.setdefault(pub_sem, []).append(index)
                if index == dup_idx:
                    defects["duplicate"] = _where(contract, [rel(path)])
                elif index == outlier_idx:
                    defects["amount_outlier"] = _where(contract, [rel(path)]) | {
                        "montant": OUTLIER_AMOUNT,
                        "plausible_montant_in_csv": float(
                            contract.csv_row[CSV_COLUMNS.index("montant_ht")].replace(",", ".")
                        ),
                    }
            # Republications: each carries every modification published so far.
            for index in pending.pop(s, []):
                prior = bisect.bisect_right(starts, index) - 1
                out.marche(_with_modifications(factory.build(index, prior), s))
                n_versions += 1
            if s == dup_copy_sem:
                out.marche(factory.build(dup_idx, dup_sem).record)
                defects["duplicate"]["files"].append(rel(path))
            if s == test_sem:
                test = factory.build(test_idx, s)
                out.marche(test.record)
                defects["test_record"] = _where(test, [rel(path)])
            if s == foreign_sem:
                foreign = factory.build(foreign_idx, s)
                out.marche(foreign.record)
                defects["foreign_buyer"] = _where(foreign, [rel(path)])
            concessions = [_concession(seed, sem, factory.suppliers)] if s == concession_sem else []
            if concessions:
                concession_info = {"id": concessions[0]["id"], "file": rel(path)}
            files[rel(path)] = out.close(concessions)

        # An internal procedure notified at the very end: in the export, not yet in the DECP.
        unpublished = factory.build(unpublished_idx, last)
        writer.writerow(unpublished.csv_row)
        n_org += 1

    files[rel(csv_path)] = {"rows": n_org}
    if n_buyers:  # national mode: the buyer reference of the observatory (SIRENE stock layout)
        from .sirene import write_sirene_extract

        files |= write_sirene_extract(landing_dir, factory.extra_buyers)
    return {
        "org_id": cat.ORG_ID,
        "seed": seed,
        "semesters": [s.label for s in semesters],
        "n_buyers": n_buyers,
        "files": files,
        "counts": {
            "contracts": n_contracts,
            "contracts_per_semester": {sem.label: c for sem, c in zip(semesters, counts)},
            "org_contracts_in_csv": n_org,
            "modified_contracts": n_modified,
            "republished_versions": n_versions,
            "modified_examples": modified_examples,
        },
        "defects": defects,
        "csv_unpublished": {
            "id_marche": unpublished.record["id"],
            "siret_acheteur": unpublished.record["acheteur"]["id"],
        },
        "concession": concession_info,
    }


def _where(contract: Contract, files: list[str]) -> dict:
    return {"id": contract.record["id"], "acheteur": contract.record["acheteur"]["id"], "files": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True, help="landing folder to write into")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--contracts", type=int, default=3000)
    parser.add_argument("--first-semester", default="2024-S1")
    parser.add_argument("--last-semester", default="2026-S1")
    parser.add_argument("--buyers", type=int, default=None, help="extra buyers (national scale)")
    args = parser.parse_args(argv)
    summary = generate_demo(
        args.landing,
        seed=args.seed,
        n_contracts=args.contracts,
        first_semester=args.first_semester,
        last_semester=args.last_semester,
        n_buyers=args.buyers,
    )
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
