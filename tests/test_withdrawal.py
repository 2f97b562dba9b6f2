"""Withdrawing a file: deleted from its landing folder or `withdraw_file`, its rows leave the
next build and meta.ingest_log keeps when and why; a missing landing folder withdraws nothing."""

from __future__ import annotations

import duckdb
from dagster import DagsterInstance, materialize

from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.framework import WITHDRAWN_ABSENT
from orchestration.ingest.withdraw import withdraw_file
from orchestration.resources import SpaserResource
from orchestration.settings import get_paths

HEADER = "org;champ;periode;valeur;unite;commentaire;saisi_par;date_saisie\n"


def _saisie_asset():
    return next(a for a in ingest_assets if a.key.path == ["raw", "saisie_valeurs"])


def _write(folder, name: str, rows: list[str]):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _state(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute("SELECT _source_file, count(*) FROM raw.saisie_valeurs GROUP BY 1 ORDER BY 1").fetchall()
        log = con.execute("""SELECT source_file, superseded_at IS NOT NULL, withdrawn_reason FROM meta.ingest_log
                             WHERE raw_table = 'saisie_valeurs' ORDER BY 1""").fetchall()
    return raw, log


def _ingest():
    result = materialize(
        [_saisie_asset()], instance=DagsterInstance.ephemeral(), resources={"spaser": SpaserResource()}
    )
    assert result.success
    return result


def test_withdrawn_files_leave_the_build_with_their_reason(spaser_home):
    paths = get_paths()
    folder = paths.landing / "saisie"
    a = _write(folder, "a.csv", ["nordval;reunions_copil;2025-S1;2;;;x;10/07/2025"])
    b = _write(
        folder,
        "b.csv",
        ["nordval;reunions_copil;2025-S2;1;;;x;10/01/2026", "nordval;certifications_hqe;2025-S2;1;;;x;10/01/2026"],
    )
    c = _write(folder, "c.csv", ["nordval;certifications_hqe;2025-S1;3;;;x;10/07/2025"])
    _ingest()
    assert _state(paths.warehouse)[0] == [("a.csv", 1), ("b.csv", 2), ("c.csv", 1)]

    moved = withdraw_file(paths, b, "doublon livré par erreur", by="C. Delattre, contrôle de gestion")
    assert not b.exists() and moved.read_text(encoding="utf-8").startswith("org;")
    assert moved.parent == paths.home / "retires" / "saisie"
    c.unlink()  # deleted by hand
    result = _ingest()
    raw, log = _state(paths.warehouse)
    assert raw == [("a.csv", 1)]
    assert log == [
        ("a.csv", False, None),
        ("b.csv", True, "doublon livré par erreur (C. Delattre, contrôle de gestion)"),
        ("c.csv", True, WITHDRAWN_ABSENT),
    ]
    [materialization] = result.asset_materializations_for_node(_saisie_asset().op.name)
    assert materialization.metadata["files_withdrawn"].value == 2
    # delivered again: loaded again
    _write(folder, "c.csv", ["nordval;certifications_hqe;2025-S1;3;;;x;10/07/2025"])
    _ingest()
    assert _state(paths.warehouse)[0] == [("a.csv", 1), ("c.csv", 1)]
    assert a.exists()


def test_a_missing_landing_folder_withdraws_nothing(spaser_home):
    paths = get_paths()
    folder = paths.landing / "saisie"
    _write(folder, "a.csv", ["nordval;reunions_copil;2025-S1;2;;;x;10/07/2025"])
    _ingest()
    (folder / "a.csv").unlink()
    folder.rmdir()  # an unmounted share, not a withdrawal
    _ingest()
    assert _state(paths.warehouse) == ([("a.csv", 1)], [("a.csv", False, None)])


def test_the_next_manifest_lists_withdrawn_files(spaser_home):
    from orchestration.publication.publish import _withdrawn_inputs

    paths = get_paths()
    folder = paths.landing / "saisie"
    b = _write(folder, "b.csv", ["nordval;reunions_copil;2025-S2;1;;;x;10/01/2026"])
    _ingest()
    withdraw_file(paths, b, "doublon")
    _ingest()
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        [entry] = _withdrawn_inputs(con)
    assert (entry["feed"], entry["file"], entry["reason"]) == ("saisie", "b.csv", "doublon")
    assert entry["withdrawn_at"] >= entry["ingested_at"]


def test_columns_outside_the_contract_are_noted_in_the_ingest_log(spaser_home):
    paths = get_paths()
    folder = paths.landing / "saisie"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(
        "org;champ;periode;valeur;service;saisi_par;date_saisie\nnordval;reunions_copil;2025-S1;2;DAJ;x;10/07/2025\n",
        encoding="utf-8",
    )
    result = _ingest()
    [materialization] = result.asset_materializations_for_node(_saisie_asset().op.name)
    assert "service" in materialization.metadata["files"].value
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        [(notes,)] = con.execute("SELECT notes FROM meta.ingest_log WHERE source_file = 'a.csv'").fetchall()
    assert "service" in notes and "unite" in notes  # unknown column, absent optional ones
