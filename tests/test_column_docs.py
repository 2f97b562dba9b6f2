"""Every column of every dbt model is documented in its folder's yml, and only real columns are.

Each release ships `dbt_docs.html` as the auditors' column dictionary, and the `publication`
tables carry the models' column descriptions as comments (orchestration/publication/serving.py):
an undocumented column is a hole in both, a description of a column that no longer exists is a
false entry in both.

The set checked is every model of the project: staging, intermediate and marts alike. The
published tables are marts (publish.PUBLISHED_TABLES), but dbt_docs.html documents every model
and an auditor follows a published figure's lineage down to staging in it; one rule without a
list of exemptions is also the one that stays true when a model moves between layers.

The columns a model produces are read from the warehouse the shared demo run built
(`first_run`): information_schema of the real relations, nothing compiled or guessed. The
documented ones come from the manifest the tests parse before collection
(conftest.pytest_configure), i.e. from the working tree's yml.
"""

from __future__ import annotations

import duckdb
import pytest
from conftest import manifest_models


@pytest.fixture(scope="module")
def built(first_run) -> tuple[dict[str, tuple[list[str], dict[str, str]]], list[str]]:
    """({model: (columns it produces in the built warehouse, {documented column: description})},
    models of the manifest without a relation in the warehouse)."""
    home, _ = first_run
    nodes = manifest_models()
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns ORDER BY ordinal_position"
        ).fetchall()
    finally:
        con.close()
    produced: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        produced.setdefault((schema, table), []).append(column)
    out, unbuilt = {}, []
    for name, node in sorted(nodes.items()):
        if node["config"].get("materialized") == "ephemeral":
            continue  # no relation to read its columns from (the project has none today)
        if "observatoire" in node.get("tags", []):
            continue  # not built by a semester run: tests/test_observatory.py checks them on its own build
        relation = (node["schema"], node.get("alias") or name)
        if relation not in produced:
            unbuilt.append(f"{name} ({'.'.join(relation)})")
            continue
        documented = {column: (spec.get("description") or "") for column, spec in node["columns"].items()}
        out[name] = (produced[relation], documented)
    return out, unbuilt


@pytest.fixture(scope="module")
def models(built) -> dict[str, tuple[list[str], dict[str, str]]]:
    return built[0]


def test_every_model_is_in_the_warehouse(built):
    """Without its relation a model's columns cannot be checked: it must not pass by absence."""
    _, unbuilt = built
    assert not unbuilt, "models of the manifest absent from the demo warehouse: " + ", ".join(unbuilt)


def test_the_check_covers_every_layer(models):
    """Guard against a vacuous pass (an empty warehouse, a manifest of another project)."""
    layers = {name.split("_", 1)[0] for name in models}
    assert {"stg", "int", "fct", "mart", "dim"} <= layers
    assert {"fct_marches", "mart_spaser_indicateurs", "fct_indicateur_lignes"} <= set(models)


def test_every_column_is_documented(models):
    undocumented = [
        f"{name}.{column}"
        for name, (columns, documented) in models.items()
        for column in columns
        if not documented.get(column, "").strip()
    ]
    assert not undocumented, (
        f"{len(undocumented)} column(s) without a description in their folder's yml "
        "(columns: - name: ... description: ...):\n  " + "\n  ".join(undocumented)
    )


def test_no_documented_column_is_absent_from_its_model(models):
    stale = [
        f"{name}.{column}"
        for name, (columns, documented) in models.items()
        for column in documented
        if column not in columns
    ]
    assert not stale, (
        f"{len(stale)} documented column(s) the model does not produce (renamed or removed? "
        "update the yml):\n  " + "\n  ".join(stale)
    )
