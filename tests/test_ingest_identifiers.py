"""Identifiers a spreadsheet stored as numbers (issue 12, item 3): a SIRET/SIREN typed into a cell
without the text format, saved as CSV in scientific notation, stripped of its leading zeros, or
written as a float by a tool, is read back to the text it was typed as, for every feed that reads
identifiers from a spreadsheet; one whose digits were lost goes to quarantine with its reason and
is never read as another identifier."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.feeds.marches import DECP
from orchestration.identifiers import (
    IdentifierError,
    identifier_from_cell,
    identifier_from_number,
    identifier_from_text,
    normalise_siret,
)
from orchestration.ingest.decp import DECP_TABLE
from orchestration.ingest.framework import Quarantine, ingest_files
from orchestration.ingest.french_csv import _CONVERTERS
from orchestration.templates import columns, example, file_stem, templates

NOW = dt.datetime(2025, 1, 1)
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        (21590001600013, "siret", "21590001600013"),
        (21590001600013.0, "siret", "21590001600013"),
        ("2.1590001600013E+13", "siret", "21590001600013"),  # Excel's CSV of a number cell
        ("2,1590001600013E+13", "siret", "21590001600013"),  # the same in French
        ("21590001600013.0", "siret", "21590001600013"),  # pandas' float
        (552013500017, "siret", "00552013500017"),  # leading zeros lost
        (5520135, "siret_siren", "005520135"),  # a SIREN starting with 00
        (552013500017, "siret_siren", "00552013500017"),
        (7, "siret", "7"),  # not an identifier that lost its zeros: left for the gates
        ("225 900 992 00010", "siret", "225 900 992 00010"),  # typed text: compacted for matching later
        ("225900992.00010", "siret", "225900992.00010"),  # a SIREN and its NIC
        (30001234567890, "code", "30001234567890"),
    ],
)
def test_a_number_reads_back_as_the_identifier_typed(value, kind, expected):
    assert identifier_from_cell(value, kind)[0] == expected


@pytest.mark.parametrize(
    "value, why",
    [
        ("2,159E+13", "4 of its 14 digits"),
        ("2.15900016E+13", "9 of its 14 digits"),
        (1.2345678901234568e16, "more than 15 digits"),
        (21590001600013.5, "decimals"),
        ("2.15900016000135E+13", "decimals"),
        (-21590001600013, "negative"),
        (True, "not an identifier"),
    ],
)
def test_a_number_whose_digits_are_lost_is_refused_with_the_reason(value, why):
    with pytest.raises(IdentifierError, match=why):
        identifier_from_cell(value, "siret")


SIRET = st.text("0123456789", min_size=14, max_size=14)


@SETTINGS
@given(SIRET, st.integers(0, 4))
def test_every_exact_number_form_reads_back_as_the_digits(siret, form):
    number = int(siret)
    value = [number, float(number), f"{float(number):.13E}", f"{float(number):.13E}".replace(".", ","), f"{number}.0"][
        form
    ]
    read = identifier_from_cell(value, "siret")[0]
    lost = 14 - len(str(number))  # leading zeros the number lost
    assert read == (siret if lost <= 2 else str(number)), (value, read)
    assert normalise_siret(read) == read


@SETTINGS
@given(SIRET.filter(lambda s: s[0] != "0"), st.integers(1, 13))
def test_a_rounded_number_is_never_read_as_another_identifier(siret, digits):
    """Scientific notation keeping `digits` significant digits (a narrow Excel column): either
    the exact identifier or IdentifierError, never a different identifier."""
    written = f"{int(siret):.{digits - 1}E}"
    try:
        read, _ = identifier_from_text(written, "siret")
    except IdentifierError:
        return
    assert read == siret, (written, read)


@SETTINGS
@given(st.floats(min_value=1e15, max_value=1e30) | st.floats(0, 1e15).filter(lambda f: not f.is_integer()))
def test_a_float_past_15_digits_or_with_decimals_is_refused(value):
    with pytest.raises(IdentifierError):
        identifier_from_number(value, "siret")


# --- Every feed that reads identifiers from a spreadsheet --------------------------------------------

NUMBERS = {"siret": (552013500017, "00552013500017"), "siret_siren": (5520135, "005520135")}
WITH_IDENTIFIERS = [(s, t) for s, t in templates() if any(c.identifier for c in columns(t))]


def _typed_example(column):
    if column.identifier:
        number, _ = NUMBERS.get(column.identifier, (30001234567890, "30001234567890"))
        return number
    return _CONVERTERS[column.kind](example(column))


def test_every_feed_with_identifiers_in_its_templates_is_covered():
    folders = {s.folder for s, _ in WITH_IDENTIFIERS}
    assert {"procedures", "insertion/heures", "fournisseurs/classification", "restauration/etablissements"} <= folders


@pytest.mark.parametrize("source, template", WITH_IDENTIFIERS, ids=[s.folder for s, _ in WITH_IDENTIFIERS])
def test_numeric_identifiers_of_a_sheet_load_as_text_and_lost_digits_go_to_quarantine(source, template, tmp_path):
    import openpyxl

    header = columns(template)
    good = [_typed_example(c) for c in header]
    lost = [1.2345678901234568e16 if c.identifier else v for c, v in zip(header, good)]
    path = tmp_path / "landing" / source.folder / f"{file_stem(source)}.xlsx"
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Données")
    for row in ([c.name for c in header], good, lost):
        sheet.append(row)
    workbook.save(path)

    con = duckdb.connect()
    [result] = ingest_files(con, source.table, tmp_path / "landing", [path], source.read, now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1), result
    [(reason, raw_value)] = con.execute(f"SELECT reason, raw_value FROM quarantine.{source.table.table}").fetchall()
    assert "more than 15 digits" in reason and "e+16" in raw_value, (reason, raw_value)
    cur = con.execute(f"SELECT * FROM raw.{source.table.table}")
    row = {d[0].lower(): v for d, v in zip(cur.description, cur.fetchone())}
    for column in (c for c in header if c.identifier):
        number, text = NUMBERS.get(column.identifier, (30001234567890, "30001234567890"))
        assert row[column.name.lower()] == text, (column.name, row[column.name.lower()])
    # the raw number stays in the ingest log, beside how many were read back
    assert any("stored as numbers" in n and str(number) in n for n in result.notes), result.notes


def test_a_registre_sheet_reads_sirets_stored_as_numbers(tmp_path):
    """The Trackdéchets/RNDTS registry (a published format, no template) as an .xlsx."""
    import openpyxl

    from orchestration.feeds import all_sources
    from orchestration.ingest.dechets import registre_columns

    source = next(s for s in all_sources() if s.folder == "dechets/registre")
    cols, names = registre_columns("rndts_dechets_sortants")
    values = {
        "identifiant": "R-1",
        "siret_declarant": 552013500017,
        "siret_producteur": 2.1590001600013e13,
        "date_expedition": "2026-02-01",
        "code_dechet": "17 01 01",
        "poids_t": 2.5,
        "code_operation_prevu": "R5",
    }
    path = tmp_path / "landing" / "dechets" / "registre" / "registre.xlsx"
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Registre")
    sheet.append([c.name for c in cols])
    sheet.append([values.get(names[c.name]) for c in cols])
    workbook.save(path)
    items = list(source.read(path))
    assert len(items) == 1 and not isinstance(items[0][1], Quarantine), items
    row = items[0][1]
    assert (row["siret_declarant"], row["siret_producteur"]) == ("00552013500017", "21590001600013")


# --- DECP: a buyer or holder id published as a JSON number, both paths -----------------------------


def _decp(buyer_id, holder_id) -> str:
    record = {
        "id": "M1",
        "acheteur": {"id": buyer_id},
        "dateNotification": "2024-02-01",
        "montant": 10,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": holder_id}}],
    }
    return json.dumps(record)


@pytest.mark.parametrize("mode", ["python", "bulk"])
def test_decp_ids_published_as_numbers_load_as_their_digits_the_same_both_ways(tmp_path, mode):
    root = tmp_path / "landing"
    root.mkdir()
    records = [
        _decp(21590001600013, 552013500017),
        _decp(2.1590001600013e13, "552013500017.0"),
        _decp("2.1590001600013E+13", "21590001600013"),
        _decp("21590001600013", 21590001600013),  # the regular shape: SQL on the bulk path
        _decp(1.2345678901234568e16, "1"),  # digits lost: quarantined
        _decp("2,159E+13", "1"),
    ]
    # json.dumps writes 2.1590001600013e13 as 21590001600013.0: the exponent form as platforms write it
    records[1] = records[1].replace("21590001600013.0", "2.1590001600013E13")
    (root / "ids.json").write_text('{"marches": {"marche": [\n' + ",\n".join(records) + "\n]}}")
    con = duckdb.connect()
    [result] = ingest_files(
        con, DECP_TABLE, root, [root / "ids.json"], DECP.read, now=NOW, bulk=DECP.bulk_for if mode == "bulk" else None
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 4, 2), result
    loaded = con.execute(
        "SELECT _source_row, acheteur_id, titulaires[1].id FROM raw.decp_marches ORDER BY _source_row"
    ).fetchall()
    assert loaded == [
        (1, "21590001600013", "00552013500017"),
        (2, "21590001600013", "00552013500017"),
        (3, "21590001600013", "21590001600013"),
        (4, "21590001600013", "21590001600013"),
    ]
    reasons = con.execute("SELECT _source_row, reason FROM quarantine.decp_marches ORDER BY 1").fetchall()
    assert [r for r, _ in reasons] == [5, 6]
    assert "more than 15 digits" in reasons[0][1] and "4 of its 14 digits" in reasons[1][1], reasons
