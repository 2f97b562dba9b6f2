"""Immutable, versioned semester releases.

`publications/<org>/<semester>/v<N>/` holds Parquet and CSV of each published table, and a
`manifest.json` with the sha256 and row count of every output and every input file, the code
version, the gates passed and the reason. A version is never overwritten: it is written to a
temporary folder and renamed into place, its files and folders are made read-only, and when
the content of the marts has not changed since the latest version no new version is made.
`verify.py` checks a version against its manifest.

The CSV files are for spreadsheets: a text cell starting with a formula trigger gets a leading
quote there (CSV injection); the Parquet files hold the exact values.

The `publication` schema of the warehouse (serving.py) holds the latest version of every
semester that still verifies, so BI tools read released files, never the working tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..runs import process_alive
from ..semesters import dbt_env, semester_bounds
from ..settings import REPO_ROOT
from .datapackage import validate_release_package, write_datapackage
from .verify import (  # noqa: F401 - sha256_file is imported from here too
    Problem,
    ReleaseIntegrityError,
    existing_versions,
    latest_release_folders,
    served_releases,
    sha256_file,
    verify_release,
)

# table name -> SQL selecting the rows of one organisation and one semester
PUBLISHED_TABLES: dict[str, str] = {
    "mart_spaser_indicateurs": """
        SELECT * FROM marts.mart_spaser_indicateurs
        WHERE org_id = $org AND (
            (period_type = 'semestre' AND period = $semester)
            OR (period_type = 'annee' AND period = $year))
        ORDER BY period_type DESC, indicator_id""",
    "mart_spaser_indicateurs_historique": """
        SELECT * FROM marts.mart_spaser_indicateurs
        WHERE org_id = $org AND period_end <= $semester_end
        ORDER BY period_type DESC, period, indicator_id""",
    "indicateur_lignes": """
        SELECT * FROM marts.fct_indicateur_lignes
        WHERE org_id = $org AND (
            (period_type = 'semestre' AND period = $semester)
            OR (period_type = 'annee' AND period = $year))
        ORDER BY period_type DESC, indicator_id, record_key, source_file, source_row,
                 secondary_source_file, secondary_source_row, measure""",
    "fct_marches": """
        SELECT * EXCLUDE (titulaires), to_json(titulaires) AS titulaires
        FROM marts.fct_marches
        WHERE org_id = $org AND semestre = $semester
        ORDER BY contrat_key""",
    "fct_marches_exclusions": """
        SELECT e.* FROM marts.fct_marches_exclusions AS e
        JOIN reference.organisation_acheteurs AS b ON e.acheteur_id = b.acheteur_siret
        WHERE b.org_id = $org AND e.date_notification BETWEEN $semester_start AND $semester_end
        ORDER BY e.contrat_key, e._source_file, e._source_row""",
    "dim_acheteurs": """
        SELECT * FROM marts.dim_acheteurs WHERE org_id = $org ORDER BY acheteur_id""",
    # the holders of the semester's contracts, by their compacted identifier (the dim's key)
    "dim_titulaires": """
        SELECT t.* FROM marts.dim_titulaires AS t
        WHERE t.titulaire_id IN (
            SELECT titulaire_id FROM marts.fct_fournisseurs_attributions
            WHERE org_id = $org AND semestre = $semester)
        ORDER BY t.titulaire_id""",
}

# Tables whose content decides whether a new version is needed.
CONTENT_TABLES = ["mart_spaser_indicateurs", "mart_spaser_indicateurs_historique", "fct_marches"]

# A text cell a spreadsheet would run as a formula (OWASP CSV injection) starts with one of these.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class CorrectionReasonRequired(ValueError):
    """A published semester changed: a new version needs a reason from a person."""


@dataclass
class Release:
    org_id: str
    semester: str
    version: int
    path: Path
    created: bool  # False when the latest version already had this content
    manifest: dict


def _configuration_sha256(config_dir: Path | None) -> str:
    """The organisation's configuration the release was computed with (it lives outside the
    code, so the code version alone does not say which targets and thresholds were used)."""
    from ..configuration import fingerprint
    from ..settings import get_paths

    return fingerprint(config_dir or get_paths().config)


def code_version() -> str:
    """Git commit of the code (with -dirty when modified), or the package version."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        from importlib.metadata import version

        return "spaser-warehouse " + version("spaser-warehouse")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def csv_safe_sql(column: str) -> str:
    """SQL of a text column as the release CSVs hold it: a leading quote before a cell starting
    with a formula trigger, so a spreadsheet shows the text instead of running it."""
    triggers = ", ".join(_sql_string(c) for c in FORMULA_TRIGGERS)
    return f"CASE WHEN left({column}, 1) IN ({triggers}) THEN '''' || {column} ELSE {column} END"


def csv_safe(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """`rel` as every release CSV is written: text columns neutralised (csv_safe_sql), the others
    untouched (a negative number is a number). Still a lazy relation: the rows are streamed."""
    columns = []
    for name, dtype in zip(rel.columns, rel.types):
        quoted = '"' + name.replace('"', '""') + '"'
        if str(dtype) == "VARCHAR" or str(dtype).startswith("ENUM"):
            columns.append(f"{csv_safe_sql(quoted + '::VARCHAR')} AS {quoted}")
        else:
            columns.append(quoted)
    return rel.project(", ".join(columns))


def write_release_csv(rel: duckdb.DuckDBPyRelation, path: Path) -> None:
    """The one way a release CSV is written. Parquet keeps the exact values."""
    csv_safe(rel).write_csv(str(path), header=True)


def seal(folder: Path) -> None:
    """Files 0444 and folders 0555: a release is not edited in place, nor added to."""
    for p in sorted(folder.rglob("*"), reverse=True):  # children before their folder
        p.chmod(0o555 if p.is_dir() else 0o444)
    folder.chmod(0o555)


def publish_semester(
    con: duckdb.DuckDBPyConnection,
    publications_root: Path,
    org_id: str,
    semester: str,
    *,
    reason: str | None,
    gates: list[dict],
    run_id: str | None = None,
    now: dt.datetime | None = None,
    render: Callable[[Path, dict], list[Path]] | None = None,
    config_dir: Path | None = None,
) -> Release:
    """Write version N+1 of the semester's release when its content changed.

    The first version's reason defaults to a first publication; a correction (N+1) requires
    one. `render(folder, manifest)` may add files (the semester report) before the manifest
    is sealed; their hashes go into the manifest too. `config_dir`: the organisation's
    configuration recorded in the manifest (default: the environment's home).
    """
    start, end = semester_bounds(semester)
    params = {
        "org": org_id,
        "semester": semester,
        "year": str(start.year),
        "semester_start": start,
        "semester_end": end,
    }
    folder = publications_root / org_id / semester
    folder.mkdir(parents=True, exist_ok=True)
    versions = existing_versions(folder)
    number = (versions[-1] + 1) if versions else 1
    # Written outside the publication tree, then renamed in: a kill mid-way never leaves a
    # half-written version under a name that `publications/*/*/...` globs match.
    tmp = staging_folder(publications_root) / f"{org_id}_{semester}_v{number}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)

    outputs = {}
    try:
        for name, sql in PUBLISHED_TABLES.items():
            used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
            rel = con.sql(sql, params=used)
            parquet, csv = tmp / f"{name}.parquet", tmp / f"{name}.csv"
            rel.write_parquet(str(parquet), compression="zstd")
            write_release_csv(rel, csv)
            rows = con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall()[0][0]
            outputs[name] = {
                "rows": rows,
                "parquet": _file_entry(parquet),
                "csv": _file_entry(csv),
                # content hash independent of file encoding details, for change detection
                "content_sha256": _content_hash(con, parquet),
            }

        content = {k: outputs[k]["content_sha256"] for k in CONTENT_TABLES}
        changes: list[dict] = []
        if versions:
            latest = folder / f"v{versions[-1]}"
            previous = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
            if previous.get("content") == content:
                shutil.rmtree(tmp)
                return Release(org_id, semester, versions[-1], latest, False, previous)
            if not reason:
                raise CorrectionReasonRequired(
                    f"{org_id} {semester} is already published as v{versions[-1]} and its content changed: "
                    f"a correction (v{number}) needs a reason, e.g. "
                    f'spaser run --semester {semester} --reason "export des procédures corrigé"'
                )
            if problems := verify_release(latest):  # the moved values are read from its files
                raise ReleaseIntegrityError(problems, publications_root)
            changes = indicator_changes(
                con, latest / "mart_spaser_indicateurs.parquet", tmp / "mart_spaser_indicateurs.parquet"
            )

        manifest = {
            "organisation": org_id,
            "semester": semester,
            "version": number,
            "published_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            "reason": reason or "première publication du semestre",
            "previous_version": versions[-1] if versions else None,
            "changes_from_previous_version": changes,
            "code_version": code_version(),
            "configuration_sha256": _configuration_sha256(config_dir),
            "dagster_run_id": run_id,
            "dbt_env": dbt_env(semester),
            "outputs": outputs,
            "content": content,
            "inputs": _inputs(con),
            "withdrawn_inputs": _withdrawn_inputs(con),
            "gates": gates,
        }
        # open data: datapackage.json describes every table's CSV and frictionless validates it,
        # every row, before anything is sealed; an invalid package blocks the release like a gate
        package = write_datapackage(con, tmp, manifest, validate=False)
        outputs[package.stem + package.suffix.replace(".", "_")] = _file_entry(package)
        manifest["datapackage"] = package.name
        # The validation (Python reading every CSV row) runs in a thread while the report is
        # rendered: most of the rendering is Chromium printing the PDF in its own process, so
        # the two overlap on the machine's cores. Leaving the block waits for the validation.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="spaser-datapackage") as pool:
            validation = pool.submit(validate_release_package, package, manifest.copy())
            try:
                extras = render(tmp, manifest) if render else []
            except Exception:
                validation.result()  # an invalid package (DataPackageError) is the error to report
                raise
            validation.result()  # DataPackageError: nothing is sealed
        for extra in extras:
            outputs[extra.stem + extra.suffix.replace(".", "_")] = _file_entry(extra)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
        final = folder / f"v{number}"
        if final.exists():  # another writer won the race: never overwrite
            raise FileExistsError(f"{final} already exists; releases are immutable")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seal(final)
    return Release(org_id, semester, number, final, True, manifest)


def _file_entry(path: Path) -> dict:
    return {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def indicator_changes(con, previous: Path, current: Path) -> list[dict]:
    """Indicator rows whose value, status or availability moved between two versions."""
    rows = con.execute(
        f"""SELECT coalesce(n.period_type, o.period_type), coalesce(n.period, o.period),
                   coalesce(n.indicator_id, o.indicator_id), o.value, n.value, o.status, n.status
            FROM read_parquet('{previous}') AS o
            FULL JOIN read_parquet('{current}') AS n
                ON o.org_id = n.org_id AND o.period_type = n.period_type AND o.period = n.period
                AND o.indicator_id = n.indicator_id
            WHERE o.value IS DISTINCT FROM n.value OR o.status IS DISTINCT FROM n.status
                OR o.is_available IS DISTINCT FROM n.is_available
            ORDER BY 1 DESC, 2, 3"""
    ).fetchall()
    keys = ["period_type", "period", "indicator_id", "previous_value", "value", "previous_status", "status"]
    return [dict(zip(keys, r)) for r in rows]


def _content_hash(con, parquet: Path) -> str:
    h = hashlib.sha256()
    for batch in con.sql(f"SELECT * FROM read_parquet('{parquet}')").to_arrow_reader(50_000):
        for column in batch.columns:
            h.update(str(column.to_pylist()).encode())
    return h.hexdigest()


def _inputs(con) -> list[dict]:
    rows = con.sql(
        """SELECT feed, source_file, source_sha256, file_bytes, rows_read, rows_loaded,
                  rows_quarantined, ingested_at
           FROM meta.ingest_log WHERE superseded_at IS NULL ORDER BY feed, source_file"""
    ).fetchall()
    keys = ["feed", "file", "sha256", "bytes", "rows_read", "rows_loaded", "rows_quarantined", "ingested_at"]
    return [dict(zip(keys, r)) for r in rows]


def staging_folder(publications_root: Path) -> Path:
    """Beside the publication tree (same file system, so the final rename is atomic), not in it."""
    return publications_root.parent / f".{publications_root.name}.staging"


def clean_staging(publications_root: Path) -> list[Path]:
    """Remove the half-written versions of processes that no longer run (killed publications)."""
    removed = []
    staging = staging_folder(publications_root)
    for tmp in sorted(staging.glob("*.tmp-*")) if staging.is_dir() else []:
        pid = tmp.name.rsplit(".tmp-", 1)[1]
        if pid.isdigit() and not process_alive(int(pid)):
            _make_writable(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def _make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _withdrawn_inputs(con) -> list[dict]:
    """Files taken out of the build (withdrawn from their landing folder): when and why."""
    has_column = con.execute("""SELECT count(*) FROM duckdb_columns()
        WHERE schema_name = 'meta' AND table_name = 'ingest_log' AND column_name = 'withdrawn_reason'""").fetchone()[0]
    if not has_column:
        return []
    rows = con.execute(
        """SELECT feed, source_file, source_sha256, ingested_at, superseded_at, withdrawn_reason
           FROM meta.ingest_log WHERE withdrawn_reason IS NOT NULL ORDER BY feed, source_file, superseded_at"""
    ).fetchall()
    keys = ["feed", "file", "sha256", "ingested_at", "withdrawn_at", "reason"]
    return [dict(zip(keys, r)) for r in rows]


RELEASES_DDL = """CREATE TABLE IF NOT EXISTS publication.releases (
    org_id VARCHAR, semester VARCHAR, version INTEGER, path VARCHAR, published_at VARCHAR)"""


def ensure_release_register(con: duckdb.DuckDBPyConnection) -> None:
    """`publication.releases` exists before dbt reads it (GOV-2 and GOV-3 are computed from the
    warehouse's own publications), even before the first release."""
    con.execute("CREATE SCHEMA IF NOT EXISTS publication")
    con.execute(RELEASES_DDL)


def release_register(latest: list[Path]) -> list[tuple]:
    """Rows of `publication.releases`: (org_id, semester, version, path, published_at)."""
    rows = []
    for v in latest:
        try:
            published_at = json.loads((v / "manifest.json").read_text(encoding="utf-8")).get("published_at")
        except (OSError, ValueError, AttributeError):
            published_at = None  # a broken release is still listed; verification reports it
        rows.append((v.parent.parent.name, v.parent.name, int(v.name[1:]), str(v), published_at))
    return rows
