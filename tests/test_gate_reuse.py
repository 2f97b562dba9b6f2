"""Raw gates reuse their last validation when neither the table nor its validation changed
(gates/reuse.py), say so everywhere a gate is reported, and block exactly as validating again."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from conftest import check_results, demo_config

from orchestration.gates import exceptions, reuse
from orchestration.gates.checks import RAW_GATES, _record, gx_ingest_log, gx_raw_gates, raw_gate_sql
from orchestration.gates.runner import Failure, GateResult
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.assets import ingest_log as ingest_log_asset
from orchestration.ingest.framework import FeedTable, ingest_files, withdraw_absent

FIRST = "2025-S2"  # the module's validation, reused by runs of another semester
SEMESTER = "2026-S1"
HOME_VARIABLES = (
    "SPASER_LANDING_DIR",
    "SPASER_WAREHOUSE_DIR",
    "SPASER_PUBLICATIONS_DIR",
    "SPASER_GX_DIR",
    "SPASER_CONFIG_DIR",
)


def _gates_run(semester: str = SEMESTER, ops: dict | None = None, ingest_log: bool = False):
    """The ingest of every raw table and the raw gates (and with `ingest_log`, the ingest log's
    gate), materialised in-process (no dbt). None of them is partitioned: the semester is the
    run's partition tag, as in a semester's run."""
    from dagster import DagsterInstance, materialize

    from orchestration.resources import SpaserResource

    return materialize(
        [*ingest_assets, gx_raw_gates, *([ingest_log_asset, gx_ingest_log] if ingest_log else [])],
        resources={"spaser": SpaserResource()},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"ops": ops} if ops else None,
        tags={"dagster/partition": semester},
    )


def _records(home: Path, result) -> dict[str, dict]:
    folder = home / "gx" / "runs" / result.run_id
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


def _validations(home: Path) -> int:
    """Validation results GX stored: one more for each gate validated."""
    return sum(1 for _ in (home / "gx" / "validations").rglob("*.json"))


def _reused(result) -> set[str]:
    return {name for name, check in check_results(result).items() if "reused_from" in check.metadata}


@pytest.fixture(scope="module")
def validated(tmp_path_factory, demo_feeds):
    """A demo home whose raw tables were ingested and validated once, for FIRST."""
    home = tmp_path_factory.mktemp("reuse") / "spaser"
    shutil.copytree(demo_feeds, home / "landing")
    demo_config(home)
    with mock.patch.dict(os.environ, {"SPASER_HOME": str(home)}):
        for variable in HOME_VARIABLES:
            os.environ.pop(variable, None)
        result = _gates_run(FIRST)
    return home, result


@pytest.fixture
def home(validated, tmp_path, monkeypatch) -> Path:
    """A writable copy of the validated home (elsewhere: its validations are reused all the same)."""
    copy = tmp_path / "spaser"
    shutil.copytree(validated[0], copy)
    monkeypatch.setenv("SPASER_HOME", str(copy))
    for variable in HOME_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return copy


def test_an_unchanged_table_reuses_its_validation_and_says_so(validated, home, monkeypatch):
    from orchestration.gates import checks, runner

    first = validated[1]
    assert first.success and not _reused(first)
    before = _validations(home)

    def no_gx(*args, **kwargs):
        raise AssertionError("GX used by a run whose every raw gate is reused")

    with monkeypatch.context() as patched:
        patched.setattr(checks, "run_suite", no_gx)
        patched.setattr(runner, "gx_context", no_gx)
        again = _gates_run()
    assert again.success
    # every raw gate gave its last validation again: GX validated nothing, built no page
    assert _reused(again) == set(RAW_GATES)
    assert _validations(home) == before
    old, new = _records(home, first), _records(home, again)
    for name, check in check_results(again).items():
        origin = check.metadata["reused_from"].data
        assert origin["run_id"] == first.run_id and origin["run_name"] == f"{FIRST}__{name}"
        assert origin["validation_page"] == old[name]["validation_page"] and origin["reason"]
        assert f"validation of run {first.run_id}" in check.description.splitlines()[0]
        # the outcome validating again would give, recorded under this run's semester
        was = check_results(first)[name]
        assert (check.passed, check.severity, check.metadata["rows_validated"]) == (
            was.passed,
            was.severity,
            was.metadata["rows_validated"],
        )
        record = new[name]
        assert record["run_name"] == f"{SEMESTER}__{name}"
        assert record["reused_from"] == origin and origin["recorded_at"] == old[name]["recorded_at"]
        same = {k: v for k, v in record.items() if k not in ("run_name", "recorded_at", "reused_from")}
        assert same == {k: v for k, v in old[name].items() if k not in ("run_name", "recorded_at", "reused_from")}
        assert old[name]["reused_from"] is None
    # the auditors' index names the run whose validation was reused
    index = (home / "gx" / "index.html").read_text(encoding="utf-8")
    assert f"dont {len(RAW_GATES)} validation(s) reprise(s)" in index
    assert f"validation reprise de l'exécution <code>{first.run_id[:8]}</code>" in index


def test_a_new_changed_or_withdrawn_file_validates_its_table_again(home):
    landing = home / "landing"
    procedures = landing / "procedures" / "export_procedures.csv"
    procedures.write_bytes(procedures.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")  # a new version
    withdrawn = landing / "decp" / "decp_2024-S1.json"
    withdrawn.unlink()
    [label] = sorted((landing / "restauration" / "label_local").iterdir())
    shutil.copy(label, label.with_name("copie_" + label.name))  # a new file
    before = _validations(home)
    again = _gates_run()
    validated_again = {"gx_raw_procedures_internes", "gx_raw_decp_marches", "gx_raw_restauration_label_local"}
    assert _reused(again) == set(RAW_GATES) - validated_again
    assert _validations(home) == before + len(validated_again)
    records = _records(home, again)
    assert all(records[name]["reused_from"] is None for name in validated_again)
    # and the next run reuses these new validations
    third = _gates_run()
    assert _reused(third) == set(RAW_GATES)
    assert {check_results(third)[n].metadata["reused_from"].data["run_id"] for n in validated_again} == {again.run_id}


@pytest.mark.slow
def test_a_changed_suite_validates_its_table_again_and_revalidate_every_table(home, monkeypatch):
    """The key reads each suite file through reuse.suite_bytes: one suite edited (by a byte),
    its gate alone is validated again. (The gates code: test_the_code_fingerprint_...)"""
    committed = reuse.suite_bytes

    def edited(suite: str) -> bytes | None:
        data = committed(suite)
        return data + b"\n" if suite == "raw_procedures_internes" else data

    with monkeypatch.context() as patched:
        patched.setattr(reuse, "suite_bytes", edited)
        again = _gates_run()
    assert _reused(again) == set(RAW_GATES) - {"gx_raw_procedures_internes"}
    # `spaser run --full-refresh` passes the same op configuration
    before = _validations(home)
    forced = _gates_run(ops={"raw__gx_gates": {"config": {"revalidate": True}}})
    assert forced.success and not _reused(forced)
    assert _validations(home) == before + len(RAW_GATES)


def test_an_unchanged_ingest_log_reuses_its_validation_until_a_file_changes(home, monkeypatch):
    """The ingest log's gate compares the rows it validates (a row per file) with its last
    validation's: the same rows reuse it without GX, a new file or `revalidate` validate again."""
    from orchestration.gates import checks, runner

    first = _gates_run(ingest_log=True)
    assert first.success and "gx_ingest_log" in check_results(first) and "gx_ingest_log" not in _reused(first)

    def no_gx(*args, **kwargs):
        raise AssertionError("GX used by a run whose every gate is reused")

    with monkeypatch.context() as patched:
        patched.setattr(checks, "run_suite", no_gx)
        patched.setattr(runner, "gx_context", no_gx)
        again = _gates_run("2026-S2", ingest_log=True)
    assert again.success and _reused(again) == {*RAW_GATES, "gx_ingest_log"}
    origin = check_results(again)["gx_ingest_log"].metadata["reused_from"].data
    assert origin["run_id"] == first.run_id and origin["run_name"] == f"{SEMESTER}__gx_ingest_log"
    assert origin["reason"] == reuse.DATASET_REASON
    assert _records(home, again)["gx_ingest_log"]["reused_from"]["run_id"] == first.run_id

    # `spaser run --full-refresh` validates it again (its configuration: the test below)
    forced = _gates_run(ingest_log=True, ops={"meta__ingest_log_gx_ingest_log": {"config": {"revalidate": True}}})
    assert forced.success and "gx_ingest_log" not in _reused(forced)
    # a new file is a new row of the ingest log
    [label] = sorted((home / "landing" / "restauration" / "label_local").iterdir())
    shutil.copy(label, label.with_name("copie_" + label.name))
    new_file = _gates_run(ingest_log=True)
    assert new_file.success and "gx_ingest_log" not in _reused(new_file)


def test_the_dataset_key_follows_every_value_column_and_row_count(monkeypatch):
    import pandas as pd

    frame = pd.DataFrame({"feed": ["decp", "energie"], "rows_read": [10, 3], "share": [0.0, 0.5]})
    args = ("ingest_log", "SELECT 1", ["feed"], "code")
    key = reuse.dataset_key(frame, 2, *args)
    assert key == reuse.dataset_key(frame.copy(), 2, *args)  # the same rows, another frame
    changed = frame.copy()
    changed.loc[1, "share"] = 0.25
    others = [
        reuse.dataset_key(changed, 2, *args),
        reuse.dataset_key(frame.rename(columns={"share": "part"}), 2, *args),
        reuse.dataset_key(frame.astype({"rows_read": "float64"}), 2, *args),
        reuse.dataset_key(frame.iloc[::-1], 2, *args),
        reuse.dataset_key(frame, 3, *args),  # a prefiltered frame of a larger dataset
        reuse.dataset_key(frame, 2, "ingest_log", "SELECT 2", ["feed"], "code"),
        reuse.dataset_key(frame, 2, "ingest_log", "SELECT 1", ["feed"], "other code"),
    ]
    assert key not in others and len(set(others)) == len(others)
    monkeypatch.setattr(reuse, "suite_bytes", lambda suite: None)
    assert reuse.dataset_key(frame, 2, *args) is None  # no suite: never reused


def test_gx_is_imported_ahead_in_a_thread_once():
    """preload_gx (called when the dbt build starts) imports GX beside the process's waiting; a
    second call while it runs, or once it is imported, starts nothing; wait_for_gx waits for it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from orchestration.gates.runner import preload_gx, wait_for_gx\n"
        "assert 'great_expectations' not in sys.modules\n"
        "thread = preload_gx()\n"
        "assert thread is not None and preload_gx() is None\n"
        "wait_for_gx()\n"
        "assert not thread.is_alive()\n"
        "import great_expectations\n"
        "assert great_expectations.__version__ and preload_gx() is None\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_full_refresh_revalidates_the_raw_gates():
    from dagster import validate_run_config

    from orchestration.cli import pipeline_run_config
    from orchestration.definitions import defs

    config = pipeline_run_config(Path("/tmp/home"), None, True, None)
    assert config["ops"]["raw__gx_gates"] == {"config": {"revalidate": True}}
    assert config["ops"]["meta__ingest_log_gx_ingest_log"] == {"config": {"revalidate": True}}
    validate_run_config(defs.resolve_job_def("spaser_pipeline"), config)
    incremental = pipeline_run_config(Path("/tmp/home"), None, False, None)["ops"]
    assert "raw__gx_gates" not in incremental and "meta__ingest_log_gx_ingest_log" not in incremental


def test_a_reused_blocking_failure_blocks_and_exceptions_still_apply(home):
    referentiel = next((home / "landing" / "centrales" / "referentiel").iterdir())
    lines = referentiel.read_text(encoding="utf-8").splitlines(keepends=True)
    referentiel.write_text("".join(lines + [lines[1]]), encoding="utf-8")  # a duplicated code
    check = "gx_raw_centrales_referentiel"
    fresh = _gates_run(FIRST)
    reused = _gates_run()
    assert not fresh.success and not reused.success
    assert check not in _reused(fresh) and check in _reused(reused)
    was, now = check_results(fresh)[check], check_results(reused)[check]
    assert not now.passed and now.severity == was.severity and now.severity.value == "ERROR"
    assert now.description.splitlines()[1:] == was.description.splitlines()[1:]  # the same failing rows
    for key in ("blocking_failures", "warnings", "failed_expectations", "rows_flagged"):
        assert now.metadata[key] == was.metadata[key], key
    # the run stopped at the gate, as with a fresh validation: the gates step failed
    assert any(e.event_type_value == "STEP_FAILURE" for e in reused.all_events)
    # No raw rule accepts an exception by design (test_exceptions.py); a validation kept with one
    # that does shows the exceptions of the run's own semester applied to a reused result.
    store = home / "gx" / reuse.STORE / f"{check}.json"
    kept = json.loads(store.read_text(encoding="utf-8"))
    [failure] = [f for f in kept["result"]["failures"] if f["severity"] == "block"]
    failure["exception_allowed"] = True
    store.write_text(json.dumps(kept), encoding="utf-8")
    with (home / "config" / exceptions.EXCEPTIONS_FILE).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=exceptions.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(
            {
                "org_id": "nordval",
                "semestre": SEMESTER,
                "controle": check,
                "regle": failure["expectation"],
                "colonne": failure["column"],
                "lignes": str(failure["unexpected_count"]),
                "empreinte": failure["rows_sha256"],
                "motif": "doublon connu",
                "accepte_par": "test",
                "accepte_le": "2026-07-01T00:00:00+00:00",
            }
        )
    accepted = _gates_run()
    gate = check_results(accepted)[check]
    # as a fresh validation with an accepted exception: a warning, the run goes on
    assert accepted.success and check in _reused(accepted)
    assert gate.severity.value == "WARN" and gate.metadata["accepted_exceptions"].value == 1
    record = _records(home, accepted)[check]
    assert record["passed"] and record["reused_from"]["run_id"] == fresh.run_id
    [failure] = [f for f in record["failures"] if f["severity"] == "block"]
    assert failure["accepted"]["motif"] == "doublon connu"
    # another semester has no exception on record: the same reused failure blocks it
    assert not check_results(_gates_run(FIRST))[check].passed
    # the stored validation stays as GX gave it: no exception in it
    assert all(f["accepted"] is None for f in json.loads(store.read_text(encoding="utf-8"))["result"]["failures"])


# -- pure functions and the store ---------------------------------------------------------------

TABLE = FeedTable("essai", "essai", [("code", "VARCHAR")])


def _reader(path: Path):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        yield n, {"code": line}


def test_the_table_fingerprint_follows_every_write_of_the_framework(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.csv").write_text("x\ny\n", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    states = []

    def ingest(*files: str) -> None:
        ingest_files(con, TABLE, landing, [landing / f for f in files], _reader)
        withdraw_absent(con, TABLE, landing, set(files))
        states.append(reuse.table_state(con, TABLE.table))

    ingest("a.csv")
    ingest("a.csv")  # unchanged: the same table
    (landing / "b.csv").write_text("z\n", encoding="utf-8")
    ingest("a.csv", "b.csv")  # a new file
    (landing / "b.csv").write_text("w\n", encoding="utf-8")
    ingest("a.csv", "b.csv")  # a new version of a file
    ingest("a.csv")  # a file withdrawn
    assert states[0] is not None and states[0] == states[1]
    assert len({states[1], states[2], states[3]}) == 3 and states[4] != states[3]
    # b withdrawn, the table holds again exactly what it held with a alone: the same data
    assert states[4] == states[1]
    # rows changed outside the framework: the row count; columns changed: the columns
    con.execute("DELETE FROM raw.essai WHERE code = 'x'")
    deleted = reuse.table_state(con, TABLE.table)
    con.execute("ALTER TABLE raw.essai ADD COLUMN extra INTEGER")
    altered = reuse.table_state(con, TABLE.table)
    assert len({states[4], deleted, altered}) == 3
    assert reuse.table_state(con, "absente") is None
    con.close()


def test_the_key_covers_the_suite_sql_index_and_code_and_only_the_gates_own_table(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.csv").write_text("x\n", encoding="utf-8")
    ingest_files(con, TABLE, landing, [landing / "a.csv"], _reader)
    monkeypatch.setattr(reuse, "suite_bytes", lambda suite: b"{}" if suite == "s" else None)
    sql = "SELECT * FROM raw.essai ORDER BY _source_file, _source_row"
    key = reuse.validation_key(con, "essai", "s", sql, ["_source_file"], "code")
    assert key and key == reuse.validation_key(con, "essai", "s", sql, ["_source_file"], "code")
    others = {
        reuse.validation_key(con, "essai", "s", sql + " LIMIT 10", ["_source_file"], "code"),
        reuse.validation_key(con, "essai", "s", sql, ["_source_row"], "code"),
        reuse.validation_key(con, "essai", "s", sql, ["_source_file"], "other code"),
    }
    assert len(others) == 3 and key not in others
    assert reuse.definition_fingerprint("s", b"{}", sql, [], "c") != reuse.definition_fingerprint(
        "s", b"{ }", sql, [], "c"
    )
    # what no table fingerprint covers is validated every time
    assert reuse.validation_key(con, "essai", "absent", sql, [], "code") is None
    for reading_more in (
        "SELECT * FROM raw.essai JOIN meta.ingest_log ON true",
        "SELECT * FROM raw.essai WHERE code IN (SELECT code FROM raw.autre)",
        "SELECT * FROM read_csv('x.csv')",
        "WITH t AS (SELECT * FROM raw.autre) SELECT * FROM raw.essai, t",
        "WITH t AS (SELECT * FROM raw.essai) SELECT * FROM t, autre",
        "SELEC nothing",
    ):
        assert reuse.validation_key(con, "essai", "s", reading_more, [], "code") is None, reading_more
    # a query's own CTEs are not tables: one reading raw.essai alone is keyed
    assert reuse.validation_key(con, "essai", "s", "WITH t AS (SELECT * FROM raw.essai) SELECT * FROM t", [], "code")
    con.close()
    # every raw gate's own dataset reads its table only: each can be reused
    probe = duckdb.connect()
    for source in RAW_GATES.values():
        assert reuse.tables_read(probe, raw_gate_sql(source)) == {("raw", source.table.table)}


def test_the_code_fingerprint_follows_the_gates_package(tmp_path):
    gates = tmp_path / "gates"
    shutil.copytree(Path(reuse.__file__).parent, gates, ignore=shutil.ignore_patterns("__pycache__"))
    before = reuse.code_fingerprint(gates)
    assert before == reuse.code_fingerprint(gates) == reuse.code_fingerprint()
    (gates / "prefilter.py").write_text((gates / "prefilter.py").read_text() + "\n# edited\n")
    assert reuse.code_fingerprint(gates) != before


def _result() -> GateResult:
    return GateResult(
        suite="raw_x",
        run_name=f"{FIRST}__gx_raw_x",
        evaluated=3,
        failures=[
            Failure(
                "expect_column_values_to_be_unique",
                "block",
                "code",
                "codes are keys",
                2,
                [{"_source_file": "a.csv", "_source_row": 4, "code": "é", "montant": 1.5, "date": "2026-01-02"}],
                exception_allowed=True,
                rows_sha256="ab" * 32,
                accepted={"motif": "accepted for FIRST only"},
            ),
            Failure("expect_column_values_to_be_in_set", "warn", None, "why", None, [{"observed_value": [1, 2]}]),
        ],
        data_docs_index="file:///x/index.html",
        results_dir="/x",
        validation_page="validations/raw_x/r/t/b.html",
    )


def test_a_kept_validation_round_trips_without_its_exceptions(tmp_path):
    result = _result()
    validation = reuse.Validation("gx_raw_x", "k", reuse.stored_result(result), 10, 2, "run-1", result.run_name, "t")
    (tmp_path / "data_docs" / "validations/raw_x/r/t").mkdir(parents=True)
    (tmp_path / "data_docs" / result.validation_page).write_text("page")
    reuse.save(tmp_path, validation)
    assert [p.name for p in (tmp_path / reuse.STORE).iterdir()] == ["gx_raw_x.json"]  # no temporary file left
    loaded = reuse.load(tmp_path, "gx_raw_x", "k")
    assert loaded == validation
    again = reuse.reused_result(loaded, f"{SEMESTER}__gx_raw_x", tmp_path)
    assert again.failures == [dataclasses.replace(f, accepted=None) for f in result.failures]
    assert again.reused_from == validation.origin and again.run_name == f"{SEMESTER}__gx_raw_x"
    # its record is the fresh one's but for the run, the time and where it comes from
    for gate, folder in ((dataclasses.replace(result, failures=again.failures), "a"), (again, "b")):
        _record(tmp_path, folder, "gx_raw_x", gate, rows=10, flagged=2)
    a, b = (json.loads((tmp_path / "runs" / f / "gx_raw_x.json").read_text()) for f in "ab")
    differ = {"run_name", "recorded_at", "reused_from", "results_dir"}
    assert {k for k in a if a[k] != b[k]} <= differ and b["reused_from"]["run_id"] == "run-1"
    # another key, a page deleted since or a damaged record: validated again
    assert reuse.load(tmp_path, "gx_raw_x", "other") is None
    assert reuse.load(tmp_path, "gx_raw_y", "k") is None
    (tmp_path / "data_docs" / result.validation_page).unlink()
    assert reuse.load(tmp_path, "gx_raw_x", "k") is None
    (tmp_path / "data_docs" / result.validation_page).write_text("page")
    (tmp_path / reuse.STORE / "gx_raw_x.json").write_text('{"check": "gx_raw_x"')
    assert reuse.load(tmp_path, "gx_raw_x", "k") is None
