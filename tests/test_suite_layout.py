"""How `make test` spreads the suite over its workers (tests/conftest.py): the files that read
the shared pipeline run are one unit of work, every other file is a unit of its own, and the
slow units are handed out first."""

from __future__ import annotations

from types import SimpleNamespace

from conftest import SHARED_RUN_FILES, SHARED_RUN_GROUP, schedule_order, work_unit

SHARED_FIXTURES = ("first_run", "published_home", "postgres_served")


def test_every_file_that_reads_the_shared_run_is_one_unit_and_no_other(request):
    reading = {
        item.nodeid.split("::", 1)[0]
        for item in request.session.items
        if any(name in item.fixturenames for name in SHARED_FIXTURES)
    }
    collected = {item.nodeid.split("::", 1)[0] for item in request.session.items}
    # a run of a few files (pytest tests/x.py) sees only those
    assert reading == SHARED_RUN_FILES & collected, (
        "tests/conftest.py SHARED_RUN_FILES must list exactly the files that read the shared run: "
        f"add {sorted(reading - SHARED_RUN_FILES)}, remove {sorted((SHARED_RUN_FILES & collected) - reading)}"
    )
    assert work_unit("tests/test_pipeline.py::test_x[a]") == SHARED_RUN_GROUP
    assert work_unit("tests/test_templates.py::test_x") == "tests/test_templates.py"


def _item(nodeid: str, slow: bool = False):
    return SimpleNamespace(nodeid=nodeid, get_closest_marker=lambda name: object() if slow and name == "slow" else None)


def test_the_shared_run_then_the_slow_files_are_handed_out_first():
    items = [
        _item("tests/test_a.py::test_1"),
        _item("tests/test_b.py::test_1"),
        _item("tests/test_b.py::test_2", slow=True),
        _item("tests/test_pipeline.py::test_1"),
        _item("tests/test_d.py::test_1", slow=True),
        _item("tests/test_bilan.py::test_1"),
        _item("tests/test_e.py::test_1"),
    ]
    assert [i.nodeid for i in schedule_order(items)] == [
        "tests/test_pipeline.py::test_1",
        "tests/test_bilan.py::test_1",
        "tests/test_b.py::test_1",  # a unit's tests stay together, in their order
        "tests/test_b.py::test_2",
        "tests/test_d.py::test_1",
        "tests/test_a.py::test_1",
        "tests/test_e.py::test_1",
    ]


def test_the_slow_mark_is_registered(pytestconfig):
    assert any(line.startswith("slow:") for line in pytestconfig.getini("markers"))


def test_xdist_still_splits_work_by_the_method_the_scheduler_overrides():
    """SharedRunScheduling overrides a private method of xdist's scope schedulers: an xdist
    upgrade that renames it would split the shared run's files again, silently."""
    import inspect

    from xdist.scheduler import LoadFileScheduling, LoadScopeScheduling

    assert "_split_scope" in vars(LoadFileScheduling)
    assert "self._split_scope(nodeid)" in inspect.getsource(LoadScopeScheduling.schedule)
