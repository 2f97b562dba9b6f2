"""dbt flows one way: staging -> intermediate -> marts, the SPASER marts at the end.

A model's layer is its folder (models/<layer>/<feed>/, the observatory's
models/observatory/<layer>/), and its schema and name prefix say the same. A model reads only
models of its own layer or an earlier one: staging reads sources, seeds and staging; an
intermediate model reads no mart, so whatever reads a feed's facts (its indicators and their
lines) is a mart of that feed. The observatory is built after the whole warehouse (it reads
every buyer's contracts in int_marches__classified and fct_marches): it may read any layer of
the warehouse, and nothing of the warehouse reads it.

Read from the manifest the tests parse before collection (conftest.manifest_models), i.e.
from the working tree's models.
"""

from __future__ import annotations

import pytest
from conftest import manifest_models

LAYERS = ("staging", "intermediate", "marts")
FLOWS = ("warehouse", "observatory")  # in build order
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_", "mart_")}


@pytest.fixture(scope="module")
def models() -> dict[str, dict]:
    """unique_id -> node of the project's models (depends_on names them by unique_id)."""
    return {node["unique_id"]: node for node in manifest_models().values()}


def place(node: dict) -> tuple[str, str]:
    """(flow, layer) from the model's folder: fqn = [project, layer | 'observatory', ...]."""
    fqn = node["fqn"]
    return ("observatory", fqn[2]) if fqn[1] == "observatory" else ("warehouse", fqn[1])


def rank(node: dict) -> tuple[int, int]:
    flow, layer = place(node)
    return FLOWS.index(flow), LAYERS.index(layer)


def model_edges(models: dict[str, dict]) -> list[tuple[dict, dict]]:
    """(model, a model it reads) for every ref between models."""
    return [(node, models[dep]) for node in models.values() for dep in node["depends_on"]["nodes"] if dep in models]


def label(node: dict) -> str:
    return f"{node['name']} ({'/'.join(place(node))})"


def test_every_model_is_in_the_layer_its_folder_its_schema_and_its_name_say(models):
    misplaced = []
    for node in models.values():
        flow, layer = place(node)
        if layer not in LAYERS:
            misplaced.append(f"{node['name']}: folder {node['original_file_path']} is no layer of {LAYERS}")
            continue
        if node["schema"] != layer:
            misplaced.append(f"{label(node)}: schema {node['schema']}")
        if not node["name"].startswith(PREFIXES[layer]):
            misplaced.append(f"{label(node)}: name not prefixed {' or '.join(PREFIXES[layer])}")
    assert not misplaced, "\n  ".join(["models whose folder, schema and name disagree:", *misplaced])


def test_no_model_reads_a_later_layer(models):
    backwards = [f"{label(node)} reads {label(dep)}" for node, dep in model_edges(models) if rank(dep) > rank(node)]
    assert not backwards, "\n  ".join(["dbt must flow staging -> intermediate -> marts:", *backwards])


def test_staging_reads_only_sources_seeds_and_staging(models):
    wrong = [
        f"{label(node)} reads {label(dep)}"
        for node, dep in model_edges(models)
        if place(node)[1] == "staging" and place(dep) != place(node)
    ]
    assert not wrong, "\n  ".join(["staging models read sources, seeds and staging only:", *wrong])


def test_the_spaser_marts_are_read_by_no_other_model(models):
    """The SPASER marts (models/marts/spaser/) are the end of the warehouse's flow."""
    spaser = {uid for uid, node in models.items() if node["fqn"][1:3] == ["marts", "spaser"]}
    assert {models[uid]["name"] for uid in spaser} >= {"mart_spaser_indicateurs", "fct_indicateur_lignes"}
    readers = [
        f"{label(node)} reads {models[dep]['name']}"
        for node in models.values()
        for dep in node["depends_on"]["nodes"]
        if dep in spaser and node["fqn"][1:3] != ["marts", "spaser"]
    ]
    assert not readers, "\n  ".join(["only the SPASER marts read the SPASER marts:", *readers])


def test_the_period_spine_reads_only_seeds(models):
    """The periods come from the calendar and the configuration (and SPASER_SEMESTER), never
    from a feed's data."""
    (spine,) = [node for node in models.values() if node["name"] == "int_periodes"]
    reads = spine["depends_on"]["nodes"]
    assert reads and all(uid.startswith("seed.") for uid in reads), reads


def test_the_checks_see_every_flow_layer_and_edge_kind(models):
    """Guard against a vacuous pass: models in every layer of both flows, and the refs the rules
    allow are there to be judged (within a layer, down the layers, observatory on warehouse)."""
    assert {place(node) for node in models.values()} == {(flow, layer) for flow in FLOWS for layer in LAYERS}
    kinds = {(place(node), place(dep)) for node, dep in model_edges(models)}
    assert {
        (("warehouse", "staging"), ("warehouse", "staging")),
        (("warehouse", "intermediate"), ("warehouse", "staging")),
        (("warehouse", "marts"), ("warehouse", "intermediate")),
        (("warehouse", "marts"), ("warehouse", "marts")),
        (("observatory", "intermediate"), ("warehouse", "marts")),
    } <= kinds
