"""The organisation's configuration: plain CSV files the département owns, outside the code.

They live in the configuration folder (`SPASER_CONFIG_DIR`, default `$SPASER_HOME/config`):
identity, buyer SIRETs, required feeds, targets, parameters, centrale column maps, DEP-2
trajectory, and the SPASER manager's commentary of each year (commentaires.csv, optional). The repository keeps what is the same for everyone (catalogue and reference
seeds in `seeds/`, the parameter catalogue `parametres.csv` beside this module) and the demo
organisation's configuration (`orchestration/demo/config/`, written by `spaser demo`).

dbt reads the folder as seeds (schema `reference`, as before): before each dbt invocation the
files are copied into `dbt_project/.config/<key>/` and that folder is added to the seed paths.
A copy, not the user's folder itself: dbt writes seed artifacts at the seed's path when it is
absolute (it would overwrite the user's CSV), and a copy is a snapshot a run cannot see change.
Without any configuration, the blank one (headers only, `dbt_project/config_blank/`, also dbt's
default) is read so the project still parses and the Dagster UI loads; the pipeline refuses to
run on it (`check` lists what to fill in).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..identifiers import normalise_siret, siret_is_valid
from ..settings import DBT_PROJECT_DIR, REPO_ROOT, SEEDS_DIR, Paths

DEMO_CONFIG_DIR = REPO_ROOT / "orchestration" / "demo" / "config"
PARAMETER_CATALOGUE = Path(__file__).with_name("parametres.csv")
# where the copies dbt reads live (git-ignored), relative to the dbt project
DBT_CONFIG_ROOT = ".config"
# headers only: what dbt reads when there is no configuration (tests check it matches TABLES)
DBT_BLANK_CONFIG = "config_blank"

# file stem -> columns, in order, with the type dbt gives them (dbt_project.yml column_types)
TABLES: dict[str, list[str]] = {
    "organisations": [
        "org_id",
        "org_name",
        "org_kind",
        "departement_code",
        "premier_semestre",
        "spaser_debut",
        "spaser_fin",
        "landing_default",
    ],
    "organisation_acheteurs": ["org_id", "acheteur_siret", "acheteur_nom"],
    "organisation_flux": ["org_id", "feed", "required", "description"],
    "spaser_cibles": [
        "org_id",
        "indicator_id",
        "target_value",
        "target_year",
        "direction",
        "baseline_value",
        "baseline_year",
        "source",
    ],
    "spaser_parametres": ["org_id", "parameter", "value", "description"],
    "centrales_colonnes": ["centrale_code", "champ", "colonne_source", "conversion", "description"],
    "fournisseurs_trajectoire_dep2": ["org_id", "annee", "cible_eur", "source"],
}
# The SPASER manager's commentary of a year, per axis or per indicator, printed in the annual
# bilan and in the S2 report (orchestration/publication/bilan.py). Checked like the tables
# above, but optional (absent: no commentary, so an existing configuration stays valid), never a
# dbt seed and outside the fingerprint: a comment changes no figure, so editing one never
# rebuilds the warehouse nor changes the configuration recorded in the next release.
COMMENTARY_TABLES: dict[str, list[str]] = {
    "commentaires": ["org_id", "annee", "axe", "indicator_id", "commentaire"],
}

ORG_KINDS = {"departement", "region", "commune", "epci", "spl", "etablissement_public", "autre"}
# feed key of organisation_flux -> its landing folder (the feeds' coverage SQL uses these keys)
FLUX_FOLDERS = {
    "marches/decp": "decp",
    "marches/procedures": "procedures",
    "energie/consommations": "energie/consommations",
    "energie/sites": "energie/sites",
    "restauration/etablissements": "restauration/etablissements",
    "restauration/bilans": "restauration/bilans",
    "saisie/valeurs": "saisie",
    "dechets/registre": "dechets/registre",
    "dechets/granulats": "dechets/granulats",
    "dechets/reemploi": "dechets/reemploi",
    "insertion/heures": "insertion/heures",
    "insertion/parcours": "insertion/parcours",
    "centrales/achats": "centrales/achats",
    "fournisseurs/classification": "fournisseurs/classification",
}
# national obligations (PNAD, EGALim, AGEC) keep their legal calendar, which may precede the SPASER
NATIONAL_AXIS = "Obligations nationales"
_ORG_ID = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_SEMESTER = re.compile(r"^(\d{4})-S[12]$")
_DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])$")


@dataclass(frozen=True)
class Problem:
    """One error a person can act on: the file, its line (1 = header), the field, what is wrong."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = (
            self.file + (f", ligne {self.line}" if self.line else "") + (f", champ {self.field}" if self.field else "")
        )
        return f"{where} : {self.message}"


class InvalidConfiguration(Exception):
    def __init__(self, folder: Path, problems: list[Problem]):
        self.folder, self.problems = folder, problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"configuration invalide ({folder}) : {len(problems)} problème(s)\n{lines}\n"
            "Corrigez les fichiers puis relancez `spaser config check`."
        )


# --- where the configuration is --------------------------------------------------------------


def exists(folder: Path) -> bool:
    return (folder / "organisations.csv").exists()


def fingerprint(folder: Path) -> str:
    """sha256 over the configuration files (name and bytes), recorded in each release."""
    digest = hashlib.sha256()
    for stem in sorted(TABLES):
        path = folder / f"{stem}.csv"
        digest.update(stem.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()


def dbt_seed_path(paths: Paths) -> str:
    """The configuration as dbt seeds: a snapshot copy under the dbt project, its path relative to
    the project (the var `spaser_config_seeds` that dbt_project.yml reads)."""
    folder = paths.config
    if not exists(folder):
        return DBT_BLANK_CONFIG
    source = folder
    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    target = DBT_PROJECT_DIR / DBT_CONFIG_ROOT / key
    staging = target.with_name(f"{key}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for stem, columns in TABLES.items():
        src = source / f"{stem}.csv"
        if src.exists():
            shutil.copyfile(src, staging / f"{stem}.csv")
        else:  # headers only: the project parses, `check` reports the missing file
            (staging / f"{stem}.csv").write_text(",".join(columns) + "\n", encoding="utf-8")
    # which folder this snapshot copies: prune_snapshots removes it once that folder is gone
    (staging / SNAPSHOT_SOURCE).write_text(str(folder.resolve()), encoding="utf-8")
    if _same_files(staging, target):
        shutil.rmtree(staging)
    else:  # replace in one rename so a concurrent dbt never reads a half-written folder
        old = target.with_name(f"{key}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    prune_snapshots()
    return f"{DBT_CONFIG_ROOT}/{key}"


SNAPSHOT_SOURCE = ".source"  # not a .csv: dbt does not read it as a seed


def prune_snapshots(root: Path | None = None) -> list[Path]:
    """Remove the snapshots of configuration folders that no longer exist (a deleted home, a
    test's temporary folder): one snapshot per folder would otherwise accumulate forever."""
    root = root or DBT_PROJECT_DIR / DBT_CONFIG_ROOT
    removed = []
    for snapshot in sorted(root.glob("*")) if root.is_dir() else []:
        marker = snapshot / SNAPSHOT_SOURCE
        if snapshot.is_dir() and marker.is_file() and not Path(marker.read_text(encoding="utf-8")).is_dir():
            shutil.rmtree(snapshot, ignore_errors=True)
            removed.append(snapshot)
    return removed


def _same_files(a: Path, b: Path) -> bool:
    if not b.is_dir():
        return False
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names
    )


# --- reading ----------------------------------------------------------------------------------


def config_file(stem: str, paths: Paths | None = None) -> Path:
    """One file of the configuration in use (for readers that validate against it)."""
    from ..settings import get_paths

    return (paths or get_paths()).config / f"{stem}.csv"


# Several organisations in one warehouse: the landing folders `landing/<feed>/` belong to the
# organisation flagged landing_default (and DECP there is shared, split by buyer SIRET); every
# other organisation drops its files in `landing/organisations/<org_id>/<feed>/`. Rows keep the
# organisation in their file key (`<org_id>/<file>`), read by dbt's landing_org_id().
ORGANISATIONS_LANDING = "organisations"


def landing_roots(paths: Paths, folder: str) -> list[tuple[str, Path]]:
    """(key prefix, landing folder) of a feed source for every organisation of the configuration."""
    roots = [("", paths.landing / folder)]
    for row in read_table(paths.config, "organisations"):
        if row.get("org_id") and row.get("landing_default", "").lower() != "true":
            roots.append((f"{row['org_id']}/", paths.landing / ORGANISATIONS_LANDING / row["org_id"] / folder))
    return roots


def unrunnable(paths: Paths, semester: str, orgs: list[str] | None = None) -> dict[str, list[str]]:
    """Why each organisation (all, or `orgs`) cannot be published for `semester` before anything
    runs: a semester before its first one, a required feed whose landing folder holds no file.
    {org_id: [reasons]}; organisations absent from the result can run."""
    rows = {r["org_id"]: r for r in read_table(paths.config, "organisations") if r.get("org_id")}
    out: dict[str, list[str]] = {}
    for org in orgs or sorted(rows):
        first = rows.get(org, {}).get("premier_semestre", "")
        if first and semester < first:
            out.setdefault(org, []).append(f"{semester} précède son premier semestre ({first})")
    for r in read_table(paths.config, "organisation_flux"):
        org, feed = r.get("org_id", ""), r.get("feed", "")
        if r.get("required", "").lower() != "true" or org not in rows or (orgs and org not in orgs):
            continue
        folder = FLUX_FOLDERS.get(feed)
        if folder is None:
            continue
        # the folders the ingest reads: "" is the main organisation's, "<org>/" a partner's
        roots = dict(landing_roots(paths, folder))
        mine = roots[""] if rows[org].get("landing_default", "").lower() == "true" else roots[f"{org}/"]
        # DECP may stay in the shared folder, split by buyer SIRET
        if not any(_holds_a_file(root) for root in {mine, roots[""] if feed == "marches/decp" else mine}):
            out.setdefault(org, []).append(f"flux obligatoire {feed} : aucun fichier dans {mine}")
    return out


def _holds_a_file(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in folder.iterdir())


def read_table(folder: Path, stem: str) -> list[dict[str, str]]:
    """Rows of one configuration file ({} per line, values stripped); [] when absent."""
    path = folder / f"{stem}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in csv.DictReader(f)]


def parameter_catalogue() -> list[dict[str, str]]:
    with PARAMETER_CATALOGUE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def indicator_catalogue() -> dict[str, dict[str, str]]:
    with (SEEDS_DIR / "spaser_indicateurs.csv").open(encoding="utf-8", newline="") as f:
        return {row["indicator_id"]: row for row in csv.DictReader(f)}


# --- checking ---------------------------------------------------------------------------------


def check(folder: Path, landing: Path | None = None) -> list[Problem]:
    """Every problem of the configuration folder, in file order; [] when it is valid."""
    problems: list[Problem] = []
    if not exists(folder):
        return [
            Problem(
                str(folder),
                None,
                None,
                "aucune configuration (organisations.csv absent) : lancez `spaser init` "
                "(ou `spaser demo` pour l'organisation de démonstration)",
            )
        ]
    rows: dict[str, list[dict[str, str]]] = {}
    for stem, columns in {**TABLES, **COMMENTARY_TABLES}.items():
        path = folder / f"{stem}.csv"
        name = f"{stem}.csv"
        if not path.exists():
            if stem not in COMMENTARY_TABLES:  # optional: no commentary
                problems.append(Problem(name, None, None, "fichier absent"))
            rows[stem] = []
            continue
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                header = next(csv.reader(f), [])
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(name, None, None, f"le fichier doit être en UTF-8 ({exc.reason} à l'octet {exc.start})")
            )
            rows[stem] = []
            continue
        header = [h.strip() for h in header]
        missing = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns]
        if missing:
            problems.append(Problem(name, 1, ", ".join(missing), "colonne(s) absente(s) de l'en-tête"))
        if unknown:
            problems.append(
                Problem(
                    name, 1, ", ".join(unknown), "colonne(s) inconnue(s) : " + ", ".join(columns) + " sont attendues"
                )
            )
        rows[stem] = read_table(folder, stem) if not missing else []
    problems += _check_organisations(rows["organisations"])
    orgs = {r["org_id"]: r for r in rows["organisations"] if r.get("org_id")}
    problems += _check_acheteurs(rows["organisation_acheteurs"], orgs)
    problems += _check_flux(rows["organisation_flux"], orgs, landing)
    problems += _check_cibles(rows["spaser_cibles"], orgs)
    problems += _check_parametres(rows["spaser_parametres"], orgs)
    problems += _check_trajectoire(rows["fournisseurs_trajectoire_dep2"], orgs)
    problems += _check_centrales(rows["centrales_colonnes"])
    problems += _check_commentaires(rows["commentaires"], orgs)
    return problems


def check_commentaires(folder: Path) -> list[Problem]:
    """The problems of commentaires.csv alone (what `spaser rapport` needs before printing the
    comments): its header and its lines, against the organisations of the folder."""
    return [p for p in check(folder) if p.file == "commentaires.csv"]


def require_valid(paths: Paths) -> None:
    folder = paths.config
    problems = check(folder, paths.landing)
    if problems:
        raise InvalidConfiguration(folder, problems)


def _unknown_org(file: str, line: int, org: str, orgs) -> list[Problem]:
    if org in orgs:
        return []
    return [Problem(file, line, "org_id", f"organisation {org!r} absente de organisations.csv")]


def _check_organisations(rows) -> list[Problem]:
    file, out, seen = "organisations.csv", [], set()
    if not rows:
        out.append(Problem(file, None, None, "aucune organisation : une ligne par organisation est attendue"))
    for n, r in enumerate(rows, 2):
        org = r.get("org_id", "")
        if not _ORG_ID.match(org):
            out.append(
                Problem(
                    file,
                    n,
                    "org_id",
                    f"{org!r} : minuscules, chiffres et _ (31 caractères au plus), commençant par une lettre",
                )
            )
        elif org in seen:
            out.append(Problem(file, n, "org_id", f"{org!r} en double"))
        seen.add(org)
        if not r.get("org_name"):
            out.append(Problem(file, n, "org_name", "nom de l'organisation vide"))
        if r.get("org_kind") not in ORG_KINDS:
            out.append(
                Problem(
                    file, n, "org_kind", f"{r.get('org_kind')!r} : une valeur parmi " + ", ".join(sorted(ORG_KINDS))
                )
            )
        if r.get("departement_code") and not _DEPARTEMENT.match(r["departement_code"]):
            out.append(
                Problem(
                    file,
                    n,
                    "departement_code",
                    f"{r['departement_code']!r} : code de département invalide (01 à 95, 2A, 2B, 971 à 976)",
                )
            )
        if not _SEMESTER.match(r.get("premier_semestre", "")):
            out.append(
                Problem(
                    file,
                    n,
                    "premier_semestre",
                    f"{r.get('premier_semestre')!r} : semestre attendu sous la forme 2024-S1",
                )
            )
        years = {}
        for field in ("spaser_debut", "spaser_fin"):
            value = r.get(field, "")
            if not re.fullmatch(r"20\d\d", value):
                out.append(Problem(file, n, field, f"{value!r} : année attendue (ex. 2026)"))
            else:
                years[field] = int(value)
        if len(years) == 2 and years["spaser_fin"] < years["spaser_debut"]:
            out.append(Problem(file, n, "spaser_fin", "fin du SPASER avant son début"))
        if r.get("landing_default", "").lower() not in ("true", "false"):
            out.append(Problem(file, n, "landing_default", f"{r.get('landing_default')!r} : true ou false"))
    defaults = [r for r in rows if r.get("landing_default", "").lower() == "true"]
    if rows and len(defaults) != 1:
        out.append(
            Problem(
                file,
                None,
                "landing_default",
                f"exactement une organisation doit avoir landing_default = true ({len(defaults)} trouvée(s))",
            )
        )
    return out


def _check_acheteurs(rows, orgs) -> list[Problem]:
    file, out, seen = "organisation_acheteurs.csv", [], {}
    for n, r in enumerate(rows, 2):
        out += _unknown_org(file, n, r.get("org_id", ""), orgs)
        siret = r.get("acheteur_siret", "")
        if not siret_is_valid(siret):
            normal = normalise_siret(siret) or ""
            hint = (
                f" ; sans séparateurs : {normal}"
                if normal != siret and siret_is_valid(normal)
                else " (14 chiffres dont la clé de contrôle)"
            )
            out.append(Problem(file, n, "acheteur_siret", f"SIRET {siret!r} invalide{hint}"))
        elif siret in seen:
            out.append(Problem(file, n, "acheteur_siret", f"SIRET {siret} déjà déclaré ligne {seen[siret]}"))
        seen.setdefault(siret, n)
    for org in orgs:
        if not any(r.get("org_id") == org for r in rows):
            out.append(Problem(file, None, "acheteur_siret", f"aucun SIRET acheteur pour l'organisation {org!r}"))
    return out


def _check_flux(rows, orgs, landing: Path | None) -> list[Problem]:
    file, out = "organisation_flux.csv", []
    for n, r in enumerate(rows, 2):
        out += _unknown_org(file, n, r.get("org_id", ""), orgs)
        feed = r.get("feed", "")
        if feed not in FLUX_FOLDERS:
            out.append(Problem(file, n, "feed", f"flux {feed!r} inconnu : " + ", ".join(FLUX_FOLDERS)))
            continue
        required = r.get("required", "").lower()
        if required not in ("true", "false"):
            out.append(Problem(file, n, "required", f"{r.get('required')!r} : true ou false"))
        elif required == "true" and landing is not None and not (landing / FLUX_FOLDERS[feed]).is_dir():
            out.append(
                Problem(
                    file,
                    n,
                    "feed",
                    f"flux {feed} obligatoire mais le dossier de dépôt {landing / FLUX_FOLDERS[feed]} n'existe pas",
                )
            )
    return out


def _number(value: str) -> float | None:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


def _check_cibles(rows, orgs) -> list[Problem]:
    file, out, seen = "spaser_cibles.csv", [], set()
    catalogue = indicator_catalogue()
    for n, r in enumerate(rows, 2):
        org = r.get("org_id", "")
        out += _unknown_org(file, n, org, orgs)
        indicator = r.get("indicator_id", "")
        if indicator not in catalogue:
            out.append(
                Problem(
                    file,
                    n,
                    "indicator_id",
                    f"indicateur {indicator!r} absent du catalogue (seeds/spaser_indicateurs.csv)",
                )
            )
        elif (org, indicator) in seen:
            out.append(Problem(file, n, "indicator_id", f"{indicator} a déjà une cible pour {org}"))
        seen.add((org, indicator))
        if r.get("direction") not in ("hausse", "baisse"):
            out.append(Problem(file, n, "direction", f"{r.get('direction')!r} : hausse ou baisse"))
        target, year = r.get("target_value", ""), r.get("target_year", "")
        if target and _number(target) is None:
            out.append(Problem(file, n, "target_value", f"{target!r} n'est pas un nombre"))
        if bool(target) != bool(year):
            out.append(
                Problem(
                    file,
                    n,
                    "target_year" if target else "target_value",
                    "une cible a une valeur et une année, ou aucune des deux",
                )
            )
        if year:
            if not re.fullmatch(r"20\d\d", year):
                out.append(Problem(file, n, "target_year", f"{year!r} : année attendue"))
            elif (
                org in orgs
                and re.fullmatch(r"20\d\d", orgs[org].get("spaser_debut", ""))
                and int(year) < int(orgs[org]["spaser_debut"])
                and catalogue.get(indicator, {}).get("axe") != NATIONAL_AXIS
            ):
                out.append(
                    Problem(
                        file,
                        n,
                        "target_year",
                        f"année cible {year} antérieure au début du SPASER ({orgs[org]['spaser_debut']})",
                    )
                )
        baseline, baseline_year = r.get("baseline_value", ""), r.get("baseline_year", "")
        if baseline and _number(baseline) is None:
            out.append(Problem(file, n, "baseline_value", f"{baseline!r} n'est pas un nombre"))
        if baseline_year and not re.fullmatch(r"20\d\d", baseline_year):
            out.append(Problem(file, n, "baseline_year", f"{baseline_year!r} : année attendue"))
        elif baseline_year and year and re.fullmatch(r"20\d\d", year) and int(baseline_year) >= int(year):
            out.append(Problem(file, n, "baseline_year", "année de référence postérieure ou égale à l'année cible"))
    return out


def _check_parametres(rows, orgs) -> list[Problem]:
    file, out = "spaser_parametres.csv", []
    catalogue = {p["parameter"]: p for p in parameter_catalogue()}
    given: dict[tuple[str, str], int] = {}
    for n, r in enumerate(rows, 2):
        org, name, value = r.get("org_id", ""), r.get("parameter", ""), r.get("value", "")
        out += _unknown_org(file, n, org, orgs)
        if name not in catalogue:
            out.append(
                Problem(
                    file,
                    n,
                    "parameter",
                    f"paramètre {name!r} inconnu (liste : orchestration/configuration/parametres.csv)",
                )
            )
            continue
        if (org, name) in given:
            out.append(Problem(file, n, "parameter", f"{name} déjà renseigné ligne {given[(org, name)]}"))
        given.setdefault((org, name), n)
        problem = _value_problem(catalogue[name]["type"], value)
        if problem:
            out.append(Problem(file, n, "value", f"{name} : {problem} ({catalogue[name]['description']})"))
    for org in orgs:
        for name, spec in catalogue.items():
            if (org, name) not in given:
                out.append(
                    Problem(file, None, "parameter", f"paramètre {name} manquant pour {org} ({spec['description']})")
                )
    return out


def _value_problem(kind: str, value: str) -> str | None:
    if value == "":
        return "valeur vide"
    if kind == "nombre" and _number(value) is None:
        return f"{value!r} n'est pas un nombre"
    if kind == "entier" and not re.fullmatch(r"-?\d+", value):
        return f"{value!r} n'est pas un entier"
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} : date attendue sous la forme AAAA-MM-JJ"
    if kind == "siret" and not siret_is_valid(value):
        return f"SIRET {value!r} invalide"
    if kind == "mois" and not all(m.isdigit() and 1 <= int(m) <= 12 for m in value.split("|")):
        return f"{value!r} : numéros de mois séparés par | (ex. 6|7|8|9)"
    return None


def _check_trajectoire(rows, orgs) -> list[Problem]:
    file, out = "fournisseurs_trajectoire_dep2.csv", []
    for n, r in enumerate(rows, 2):
        out += _unknown_org(file, n, r.get("org_id", ""), orgs)
        if not re.fullmatch(r"20\d\d", r.get("annee", "")):
            out.append(Problem(file, n, "annee", f"{r.get('annee')!r} : année attendue"))
        if _number(r.get("cible_eur", "")) is None:
            out.append(Problem(file, n, "cible_eur", f"{r.get('cible_eur')!r} n'est pas un montant"))
    return out


def _check_centrales(rows) -> list[Problem]:
    from ..ingest.centrales import CONTRACT_FIELDS, CONVERSIONS

    file, out = "centrales_colonnes.csv", []
    for n, r in enumerate(rows, 2):
        if not r.get("centrale_code"):
            out.append(Problem(file, n, "centrale_code", "code de centrale vide"))
        if r.get("champ") not in CONTRACT_FIELDS:
            out.append(Problem(file, n, "champ", f"{r.get('champ')!r} inconnu : " + ", ".join(CONTRACT_FIELDS)))
        if r.get("conversion", "") not in CONVERSIONS:
            out.append(
                Problem(
                    file,
                    n,
                    "conversion",
                    f"{r.get('conversion')!r} inconnue : " + ", ".join(repr(c) for c in CONVERSIONS),
                )
            )
        if not r.get("colonne_source"):
            out.append(Problem(file, n, "colonne_source", "nom de colonne vide"))
    return out


def commentary_axes() -> list[str]:
    """The SPASER's axes as commentaires.csv names them: the catalogue's indicator prefixes
    (GOV, BES, IMP, MOB, NAT, DEP), in the catalogue's order."""
    return list(dict.fromkeys(i.partition("-")[0] for i in indicator_catalogue()))


def _check_commentaires(rows, orgs) -> list[Problem]:
    file, out, seen = "commentaires.csv", [], {}
    catalogue = indicator_catalogue()
    axes = commentary_axes()
    for n, r in enumerate(rows, 2):
        org, year = r.get("org_id", ""), r.get("annee", "")
        axis, indicator = r.get("axe", ""), r.get("indicator_id", "")
        out += _unknown_org(file, n, org, orgs)
        if not re.fullmatch(r"20\d\d", year):
            out.append(Problem(file, n, "annee", f"{year!r} : année attendue (ex. 2025)"))
        if axis and indicator:
            out.append(
                Problem(file, n, "axe, indicator_id", "une ligne commente un axe ou un indicateur, pas les deux")
            )
        elif not axis and not indicator:
            out.append(Problem(file, n, "axe, indicator_id", "renseignez l'axe ou l'indicateur commenté"))
        elif axis and axis not in axes:
            out.append(Problem(file, n, "axe", f"axe {axis!r} inconnu : " + ", ".join(axes)))
        elif indicator and indicator not in catalogue:
            out.append(
                Problem(
                    file,
                    n,
                    "indicator_id",
                    f"indicateur {indicator!r} absent du catalogue (seeds/spaser_indicateurs.csv)",
                )
            )
        else:
            key = (org, year, axis, indicator)
            if key in seen:
                what = f"l'axe {axis}" if axis else f"l'indicateur {indicator}"
                out.append(
                    Problem(
                        file,
                        n,
                        "axe" if axis else "indicator_id",
                        f"{what} a déjà un commentaire pour {year} ligne {seen[key]}",
                    )
                )
            seen.setdefault(key, n)
        if not r.get("commentaire"):
            out.append(Problem(file, n, "commentaire", "commentaire vide"))
    return out


# --- writing: the demo's configuration, a new organisation's ------------------------------------


def write_demo(folder: Path) -> bool:
    """The demo organisation's configuration into `folder`; False (nothing written) when the
    folder holds another configuration, which is the user's and is never overwritten."""
    if exists(folder) and read_table(folder, "organisations") != read_table(DEMO_CONFIG_DIR, "organisations"):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    for stem in [*TABLES, *COMMENTARY_TABLES]:
        shutil.copyfile(DEMO_CONFIG_DIR / f"{stem}.csv", folder / f"{stem}.csv")
    return True


@dataclass(frozen=True)
class NewOrganisation:
    org_id: str
    name: str
    kind: str
    departement: str
    sirets: list[str]
    premier_semestre: str
    spaser_debut: int
    spaser_fin: int


def init(folder: Path, org: NewOrganisation, landing: Path | None = None, add: bool = False) -> list[Path]:
    """A new organisation's configuration: every catalogue indicator listed with its target left
    to fill in (the Nord SPASER's target as the documented example), every parameter at its
    documented default, every feed with its landing folder. Refuses to touch an existing one,
    unless `add`: then the organisation joins it (a partner SPL, an EPCI...), with its own
    landing folders under landing/organisations/<org_id>/."""
    if exists(folder) and not add:
        raise FileExistsError(
            f"{folder} holds a configuration already: edit its files, add an organisation "
            "(spaser init --ajouter), or choose another folder (SPASER_CONFIG_DIR)"
        )
    if add and not exists(folder):
        raise FileNotFoundError(f"{folder}: no configuration to add an organisation to (spaser init first)")
    if add and any(r.get("org_id") == org.org_id for r in read_table(folder, "organisations")):
        raise FileExistsError(f"{folder}: organisation {org.org_id!r} is already configured")
    folder.mkdir(parents=True, exist_ok=True)
    sirets = [normalise_siret(s) or "" for s in org.sirets]
    first = sirets[0] if sirets else ""
    demo_targets = {r["indicator_id"]: r for r in read_table(DEMO_CONFIG_DIR, "spaser_cibles")}
    demo_flux = {r["feed"]: r for r in read_table(DEMO_CONFIG_DIR, "organisation_flux")}
    tables = {
        "organisations": [
            [
                org.org_id,
                org.name,
                org.kind,
                org.departement,
                org.premier_semestre,
                org.spaser_debut,
                org.spaser_fin,
                "false" if add else "true",
            ]
        ],
        "organisation_acheteurs": [[org.org_id, s, org.name] for s in sirets],
        # DECP is what every buyer has; the other feeds become required once the services deliver
        "organisation_flux": [
            [
                org.org_id,
                feed,
                "true" if feed == "marches/decp" else "false",
                demo_flux.get(feed, {}).get("description", ""),
            ]
            for feed in FLUX_FOLDERS
        ],
        "spaser_cibles": [
            [
                org.org_id,
                ind,
                "",
                "",
                demo_targets.get(ind, {}).get("direction") or "hausse",
                "",
                "",
                _example(demo_targets.get(ind)),
            ]
            for ind in indicator_catalogue()
        ],
        "spaser_parametres": [
            [
                org.org_id,
                p["parameter"],
                p["defaut"].replace("{spaser_debut}", str(org.spaser_debut)).replace("{premier_siret}", first),
                p["description"],
            ]
            for p in parameter_catalogue()
        ],
        # shared by every organisation of the configuration
        "centrales_colonnes": []
        if add
        else [[r[c] for c in TABLES["centrales_colonnes"]] for r in read_table(DEMO_CONFIG_DIR, "centrales_colonnes")],
        "fournisseurs_trajectoire_dep2": [],
        "commentaires": [],  # the header: the SPASER manager writes the year's commentary there
    }
    written = []
    for stem, rows in tables.items():
        path = folder / f"{stem}.csv"
        if add:  # appended below the existing organisations' lines
            if rows:
                with path.open("a", encoding="utf-8", newline="") as f:
                    csv.writer(f, lineterminator="\n").writerows(rows)
                written.append(path)
            continue
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow({**TABLES, **COMMENTARY_TABLES}[stem])
            writer.writerows(rows)
        written.append(path)
    if landing is not None:
        base = landing / ORGANISATIONS_LANDING / org.org_id if add else landing
        for sub in sorted({s.folder for s in _raw_sources()}):
            (base / sub).mkdir(parents=True, exist_ok=True)
    return written


def _example(target: dict | None) -> str:
    """The `source` text of a blank target: what to fill in, with the Nord SPASER's as example."""
    if not target:
        return "cible à renseigner"
    value = f"{target['target_value']} en {target['target_year']}" if target["target_value"] else "sans valeur"
    return f"cible à renseigner ; exemple du SPASER du Nord : {value} ({target['direction']}), {target['source']}"


def _raw_sources():
    from ..feeds import all_feeds

    return [s for feed in all_feeds() for s in feed.sources]
