"""The DuckDB path for DECP 2024 JSON (ingest/decp_bulk.py) loads exactly the rows of the Python
reader: same raw rows, same quarantine, same accounting, on the real files and the demo files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.feeds.marches import DECP
from orchestration.ingest import decp_bulk
from orchestration.ingest.decp import DECP_TABLE
from orchestration.ingest.framework import ingest_files

REAL_2024 = [
    "official_format/v2_2024/exemple_json_concessions.json",
    "official_format/v2_2024/exemple_json_concessions_avec_modifications.json",
    "official_format/v2_2024/exemple_json_marches_avec_modifications.json",
    "official_format/v2_2024/exemple_json_marches_concessions.json",
    "peer_fixtures/decp-processing_decp_test_2022.json",  # bare NaN: Python reader
    "peer_fixtures/eclaireur-public_raw_decp2022_fixture.json",
    "real_data_2019/decp-rama_2019-04-04_data.gouv.fr_aife.json",  # 2019: Python reader
]


def _both_ways(tmp_path: Path, root: Path, files: list[Path]):
    now = dt.datetime(2025, 1, 1)
    out = {}
    for mode in ("python", "bulk"):
        con = duckdb.connect(str(tmp_path / f"{mode}.duckdb"))
        results = ingest_files(
            con, DECP_TABLE, root, files, DECP.read, now=now, bulk=DECP.bulk_for if mode == "bulk" else None
        )
        out[mode] = {r.file: (r.rows_read, r.rows_loaded, r.rows_quarantined, r.quarantine_reasons) for r in results}
        con.close()
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'python.duckdb'}' AS p (READ_ONLY)")
    con.execute(f"ATTACH '{tmp_path / 'bulk.duckdb'}' AS b (READ_ONLY)")
    for schema in ("raw", "quarantine"):
        for x, y in (("p", "b"), ("b", "p")):
            extra = con.execute(
                f"SELECT count(*) FROM (SELECT * FROM {x}.{schema}.decp_marches "
                f"EXCEPT ALL SELECT * FROM {y}.{schema}.decp_marches)"
            ).fetchone()[0]
            assert extra == 0, f"{schema}: {extra} row(s) only in {x}"
    return out


def test_bulk_path_equals_python_path_on_real_files(tmp_path, shared_data):
    root = shared_data / "decp"
    out = _both_ways(tmp_path, root, [root / f for f in REAL_2024])
    assert out["python"] == out["bulk"]


def test_bulk_path_equals_python_path_on_demo_files(tmp_path, demo_feeds):
    root = demo_feeds / "decp"
    files = sorted(root.glob("*.json"))
    out = _both_ways(tmp_path, root, files)
    assert out["python"] == out["bulk"]
    con = duckdb.connect()
    used = [decp_bulk.prepare(con, f) for f in files]
    assert all(used), "every demo file goes through DuckDB"
    for handle in used:
        handle.close()


def test_odd_records_go_to_the_python_normaliser(tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    (root / "odd.json").write_text(
        '{"marches": {"marche": [\n'
        '{"id": "A1", "acheteur": {"id": "21590001200019"}, "dateNotification": "2024-02-01", "montant": 10},\n'
        '{"id": " A2 ", "acheteur": {"id": "21590001200019"}, "dateNotification": "2024-02-01", "montant": "1 000,5"},\n'
        '{"id": "A3", "acheteur": {"id": "21590001200019"}, "dateNotification": "2024-13-01", "montant": 1},\n'
        '{"id": "A4", "acheteur": {"id": "21590001200019"}, "dateNotification": "2024-02-01", "montant": "abc"},\n'
        '{"id": "A5", "acheteur": {"id": "21590001200019"}, "dateNotification": "2024-02-01", '
        '"titulaires": [{"id": "123", "typeIdentifiant": "SIRET"}], "dureeMois": "NC"}\n'
        "]}}\n",
        encoding="utf-8",
    )
    handle = decp_bulk.prepare(duckdb.connect(), root / "odd.json")
    assert handle is not None
    assert [row for row, _ in handle.irregular["marches.marche"]] == [
        2,
        3,
        4,
        5,
    ]  # " A2 " is trimmed in SQL but "1 000,5" is text
    handle.close()
    out = _both_ways(tmp_path, root, [root / "odd.json"])
    assert out["bulk"]["odd.json"][:3] == (5, 3, 2)


@pytest.mark.parametrize(
    "text",
    [
        '{"marches": {"marche": [{"id": "A", "x": NaN}]}}',  # bare NaN token
        '{"other": 1, "marches": {"marche": []}}',  # another top-level key first
        '{"marches": {"marche": [], "extra": [1]}}',  # an unknown array
    ],
)
def test_other_layouts_fall_back_to_the_python_reader(tmp_path, text):
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    assert decp_bulk.prepare(duckdb.connect(), path) is None


def test_daily_api_files_with_a_source_key_load_like_the_official_format(tmp_path, shared_data):
    """The AIFE "API DECP" publishes one file a day in the 2024 format with a `source` key added
    to each record (SOURCES.md): every record loads, the key is kept, both paths agree."""
    import json

    example = shared_data / "decp" / "official_format" / "v2_2024" / "exemple_json_marches_avec_modifications.json"
    document = json.loads(example.read_text(encoding="utf-8"))
    for record in document["marches"]["marche"]:
        record["source"] = "AIFE_ATLINE"
    root = tmp_path / "landing"
    root.mkdir()
    daily = root / "decp-2025-03-14.json"
    daily.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "plain").mkdir()
    plain = _both_ways(tmp_path / "plain", example.parent, [example])["bulk"][example.name]
    (tmp_path / "api").mkdir()
    out = _both_ways(tmp_path / "api", root, [daily])
    assert out["python"] == out["bulk"]
    assert out["bulk"][daily.name] == plain  # the same rows read, loaded and quarantined
    with duckdb.connect(str(tmp_path / "api" / "bulk.duckdb"), read_only=True) as con:
        assert con.execute("SELECT DISTINCT source FROM raw.decp_marches").fetchall() == [("AIFE_ATLINE",)]
