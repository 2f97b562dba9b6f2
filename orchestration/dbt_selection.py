"""Which dbt nodes a semester build runs: those downstream of what changed since the last build.

A model's table is a function of its code, the tables it reads and the semester (the only
environment variable a model's result depends on: macros/semester.sql). When the project and
the configuration are those of the last complete build (dbt.full_refresh_reason,
LastBuild.complete), the models downstream of nothing that changed would rebuild the same
table: they are left out of the build, with their data tests, and reported to Dagster as
reused. What can change between two builds on one project:

- a source table (an ingest loaded, replaced or removed a file; a release was published):
  each one's fingerprint (columns, row count, sum of row hashes) is recorded with the build
  and compared at the next;
- the semester, for the models that read it and everything downstream;
- a model's table, dropped outside dbt: it is built again, with everything downstream.

Pure functions on the manifest, except `source_fingerprints` (one query per source) and
`warehouse_relations` (one query).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from graphlib import TopologicalSorter
from typing import Any, NamedTuple

SEMESTER_MACRO = "macro.spaser.build_semester"


def source_fingerprints(con, manifest: Mapping[str, Any]) -> dict[str, str]:
    """Source unique_id -> fingerprint of its table now: columns and types in order, row count
    and the sum of every row's hash (order-insensitive, duplicates counted); "absent" when the
    table does not exist. ~0.2 s on 1.5 million DECP rows (docs/performance.md)."""
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, dtype in con.execute(
        """SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
           ORDER BY table_schema, table_name, ordinal_position"""
    ).fetchall():
        columns.setdefault((schema, table), []).append(f"{column} {dtype}")
    prints = {}
    for uid, source in sorted(manifest["sources"].items()):
        cols = columns.get((source["schema"], source["identifier"]))
        if cols is None:
            prints[uid] = "absent"
            continue
        rows, total = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{source["schema"]}"."{source["identifier"]}" AS t'
        ).fetchone()
        prints[uid] = f"{', '.join(cols)}|{rows}|{total}"
    return prints


def changed_sources(last: Mapping[str, str] | None, now: Mapping[str, str]) -> set[str] | None:
    """Sources whose table differs from the last build's; None when nothing was recorded then."""
    if last is None:
        return None
    return {uid for uid, fp in now.items() if last.get(uid) != fp}


def closure(starts: Iterable[str], following: Callable[[str], Iterable[str]]) -> set[str]:
    """`starts` and everything reachable from them through `following`."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        item = todo.pop()
        if item not in seen:
            seen.add(item)
            todo += following(item)
    return seen


def semester_models(manifest: Mapping[str, Any]) -> set[str]:
    """Models whose SQL reads the semester, through whichever macros."""

    def called(macro: str) -> list[str]:
        return manifest["macros"].get(macro, {}).get("depends_on", {}).get("macros", [])

    return {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and SEMESTER_MACRO in closure(node.get("depends_on", {}).get("macros", []), called)
    }


def descendants(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """The roots and every node downstream of them (tests included: they are children)."""
    return closure(roots, lambda uid: manifest["child_map"].get(uid, []))


def upstream_first(manifest: Mapping[str, Any], uids: Iterable[str]) -> list[str]:
    """`uids` in an order where every node comes after its parents among them (ties by name)."""
    uids = set(uids)
    sorter = TopologicalSorter({uid: set(manifest["parent_map"].get(uid, ())) & uids for uid in sorted(uids)})
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return order


def relation(node: Mapping[str, Any]) -> tuple[str, str]:
    return node["schema"], node.get("alias") or node["name"]


def warehouse_relations(con) -> set[tuple[str, str]]:
    """(schema, name) of every table and view in the warehouse."""
    return set(con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall())


class Selection(NamedTuple):
    """`build`: the nodes to run; `reused`: the models and tests left out, unchanged since the
    last build; `why`: what changed, for the log."""

    build: frozenset[str]
    reused: frozenset[str]
    why: tuple[str, ...]


def build_scope(manifest: Mapping[str, Any], excluded_tags: Iterable[str] = ()) -> set[str]:
    """The models and data tests a semester build runs once its seeds are loaded: the models
    without an excluded tag and the tests on them (dbt gives a test its own tags, not its
    model's); the tests on seeds alone are left out with the seeds (dbt.dbt_build_args)."""
    excluded = set(excluded_tags)
    nodes = manifest["nodes"]
    models = {
        uid for uid, node in nodes.items() if node["resource_type"] == "model" and not set(node["tags"]) & excluded
    }
    tests = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test"
        and not set(node["tags"]) & excluded
        and {parent for parent in node["depends_on"]["nodes"] if parent.startswith("model.")} <= models
        and any(parent.startswith("model.") for parent in node["depends_on"]["nodes"])
    }
    return models | tests


def select_changed(
    manifest: Mapping[str, Any],
    changed: Iterable[str],
    semester_changed: bool,
    present: set[tuple[str, str]],
    excluded_tags: Iterable[str] = (),
) -> Selection:
    """The build after a complete one on the same project: every node downstream of a changed
    source, of a semester model when the semester changed, or of a model whose table is not in
    the warehouse (`present`: warehouse_relations). (A test cannot run without its model: dbt
    leaves out the tests of the models it excludes.)"""
    changed = sorted(changed)
    roots = set(changed)
    why = [f"source changed: {uid.split('.', 2)[-1]}" for uid in changed]
    if semester_changed:
        roots |= semester_models(manifest)
        why.append("semester changed")
    scope = build_scope(manifest, excluded_tags)
    downstream = descendants(manifest, roots)
    missing = sorted(
        uid
        for uid in scope - downstream
        if uid.startswith("model.")
        and manifest["nodes"][uid]["config"].get("materialized") != "ephemeral"
        and relation(manifest["nodes"][uid]) not in present
    )
    why += [f"table missing: {uid.split('.')[-1]}" for uid in missing]
    downstream |= descendants(manifest, missing)
    return Selection(frozenset(scope & downstream), frozenset(scope - downstream), tuple(why))


def blocking(node: Mapping[str, Any]) -> bool:
    """A test whose failure fails the build (severity error, dbt's default)."""
    return str(node.get("config", {}).get("severity", "error")).lower() == "error"


# What dbt adds to a node of the manifest when it compiles it (dbt 1.11's CompiledNode); a test
# also gains the macros its SQL calls in depends_on.
COMPILED_FIELDS = ("compiled", "compiled_code", "compiled_path", "build_path", "extra_ctes", "extra_ctes_injected")


def copy_compiled(manifest: dict[str, Any], previous: Mapping[str, Any], uids: Iterable[str]) -> None:
    """Give the nodes `uids` of `manifest` the compiled SQL `previous` holds for them (a build of
    the same project, code and inputs that compiled or carried them)."""
    for uid in uids:
        node, before = manifest["nodes"].get(uid), previous["nodes"].get(uid)
        if node is None or before is None or not before.get("compiled"):
            continue
        for field in COMPILED_FIELDS:
            if field in before:
                node[field] = before[field]
        node["depends_on"] = before["depends_on"]


def exclude_selectors(manifest: Mapping[str, Any], reused: Iterable[str], build: Iterable[str]) -> list[str]:
    """dbt `--exclude` values that leave out every node of `reused` and none of `build`: for each,
    the shortest start of its fqn that no node of `build` shares (dbt's fqn method matches a
    node whose fqn starts with the selector), so that a folder left out whole is one selector."""

    def fqn(uid: str) -> tuple[str, ...]:
        return tuple(part for segment in manifest["nodes"][uid]["fqn"] for part in segment.split("."))

    built = [fqn(uid) for uid in build]
    chosen = set()
    for parts in map(fqn, reused):
        for n in range(1, len(parts) + 1):
            if n == len(parts) or not any(other[:n] == parts[:n] for other in built):
                chosen.add(parts[:n])
                break
    kept = {p for p in chosen if not any(q != p and p[: len(q)] == q for q in chosen)}
    return sorted("fqn:" + ".".join(p) for p in kept)
