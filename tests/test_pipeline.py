"""The whole pipeline materialised in-process with Dagster: real DuckDB, dbt, GX and releases."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from browser import require_chromium
from conftest import SEMESTER, catalogue, check_results, published, run, run_dbt
from dagster import AssetKey

from orchestration.dbt import (
    BUILDS_TABLE,
    _prepare_warehouse,
    build_fingerprint,
    docs_path,
    spaser_dbt_models,
)
from orchestration.dbt_parse_state import PARSE_STATE, parse_mode, parse_state_path, reuse_parse_state
from orchestration.dbt_targets import target_root
from orchestration.publication.publish import sha256_file
from orchestration.publication.report import fmt_value, render_report
from orchestration.settings import Paths, dbt_locations, get_paths


def test_pipeline_succeeds_and_publishes_a_release(first_run):
    home, result = first_run
    assert result.success
    assert published(result)
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 1 and manifest["semester"] == SEMESTER
    for name, output in manifest["outputs"].items():
        if "parquet" not in output:  # the report and the dbt docs: see test_release_holds_the_report
            assert sha256_file(release / output["file"]) == output["sha256"], name
            continue
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
    assert {g["check"] for g in manifest["gates"]} == {c for c in check_results(result) if c.startswith("gx_")}
    assert manifest["code_version"]


def test_a_new_homes_first_build_starts_from_the_parse_made_ahead(first_run):
    """A new home keeps no parse state: the run's warm dbt parsed its project while the run
    ingested, and the build parsed only what changed since (nothing) instead of all of it."""
    home, result = first_run
    paths = Paths(home=home)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        assert con.execute(f"SELECT parse FROM {BUILDS_TABLE}").fetchall() == [("partial",)]
    finally:
        con.close()
    (ahead,) = target_root().glob(f"spaser_parse_ahead-{result.run_id[:7]}-*")
    assert parse_mode(ahead) == "full"  # nothing to start from: what the build would have done
    assert (ahead / PARSE_STATE).read_bytes() != b""
    assert parse_state_path(paths).exists()


def test_dbt_unit_tests_pass_on_the_built_warehouse(first_run, monkeypatch):
    """The dbt unit tests (indicator logic on fixtures) and the logic tests are left out of the
    semester runs (orchestration/dbt.py LOGIC_TESTS): they run here, on the warehouse the
    pipeline built."""
    home, _ = first_run
    # with the run's configuration and target, from its kept parse state: dbt re-parses nothing
    # (a full parse is ~10 s here)
    monkeypatch.setenv("SPASER_CONFIG_DIR", str(home / "config"))
    reuse_parse_state(Paths(home=home), home / "dbt_unit_target")
    done = run_dbt(
        home, "test", "--target", "duckdb", "--select", "test_type:unit tag:logic", target_dir="dbt_unit_target"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert parse_mode(home / "dbt_unit_target") == "partial"
    assert re.search(r"PASS=(2[0-9]|[3-9][0-9])\b", done.stdout), done.stdout[-2000:]
    assert re.search(r"PASS assert_identifiers_compact_as_documented\b", done.stdout), done.stdout[-2000:]


def test_release_holds_every_catalogue_indicator(first_run):
    home, _ = first_run
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    rows = duckdb.sql(
        f"""SELECT indicator_id, is_available, value, unavailable_reason
            FROM read_parquet('{release / "mart_spaser_indicateurs.parquet"}')
            WHERE period_type = 'semestre'"""
    ).fetchall()
    # one row per catalogue indicator
    assert sorted(r[0] for r in rows) == sorted(c["indicator_id"] for c in catalogue())
    # every feed of the demo is delivered: the indicators the catalogue marks computed are all
    # available; the others are not, with the catalogue's reason
    computed = {c["indicator_id"] for c in catalogue() if c["computed"] == "true"}
    assert computed and {r[0] for r in rows if r[1]} == computed
    not_computed = {c["indicator_id"]: c["not_available_reason"] for c in catalogue() if c["computed"] != "true"}
    for indicator, available, value, reason in rows:
        assert (value is not None) == available, indicator
        assert available or reason, indicator
        if indicator in not_computed:
            assert reason == not_computed[indicator], indicator


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
        assert con.execute("SELECT montant_plausible FROM marts.fct_marches WHERE montant > 1e15").fetchall() == [
            (False,)
        ]
        # publication views read the released files
        assert con.execute("SELECT count(*) FROM publication.mart_spaser_indicateurs").fetchall()[0][0] > 0
    finally:
        con.close()


def test_warn_level_defects_do_not_block_and_are_named(first_run):
    _, result = first_run
    evaluations = check_results(result)
    raw = evaluations["gx_raw_decp_marches"]
    assert not raw.passed and raw.severity.value == "WARN"
    assert "expect_compound_columns_to_be_unique" in raw.description  # the duplicated contract
    assert "1e+17" in raw.description  # the out-of-range amount, with its file and row
    assert evaluations["gx_mart_spaser_indicateurs"].passed
    assert evaluations["gx_feed_coverage"].passed


def materializations(result) -> dict[AssetKey, dict]:
    return {
        e.asset_key: e.event_specific_data.materialization.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


def test_rerun_on_the_same_inputs_keeps_the_release(published_home, monkeypatch):
    """A rerun of an unchanged semester, every model rebuilt (`--full-refresh`) with 7 DuckDB
    threads against the first run's default (the machine's cores): sums and ratios are exact
    decimals, so the order in which threads add rows cannot move a figure, and no new version is
    made. Then a plain rerun, after a table was dropped outside dbt: the models downstream of
    nothing that changed are left out, reported as reused, and the release is the same again."""
    folder = published_home / "publications" / "nordval" / SEMESTER
    warehouse = published_home / "warehouse" / "warehouse.duckdb"
    before = (folder / "v1" / "manifest.json").read_bytes()
    monkeypatch.setenv("SPASER_DUCKDB_THREADS", "7")
    again = run(full_refresh=True)
    assert again.success
    assert sorted(p.name for p in folder.iterdir()) == ["v1"]  # byte-identical marts
    assert (folder / "v1" / "manifest.json").read_bytes() == before
    monkeypatch.delenv("SPASER_DUCKDB_THREADS")

    with duckdb.connect(str(warehouse)) as con:
        con.execute("DROP TABLE marts.dim_titulaires")
    reuse = run()
    assert reuse.success
    assert sorted(p.name for p in folder.iterdir()) == ["v1"]
    assert (folder / "v1" / "manifest.json").read_bytes() == before
    outputs = materializations(reuse)
    status = {key.path[-1]: meta["status"].value for key, meta in outputs.items() if "status" in meta}
    # every model and seed of the build has an output: rebuilt ("success") or left as it was
    assert {key.path[-1] for key in spaser_dbt_models.keys} == set(status)
    assert status["dim_titulaires"] == "success"  # dropped: built again
    assert status["mart_spaser_indicateurs"] == "success"  # reads the release register, rewritten since
    assert status["fct_marches"] == status["dim_energie_sites"] == status["organisations"] == "reused"
    reused_meta = outputs[AssetKey(["marts", "fct_marches"])]
    assert reused_meta["spaser/unchanged_since_build"].value.endswith("UTC")
    # the test between the rebuilt mart and the catalogue seed runs (a blocking check of the
    # release); a blocking test on what was left out is not run again, its result (it passed on
    # the same table) is reported as reused: the release stays gated on it
    ran = check_results(reuse)
    rerun = ran["relationships_mart_spaser_indicateurs_indicator_id__indicator_id__ref_spaser_indicateurs_"]
    assert rerun.passed and rerun.metadata["status"].value == "pass"
    kept = ran["not_null_fct_marches_contrat_key"]
    assert kept.passed and kept.metadata["status"].value == "reused"
    assert not [e for e in reuse.all_events if "emitted no result" in (e.message or "")]
    # the dbt docs of the build describe the nodes it left out as compiled by the last build
    docs = docs_path(get_paths(), SEMESTER).read_text(encoding="utf-8")
    assert "arg_max(acheteur_nom, date_notification)" in docs  # dim_acheteurs' SQL, left out

    # the first build was a full refresh, so was the second; the third left out what nothing
    # changed; each records the project and configuration it built and what it read
    with duckdb.connect(str(warehouse), read_only=True) as con:
        builds = con.execute(
            """SELECT full_refresh, project_fingerprint, reused_nodes, source_fingerprints IS NOT NULL
               FROM meta.dbt_builds ORDER BY built_at"""
        ).fetchall()
    built = build_fingerprint(dbt_locations(get_paths()))
    # the next build may reuse this one's tables: dbt's docs, after it, wrote nothing; once dbt
    # is run by hand on the warehouse, it may not (a table may no longer be the build's)
    assert _prepare_warehouse(warehouse).reusable
    hand = run_dbt(published_home, "run", "--select", "int_periodes", target_dir="hand_dbt")
    assert hand.returncode == 0, hand.stdout[-2000:]
    assert not _prepare_warehouse(warehouse).reusable
    assert [b[0] for b in builds] == [True, True, False]
    assert [b[1] for b in builds] == [built] * 3
    assert builds[0][2] == builds[1][2] == 0 and builds[2][2] > 100 and all(b[3] for b in builds)


def test_a_build_after_a_selection_reloads_the_seeds_and_refreshes_again(published_home, monkeypatch):
    """A selection of models built from the UI after a configuration change loads neither the
    seeds nor the other models: the next complete build is a full refresh that reloads them,
    so the reference tables hold the configuration the release records."""
    from orchestration.dbt import dbt_asset_key, spaser_dbt_models

    config = published_home / "config"  # the first run's configuration, in a folder of this test
    monkeypatch.setenv("SPASER_CONFIG_DIR", str(config))
    cibles = config / "spaser_cibles.csv"
    text = cibles.read_text(encoding="utf-8")
    assert "nordval,GOV-5,100,2026," in text
    cibles.write_text(text.replace("nordval,GOV-5,100,2026,", "nordval,GOV-5,90,2026,"), encoding="utf-8")
    selected = run(assets=[spaser_dbt_models], selection=[dbt_asset_key("int_periodes")])
    assert selected.success
    complete = run(assets=[spaser_dbt_models])
    assert complete.success
    warehouse = published_home / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        target = con.execute(
            "SELECT target_value FROM reference.spaser_cibles WHERE org_id = 'nordval' AND indicator_id = 'GOV-5'"
        ).fetchall()
        builds = con.execute("SELECT full_refresh FROM meta.dbt_builds ORDER BY built_at").fetchall()
    assert target == [(90.0,)]
    assert [b[0] for b in builds] == [True, True, True]  # first run, the selection, the complete build


def test_correction_needs_a_reason_and_makes_v2_with_the_moved_values(published_home):
    from orchestration.publication.publish import CorrectionReasonRequired, publish_semester

    folder = published_home / "publications" / "nordval" / SEMESTER
    v1_manifest = (folder / "v1" / "manifest.json").read_bytes()
    con = duckdb.connect(str(published_home / "warehouse" / "warehouse.duckdb"))
    try:
        # a corrected input changes GOV-4 (one more procedure labelled)
        con.execute(
            """UPDATE marts.mart_spaser_indicateurs SET numerator = numerator + 1, value = value + 0.17
               WHERE indicator_id = 'GOV-4' AND period IN (?, '2026')""",
            [SEMESTER],
        )
        with pytest.raises(CorrectionReasonRequired, match="needs a reason"):
            publish_semester(con, published_home / "publications", "nordval", SEMESTER, reason=None, gates=[])
        assert sorted(p.name for p in folder.iterdir()) == ["v1"]  # nothing written

        v2 = publish_semester(
            con,
            published_home / "publications",
            "nordval",
            SEMESTER,
            reason="correction de l'export des procédures",
            gates=[],
            render=lambda folder, manifest: render_report(con, folder, manifest),
        )
    finally:
        con.close()
    assert v2.created and v2.version == 2
    assert sorted(p.name for p in folder.iterdir()) == ["v1", "v2"]
    assert (folder / "v1" / "manifest.json").read_bytes() == v1_manifest  # never overwritten
    manifest = v2.manifest
    assert manifest["previous_version"] == 1 and manifest["reason"] == "correction de l'export des procédures"
    moved = {(c["period"], c["indicator_id"]) for c in manifest["changes_from_previous_version"]}
    assert {(SEMESTER, "GOV-4"), ("2026", "GOV-4")} <= moved
    # the v2 report shows the correction: reason, and the values that moved from v1
    report = (folder / "v2" / f"rapport_nordval_{SEMESTER}_v2.html").read_text(encoding="utf-8")
    assert "Valeurs modifiées depuis la version v1" in report
    assert "correction de l&#x27;export des procédures" in report
    gov4 = next(
        c for c in manifest["changes_from_previous_version"] if c["period"] == SEMESTER and c["indicator_id"] == "GOV-4"
    )
    moved_section = report.split("Valeurs modifiées depuis la version v1")[1].split("<h2>")[0]
    assert fmt_value(gov4["previous_value"], "%") in moved_section and fmt_value(gov4["value"], "%") in moved_section
    assert manifest["outputs"][f"rapport_nordval_{SEMESTER}_v2_html"]["sha256"] == sha256_file(
        folder / "v2" / f"rapport_nordval_{SEMESTER}_v2.html"
    )
    # the v1 report is untouched and says nothing about a correction
    assert "Valeurs modifiées" not in (folder / "v1" / f"rapport_nordval_{SEMESTER}_v1.html").read_text(
        encoding="utf-8"
    )


def test_cli_show_prints_the_published_table(first_run, monkeypatch, capsys):
    from orchestration.cli import main

    home, _ = first_run
    monkeypatch.setenv("SPASER_HOME", str(home))
    assert main(["show", "--semester", SEMESTER]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"SPASER indicators, nordval, {SEMESTER} (release v1")
    ids = [line.split()[0] for line in lines[3:-1]]
    assert ids == [c["indicator_id"] for c in catalogue()]  # catalogue order (IMP-2 before IMP-10)
    n = len(ids)
    assert f"{n} of {n} indicators available" in lines[-1]


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + abs(b) / 1_000_000


def test_release_traces_every_indicator_to_its_source_rows(first_run):
    """Every available indicator of the release (semester and year) has lines in
    indicateur_lignes.csv that add up to its numerator, denominator and value (see
    docs/auditeurs.md: published quantities are rounded, lines are not)."""
    home, _ = first_run
    release = home / "publications" / "nordval" / SEMESTER / "v1"
    mart, lines = (
        f"read_csv('{release / name}.csv', all_varchar = true)"
        for name in ("mart_spaser_indicateurs", "indicateur_lignes")
    )
    rows = duckdb.sql(
        f"""WITH l AS (
                SELECT period_type, period, indicator_id, count(*) AS n,
                       sum(CAST(numerator_value AS DOUBLE)) AS num, sum(CAST(denominator_value AS DOUBLE)) AS den,
                       count(value_contribution) AS n_contributions,
                       sum(CAST(value_contribution AS DOUBLE)) AS contributions
                FROM {lines} GROUP BY ALL)
            SELECT m.period_type, m.indicator_id, CAST(m.value AS DOUBLE), CAST(m.numerator AS DOUBLE),
                   CAST(m.denominator AS DOUBLE), l.n, l.num, l.den, l.n_contributions, l.contributions
            FROM {mart} AS m LEFT JOIN l USING (period_type, period, indicator_id)
            WHERE m.is_available = 'true'"""
    ).fetchall()
    semester = {r[1] for r in rows if r[0] == "semestre"}
    # every catalogue indicator, the warehouse ones (GOV-2, GOV-3, GOV-5) included
    assert semester == {c["indicator_id"] for c in catalogue()}
    for period_type, indicator, value, numerator, denominator, n, num, den, n_contributions, contributions in rows:
        where = f"{indicator} ({period_type})"
        assert n, f"{where}: no lines"
        assert _close(num or 0, numerator or 0, 0.05), f"{where}: numerator {numerator} != lines {num}"
        assert _close(den or 0, denominator or 0, 0.05), f"{where}: denominator {denominator} != lines {den}"
        if n_contributions:  # counts and amounts: the value is a sum
            assert _close(contributions, value, 0.05), f"{where}: value {value} != lines {contributions}"
        elif indicator == "IMP-6":  # change of the consumption against the reference
            assert abs(100 * (num - den) / den - value) <= 0.01, where
        else:
            assert abs(100 * num / den - value) <= 0.01, f"{where}: value {value} != 100 x {num} / {den}"

    lines_rel = f"read_parquet('{release / 'indicateur_lignes.parquet'}')"
    # a marché line names the contract, the flags used and both source rows
    key, flags, file, row, export_file, export_row = duckdb.sql(
        f"""SELECT record_key, flags, source_file, source_row, secondary_source_file, secondary_source_row
            FROM {lines_rel} WHERE indicator_id = 'GOV-4' AND in_numerator LIMIT 1"""
    ).fetchall()[0]
    assert flags == "label_spaser=true" and file.startswith("decp_") and row > 0
    assert export_file == "export_procedures.csv" and export_row > 1
    acheteur, marche = key.split("|")
    decp = json.loads((home / "landing" / "decp" / file).read_text(encoding="utf-8"))
    record = decp["marches"]["marche"][row - 1]  # source_row is 1-based within the array
    assert (record["acheteur"]["id"], record["id"]) == (acheteur, marche)
    csv_line = (
        (home / "landing" / "procedures" / export_file).read_bytes().decode("cp1252").split("\r\n")[export_row - 1]
    )
    assert csv_line.startswith(f"{acheteur};{marche};")

    # a waste line is the registry row of the file (line 1 = header) with its tonnes
    key, file, row, tonnes = duckdb.sql(
        f"""SELECT record_key, source_file, source_row, numerator_value FROM {lines_rel}
            WHERE indicator_id = 'BES-6' AND in_numerator AND source_file LIKE '%.csv' LIMIT 1"""
    ).fetchall()[0]
    with (home / "landing" / "dechets" / "registre" / file).open(encoding="utf-8-sig", newline="") as f:
        fields = list(csv.reader(f, delimiter=";"))[row - 1]
    assert fields[1] == key.split("|")[1]  # identifiant unique
    assert float(fields[11].replace(",", ".")) == tonnes  # Émetteur - Quantité de déchet

    # an IMP-6 meter line is an Enedis index difference: (next reading - reading) Wh x 0.001 kWh/Wh
    file, row, next_file, next_row, kwh = duckdb.sql(
        f"""SELECT source_file, source_row, secondary_source_file, secondary_source_row, numerator_value
            FROM {lines_rel} WHERE indicator_id = 'IMP-6' AND source_file LIKE 'R64_%' LIMIT 1"""
    ).fetchall()[0]
    enedis = home / "landing" / "energie" / "enedis"
    reading = (enedis / file).read_text(encoding="utf-8").splitlines()[row - 1].split(";")
    following = (enedis / next_file).read_text(encoding="utf-8").splitlines()[next_row - 1].split(";")
    assert reading[0] == following[0] and reading[16] == following[16]  # same meter, same time class
    assert abs((int(following[8]) - int(reading[8])) * 0.001 - kwh) < 1e-6


# --- the auditors' outputs: semester report, dbt docs, GX runs index (issue 'What auditors use')

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _release(home: Path) -> Path:
    return home / "publications" / "nordval" / SEMESTER / "v1"


def test_release_holds_the_report_and_dbt_docs_with_their_hashes(first_run):
    home, _ = first_run
    release = _release(home)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    html = release / f"rapport_nordval_{SEMESTER}_v1.html"
    expected = {html.name: f"rapport_nordval_{SEMESTER}_v1_html", "dbt_docs.html": "dbt_docs_html"}
    if shutil.which("chromium"):
        expected[f"rapport_nordval_{SEMESTER}_v1.pdf"] = f"rapport_nordval_{SEMESTER}_v1_pdf"
        assert (release / f"rapport_nordval_{SEMESTER}_v1.pdf").read_bytes()[:5] == b"%PDF-"
    for file, key in expected.items():
        assert manifest["outputs"][key]["file"] == file
        assert manifest["outputs"][key]["sha256"] == sha256_file(release / file)
    assert manifest["report"]["html"] == html.name
    assert manifest["dbt_docs"] == "dbt_docs.html"
    docs = (release / "dbt_docs.html").read_text(encoding="utf-8")
    assert "mart_spaser_indicateurs" in docs and len(docs) > 100_000  # manifest and catalog inlined


def test_the_run_leaves_no_connection_to_the_warehouse_open(first_run):
    """The run's dbt commands run in its warm dbt process (orchestration/dbt_warm.py): a DuckDB
    database left open there by dbt-duckdb would lock the warehouse against the next dbt
    process and refuse the connections of this one."""
    home, _ = first_run
    warehouse = home / "warehouse" / "warehouse.duckdb"
    writer = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(warehouse)!r}).close()"],
        capture_output=True,
        text=True,
    )
    assert writer.returncode == 0, writer.stderr
    duckdb.connect(str(warehouse), read_only=True).close()


def test_report_content(first_run):
    home, _ = first_run
    release = _release(home)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    text = (release / f"rapport_nordval_{SEMESTER}_v1.html").read_text(encoding="utf-8")
    # self-contained: no external resource
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text)
    assert "<link" not in text and "<script" not in text
    assert "Département du Nord-Val" in text and f"semestre {SEMESTER}" in text
    assert "première publication du semestre" in text and manifest["code_version"][:12] in text
    indicators = [
        r[0]
        for r in duckdb.sql(
            f"SELECT indicator_id FROM read_parquet('{release / 'mart_spaser_indicateurs.parquet'}') "
            "WHERE period_type = 'semestre'"
        ).fetchall()
    ]
    assert sorted(indicators) == sorted(c["indicator_id"] for c in catalogue())
    for indicator in indicators:
        assert f'id="t-{indicator}"' in text, indicator  # table row
        assert f'id="c-{indicator}"' in text, indicator  # chart card
    charts = re.findall(r'<svg class="chart"', text)
    assert len(charts) == len(indicators)
    # the quality section names the real input files, with their accounting
    quality = text.split("<h2>Qualité des données</h2>")[1].split("<h2>")[0]
    for i in manifest["inputs"]:
        assert f'<td class="file">{i["file"]}</td>' in quality, i["file"]
    assert "Principaux motifs de quarantaine" in quality
    gates = text.split("<h2>Contrôles de l'exécution</h2>")[1]
    for g in manifest["gates"]:
        assert g["check"] in gates
    # a gate that only warned is shown with what it warned about
    raw = next(g for g in manifest["gates"] if g["check"] == "gx_raw_decp_marches")
    assert raw["passed"] and raw["warnings"]
    assert "ligne unique pour ces colonnes (pas de doublon)" in gates and "expect_" not in gates


def test_report_is_deterministic_but_for_the_publication_date(first_run):
    from orchestration.publication.report import build_html

    home, _ = first_run
    release = _release(home)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        once = build_html(con, release, manifest)
        twice = build_html(con, release, dict(manifest, published_at="2030-01-01T00:00:00+00:00"))
    finally:
        con.close()
    assert once == (release / f"rapport_nordval_{SEMESTER}_v1.html").read_text(encoding="utf-8")
    assert once.count("\n") == twice.count("\n")
    differing = [a for a, b in zip(once.splitlines(), twice.splitlines()) if a != b]
    assert differing and all("Publiée le" in line for line in differing)


def test_report_screenshot(first_run):
    """Renders the report in headless Chromium; the PNG stays in test-artifacts/ to look at."""
    chromium = require_chromium()
    home, _ = first_run
    html = _release(home) / f"rapport_nordval_{SEMESTER}_v1.html"
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / f"rapport_nordval_{SEMESTER}_v1.png"
    png.unlink(missing_ok=True)
    profile = ARTIFACTS / ".chromium-profile"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=1280,4000",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.rmtree(profile, ignore_errors=True)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 4000)
    assert len(data) > 200_000  # a blank page compresses to a few kB


def test_gx_index_lists_the_runs(first_run):
    home, result = first_run
    index = (home / "gx" / "index.html").read_text(encoding="utf-8")
    assert f"Semestre {SEMESTER}" in index
    assert result.run_id[:8] in index
    assert 'href="data_docs/index.html"' in index
    assert f"nordval {SEMESTER} v1" in index  # the release the run published
    # the warning of the raw DECP suite, linked to its validation page
    pages = re.findall(r'<a href="(data_docs/validations/[^"]+)">gx_raw_decp_marches</a>', index)
    assert pages and (home / "gx" / pages[0]).exists()
    assert "expect_compound_columns_to_be_unique" in index
    assert "avertissements" in index
