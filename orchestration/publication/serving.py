"""What BI tools read: the `publication` schema, one definition for DuckDB and PostgreSQL.

Every table holds the rows of the releases that are served (the latest version of every
organisation x semester that still verifies), each row with the release it comes from
(`release_file`, relative to the publications folder, `release_semester`, `release_version`).
They are tables, not views over the release files: a copied warehouse keeps working.

A period appears in several releases (the year 2026 in the 2026-S1 and 2026-S2 releases, every
past semester in each release's history), and so do buyers and holders: every table keeps one
row per key, from the most recent release holding it (LATEST_BY_KEY), so a dashboard that sums
or counts cannot count twice; only `mart_spaser_indicateurs_historique` keeps every release,
keyed by `release_semester`. `mart_spaser_indicateurs_par_periode` gives the latest figure of
every period of that history. Tables and columns carry their dbt descriptions.
"""

from __future__ import annotations

from pathlib import Path

from .publish import PUBLISHED_TABLES

LATEST_PER_PERIOD = "mart_spaser_indicateurs_par_periode"
HISTORY = "mart_spaser_indicateurs_historique"

# publication table -> dbt model whose column descriptions it carries
DESCRIBED_BY = {
    "mart_spaser_indicateurs": "mart_spaser_indicateurs",
    HISTORY: "mart_spaser_indicateurs",
    LATEST_PER_PERIOD: "mart_spaser_indicateurs",
    "indicateur_lignes": "fct_indicateur_lignes",
    "fct_marches": "fct_marches",
    "fct_marches_exclusions": "fct_marches_exclusions",
    "dim_acheteurs": "dim_acheteurs",
    "dim_titulaires": "dim_titulaires",
}

TABLE_COMMENTS = {
    "mart_spaser_indicateurs": "SPASER indicators of the releases' semesters and years, one row per org_id, "
    "period_type, period, indicator_id: from the most recent release holding it (a year is in its S1 and "
    "S2 releases).",
    HISTORY: "Every period up to each release's semester, as computed at that release. Key: "
    "release_semester, org_id, period_type, period, indicator_id: filter one release_semester, or "
    f"use {LATEST_PER_PERIOD}.",
    LATEST_PER_PERIOD: "One row per org_id, period_type, period, indicator_id: the figure of the most "
    "recent release holding the period. Sum or count by period here.",
    "indicateur_lignes": "Source rows behind each indicator value of mart_spaser_indicateurs (drill-down, "
    "lineage), from the same release as the value.",
    "fct_marches": "Contracts counted in the release's semester.",
    "fct_marches_exclusions": "Contracts of the release's semester not counted, with the reason.",
    "dim_acheteurs": "Buyers of each organisation, one row per org_id, acheteur_id (most recent release).",
    "dim_titulaires": "Holders of the published contracts, one row per titulaire_id (most recent release).",
}

RELEASE_COLUMNS = {
    "release_file": "Release file the row comes from, relative to the publications folder "
    "(<org>/<semester>/v<N>/<table>.parquet).",
    "release_semester": "Semester of the release the row comes from.",
    "release_version": "Version of that release (a correction is version N+1).",
}


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def served_relation(name: str, served: list[Path], root: Path) -> str | None:
    """DuckDB SQL of the publication table `name` over the served release folders; None when
    none of them holds it."""
    files = [v / f"{name}.parquet" for v in served if (v / f"{name}.parquet").exists()]
    if not files:
        return None
    listing = ", ".join(_text(str(f)) for f in files)
    origin = ", ".join(
        f"({_text(str(f))}, {_text(f.relative_to(root).as_posix())}, {_text(f.parent.parent.name)}, "
        f"{int(f.parent.name[1:])})"
        for f in files
    )
    return f"""SELECT p.* EXCLUDE (release_path), r.release_file, r.release_semester, r.release_version
        FROM read_parquet([{listing}], union_by_name = true, filename = 'release_path') AS p
        JOIN (VALUES {origin}) AS r(release_path, release_file, release_semester, release_version)
        USING (release_path)"""


# A period, a buyer or a holder appears in several releases (the year 2026 in the 2026-S1 and
# 2026-S2 releases, a buyer in each of its semesters): each table keeps, per key, the rows of the
# most recent release that holds it, so that nothing is counted twice. Only the history keeps
# every release (keyed by release_semester, documented so).
LATEST_BY_KEY = {
    "mart_spaser_indicateurs": "org_id, period_type, period, indicator_id",
    # the lines of a value come from the same release as the value: the whole group is kept
    "indicateur_lignes": "org_id, period_type, period, indicator_id",
    "dim_acheteurs": "org_id, acheteur_id",
    "dim_titulaires": "titulaire_id",
}


def served_tables(served: list[Path], root: Path) -> dict[str, str | None]:
    """Every publication table (the published ones and the latest figure per period) -> its
    DuckDB SQL, None when no served release holds it."""
    tables = {name: served_relation(name, served, root) for name in PUBLISHED_TABLES}
    for name, key in LATEST_BY_KEY.items():
        if tables.get(name):
            tables[name] = f"""SELECT * FROM ({tables[name]})
                QUALIFY release_semester = max(release_semester) OVER (PARTITION BY {key})"""
    history = tables.get(HISTORY)
    tables[LATEST_PER_PERIOD] = (
        f"""SELECT * FROM ({history}) QUALIFY row_number() OVER (
            PARTITION BY org_id, period_type, period, indicator_id
            ORDER BY release_semester DESC, release_version DESC) = 1"""
        if history
        else None
    )
    return tables


def column_comments(table: str, columns: list[str]) -> dict[str, str]:
    """Comments of a publication table's columns: the dbt model's descriptions (read by
    datapackage.model_docs from the manifest prepared for the run) and the release columns'."""
    from .datapackage import DataPackageError, model_docs

    try:  # descriptions help BI users; an unreadable manifest never blocks serving
        doc = model_docs().get(DESCRIBED_BY.get(table, table))
    except DataPackageError:
        doc = None
    described = {name: column["description"] for name, column in doc.columns.items()} if doc else {}
    out = {}
    for column in columns:
        text = RELEASE_COLUMNS.get(column) or described.get(column, "")
        if text:
            out[column] = " ".join(text.split())
    return out


def refresh_publication_tables(con, publications_root: Path):
    """Rebuild the DuckDB `publication` schema from the served releases, with comments; returns
    (tables created, problems of the releases left out). The register `publication.releases`
    lists every latest version, verified or not: it records what was published (GOV-2 and GOV-3
    count it), not what is served."""
    from .publish import RELEASES_DDL, release_register
    from .verify import latest_release_folders, served_releases

    con.execute("CREATE SCHEMA IF NOT EXISTS publication")
    served, problems = served_releases(publications_root)
    created = []
    kinds = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'publication'"
        ).fetchall()
    )
    con.execute("BEGIN TRANSACTION")
    try:
        for name, relation in served_tables(served, publications_root).items():
            if kinds.get(name) == "VIEW":  # warehouses published before the tables
                con.execute(f"DROP VIEW publication.{name}")
            if relation is None:
                con.execute(f"DROP TABLE IF EXISTS publication.{name}")  # nothing left to serve
                continue
            con.execute(f"CREATE OR REPLACE TABLE publication.{name} AS {relation}")
            columns = [r[0] for r in con.execute(f"DESCRIBE publication.{name}").fetchall()]
            con.execute(f"COMMENT ON TABLE publication.{name} IS {_text(TABLE_COMMENTS[name])}")
            for column, text in column_comments(name, columns).items():
                con.execute(f'COMMENT ON COLUMN publication.{name}."{column}" IS {_text(text)}')
            created.append(name)
        con.execute("DROP TABLE IF EXISTS publication.releases")
        con.execute(RELEASES_DDL)
        releases = release_register(latest_release_folders(publications_root))
        if releases:
            con.executemany("INSERT INTO publication.releases VALUES (?, ?, ?, ?, ?)", releases)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return created, problems
