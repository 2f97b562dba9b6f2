"""The DuckDB path for DECP 2024 JSON (ingest/decp_bulk.py) loads exactly the rows of the Python
reader: same raw rows, same quarantine, same accounting, on the real files and the demo files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _parts_file(path: Path, scalar_record: bool) -> None:
    """Regular and odd records in both arrays, separated by varied blanks; with `scalar_record`, a
    `null` record too (DuckDB reads it as a row, the byte scan finds no bracket for it)."""
    records = []
    for i in range(60):
        amount = ('"abc"', "12.5", '"1 000,5"', "1e5", "-0", "3")[i % 6]
        holders = '[{"titulaire": {"typeIdentifiant": "SIRET", "id": " 12345678200010 "}}]' if i % 4 else '{"id": "x"}'
        records.append(
            f'{{"id": "M{i}", "acheteur": {{"id": "21590001200019"}}, "dateNotification": "2024-0{1 + i % 9}-01", '
            f'"montant": {amount}, "titulaires": {holders}, "objet": "{"é" * (i % 5)} x{i} ", "zz": [1, {{"a": 2}}]}}'
        )
    if scalar_record:
        records.insert(31, "null")
    concessions = [
        f'{{"id": "C{i}", "autoriteConcedante": {{"id": "21590001200019"}}, "dateSignature": "2024-05-0{1 + i}", '
        f'"valeurGlobale": {i if i % 2 else chr(34) + "n/a" + chr(34)}}}'
        for i in range(8)
    ]
    separators = [",\n", " , ", ",\r\n\t", ","]
    body = "".join(r + separators[i % 4] for i, r in enumerate(records[:-1])) + records[-1]
    path.write_text(
        '{"marches": {"marche": [\n' + body + '\n], "contrat-concession": [' + ", ".join(concessions) + "]}}",
        encoding="utf-8",
    )


@pytest.mark.parametrize("scalar_record", [False, True])
def test_an_array_read_in_parts_loads_the_rows_of_the_python_reader(tmp_path, monkeypatch, scalar_record):
    """A large array is cut at records into parts that DuckDB reads side by side: the same rows,
    row numbers and quarantine as the Python reader, whether the odd records' texts come from the
    file's bytes or (with a record that is no object) from a second read."""
    monkeypatch.setattr(decp_bulk, "PART_BYTES", 1024)
    monkeypatch.setattr(decp_bulk, "_threads", lambda con: 3)
    root = tmp_path / "landing"
    root.mkdir()
    _parts_file(root / "parts.json", scalar_record)
    # under a memory limit, as the warehouse's connection: read_json's buffers of the parts read
    # side by side fit it (with a 512 MiB record bound they did not: every file fell back to Python)
    handle = decp_bulk.prepare(duckdb.connect(config={"memory_limit": "1GB"}), root / "parts.json")
    assert handle is not None
    assert [len(staged.offsets) for staged in handle.arrays] == [3, 1]  # the concessions are too small to cut
    assert handle.arrays[0].records == 60 + scalar_record
    assert len(handle.irregular["marches.marche"]) > 10
    handle.close()
    out = _both_ways(tmp_path, root, [root / "parts.json"])
    assert out["python"] == out["bulk"]
    assert out["bulk"]["parts.json"][0] == 68 + scalar_record


def test_a_file_the_duckdb_path_cannot_read_is_read_by_python_and_says_so(tmp_path, monkeypatch):
    """A resource error on the DuckDB path (memory, disk) costs time, never rows: the file is read
    by the Python reader and its ingest log notes say why, so a slow run can be explained."""

    def out_of_memory(*args, **kwargs):
        raise duckdb.OutOfMemoryException("could not allocate block of size 1 GiB")

    monkeypatch.setattr(decp_bulk, "PART_BYTES", 1024)
    monkeypatch.setattr(decp_bulk, "_stage", out_of_memory)
    root = tmp_path / "landing"
    root.mkdir()
    _parts_file(root / "parts.json", scalar_record=False)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    [result] = ingest_files(con, DECP_TABLE, root, [root / "parts.json"], DECP.read, bulk=DECP.bulk_for)
    assert result.rows_read == 68 == result.rows_loaded + result.rows_quarantined
    assert [n for n in result.notes if n.startswith(decp_bulk.FALLBACK_NOTE)] == [
        f"{decp_bulk.FALLBACK_NOTE} (could not allocate block of size 1 GiB)"
    ]
    notes = con.execute("SELECT notes FROM meta.ingest_log").fetchone()[0]
    assert decp_bulk.FALLBACK_NOTE in notes


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=40).map(lambda b: bytes(b"0123456789eE+-. x"[c % 17] for c in b)))
def test_huge_exponent_search_finds_what_the_plain_regex_finds(window):
    import re

    plain = re.search(rb"[0-9][eE]\+?[0-9]{3}", window) is not None
    assert (decp_bulk._HUGE_EXPONENT.search(window.translate(decp_bulk._EXPONENT_DIGITS)) is not None) == plain


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


# --- Lone surrogate escapes (issue 12): read as U+FFFD, counted, the same both ways ---------------

_BUYER = '"acheteur": {"id": "21590001200019"}, "dateNotification": "2024-02-01", "montant": 1'


def test_lone_surrogate_escapes_are_read_as_the_replacement_character_counted_the_same_both_ways(tmp_path):
    """ijson read a lone high surrogate as '?', a high one before another escape as a wrong
    character and failed the file on a lone low one; DuckDB refuses all three. The rule: each is
    U+FFFD, the file's note counts them, the records holding one carry the warning; a pair stays
    the character it encodes and an escaped backslash before 'ud800' stays text."""
    from orchestration.ingest.decp import LONE_SURROGATE_WARNING

    root = tmp_path / "landing"
    root.mkdir()
    records = [
        rf'{{"id": "A1", {_BUYER}, "objet": "x\ud800y"}}',  # lone high
        rf'{{"id": "A2\udc00", {_BUYER}}}',  # lone low, in the id
        rf'{{"id": "A3", {_BUYER}, "objet": "\ud800\u0041"}}',  # high before a character that is no low half
        rf'{{"id": "A4", {_BUYER}, "objet": "\ud83d\ude00 \\ud800"}}',  # a pair, then an escaped backslash
        rf'{{"id": "A5", {_BUYER}, "titulaires": [{{"titulaire": {{"id": "1", "denominationSociale": "\udfff"}}}}]}}',
    ]
    (root / "s.json").write_text('{"marches": {"marche": [\n' + ",\n".join(records) + "\n]}}")
    assert decp_bulk.prepare(duckdb.connect(), root / "s.json") is None  # left to the Python reader, explicitly
    out = _both_ways(tmp_path, root, [root / "s.json"])
    assert out["python"] == out["bulk"]
    assert out["python"]["s.json"][:3] == (5, 5, 0)
    with duckdb.connect(str(tmp_path / "bulk.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT id, objet, titulaires[1].denomination_sociale, parse_warnings FROM raw.decp_marches ORDER BY id"
        ).fetchall()
        [notes] = con.execute("SELECT notes FROM meta.ingest_log").fetchone()
    warned = [LONE_SURROGATE_WARNING]
    assert rows == [
        ("A1", "x\ufffdy", None, warned),
        ("A2\ufffd", None, None, warned),
        ("A3", "\ufffdA", None, warned),
        ("A4", "\U0001f600 \\ud800", None, None),
        ("A5", None, "\ufffd", warned),
    ]
    assert "4 lone UTF-16 surrogate escape(s)" in notes and "U+FFFD" in notes, notes


_PIECES = st.sampled_from(["a", "é", '\\"', "\\\\", "\\u00e9", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\uDBFF", "x"])


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.lists(_PIECES, max_size=8), min_size=1, max_size=6), st.integers(1, 16))
def test_surrogate_patch_reads_as_json_loads_with_lone_halves_replaced_however_the_file_is_cut(strings, chunk):
    """The patching stream, at any chunk size (an escape or a pair cut in two), gives what
    json.loads reads with each lone surrogate replaced by U+FFFD: pairs and other escapes kept."""
    import io
    import json
    import re

    from orchestration.ingest.decp import _SurrogatePatch

    data = ("[" + ", ".join('"' + "".join(s) + '"' for s in strings) + "]").encode()
    patch = _SurrogatePatch(io.BytesIO(data), chunk=chunk)
    out = b"".join(iter(lambda: patch.read(7), b""))
    assert len(out) == len(data)  # offsets hold
    expected = [re.sub("[\ud800-\udfff]", "\ufffd", s) for s in json.loads(data)]
    assert json.loads(out) == expected
    assert patch.count == sum(s.count("\ufffd") for s in expected)


@pytest.mark.parametrize(
    "encoding, message",
    [
        ("utf-16", r"byte 0: UTF-16 byte-order mark: JSON is read as UTF-8"),
        ("utf-32", r"byte 0: UTF-32 byte-order mark: JSON is read as UTF-8"),
        ("utf-16-le", r"byte 1: NUL byte: UTF-16 or UTF-32 without a byte-order mark"),
    ],
)
def test_json_in_another_encoding_is_refused_naming_it_both_ways(tmp_path, encoding, message):
    """Issue 12, item 2: an encoding is read or refused by name. JSON is UTF-8 (a UTF-8 byte-order
    mark is tolerated); UTF-16 used to fail as 'invalid JSON' at byte 0."""
    from orchestration.ingest.framework import IngestError

    root = tmp_path / "landing"
    root.mkdir()
    text = '{"marches": {"marche": [{"id": "A1", ' + _BUYER + "}]}}"
    (root / "f.json").write_bytes(text.encode(encoding))
    for bulk in (None, DECP.bulk_for):
        with pytest.raises(IngestError, match=message):
            ingest_files(duckdb.connect(), DECP_TABLE, root, [root / "f.json"], DECP.read, bulk=bulk)
