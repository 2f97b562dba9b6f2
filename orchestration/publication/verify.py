"""Is a release still what was published? Its files checked against its manifest.

`verify_release(folder)` checks one version folder: `manifest.json` present and readable, and
naming this organisation, semester and version; every output it lists present, with its size
(when recorded) and its sha256; no file the manifest does not list. `verify_publications`
runs it over every version under the publications folder and also reports what a publication
leaves only when it went wrong (a temporary `.v<N>.tmp-<pid>` folder, an unexpected entry) and
a version whose previous version is gone. `served_releases` is what the `publication` views and
the PostgreSQL load serve: the latest version of every organisation x semester that verifies.

Messages are in French: auditors read them (`spaser verify`, docs/auditeurs.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..ingest.framework import sha256_of

VERSION = re.compile(r"^v(\d+)$")
TEMPORARY = re.compile(r"^\.v\d+\.tmp-\d+$")  # publish_semester writes here, then renames
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Problem:
    path: Path  # the file or folder at fault
    message: str  # French, for auditors

    def describe(self, root: Path | None = None) -> str:
        path = self.path.relative_to(root) if root and self.path.is_relative_to(root) else self.path
        return f"{path.as_posix()} : {self.message}"


class ReleaseIntegrityError(RuntimeError):
    """Releases whose files no longer match their manifest (never served)."""

    def __init__(self, problems: list[Problem], root: Path | None = None):
        self.problems = problems
        lines = "\n".join(f"  - {p.describe(root)}" for p in problems)
        super().__init__(
            f"{len(problems)} problème(s) d'intégrité : ces publications ne correspondent plus à leur "
            f"manifeste et ne sont pas servies (restaurer les fichiers d'origine, voir `spaser verify`) :\n{lines}"
        )


# one definition of a file's hash, the ingest log's and the manifest's alike
sha256_file = sha256_of


def existing_versions(folder: Path) -> list[int]:
    if not folder.exists():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := VERSION.match(p.name)) and p.is_dir())


def listed_files(manifest: dict) -> dict[str, dict]:
    """File name (relative to the version folder) -> {sha256, bytes?} of every listed output."""
    files = {}
    for output in manifest["outputs"].values():
        for entry in (output["parquet"], output["csv"]) if "parquet" in output else (output,):
            files[entry["file"]] = entry
    return files


def verify_release(folder: Path) -> list[Problem]:
    """The problems of one version folder (none: it is exactly what was published)."""
    path = folder / MANIFEST
    if not path.is_file():
        return [Problem(folder, "manifest.json absent : version invérifiable")]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        listed = listed_files(manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [Problem(path, f"manifeste illisible ({type(exc).__name__} : {exc})")]
    problems = [Problem(path, message) for message in _identity_problems(manifest, folder)]
    present = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            problems.append(Problem(p, "lien symbolique : une publication ne contient que des fichiers"))
        elif p.is_file() and p != path:
            present[p.relative_to(folder).as_posix()] = p
    for name in sorted(listed.keys() - present.keys()):
        problems.append(Problem(folder / name, "fichier listé dans le manifeste mais absent"))
    for name in sorted(present.keys() - listed.keys()):
        problems.append(Problem(present[name], "fichier absent du manifeste (ajouté après la publication)"))
    for name in sorted(listed.keys() & present.keys()):
        problems += _file_problems(present[name], listed[name])
    return problems


def _identity_problems(manifest: dict, folder: Path) -> list[str]:
    """A manifest moved from another folder would vouch for other files."""
    expected = {
        "organisation": folder.parent.parent.name,
        "semester": folder.parent.name,
        "version": int(folder.name[1:]) if VERSION.match(folder.name) else folder.name,
    }
    return [
        f"le manifeste indique {key} = {manifest.get(key)!r}, le dossier {value!r}"
        for key, value in expected.items()
        if manifest.get(key) != value
    ]


def _file_problems(path: Path, entry: dict) -> list[Problem]:
    size = path.stat().st_size
    if entry.get("bytes") is not None and size != entry["bytes"]:
        return [Problem(path, f"fichier modifié : {size} octets au lieu des {entry['bytes']} du manifeste")]
    if sha256_file(path) != entry.get("sha256"):
        return [Problem(path, "fichier modifié : son empreinte SHA-256 n'est plus celle du manifeste")]
    return []


@dataclass
class Verification:
    root: Path
    versions: list[Path]  # every version folder checked
    problems: list[Problem]

    @property
    def failed_versions(self) -> list[Path]:
        return [v for v in self.versions if any(p.path == v or v in p.path.parents for p in self.problems)]


def verify_publications(root: Path, org: str | None = None, semester: str | None = None) -> Verification:
    """Every version of every organisation x semester under `root` (or those of `org`, `semester`)."""
    versions: list[Path] = []
    problems: list[Problem] = []
    for org_dir in _subfolders(root, org):
        for semester_dir in _subfolders(org_dir, semester):
            numbers = existing_versions(semester_dir)
            problems += _semester_problems(semester_dir, numbers)
            for n in numbers:
                versions.append(semester_dir / f"v{n}")
                problems += verify_release(semester_dir / f"v{n}")
    return Verification(root, versions, problems)


def _subfolders(folder: Path, only: str | None) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and (only is None or p.name == only)
    )


def _semester_problems(folder: Path, numbers: list[int]) -> list[Problem]:
    problems = []
    for entry in sorted(folder.iterdir()):
        if TEMPORARY.match(entry.name):
            problems.append(Problem(entry, "dossier temporaire d'une publication interrompue (ou en cours)"))
        elif not (VERSION.match(entry.name) and entry.is_dir()):
            problems.append(Problem(entry, "entrée inattendue dans le dossier du semestre"))
    for n in numbers:  # a deleted version leaves its successor pointing at nothing
        try:
            manifest = json.loads((folder / f"v{n}" / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # reported by verify_release
        previous = manifest.get("previous_version") if isinstance(manifest, dict) else None
        if previous and previous not in numbers:
            problems.append(Problem(folder / f"v{n}", f"la version précédente v{previous} a disparu"))
    return problems


def latest_release_folders(publications_root: Path) -> list[Path]:
    """The folder of the latest version of every organisation x semester, in a stable order."""
    latest = []
    for org_dir in _subfolders(publications_root, None):
        for semester_dir in _subfolders(org_dir, None):
            if numbers := existing_versions(semester_dir):
                latest.append(semester_dir / f"v{numbers[-1]}")
    return latest


def served_releases(publications_root: Path) -> tuple[list[Path], list[Problem]]:
    """(latest versions that verify, problems of those that do not). A latest version that does
    not verify is left out, not replaced by its predecessor: that one was corrected."""
    served, problems = [], []
    for folder in latest_release_folders(publications_root):
        found = verify_release(folder)
        problems += found
        if not found:
            served.append(folder)
    return served, problems
