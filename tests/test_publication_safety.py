"""Safe and tamper-evident releases, on a small hand-made warehouse (no pipeline run):
CSV cells neutralised against formula injection while Parquet keeps the exact values, HTML
escaped, version folders read-only, `spaser verify`, and `show`, the `publication` views and
the PostgreSQL load refusing a release whose files no longer match its manifest."""

from __future__ import annotations

import csv
import json
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from orchestration.publication.publish import csv_safe, publish_semester
from orchestration.publication.report import build_html, report_name
from orchestration.publication.serving import refresh_publication_tables
from orchestration.publication.verify import ReleaseIntegrityError, verify_publications, verify_release

ORG = "nordval"
SEMESTER = "2026-S1"
SCRIPT = "<script>alert(1)</script>"
HOSTILE = [SCRIPT, '=HYPERLINK("http://x","clic")', "+1+1", "@SUM(A1)", "-2+3", "\tcmd", "\rcmd"]
SAFE = ["Nettoyage des locaux", "Réfection 2-3 (lot 1)", ""]


def _warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """The tables PUBLISHED_TABLES and the report read, with hostile text in every name."""
    for schema in ("marts", "reference", "meta", "quarantine"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("""CREATE TABLE marts.mart_spaser_indicateurs (
        org_id VARCHAR, org_name VARCHAR, period_type VARCHAR, period VARCHAR, period_end DATE,
        indicator_id VARCHAR, indicator_label VARCHAR, axe VARCHAR, value DOUBLE, unit VARCHAR,
        target_value DOUBLE, target_year INTEGER, expected_value DOUBLE, status VARCHAR,
        previous_value DOUBLE, is_available BOOLEAN, unavailable_reason VARCHAR)""")
    rows = []
    for period_type, period, end in [
        ("semestre", "2025-S2", "2025-12-31"),
        ("semestre", SEMESTER, "2026-06-30"),
        ("annee", "2026", "2026-12-31"),
    ]:
        rows += [
            (
                ORG,
                SCRIPT,
                period_type,
                period,
                end,
                "GOV-1",
                SCRIPT,
                "<b>Gouvernance</b>",
                -2.5,
                "<i>%</i>",
                10.0,
                2027,
                -1.0,
                "en retard",
                -3.0,
                True,
                None,
            ),
            (
                ORG,
                SCRIPT,
                period_type,
                period,
                end,
                "BES-1",
                '=HYPERLINK("http://x","clic")',
                "Besoins",
                None,
                "%",
                None,
                None,
                None,
                "non disponible",
                None,
                False,
                SCRIPT,
            ),
        ]
    con.executemany(
        "INSERT INTO marts.mart_spaser_indicateurs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    con.execute("""CREATE TABLE marts.fct_indicateur_lignes AS
        SELECT org_id, period_type, period, indicator_id, 'k|' || indicator_id AS record_key,
               'landing/decp/' || indicator_label AS source_file, 2 AS source_row,
               NULL::VARCHAR AS secondary_source_file, NULL::INTEGER AS secondary_source_row,
               '-2+3' AS measure, value AS numerator_value
        FROM marts.mart_spaser_indicateurs""")
    con.execute("""CREATE TABLE marts.fct_marches (org_id VARCHAR, semestre VARCHAR, contrat_key VARCHAR,
        objet VARCHAR, acheteur_id VARCHAR, acheteur_nom VARCHAR, montant DOUBLE, delta INTEGER,
        titulaires STRUCT(id VARCHAR, nom VARCHAR)[])""")
    texts = HOSTILE + SAFE
    con.executemany(
        "INSERT INTO marts.fct_marches VALUES (?, ?, ?, ?, ?, ?, ?, ?, [{'id': ?, 'nom': ?}])",
        [
            (ORG, SEMESTER, f"c{i:02}", text, "22590001700019", text, -2.5 * i, -i, f"t{i:02}", text)
            for i, text in enumerate(texts)
        ],
    )
    con.execute("""CREATE TABLE reference.organisation_acheteurs AS
        SELECT 'nordval' AS org_id, '22590001700019' AS acheteur_siret""")
    con.execute("""CREATE TABLE marts.fct_marches_exclusions AS
        SELECT contrat_key, 'landing/decp/x.json' AS _source_file, 1 AS _source_row, acheteur_id,
               DATE '2026-02-01' AS date_notification, objet, '@motif' AS motif
        FROM marts.fct_marches""")
    con.execute("""CREATE TABLE marts.dim_acheteurs AS
        SELECT DISTINCT org_id, acheteur_id, first(acheteur_nom ORDER BY contrat_key) AS acheteur_nom
        FROM marts.fct_marches GROUP BY ALL""")
    con.execute("""CREATE TABLE marts.dim_titulaires AS
        SELECT t.id AS titulaire_id, t.nom AS titulaire_nom FROM (SELECT unnest(titulaires) AS t FROM marts.fct_marches)""")
    con.execute("""CREATE TABLE marts.fct_fournisseurs_attributions AS
        SELECT org_id, semestre, unnest(titulaires).id AS titulaire_id FROM marts.fct_marches""")
    con.execute("""CREATE TABLE meta.ingest_log AS SELECT
        'marches/decp' AS feed, 'decp_<img src=x onerror=alert(1)>.json' AS source_file, repeat('a', 64) AS source_sha256,
        10 AS file_bytes, 3 AS rows_read, 2 AS rows_loaded, 1 AS rows_quarantined,
        TIMESTAMP '2026-07-01 00:00:00' AS ingested_at, NULL::TIMESTAMP AS superseded_at,
        'decp_marches' AS raw_table""")
    con.execute(f"""CREATE TABLE quarantine.decp_marches AS SELECT
        'objet illisible : {SCRIPT}' AS reason, 'decp_{SCRIPT}.json' AS _source_file, 2 AS _source_row""")


@pytest.fixture
def home(spaser_home) -> Path:
    """SPASER_HOME with the hand-made warehouse and release v1 of the semester (report: HTML only)."""
    warehouse = spaser_home / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        _warehouse(con)
        _publish(con, spaser_home)
    return spaser_home


def _publish(con, home: Path, semester: str = SEMESTER, reason: str | None = None):
    gates = [
        {
            "check": SCRIPT,
            "suite": "s",
            "passed": True,
            "rows_validated": 3,
            "expectations": 1,
            "warnings": [{"expectation": "expect_x", "column": SCRIPT, "unexpected_count": 1, "why": SCRIPT}],
        }
    ]

    def render(folder: Path, manifest: dict) -> list[Path]:
        path = folder / report_name(manifest, "html")
        path.write_text(build_html(con, folder, manifest), encoding="utf-8")
        return [path]

    release = publish_semester(con, home / "publications", ORG, semester, reason=reason, gates=gates, render=render)
    refresh_publication_tables(con, home / "publications")
    return release


def _release(home: Path, version: int = 1, semester: str = SEMESTER) -> Path:
    return home / "publications" / ORG / semester / f"v{version}"


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- formula injection and HTML escaping


def test_csv_cells_are_neutralised_and_parquet_keeps_the_exact_values(home):
    release = _release(home)
    expected = {f"c{i:02}": text for i, text in enumerate(HOSTILE + SAFE)}
    rows = {r["contrat_key"]: r for r in _csv(release / "fct_marches.csv")}
    for key, text in expected.items():
        neutral = "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
        assert rows[key]["objet"] == neutral and rows[key]["acheteur_nom"] == neutral, key
    assert rows["c01"]["objet"] == '\'=HYPERLINK("http://x","clic")' and rows["c04"]["objet"] == "'-2+3"
    assert rows["c00"]["objet"] == SCRIPT  # not a formula: CSV is data, escaping is the HTML's job
    # numbers stay numbers, negative ones included; the JSON list of holders starts with '['
    assert rows["c03"]["montant"] == "-7.5" and rows["c03"]["delta"] == "-3"
    assert json.loads(rows["c01"]["titulaires"]) == [{"id": "t01", "nom": expected["c01"]}]
    holders = {r["titulaire_id"]: r["titulaire_nom"] for r in _csv(release / "dim_titulaires.csv")}
    assert holders["t02"] == "'+1+1" and holders["t03"] == "'@SUM(A1)"
    assert {r["measure"] for r in _csv(release / "indicateur_lignes.csv")} == {"'-2+3"}
    indicators = _csv(release / "mart_spaser_indicateurs.csv")
    assert '\'=HYPERLINK("http://x","clic")' in {r["indicator_label"] for r in indicators}
    assert {r["value"] for r in indicators if r["indicator_id"] == "GOV-1"} == {"-2.5"}
    # Parquet: the exact values
    parquet = dict(duckdb.sql(f"SELECT contrat_key, objet FROM '{release / 'fct_marches.parquet'}'").fetchall())
    assert parquet == expected
    names = dict(
        duckdb.sql(f"SELECT titulaire_id, titulaire_nom FROM '{release / 'dim_titulaires.parquet'}'").fetchall()
    )
    assert names["t01"] == '=HYPERLINK("http://x","clic")'


def test_csv_safe_only_touches_text_columns():
    con = duckdb.connect()
    rel = con.sql("""SELECT * FROM (VALUES ('=1', -1, '-x', DATE '2026-01-01', 'ok', NULL::VARCHAR))
                     AS t("a b", "n", "c""q", d, e, f)""")
    assert csv_safe(rel).fetchall() == [("'=1", -1, "'-x", rel.fetchall()[0][3], "ok", None)]
    assert csv_safe(rel).columns == rel.columns


def test_report_escapes_every_name(home):
    text = (_release(home) / f"rapport_{ORG}_{SEMESTER}_v1.html").read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text and "<b>Gouvernance" not in text and "<i>%" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "decp_&lt;img src=x onerror=alert(1)&gt;.json" in text  # input file names
    assert "&lt;i&gt;%&lt;/i&gt;" in text  # units


def test_gx_index_escapes_every_name(tmp_path):
    from orchestration.gates.index import write_index

    run = tmp_path / "gx" / "runs" / "r1"
    run.mkdir(parents=True)
    failure = {"expectation": SCRIPT, "severity": "block", "column": SCRIPT, "why": SCRIPT, "unexpected_count": SCRIPT}
    (run / "gx_x.json").write_text(
        json.dumps(
            {
                "check": SCRIPT,
                "suite": SCRIPT,
                "run_name": f"{SCRIPT}__gx_x",
                "passed": False,
                "failures": [failure],
                "recorded_at": "2026-07-01T00:00:00+00:00",
                "validation_page": '"><script>alert(1)</script>',
                # a gate that reused an earlier validation (gates/reuse.py) names it
                "reused_from": {
                    "run_id": SCRIPT,
                    "run_name": SCRIPT,
                    "recorded_at": SCRIPT,
                    "validation_page": '"><script>alert(1)</script>',
                    "reason": SCRIPT,
                },
            }
        )
    )
    manifest = tmp_path / "pub" / "o" / "s" / "v1" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"dagster_run_id": "r1", "organisation": SCRIPT, "semester": SCRIPT, "version": 1}))
    text = write_index(tmp_path / "gx", tmp_path / "pub").read_text(encoding="utf-8")
    assert "<script" not in text and text.count("&lt;script&gt;") >= 14


# --- tamper-evident releases


def test_a_release_is_sealed_verifies_and_the_next_version_still_publishes(home):
    release = _release(home)
    assert stat.S_IMODE(release.stat().st_mode) == 0o555
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o444 for p in release.iterdir())
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    csv_entry = manifest["outputs"]["fct_marches"]["csv"]
    assert csv_entry["bytes"] == (release / "fct_marches.csv").stat().st_size
    assert verify_release(release) == []
    # a correction next to the sealed v1
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:
        con.execute("UPDATE marts.mart_spaser_indicateurs SET value = 4.0 WHERE indicator_id = 'GOV-1'")
        v2 = _publish(con, home, reason="correction")
    assert v2.created and v2.version == 2 and stat.S_IMODE(v2.path.stat().st_mode) == 0o555
    result = verify_publications(home / "publications")
    assert result.problems == [] and result.versions == [release, v2.path]
    # a copy of the releases made writable, as the pipeline tests do, can be changed and removed
    copy = home / "copy"
    shutil.copytree(home / "publications", copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (copy / ORG / SEMESTER / "v1" / "note.txt").write_text("x")
    shutil.rmtree(copy)


def _writable(path: Path) -> None:
    path.parent.chmod(0o755)
    path.chmod(0o644)


def _forge_parquet(release: Path) -> Path:
    """GOV-1's value changed in the release's indicator Parquet, in place."""
    parquet = release / "mart_spaser_indicateurs.parquet"
    _writable(parquet)
    forged = release / "forged.parquet"
    duckdb.sql(f"""COPY (SELECT * REPLACE (CASE WHEN indicator_id = 'GOV-1' THEN 99.0 ELSE value END AS value)
                   FROM '{parquet}') TO '{forged}' (FORMAT parquet)""")
    forged.replace(parquet)
    return parquet


def test_verify_names_the_forged_file_and_show_refuses(home, capsys):
    from orchestration.cli import main

    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "1 version(s) vérifiée(s)" in out and "1 conforme(s), 0 en échec ; 0 problème(s)" in out
    assert main(["show", "--semester", SEMESTER]) == 0
    assert "GOV-1" in capsys.readouterr().out

    _forge_parquet(_release(home))
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"{ORG}/{SEMESTER}/v1/mart_spaser_indicateurs.parquet : " in out
    assert "0 conforme(s), 1 en échec ; 1 problème(s)" in out
    assert main(["verify", "--org", ORG, "--semester", SEMESTER]) == 1
    capsys.readouterr()
    assert main(["verify", "--semester", "2025-S2"]) == 1  # a filter that matches nothing
    assert "aucune publication" in capsys.readouterr().out

    assert main(["show", "--semester", SEMESTER]) == 1
    captured = capsys.readouterr()
    assert "GOV-1" not in captured.out and "99" not in captured.out
    assert "publication refusée" in captured.err and "mart_spaser_indicateurs.parquet" in captured.err
    # once the views are rebuilt without it, show still names it and refuses
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:
        assert refresh_publication_tables(con, home / "publications")[0] == []
    assert main(["show", "--semester", SEMESTER]) == 1
    assert "publication refusée" in capsys.readouterr().err


def test_every_kind_of_tampering_is_reported(home):
    release = _release(home)
    semester = release.parent
    csv_file = release / "dim_acheteurs.csv"  # same size, other bytes
    _writable(csv_file)
    data = csv_file.read_bytes()
    csv_file.write_bytes(data[:-2] + (b"X" if data[-2:-1] != b"X" else b"Y") + data[-1:])
    (release / "dim_titulaires.csv").unlink()
    (release / "notes.txt").write_text("ajout")
    (semester / ".v2.tmp-4242").mkdir()
    (semester / "v3").mkdir()  # a version without manifest
    result = verify_publications(home / "publications")
    found = {(p.path.relative_to(home / "publications").as_posix(), p.message) for p in result.problems}
    assert found == {
        (
            f"{ORG}/{SEMESTER}/v1/dim_acheteurs.csv",
            "fichier modifié : son empreinte SHA-256 n'est plus celle du manifeste",
        ),
        (f"{ORG}/{SEMESTER}/v1/dim_titulaires.csv", "fichier listé dans le manifeste mais absent"),
        (f"{ORG}/{SEMESTER}/v1/notes.txt", "fichier absent du manifeste (ajouté après la publication)"),
        (f"{ORG}/{SEMESTER}/.v2.tmp-4242", "dossier temporaire d'une publication interrompue (ou en cours)"),
        (f"{ORG}/{SEMESTER}/v3", "manifest.json absent : version invérifiable"),
    }, result.problems
    assert len(result.failed_versions) == 2
    # the views are rebuilt without the latest version (v3), which is still in the register
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:
        views, problems = refresh_publication_tables(con, home / "publications")
        assert views == [] and [p.path.name for p in problems] == ["v3"]
        assert con.sql("SELECT version, published_at FROM publication.releases").fetchall() == [(3, None)]


def test_a_deleted_previous_version_is_reported(home):
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:
        con.execute("UPDATE marts.mart_spaser_indicateurs SET value = 4.0 WHERE indicator_id = 'GOV-1'")
        _publish(con, home, reason="correction")
    v1 = _release(home)
    for p in [v1, *v1.iterdir()]:
        p.chmod(0o755)
    shutil.rmtree(v1)
    problems = verify_publications(home / "publications").problems
    assert [p.message for p in problems] == ["la version précédente v1 a disparu"]


def test_views_leave_out_a_release_that_does_not_verify(home):
    def served(con, table: str) -> set[str]:
        files = con.sql(f"SELECT DISTINCT release_file FROM publication.{table}").fetchall()
        return {Path(f).parent.parent.name for (f,) in files}

    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:
        con.execute("UPDATE marts.fct_marches SET semestre = '2025-S2'")
        _publish(con, home, semester="2025-S2")
        assert served(con, "mart_spaser_indicateurs") == {"2025-S2", SEMESTER}
        _forge_parquet(_release(home))
        views, problems = refresh_publication_tables(con, home / "publications")
        assert "mart_spaser_indicateurs" in views
        assert [p.path.name for p in problems] == ["mart_spaser_indicateurs.parquet"]
        # every table of the forged 2026-S1 release is gone, not replaced by another version
        assert served(con, "mart_spaser_indicateurs") == served(con, "dim_acheteurs") == {"2025-S2"}
        # the register still says it was published (GOV-2 and GOV-3 count publications)
        assert con.sql("SELECT semester FROM publication.releases ORDER BY 1").fetchall() == [("2025-S2",), (SEMESTER,)]
        # a correction is never compared with forged values
        con.execute("UPDATE marts.mart_spaser_indicateurs SET value = 5.0 WHERE indicator_id = 'GOV-1'")
        with pytest.raises(ReleaseIntegrityError, match="mart_spaser_indicateurs.parquet"):
            _publish(con, home, reason="correction")
    assert sorted(p.name for p in _release(home).parent.iterdir()) == ["v1"]


def test_bi_tables_cannot_double_count_and_survive_a_copied_warehouse(home, tmp_path):
    """A period is in several releases (2025-S2 in the history of both releases here): the
    history is keyed by release, the latest figure per period has one row per period; tables
    and columns carry descriptions; a copy of the warehouse file reads without the releases."""
    warehouse = home / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE marts.fct_marches SET semestre = '2025-S2'")
        _publish(con, home, semester="2025-S2")
        key = "org_id, period_type, period, indicator_id"
        history = con.sql(
            f"SELECT release_semester, {key}, count(*) FROM publication.mart_spaser_indicateurs_historique GROUP BY ALL"
        ).fetchall()
        assert ("2025-S2", ORG, "semestre", "2025-S2", "GOV-1", 1) in history
        assert (SEMESTER, ORG, "semestre", "2025-S2", "GOV-1", 1) in history  # the same period, twice
        latest = con.sql(
            f"SELECT {key}, release_semester, release_file FROM publication.mart_spaser_indicateurs_par_periode "
            "WHERE indicator_id = 'GOV-1' ORDER BY period_type, period"
        ).fetchall()
        assert [row[:5] for row in latest] == [
            (ORG, "semestre", "2025-S2", "GOV-1", SEMESTER),  # from the most recent release
            (ORG, "semestre", SEMESTER, "GOV-1", SEMESTER),
        ]
        assert latest[0][5] == f"{ORG}/{SEMESTER}/v1/mart_spaser_indicateurs_historique.parquet"  # relative
        # every other table: one row per key, from the most recent release holding it
        for table, key in [
            ("mart_spaser_indicateurs", key),
            ("dim_acheteurs", "org_id, acheteur_id"),
            ("dim_titulaires", "titulaire_id"),
        ]:
            twice = con.sql(f"SELECT {key} FROM publication.{table} GROUP BY ALL HAVING count(*) > 1").fetchall()
            assert twice == [], table
        assert con.sql("SELECT DISTINCT release_semester FROM publication.dim_acheteurs").fetchall() == [(SEMESTER,)]
        comments = dict(
            con.sql(
                "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'publication' "
                "AND table_name = 'mart_spaser_indicateurs_par_periode'"
            ).fetchall()
        )
        assert comments["release_semester"] and comments["release_version"]
        [(table_comment,)] = con.sql(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = 'publication' "
            "AND table_name = 'mart_spaser_indicateurs_par_periode'"
        ).fetchall()
        assert "One row per org_id, period_type, period, indicator_id" in table_comment
    copy = tmp_path / "elsewhere" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(warehouse, copy)
    for p in sorted((home / "publications").rglob("*"), reverse=True):
        p.chmod(0o755)
    shutil.rmtree(home / "publications")
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.sql(
            "SELECT count(*) FROM publication.mart_spaser_indicateurs_par_periode WHERE indicator_id = 'GOV-1'"
        ).fetchall() == [(2,)]


@pytest.fixture
def pg_own(pg_session):
    """A database of this test's own: the session one serves the pipeline's releases."""
    import dataclasses
    import uuid

    from orchestration.postgres.serving import create_database, drop_database

    suffix = uuid.uuid4().hex[:12]
    settings = dataclasses.replace(pg_session, database=f"spaser_test_{suffix}", bi_role=f"spaser_bi_test_{suffix}")
    create_database(settings)
    try:
        yield settings
    finally:
        drop_database(settings, roles=[settings.bi_role])


def test_postgres_load_leaves_out_a_release_that_does_not_verify(home, pg_own):
    import psycopg2

    from orchestration.postgres.serving import load_publication

    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:
        con.execute("UPDATE marts.fct_marches SET semestre = '2025-S2'")
        _publish(con, home, semester="2025-S2")
    load_publication(home / "publications", pg_own)  # both verify
    _forge_parquet(_release(home))
    with pytest.raises(ReleaseIntegrityError, match=f"{ORG}/{SEMESTER}/v1/mart_spaser_indicateurs.parquet"):
        load_publication(home / "publications", pg_own)
    pg = psycopg2.connect(pg_own.dsn())
    try:
        with pg.cursor() as cur:  # committed without the forged release
            cur.execute("SELECT DISTINCT release_file FROM publication.mart_spaser_indicateurs")
            assert [Path(f).parent.parent.name for (f,) in cur.fetchall()] == ["2025-S2"]
            cur.execute("SELECT semester FROM publication.releases ORDER BY 1")
            assert cur.fetchall() == [("2025-S2",), (SEMESTER,)]
    finally:
        pg.close()
