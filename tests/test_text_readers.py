"""The text toolkit of the readers (orchestration/ingest/text.py): encodings, physical line
numbers, unclosed quotes, column contract notes. Example tests for each rule, then properties
checked with hypothesis (deterministic: derandomize=True)."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import logging
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orchestration.ingest import text
from orchestration.ingest.decp_tabular import read_decp_tabular_csv
from orchestration.ingest.framework import (
    FeedTable,
    IngestError,
    Quarantine,
    ingest_files,
)
from orchestration.ingest.french_csv import (
    DUCKDB_TYPES,
    Column,
    read_delimited,
    read_excel,
)
from orchestration.ingest.text import (
    contract_index,
    detect_encoding,
    open_csv,
    take_notes,
)

COLUMNS = [
    Column("code", "text", not_null=True),
    Column("libelle", "text"),
    Column("montant", "decimal"),
    Column("commune", "text", required=False),
]
TABLE = FeedTable("test", "test_text", [(c.name, DUCKDB_TYPES[c.kind]) for c in COLUMNS])

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def rows(path: Path, columns=COLUMNS) -> list[tuple[int, dict | Quarantine]]:
    return list(read_delimited(path, columns, ";"))


# --- Encodings -----------------------------------------------------------------------------------

ACCENTED = "code;libelle;montant\n1;Bâtiment à Évreux;12,5\n2;Crèche œuvre;3\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_each_accepted_encoding_is_detected_and_read_unchanged(tmp_path, encoding, prefix, expected):
    path = write(tmp_path / "f.csv", prefix + ACCENTED.encode(encoding))
    assert detect_encoding(path) == expected
    got = rows(path)
    # issue 12: UTF-8 without BOM came back as 'BÃ¢timent', UTF-16 as "missing required column"
    assert [r["libelle"] for _, r in got] == ["Bâtiment à Évreux", "Crèche œuvre"]
    assert [line for line, _ in got] == [2, 3]


def test_utf8_character_split_across_read_chunks_is_still_utf8(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "_CHUNK", 5)  # every multi-byte character straddles some boundary
    path = write(tmp_path / "f.csv", "é€😀" * 20 + "\n")
    assert detect_encoding(path) == "utf-8"


def test_undefined_cp1252_byte_is_refused_with_its_offset_and_the_encodings_tried(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "_CHUNK", 4)  # the offset survives chunking
    path = write(tmp_path / "f.csv", b"code;libelle\n1;caf\xe9\n2;x\x81y\n")
    with pytest.raises(
        IngestError,
        match=r"f\.csv: byte 23: .*0x81 is undefined in cp1252.*not UTF-8 either "
        r"\(byte 18.*encodings tried: UTF-8, cp1252",
    ):
        detect_encoding(path)


def test_nul_byte_is_not_a_text_file(tmp_path):
    path = write(tmp_path / "f.csv", b"code;libelle\n1;ab\x00cd\n")
    with pytest.raises(IngestError, match=r"f\.csv: byte 17: NUL byte: not a text file"):
        rows(path)


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path):
    path = write(tmp_path / "f.csv", ACCENTED.encode("utf-16-le"))
    with pytest.raises(IngestError, match=r"byte 1: NUL byte: not a text file .*UTF-16 without a byte-order mark"):
        detect_encoding(path)


def test_utf16_with_an_odd_byte_count_is_refused(tmp_path):
    path = write(tmp_path / "f.csv", codecs.BOM_UTF16_LE + ACCENTED.encode("utf-16-le") + b"x")
    with pytest.raises(IngestError, match=r"byte \d+: not UTF-16 although the file starts with a UTF-16 byte-order"):
        detect_encoding(path)


def test_utf32_is_refused_by_name(tmp_path):
    path = write(tmp_path / "f.csv", ACCENTED.encode("utf-32"))
    with pytest.raises(IngestError, match="UTF-32 byte-order mark"):
        detect_encoding(path)


def test_utf8_file_cut_inside_a_character_is_truncated_not_cp1252(tmp_path):
    path = write(tmp_path / "f.csv", ACCENTED.encode("utf-8")[:-5] + "é".encode()[:1])
    with pytest.raises(IngestError, match=r"UTF-8 character cut by the end of the file: truncated file"):
        rows(path)


def test_utf8_then_cp1252_is_mixed_encodings_not_silently_cp1252(tmp_path):
    content = ACCENTED.encode("utf-8") + "3;Théâtre;4\n".encode("cp1252")
    path = write(tmp_path / "f.csv", content)
    with pytest.raises(IngestError, match=rf"byte {len(ACCENTED.encode()) + 4}: UTF-8 up to here .* mixed encodings"):
        rows(path)


def test_cp1252_with_euro_and_ligatures(tmp_path):
    path = write(tmp_path / "f.csv", "code;libelle;montant\n1;ŒUVRE É€ «x» 5°;1\n2;cœur;2\n", "cp1252")
    assert detect_encoding(path) == "cp1252"
    assert [r["libelle"] for _, r in rows(path)] == ["ŒUVRE É€ «x» 5°", "cœur"]


def test_gzip_is_decompressed_for_detection(tmp_path):
    path = tmp_path / "f.csv.gz"
    path.write_bytes(gzip.compress(ACCENTED.encode("cp1252")))
    assert detect_encoding(path) == "cp1252"
    broken = write(tmp_path / "g.csv.gz", b"\x1f\x8b\x08\x00 not gzip")
    with pytest.raises(IngestError, match=r"g\.csv\.gz: cannot read"):
        detect_encoding(broken)


@pytest.mark.parametrize(
    "junk",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # an image
        b"PK\x03\x04\x14\x00\x06\x00",  # an .xlsx saved as .csv
        bytes(range(256)),
    ],
)
def test_binary_junk_is_refused(tmp_path, junk):
    with pytest.raises(IngestError, match="not a text file|cannot decode"):
        rows(write(tmp_path / "f.csv", junk))


def test_empty_file_and_blank_header_fail_header_only_gives_zero_rows(tmp_path):
    with pytest.raises(IngestError, match=r"f\.csv: line 1: empty file, expected a header line"):
        rows(write(tmp_path / "f.csv", b""))
    with pytest.raises(IngestError, match=r"g\.csv: line 1: empty line, expected a header line"):
        rows(write(tmp_path / "g.csv", b"\r\n1;a;2\r\n"))
    assert rows(write(tmp_path / "h.csv", "code;libelle;montant\n")) == []
    assert rows(write(tmp_path / "i.csv", "code;libelle;montant")) == []
    assert rows(write(tmp_path / "j.csv", "code;libelle;montant\n\n\n")) == []


# --- Physical lines and quotes -------------------------------------------------------------------


def _table(n: int, fault_line: int | None = None, newline: str = "\n") -> str:
    lines = ["code;libelle;montant"] + [f"C{i};ligne {i};{i},5" for i in range(2, n + 1)]
    if fault_line is not None:
        lines[fault_line - 1] = lines[fault_line - 1].replace(";ligne", ';"ligne')
    return newline.join(lines) + newline


@pytest.mark.parametrize("fault_line", [11, 2155 - 20, 2155, 2])
def test_stray_quote_fails_on_the_line_where_its_record_starts(tmp_path, fault_line):
    # issue 12: 2 155 lines gave read = loaded = 2 151, and the error named line 1507 for line 11
    path = write(tmp_path / "f.csv", _table(2155, fault_line))
    with pytest.raises(IngestError, match=rf"f\.csv: line {fault_line}: unclosed quote \(guillemet non fermé\)"):
        rows(path)


def test_stray_quote_loads_nothing_through_the_framework(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    landing = tmp_path / "landing"
    landing.mkdir()
    write(landing / "f.csv", _table(2155, 11))
    with pytest.raises(IngestError, match="line 11: unclosed quote"):
        ingest_files(con, TABLE, landing, [landing / "f.csv"], lambda p: read_delimited(p, COLUMNS, ";"))
    assert con.execute("SELECT count(*) FROM raw.test_text").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM meta.ingest_log").fetchone()[0] == 0


def test_rows_read_is_physical_lines_minus_header_and_trailing_blank_lines(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    landing = tmp_path / "landing"
    landing.mkdir()
    content = _table(2155).replace("C40;", "\nC40;") + "\n;;\n\n"  # a blank line inside, three at the end
    write(landing / "f.csv", content, "cp1252")
    [result] = ingest_files(con, TABLE, landing, [landing / "f.csv"], lambda p: read_delimited(p, COLUMNS, ";"))
    physical = content.count("\n")
    assert result.rows_read == physical - 1 - 3 == 2155
    assert (result.rows_loaded, result.rows_quarantined) == (2154, 1)
    assert con.execute("SELECT _source_row, reason FROM quarantine.test_text").fetchall() == [(40, "empty line")]
    assert con.execute("SELECT max(_source_row) FROM raw.test_text").fetchone()[0] == 2156


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_hold_for_every_line_ending(tmp_path, newline):
    got = rows(write(tmp_path / "f.csv", _table(6, newline=newline)))
    assert [(line, r["code"]) for line, r in got] == [(i, f"C{i}") for i in range(2, 7)]


MULTILINE = [Column("code", "text"), Column("commentaire", "text", multiline=True), Column("n", "integer")]


def test_line_break_in_a_free_text_column_is_accepted_and_numbering_stays_physical(tmp_path):
    content = 'code;commentaire;n\nA;"deux\r\nlignes";1\nB;"trois\nlignes\nici";2\nC;un;3\n'
    got = rows(write(tmp_path / "f.csv", content), MULTILINE)
    assert [(line, r["code"], r["commentaire"]) for line, r in got] == [
        (2, "A", "deux\r\nlignes"),
        (4, "B", "trois\nlignes\nici"),
        (7, "C", "un"),
    ]


def test_line_break_outside_a_free_text_column_is_a_quoting_fault(tmp_path):
    content = 'code;commentaire;n\nA;un;1\n"B\nb";deux;2\n'
    with pytest.raises(IngestError, match=r"line 3: unclosed quote"):
        rows(write(tmp_path / "f.csv", content), MULTILINE)


def test_stray_quote_in_a_free_text_column_still_fails_when_it_swallows_records(tmp_path):
    lines = ["code;commentaire;n"] + [f"C{i};texte {i};{i}" for i in range(2, 40)]
    lines[9] = lines[9].replace(";texte", ';"texte')  # line 10
    with pytest.raises(IngestError, match=r"line 10: unclosed quote .*line 11, inside its quotes, looks like a record"):
        rows(write(tmp_path / "f.csv", "\n".join(lines) + "\n"), MULTILINE)


def test_quote_left_open_at_the_end_of_the_file(tmp_path):
    for content in ('code;libelle;montant\n1;a;1\n2;"b;2\n', 'code;libelle;montant\n1;a;1\n2;"b;2'):
        with pytest.raises(IngestError, match=r"line 3: unclosed quote .*end of the file"):
            rows(write(tmp_path / "f.csv", content))


def test_quote_inside_an_unquoted_cell_is_text(tmp_path):
    got = rows(write(tmp_path / "f.csv", 'code;libelle;montant\n1;tuyau 12" long;1\n2;b;2\n'))
    assert [r["libelle"] for _, r in got] == ['tuyau 12" long', "b"]


def test_decp_tabular_subject_may_span_lines(tmp_path):
    header = "id;acheteur.id;dateNotification;montant;objet"
    content = f'{header}\nM1;21590001;2024-01-02;100;"Travaux\nde voirie"\nM2;21590001;2024-01-03;200;Entretien\n'
    got = list(read_decp_tabular_csv(write(tmp_path / "decp.csv", content)))
    assert [line for line, _ in got] == [2, 4]


# --- Column contracts ----------------------------------------------------------------------------


def test_renamed_optional_column_and_unknown_column_are_reported(tmp_path, caplog):
    path = write(tmp_path / "f.csv", "code;libelle;montant;Commune ;remarque\n1;a;2;Lille;x\n")
    with caplog.at_level(logging.WARNING, logger="orchestration.ingest.text"):
        got = rows(path)
    assert got[0][1]["commune"] is None  # loaded as before, but no longer silently
    notes = take_notes(path)
    assert notes == [
        "line 1: column(s) not in the contract, ignored: 'Commune', 'remarque'",
        "line 1: optional column(s) absent, loaded as empty: 'commune'",
        "line 1: column 'Commune' looks like 'commune' renamed: 'commune' is loaded as empty",
    ]
    assert [r.getMessage() for r in caplog.records] == [f"{path}: {n}" for n in notes]
    assert take_notes(path) == []  # collected once


def test_exact_header_gives_no_notes_and_duplicates_are_reported(tmp_path):
    path = write(tmp_path / "f.csv", "code;libelle;montant;commune\n1;a;2;Lille\n")
    rows(path)
    assert take_notes(path) == []
    dup = write(tmp_path / "g.csv", "code;libelle;montant;commune;montant\n1;a;2;Lille;3\n")
    assert rows(dup)[0][1]["montant"] == 3
    assert take_notes(dup) == ["line 1: duplicate column(s) 'montant': the last one is read"]


def test_missing_required_column_still_fails(tmp_path):
    with pytest.raises(IngestError, match=r"f\.csv: line 1: missing required column 'montant'"):
        rows(write(tmp_path / "f.csv", "code;libelle\n1;a\n"))


def test_excel_reports_the_same_notes(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["code", "libelle", "montant", "extra"])
    wb.active.append(["1", "a", 2.5, "x"])
    wb.save(tmp_path / "f.xlsx")
    assert [r for _, r in read_excel(tmp_path / "f.xlsx", COLUMNS)] == [
        {"code": "1", "libelle": "a", "montant": 2.5, "commune": None}
    ]
    assert take_notes(tmp_path / "f.xlsx") == [
        "sheet Sheet: row 1: column(s) not in the contract, ignored: 'extra'",
        "sheet Sheet: row 1: optional column(s) absent, loaded as empty: 'commune'",
    ]


def test_published_formats_can_switch_the_unknown_report_off(tmp_path):
    path = tmp_path / "x.csv"
    contract_index(path, ["code", "libelle", "montant", "autre"], COLUMNS, unknown=False, absent=False)
    assert take_notes(path) == []


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("douze", "montant is not a valid decimal: 'douze'"),
        ("NaN", "montant is not a valid decimal: 'NaN'"),
        ("inf", "montant is not a valid decimal: 'inf'"),
        ("1_000", "montant is not a valid decimal: '1_000'"),
    ],
)
def test_text_in_a_numeric_column_is_quarantined_with_its_reason(tmp_path, cell, reason):
    [(line, item)] = rows(write(tmp_path / "f.csv", f"code;libelle;montant\n1;a;{cell}\n"))
    assert line == 2 and isinstance(item, Quarantine)
    assert (item.reason, item.field) == (reason, "montant")


# --- Properties ----------------------------------------------------------------------------------


def _in_tmp(content: bytes, name: str = "f.csv"):
    """A temporary file holding `content` (hypothesis examples cannot share tmp_path)."""
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / name
    path.write_bytes(content)
    return folder, path


def _decoded(path: Path) -> str:
    return text.read_text(path)


ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=300)
# lower-case French accents: in cp1252 each is a UTF-8 lead byte never followed by a continuation
# byte, so the bytes are never valid UTF-8 by chance
FRENCH = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFXYZ0123456789;,.'\"\n\r\téèêëàâäçîïôöùûüÿ"), max_size=300
)
CP1252_TEXT = st.text(st.characters(codec="cp1252", exclude_characters="\x00"), max_size=300)


@PROPERTY
@given(ANY_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom"]))
def test_unicode_text_round_trips_in_utf8_and_utf16(content, encoding):
    if encoding == "utf-8":
        assume(not content.startswith("\ufeff"))  # would read as a byte-order mark
        data = content.encode("utf-8")
    elif encoding == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + content.encode("utf-16-be")
    else:
        data = content.encode(encoding)
    folder, path = _in_tmp(data)
    with folder:
        assert _decoded(path) == content


@PROPERTY
@given(FRENCH)
def test_french_cp1252_text_round_trips(content):
    folder, path = _in_tmp(content.encode("cp1252"))
    with folder:
        assert _decoded(path) == content


@PROPERTY
@given(CP1252_TEXT)
def test_any_cp1252_text_round_trips_or_is_refused_never_garbled(content):
    data = content.encode("cp1252")
    try:
        if data.decode("utf-8") != content:
            return  # valid UTF-8 as well: ambiguous bytes, read as UTF-8
    except UnicodeDecodeError:
        pass
    folder, path = _in_tmp(data)
    with folder:
        try:
            assert _decoded(path) == content
        except IngestError as exc:  # valid UTF-8 sequences by chance before the first accent
            assert "mixed encodings" in str(exc)


CELL = st.text(st.sampled_from("abcxyz 0129éàçœ€-_/"), max_size=12)


@st.composite
def tables(draw, min_rows=0, cell=CELL):
    width = draw(st.integers(1, 5))
    header = [f"col{i}" for i in range(width)]
    body = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=min_rows, max_size=30))
    return header, body


def _csv_bytes(header, body, encoding="utf-8", newline="\n", multiline=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator=newline)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode(encoding)


def _read_all(path: Path, multiline=()) -> list[tuple[int, list[str]]]:
    with open_csv(path, ";", multiline) as table:
        return list(table)


def _blank_tail(body: list[list[str]]) -> int:
    n = 0
    for cells in reversed(body):
        if any(c.strip() for c in cells):
            break
        n += 1
    return n


@PROPERTY
@given(tables(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]), st.sampled_from(["\n", "\r\n"]))
def test_tables_round_trip_in_every_encoding_with_physical_line_numbers(table, encoding, newline):
    header, body = table
    folder, path = _in_tmp(_csv_bytes(header, body, encoding, newline))
    with folder:
        got = _read_all(path)
    kept = len(body) - _blank_tail(body)  # blank lines at the end are not records
    assert got == [(i + 2, cells) for i, cells in enumerate(body[:kept])]


@PROPERTY
@given(tables(min_rows=1, cell=CELL.filter(bool)), st.data())  # no empty cell: csv.writer would quote it
def test_stray_quote_is_read_whole_or_fails_on_its_line(table, data):
    header, body = table
    lines = _csv_bytes(header, body).decode().split("\n")[:-1]
    where = data.draw(st.integers(0, len(lines) - 1), label="line index")
    at = data.draw(st.integers(0, len(lines[where])), label="offset")
    lines[where] = lines[where][:at] + '"' + lines[where][at:]
    content = "\n".join(lines) + "\n"
    folder, path = _in_tmp(content.encode())
    with folder:
        try:
            got = _read_all(path)
        except IngestError as exc:
            assert f"line {where + 1}: unclosed quote" in str(exc)
            return
    # not a fault: the quote sat inside a cell and is text; every line is a record of its own
    physical = [line.split(";") for line in lines]
    kept = len(physical) - 1 - _blank_tail(physical[1:])
    assert [line for line, _ in got] == list(range(2, kept + 2))
    assert [cells for _, cells in got] == physical[1 : kept + 1]


@PROPERTY
@given(st.lists(st.tuples(CELL, st.text(st.sampled_from("abcdefgh \n\r;"), max_size=15)), max_size=20))
def test_free_text_with_line_breaks_keeps_each_record_on_its_first_line(records):
    body = [[code or "x", note, "1"] for code, note in records]
    # CRLF: with a bare "\n" terminator csv.writer leaves a lone "\r" unquoted
    folder, path = _in_tmp(_csv_bytes(["code", "note", "n"], body, newline="\r\n"))
    with folder:
        try:
            got = _read_all(path, multiline={"note"})
        except IngestError as exc:  # a note line carrying two ';' looks like a swallowed record
            assert "looks like a record of its own" in str(exc)
            return
    expected, line = [], 2
    for cells in body:
        expected.append((line, cells))
        line += cells[1].count("\n") + cells[1].count("\r") - cells[1].count("\r\n")
        line += 1
    assert got == expected


@PROPERTY
@given(tables(min_rows=1), st.data())
def test_truncated_file_fails_or_keeps_every_complete_row(table, data):
    header, body = table
    content = _csv_bytes(header, body)
    cut = data.draw(st.integers(0, len(content)), label="cut")
    folder, path = _in_tmp(content[:cut])
    with folder:
        try:
            got = _read_all(path)
        except IngestError as exc:
            assert (
                "line 1: empty" in str(exc)
                or "truncated" in str(exc)
                or "unclosed quote" in str(exc)
                or "mixed encodings" in str(exc)
            ), str(exc)
            return
    complete = content[:cut].count(b"\n") - 1  # data lines ending with their line break
    for (_, cells), original in zip(got[:complete], body):
        assert cells == original
    assert all("Ã" not in c for _, cells in got[:complete] for c in cells)


@PROPERTY
@given(st.binary(max_size=400))
def test_any_bytes_give_rows_or_an_ingest_error_never_another_failure(data):
    folder, path = _in_tmp(data)
    with folder:
        try:
            got = list(read_delimited(path, COLUMNS, ";"))
        except IngestError:
            return
    assert b"\x00" not in data
    assert all(isinstance(line, int) and line >= 2 for line, _ in got)


@PROPERTY
@given(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzNIF_ -+"), min_size=1, max_size=10))
def test_text_in_a_numeric_column_never_loads_as_a_number(cell):
    assume(cell.strip() and not any(ch.isdigit() for ch in cell))
    folder, path = _in_tmp(f"code;libelle;montant\n1;a;{cell}\n".encode())
    with folder:
        [(_, item)] = list(read_delimited(path, COLUMNS, ";"))
    assert isinstance(item, Quarantine) and item.field == "montant"
    assert item.reason.startswith("montant is not a valid decimal")


@pytest.mark.parametrize("cell", ["1e400", "-1E999", "1,5e400", "9" * 90 + "e300"])
def test_an_amount_past_a_double_is_quarantined_never_loaded_as_infinite(cell, tmp_path):
    """A number written past a double's range (1e400) loaded as inf and would poison every sum:
    CSV and spreadsheet cells quarantine it, as DECP JSON and XML do (.ods: test_ingest_ods)."""
    import openpyxl

    path = tmp_path / "f.csv"
    path.write_text(f"code;libelle;montant\n1;a;{cell}\n", encoding="utf-8")
    [(_, item)] = list(read_delimited(path, COLUMNS, ";"))
    assert isinstance(item, Quarantine) and item.reason.startswith("montant is not a valid decimal"), item
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "libelle", "montant"])
    workbook.active.append(["1", "a", cell])
    workbook.save(tmp_path / "f.xlsx")
    [(_, item)] = list(read_excel(tmp_path / "f.xlsx", COLUMNS))
    assert isinstance(item, Quarantine) and item.reason.startswith("montant is not a valid decimal"), item


def test_a_gzip_bomb_is_refused_by_its_ratio_and_a_published_gz_reads(tmp_path):
    """A `.csv.gz` (Météo-France) is streamed: memory is bounded, but not time. Past 1 MiB,
    at most 100 times the compressed bytes read (the zip limits of spreadsheets)."""
    bomb = tmp_path / "Q_59_bomb.csv.gz"
    with gzip.open(bomb, "wb") as f:
        f.write(b"code;libelle;montant\n")
        for _ in range(8):
            f.write(b"1;a;2\n" * (1 << 17))  # 6 MiB of identical lines: ratio ~ 1 000
    with pytest.raises(IngestError, match=r"Q_59_bomb\.csv\.gz: byte \d+ of the decompressed content.*ZIP_MAX_RATIO"):
        detect_encoding(bomb)
    plain = tmp_path / "Q_59_ok.csv.gz"
    with gzip.open(plain, "wb") as f:
        f.write(b"code;libelle;montant\n" + b"".join(b"%d;a%d;%d,5\n" % (i, i * 7919 % 1000, i) for i in range(50_000)))
    assert detect_encoding(plain) == "utf-8"
    assert len(list(read_delimited(plain, COLUMNS, ";"))) == 50_000
