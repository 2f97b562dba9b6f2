"""What a semester build leaves out (orchestration/dbt_selection.py): the pure functions on a
small manifest, the source fingerprints on a real DuckDB, and the selectors on dbt itself."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from orchestration import dbt_selection as sel


def _node(uid, parents=(), macros=(), tags=(), materialized="table", fqn=None):
    kind, _, name = uid.split(".")
    return {
        "unique_id": uid,
        "resource_type": kind,
        "name": name,
        "schema": "marts",
        "alias": name,
        "tags": list(tags),
        "config": {"materialized": materialized},
        "fqn": fqn or ["spaser", name],
        "depends_on": {"nodes": list(parents), "macros": list(macros)},
    }


def small_manifest() -> dict:
    """raw.a -> stg_a -> fct_a -> mart; int_periodes (reads the semester through a macro) -> mart;
    raw.b -> stg_b (and an observatory model with its test); tests on stg_b, mart, and on a seed."""
    nodes = [
        _node("seed.spaser.cfg", materialized="seed"),
        _node("model.spaser.stg_a", ["source.spaser.raw.a"], materialized="view"),
        _node("model.spaser.fct_a", ["model.spaser.stg_a"]),
        _node("model.spaser.int_periodes", ["seed.spaser.cfg"], macros=["macro.spaser.window"]),
        _node("model.spaser.mart", ["model.spaser.fct_a", "model.spaser.int_periodes"]),
        _node("model.spaser.stg_b", ["source.spaser.raw.b"], materialized="view"),
        _node("model.spaser.obs", ["model.spaser.stg_b"], tags=["observatoire"]),
        _node("test.spaser.not_null_stg_b", ["model.spaser.stg_b"]),
        _node("test.spaser.not_null_mart", ["model.spaser.mart"]),
        _node("test.spaser.rel_mart_cfg", ["model.spaser.mart", "seed.spaser.cfg"]),
        _node("test.spaser.not_null_obs", ["model.spaser.obs"]),
        _node("test.spaser.accepted_cfg", ["seed.spaser.cfg"]),
        _node("test.spaser.logic_case", [], tags=["logic"]),
        _node("test.spaser.accepted_warn_fct_a", ["model.spaser.fct_a"]),
    ]
    manifest_nodes = {n["unique_id"]: n for n in nodes}
    manifest_nodes["test.spaser.accepted_warn_fct_a"]["config"]["severity"] = "warn"
    manifest = {
        "nodes": manifest_nodes,
        "sources": {
            "source.spaser.raw.a": {"schema": "raw", "identifier": "a"},
            "source.spaser.raw.b": {"schema": "raw", "identifier": "b"},
        },
        "macros": {
            "macro.spaser.window": {"depends_on": {"macros": ["macro.spaser.build_semester"]}},
            "macro.spaser.build_semester": {"depends_on": {"macros": []}},
        },
    }
    parents = {uid: n["depends_on"]["nodes"] for uid, n in manifest["nodes"].items()}
    children: dict[str, list[str]] = {}
    for uid, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(uid)
    manifest["parent_map"], manifest["child_map"] = parents, children
    return manifest


ALL_TABLES = {("marts", name) for name in ("stg_a", "fct_a", "int_periodes", "mart", "stg_b", "obs")}
EXCLUDED = ["observatoire", "logic"]


def test_semester_models_are_found_through_the_macros_they_call():
    assert sel.semester_models(small_manifest()) == {"model.spaser.int_periodes"}


def test_the_scope_is_what_a_build_with_loaded_seeds_runs():
    """Models and the tests on them, without the observatory, the logic tests, nor the tests on
    seeds alone (dropped with the seeds); a test between a model and a seed is in."""
    scope = sel.build_scope(small_manifest(), EXCLUDED)
    assert scope == {
        "model.spaser.stg_a",
        "model.spaser.fct_a",
        "model.spaser.int_periodes",
        "model.spaser.mart",
        "model.spaser.stg_b",
        "test.spaser.not_null_stg_b",
        "test.spaser.not_null_mart",
        "test.spaser.rel_mart_cfg",
        "test.spaser.accepted_warn_fct_a",
    }


def test_nothing_changed_leaves_every_node_out():
    s = sel.select_changed(small_manifest(), [], semester_changed=False, present=ALL_TABLES, excluded_tags=EXCLUDED)
    assert s.build == frozenset() and len(s.reused) == 9 and s.why == ()


def test_a_changed_source_rebuilds_what_is_downstream_with_its_tests():
    s = sel.select_changed(
        small_manifest(), ["source.spaser.raw.b"], semester_changed=False, present=ALL_TABLES, excluded_tags=EXCLUDED
    )
    assert s.build == {"model.spaser.stg_b", "test.spaser.not_null_stg_b"}
    assert "model.spaser.mart" in s.reused and s.why == ("source changed: raw.b",)


def test_a_new_semester_rebuilds_the_models_that_read_it_and_downstream():
    s = sel.select_changed(small_manifest(), [], semester_changed=True, present=ALL_TABLES, excluded_tags=EXCLUDED)
    assert s.build == {
        "model.spaser.int_periodes",
        "model.spaser.mart",
        "test.spaser.not_null_mart",
        "test.spaser.rel_mart_cfg",
    }
    assert "model.spaser.fct_a" in s.reused and s.why == ("semester changed",)


def test_a_table_dropped_outside_dbt_is_built_again_with_what_is_downstream():
    s = sel.select_changed(
        small_manifest(), [], semester_changed=False, present=ALL_TABLES - {("marts", "fct_a")}, excluded_tags=EXCLUDED
    )
    assert s.build == {
        "model.spaser.fct_a",
        "model.spaser.mart",
        "test.spaser.not_null_mart",
        "test.spaser.rel_mart_cfg",
        "test.spaser.accepted_warn_fct_a",
    }
    assert s.why == ("table missing: fct_a",)


def test_stopping_a_build_interrupts_dbt_and_kills_it_if_it_does_not_stop():
    import subprocess
    import sys

    from orchestration.dbt import _stop

    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    _stop(polite)
    assert polite.returncode is not None
    deaf = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(1, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    deaf.stdout.readline()  # SIGINT ignored from here
    _stop(deaf, timeout=0.5)
    assert deaf.returncode == -9
    _stop(deaf)  # already ended: nothing to do


def test_outputs_come_upstream_first():
    m = small_manifest()
    uids = [
        "model.spaser.mart",
        "model.spaser.stg_a",
        "seed.spaser.cfg",
        "model.spaser.fct_a",
        "model.spaser.int_periodes",
    ]
    order = sel.upstream_first(m, uids)
    assert sorted(order) == sorted(uids)
    for uid in order:
        for parent in m["parent_map"][uid]:
            if parent in uids:
                assert order.index(parent) < order.index(uid)


def test_changed_sources_need_a_recorded_build():
    assert sel.changed_sources(None, {"s": "1"}) is None
    assert sel.changed_sources({"s": "1", "t": "2"}, {"s": "1", "t": "3", "u": "4"}) == {"t", "u"}


def test_the_compiled_sql_of_left_out_nodes_comes_from_the_last_build():
    m = small_manifest()
    before = json.loads(json.dumps(m))
    before["nodes"]["model.spaser.fct_a"] |= {"compiled": True, "compiled_code": "select 1", "extra_ctes": []}
    before["nodes"]["model.spaser.fct_a"]["depends_on"]["macros"] = ["macro.dbt.x"]
    sel.copy_compiled(m, before, ["model.spaser.fct_a", "model.spaser.stg_a"])
    assert m["nodes"]["model.spaser.fct_a"]["compiled_code"] == "select 1"
    assert m["nodes"]["model.spaser.fct_a"]["depends_on"]["macros"] == ["macro.dbt.x"]
    assert "compiled_code" not in m["nodes"]["model.spaser.stg_a"]  # never compiled before: left as is


def test_a_source_fingerprint_follows_every_value_row_and_column(tmp_path):
    """Same rows in another order: same print; a value, a duplicated row, a column, a type: another."""
    m = small_manifest()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.a AS SELECT * FROM (VALUES (1, 'x'), (2, 'y')) t(id, v)")
    first = sel.source_fingerprints(con, m)
    assert first["source.spaser.raw.b"] == "absent"
    prints = {first["source.spaser.raw.a"]}
    con.execute("CREATE OR REPLACE TABLE raw.a AS SELECT * FROM (VALUES (2, 'y'), (1, 'x')) t(id, v)")
    assert sel.source_fingerprints(con, m) == first
    variants = [
        "CREATE OR REPLACE TABLE raw.a AS SELECT * FROM (VALUES (1, 'x'), (2, 'z')) t(id, v)",
        "CREATE OR REPLACE TABLE raw.a AS SELECT * FROM (VALUES (1, 'x'), (2, 'y'), (2, 'y')) t(id, v)",
        "CREATE OR REPLACE TABLE raw.a AS SELECT *, NULL::VARCHAR AS w FROM (VALUES (1, 'x'), (2, 'y')) t(id, v)",
        "CREATE OR REPLACE TABLE raw.a AS SELECT id::BIGINT AS id, v FROM (VALUES (1, 'x'), (2, 'y')) t(id, v)",
    ]
    for sql in variants:
        con.execute(sql)
        prints.add(sel.source_fingerprints(con, m)["source.spaser.raw.a"])
    assert len(prints) == 1 + len(variants)


@pytest.fixture(scope="module")
def project_manifest():
    from orchestration.dbt_parse import MANIFEST_PATH, prepare_manifest

    prepare_manifest()
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def test_the_selectors_name_one_node_each(project_manifest):
    """`fqn:` matches a node whose fqn starts with the selector: no node's fqn may be the start of
    another's, or excluding one would exclude both."""
    fqns = {tuple(n["fqn"]) for n in project_manifest["nodes"].values()}
    assert not [f for f in fqns for g in fqns if f != g and g[: len(f)] == f]


def test_dbt_runs_exactly_the_selected_nodes(project_manifest, tmp_path):
    """The pipeline's build arguments with the selectors of what is left out, as dagster-dbt
    completes them, listed by dbt itself: the nodes dbt would run are the selection's `build`
    (a new DECP file and a new semester, here)."""
    import subprocess

    from orchestration.dbt import OBSERVATORY_TAG, dbt_build_args
    from orchestration.dbt_parse import DBT_EXECUTABLE
    from orchestration.semesters import dbt_env
    from orchestration.settings import DBT_PROJECT_DIR

    selection = sel.select_changed(
        project_manifest,
        ["source.spaser.decp.decp_marches"],
        semester_changed=True,
        present={sel.relation(n) for n in project_manifest["nodes"].values() if n["resource_type"] == "model"},
        excluded_tags=[OBSERVATORY_TAG.removeprefix("tag:"), "logic"],
    )
    assert selection.build and selection.reused
    selectors = sel.exclude_selectors(project_manifest, selection.reused, selection.build)
    assert len(selectors) < len(selection.reused)  # a folder left out whole is one selector
    args = dbt_build_args(seeds_loaded=True, reused=selectors)
    args = ["ls", "--resource-type", "all", "--output", "json", "--output-keys", "unique_id", *args[1:]]
    args += ["--select", "fqn:*", "--exclude", OBSERVATORY_TAG]  # what dagster-dbt adds for the whole asset
    listed = subprocess.run(
        [DBT_EXECUTABLE, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=os.environ | dbt_env("2026-S1") | {"DBT_TARGET_PATH": str(tmp_path), "DBT_LOG_PATH": str(tmp_path)},
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ran = {json.loads(line)["unique_id"] for line in listed.splitlines() if line.startswith("{")}
    ran -= {uid for uid in ran if uid.startswith("operation.")}
    assert ran == selection.build


def test_a_folder_left_out_whole_is_one_selector():
    m = small_manifest()
    for uid, fqn in {
        "model.spaser.stg_a": ["spaser", "staging", "a", "stg_a"],
        "model.spaser.stg_b": ["spaser", "staging", "b", "stg_b"],
        "test.spaser.not_null_stg_b": ["spaser", "staging", "b", "not_null_stg_b"],
        "model.spaser.fct_a": ["spaser", "marts", "fct_a"],
        "model.spaser.mart": ["spaser", "marts", "mart"],
    }.items():
        m["nodes"][uid]["fqn"] = fqn
    reused = ["model.spaser.stg_a", "model.spaser.stg_b", "test.spaser.not_null_stg_b", "model.spaser.fct_a"]
    assert sel.exclude_selectors(m, reused, ["model.spaser.mart"]) == ["fqn:spaser.marts.fct_a", "fqn:spaser.staging"]
    reused = ["model.spaser.stg_b", "test.spaser.not_null_stg_b", "model.spaser.fct_a", "model.spaser.mart"]
    assert sel.exclude_selectors(m, reused, ["model.spaser.stg_a"]) == [
        "fqn:spaser.marts",
        "fqn:spaser.staging.b",
    ]
    assert sel.exclude_selectors(m, [], ["model.spaser.stg_a"]) == []
