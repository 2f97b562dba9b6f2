"""The whole pipeline materialised in-process with Dagster: real DuckDB, dbt, GX and releases."""

from __future__ import annotations

import json
import os
import stat

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from orchestration.dbt import dbt_resource
from orchestration.definitions import defs
from orchestration.publication.publish import sha256_file
from orchestration.settings import REPO_ROOT

ALL = [*defs.assets, *defs.asset_checks]  # exactly what the code location serves
SEMESTER = "2026-S1"


def run(semester: str = SEMESTER, reason: str | None = None):
    config = {"ops": {"publication__spaser_release": {"config": {"reason": reason}}}} if reason else None
    return materialize(
        ALL,
        partition_key=semester,
        resources={"dbt": dbt_resource},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config=config,
    )


def checks(result) -> dict:
    return {
        e.event_specific_data.check_name: e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def published(result) -> bool:
    return any(
        e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == AssetKey(["publication", "spaser_release"])
        for e in result.all_events
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, demo_feeds):
    """One full run on the demo feeds, shared by the read-only assertions below."""
    import shutil

    home = tmp_path_factory.mktemp("pipeline") / "spaser"
    shutil.copytree(demo_feeds, home / "landing")
    previous = os.environ.get("SPASER_HOME")
    os.environ["SPASER_HOME"] = str(home)
    try:
        result = run()
    finally:
        if previous is None:
            os.environ.pop("SPASER_HOME", None)
        else:
            os.environ["SPASER_HOME"] = previous
    return home, result


def test_pipeline_succeeds_and_publishes_a_release(first_run):
    home, result = first_run
    assert result.success
    assert published(result)
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 1 and manifest["semester"] == SEMESTER
    for name, output in manifest["outputs"].items():
        for kind in ("parquet", "csv"):
            path = release / output[kind]["file"]
            assert sha256_file(path) == output[kind]["sha256"], name
            assert not os.stat(path).st_mode & stat.S_IWUSR  # read-only
        n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{release / output['parquet']['file']}')").fetchall()[0][0]
        assert n == output["rows"]
    # every input file, with its hash and accounting
    inputs = {i["file"]: i for i in manifest["inputs"]}
    assert {f"decp_{s}.json" for s in ["2024-S1", "2024-S2", "2025-S1", "2025-S2", "2026-S1"]} | {
        "export_procedures.csv"
    } <= set(inputs)
    for i in inputs.values():
        assert i["rows_read"] == i["rows_loaded"] + i["rows_quarantined"]
        assert len(i["sha256"]) == 64
    assert {g["check"] for g in manifest["gates"]} == {c for c in checks(result) if c.startswith("gx_")}
    assert manifest["code_version"]


def test_release_holds_every_catalogue_indicator(first_run):
    home, _ = first_run
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    rows = duckdb.sql(
        f"""SELECT indicator_id, is_available, value, unavailable_reason
            FROM read_parquet('{release / "mart_spaser_indicateurs.parquet"}')
            WHERE period_type = 'semestre'"""
    ).fetchall()
    assert len(rows) == 44 == len({r[0] for r in rows})
    # every feed of the demo is delivered: every catalogue indicator is computed
    catalogue = REPO_ROOT / "seeds" / "spaser_indicateurs.csv"
    computed = {r[0] for r in duckdb.sql(f"SELECT indicator_id FROM read_csv('{catalogue}')").fetchall()}
    assert {r[0] for r in rows if r[1]} == computed
    for indicator, available, value, reason in rows:
        assert (value is not None) == available, indicator
        assert available or reason, indicator


def test_warehouse_tables_and_exclusions(first_run):
    home, _ = first_run
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        # one row per contract; the demo's duplicate, test record and concession are not in it
        n, distinct = con.execute("SELECT count(*), count(DISTINCT contrat_key) FROM marts.fct_marches").fetchall()[0]
        assert n == distinct
        reasons = {r[0] for r in con.execute("SELECT exclusion_reason FROM marts.fct_marches_exclusions").fetchall()}
        assert "version remplacée ou doublon" in reasons
        assert any(r.startswith("enregistrement de test") for r in reasons)
        assert con.execute("SELECT count(*) FROM marts.fct_marches WHERE marche_id = 'TEST2024'").fetchall()[0][0] == 0
        # the 1e17 amount is kept as a contract but flagged, so it never enters amount thresholds
        assert con.execute(
            "SELECT montant_plausible FROM marts.fct_marches WHERE montant > 1e15"
        ).fetchall() == [(False,)]
        # publication views read the released files
        assert con.execute("SELECT count(*) FROM publication.mart_spaser_indicateurs").fetchall()[0][0] > 0
    finally:
        con.close()


def test_warn_level_defects_do_not_block_and_are_named(first_run):
    _, result = first_run
    evaluations = checks(result)
    raw = evaluations["gx_raw_decp_marches"]
    assert not raw.passed and raw.severity.value == "WARN"
    assert "expect_compound_columns_to_be_unique" in raw.description  # the duplicated contract
    assert "1e+17" in raw.description  # the out-of-range amount, with its file and row
    assert evaluations["gx_mart_spaser_indicateurs"].passed
    assert evaluations["gx_feed_coverage"].passed


@pytest.fixture
def published_home(first_run, tmp_path, monkeypatch):
    """A writable copy of the first run's SPASER_HOME (landing, warehouse, releases)."""
    import shutil

    home, _ = first_run
    copy = tmp_path / "spaser"
    shutil.copytree(home, copy)
    for path in (copy / "publications").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # copies of read-only releases
    monkeypatch.setenv("SPASER_HOME", str(copy))
    return copy


def test_rerun_on_the_same_inputs_keeps_the_release(published_home):
    folder = published_home / "publications" / "nordval" / SEMESTER
    before = (folder / "v1" / "manifest.json").read_bytes()
    again = run()
    assert again.success
    assert sorted(p.name for p in folder.iterdir()) == ["v1"]  # byte-identical marts: no new version
    assert (folder / "v1" / "manifest.json").read_bytes() == before


def test_correction_needs_a_reason_and_makes_v2_with_the_moved_values(published_home):
    from orchestration.publication.publish import CorrectionReasonRequired, publish_semester

    folder = published_home / "publications" / "nordval" / SEMESTER
    v1_manifest = (folder / "v1" / "manifest.json").read_bytes()
    con = duckdb.connect(str(published_home / "warehouse" / "warehouse.duckdb"))
    try:
        # a corrected input changes GOV-4 (one more procedure labelled)
        con.execute(
            """UPDATE marts.mart_spaser_indicateurs SET numerator = numerator + 1, value = value + 0.17
               WHERE indicator_id = 'GOV-4' AND period IN (?, '2026')""", [SEMESTER]
        )
        with pytest.raises(CorrectionReasonRequired, match="needs a reason"):
            publish_semester(con, published_home / "publications", "nordval", SEMESTER, reason=None, gates=[])
        assert sorted(p.name for p in folder.iterdir()) == ["v1"]  # nothing written

        v2 = publish_semester(con, published_home / "publications", "nordval", SEMESTER,
                              reason="correction de l'export des procédures", gates=[])
    finally:
        con.close()
    assert v2.created and v2.version == 2
    assert sorted(p.name for p in folder.iterdir()) == ["v1", "v2"]
    assert (folder / "v1" / "manifest.json").read_bytes() == v1_manifest  # never overwritten
    manifest = v2.manifest
    assert manifest["previous_version"] == 1 and manifest["reason"] == "correction de l'export des procédures"
    moved = {(c["period"], c["indicator_id"]) for c in manifest["changes_from_previous_version"]}
    assert {(SEMESTER, "GOV-4"), ("2026", "GOV-4")} <= moved


def test_failing_gate_blocks_the_release_and_names_expectation_and_rows(demo_home):
    # a broken delivery: most records of one file cannot be typed (quarantine spike)
    decp = demo_home / "landing" / "decp" / "decp_2026-S1.json"
    doc = json.loads(decp.read_text(encoding="utf-8"))
    for record in doc["marches"]["marche"][: len(doc["marches"]["marche"]) // 2]:
        record["dateNotification"] = "31/12/2026"
    decp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    result = run()
    assert not result.success
    assert not published(result)
    assert not (demo_home / "publications" / "nordval" / SEMESTER).exists()
    gate = checks(result)["gx_ingest_log"]
    assert not gate.passed and gate.severity.value == "ERROR"
    assert "quarantined_share" in gate.description
    assert "decp_2026-S1.json" in gate.description  # the failing row: the file
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert "publication__spaser_release" in skipped or not published(result)


def test_missing_feed_for_the_semester_blocks_the_release(demo_home):
    (demo_home / "landing" / "decp" / "decp_2026-S1.json").unlink()
    result = run()
    assert not published(result)
    gate = checks(result)["gx_feed_coverage"]
    assert not gate.passed and gate.severity.value == "ERROR"
    assert "feed missing" in gate.description and '"feed": "marches/decp"' in gate.description


def test_cli_show_prints_the_published_table(first_run, monkeypatch, capsys):
    from orchestration.cli import main

    home, _ = first_run
    monkeypatch.setenv("SPASER_HOME", str(home))
    assert main(["show", "--semester", SEMESTER]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"SPASER indicators, nordval, {SEMESTER} (release v1")
    ids = [line.split()[0] for line in lines[3:-1]]
    assert ids[:5] == ["GOV-1", "GOV-2", "GOV-3", "GOV-4", "GOV-5"] and len(ids) == 44
    assert ids.index("IMP-2") < ids.index("IMP-10")  # catalogue order, not text order
    assert "44 of 44 indicators available" in lines[-1]


def test_release_traces_every_marche_indicator_to_its_source_rows(first_run):
    home, _ = first_run
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    mart, lines = (f"read_parquet('{release / name}.parquet')" for name in ("mart_spaser_indicateurs", "indicateur_lignes"))
    mismatches = duckdb.sql(
        f"""SELECT m.indicator_id FROM {mart} AS m
            JOIN (SELECT indicator_id, period_type, count(*) FILTER (WHERE in_numerator) AS n
                  FROM {lines} GROUP BY ALL) AS l USING (indicator_id, period_type)
            WHERE m.is_available AND m.numerator != l.n"""
    ).fetchall()
    assert mismatches == []
    # a line names the contract, the flags used and both source rows
    key, flags, file, row, export_file, export_row = duckdb.sql(
        f"""SELECT record_key, flags, source_file, source_row, secondary_source_file, secondary_source_row
            FROM {lines} WHERE indicator_id = 'GOV-4' AND in_numerator LIMIT 1"""
    ).fetchall()[0]
    assert flags == "label_spaser=true" and file.startswith("decp_") and row > 0
    assert export_file == "export_procedures.csv" and export_row > 1
    acheteur, marche = key.split("|")
    decp = json.loads((home / "landing" / "decp" / file).read_text(encoding="utf-8"))
    record = decp["marches"]["marche"][row - 1]  # source_row is 1-based within the array
    assert (record["acheteur"]["id"], record["id"]) == (acheteur, marche)
    csv_line = (home / "landing" / "procedures" / export_file).read_bytes().decode("cp1252").split("\r\n")[export_row - 1]
    assert csv_line.startswith(f"{acheteur};{marche};")
