"""Ingest mechanics shared by every feed: hashes, file versions, errors, accounting."""

from __future__ import annotations

import io
import json

import ijson
import pytest

from orchestration.ingest.decp import DECP_TABLE, _NanTolerantStream, read_decp_json
from orchestration.ingest.framework import IngestError, ingest_files
from orchestration.ingest.procedures import PROCEDURES_TABLE, read_procedures


def _records(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "id": f"C{i}",
            "acheteur": {"id": "22590099200010"},
            "nature": "Marché",
            "dateNotification": "2025-02-03",
            "montant": 1000 + i,
            "considerationsSociales": {"considerationSociale": ["Pas de considération sociale"]},
        }
        for i in range(start, start + n)
    ]


def _write_decp(path, records) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False), encoding="utf-8")


def _count(con, sql) -> int:
    return con.execute(sql).fetchall()[0][0]


def test_same_file_twice_is_loaded_once(con, tmp_path):
    f = tmp_path / "landing" / "a.json"
    _write_decp(f, _records(3))
    first = ingest_files(con, DECP_TABLE, f.parent, [f], read_decp_json)
    second = ingest_files(con, DECP_TABLE, f.parent, [f], read_decp_json)
    assert [r.status for r in first + second] == ["loaded", "unchanged"]
    assert _count(con, "SELECT count(*) FROM raw.decp_marches") == 3


def test_new_version_of_a_file_supersedes_its_rows(con, tmp_path):
    f = tmp_path / "landing" / "a.json"
    _write_decp(f, _records(3))
    ingest_files(con, DECP_TABLE, f.parent, [f], read_decp_json)
    _write_decp(f, _records(2, start=10))
    [result] = ingest_files(con, DECP_TABLE, f.parent, [f], read_decp_json)
    assert result.status == "superseded_previous"
    assert sorted(r[0] for r in con.execute("SELECT id FROM raw.decp_marches").fetchall()) == ["C10", "C11"]
    log = con.execute(
        "SELECT rows_loaded, superseded_at IS NOT NULL FROM meta.ingest_log ORDER BY ingested_at, rows_loaded DESC"
    ).fetchall()
    assert sorted(log) == [(2, False), (3, True)]


def test_unreadable_file_fails_naming_file_and_position_and_loads_nothing(con, tmp_path):
    f = tmp_path / "landing" / "broken.json"
    f.parent.mkdir(parents=True)
    good = json.dumps({"marches": {"marche": _records(2)}})
    f.write_text(good[:-40] + "{{{ not json", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        ingest_files(con, DECP_TABLE, f.parent, [f], read_decp_json)
    message = str(err.value)
    assert "broken.json" in message and "byte" in message
    assert _count(con, "SELECT count(*) FROM raw.decp_marches") == 0
    assert _count(con, "SELECT count(*) FROM meta.ingest_log") == 0


def test_untypeable_records_are_quarantined_with_reason(con, tmp_path):
    f = tmp_path / "landing" / "dirty.json"
    records = _records(4)
    records[0]["dateNotification"] = "0222-13-45"  # not a calendar date
    records[1]["montant"] = "test"  # injected test string
    records[2]["dateNotification"] = "2024-05-01T00:00:00"  # not the format
    _write_decp(f, records)
    [r] = ingest_files(con, DECP_TABLE, f.parent, [f], read_decp_json)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 1, 3)
    reasons = dict(con.execute("SELECT _source_row, reason FROM quarantine.decp_marches").fetchall())
    assert reasons == {
        1: "dateNotification is not a date YYYY-MM-DD",
        2: "montant is not a number",
        3: "dateNotification is not a date YYYY-MM-DD",
    }


def test_nan_tolerant_stream_keeps_strings_and_handles_chunk_boundaries():
    text = b'{"a": [NaN, "NaN in a string", -Infinity, {"b": "x\\"NaN"}, 1.5, NaN]}'
    for chunk in (1, 2, 3, 5, 7, 64):
        stream = _NanTolerantStream(io.BytesIO(text), chunk=chunk)
        assert list(ijson.items(stream, "a.item", use_float=True)) == [
            None,
            "NaN in a string",
            None,
            {"b": 'x"NaN'},
            1.5,
            None,
        ]


CSV_HEADER = (
    "siret_acheteur;id_marche;objet;direction;section_budgetaire;date_notification;montant_ht;"
    "sourcing_realise;negociation_realisee;clause_progres;analyse_cycle_vie;label_spaser;"
    "analyse_opportunite_clause_sociale;fiche_type_considerations_sociales;criteres_numerique_responsable"
)


def test_french_csv_types_and_quarantines_with_line_numbers(con, tmp_path):
    f = tmp_path / "landing" / "export.csv"
    f.parent.mkdir(parents=True)
    lines = [
        CSV_HEADER,
        "22590099200010;C1;Entretien des routes;Direction de la Voirie;Fonctionnement;03/02/2025;125430,50;Oui;Non;;Oui;Oui;Oui;Non;Non",
        "22590099200010;C2;Collège;Direction des Collèges;Investissement;31/02/2025;10;Oui;Non;Non;Non;Non;Non;Non;Non",
        "22590099200010;C3;Collège;Direction des Collèges;Investissement;01/03/2025;dix;Oui;Non;Non;Non;Non;Non;Non;Non",
        "22590099200010;C4;Collège;Direction des Collèges;Investissement;01/03/2025;10;Peut-être;Non;Non;Non;Non;Non;Non;Non",
    ]
    f.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    [r] = ingest_files(con, PROCEDURES_TABLE, f.parent, [f], read_procedures)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 1, 3)
    row = con.execute(
        "SELECT direction, montant_ht, date_notification, clause_progres, label_spaser FROM raw.procedures_internes"
    ).fetchall()[0]
    assert row[0] == "Direction de la Voirie" and row[1] == 125430.5 and str(row[2]) == "2025-02-03"
    assert row[3] is None and row[4] is True  # empty cell = unknown, not "Non"
    quarantined = con.execute(
        "SELECT _source_row, field, reason FROM quarantine.procedures_internes ORDER BY _source_row"
    ).fetchall()
    assert [(q[0], q[1]) for q in quarantined] == [(3, "date_notification"), (4, "montant_ht"), (5, "sourcing_realise")]


def test_csv_missing_required_column_fails_naming_line_and_column(con, tmp_path):
    f = tmp_path / "landing" / "export.csv"
    f.parent.mkdir(parents=True)
    f.write_bytes((CSV_HEADER.replace(";label_spaser", "") + "\r\n").encode("cp1252"))
    with pytest.raises(IngestError, match=r"export.csv: line 1: missing required column 'label_spaser'"):
        ingest_files(con, PROCEDURES_TABLE, f.parent, [f], read_procedures)


def test_csv_utf8_with_bom_is_accepted(con, tmp_path):
    f = tmp_path / "landing" / "export.csv"
    f.parent.mkdir(parents=True)
    line = "22590099200010;C1;Élagage;Direction de la Voirie;Fonctionnement;03/02/2025;1 234,5;Oui;Non;Non;Oui;Oui;Oui;Non;Non"
    f.write_bytes(("\ufeff" + CSV_HEADER + "\r\n" + line + "\r\n").encode("utf-8"))
    [r] = ingest_files(con, PROCEDURES_TABLE, f.parent, [f], read_procedures)
    assert r.rows_loaded == 1
    assert con.execute("SELECT objet, montant_ht FROM raw.procedures_internes").fetchall() == [("Élagage", 1234.5)]


def test_demo_feeds_account_for_every_row(demo_feeds, con):
    for target, folder, reader, pattern in (
        (DECP_TABLE, "decp", read_decp_json, "*.json"),
        (PROCEDURES_TABLE, "procedures", read_procedures, "*.csv"),
    ):
        root = demo_feeds / folder
        for r in ingest_files(con, target, root, sorted(root.glob(pattern)), reader):
            assert r.rows_read == r.rows_loaded + r.rows_quarantined > 0


def test_excel_export_loads_under_the_same_contract(con, tmp_path):
    import datetime as dt

    import openpyxl

    f = tmp_path / "landing" / "export.xlsx"
    f.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CSV_HEADER.split(";"))
    ws.append(
        [
            22590099200010,
            "C1",
            "Voirie",
            "Direction de la Voirie",
            "Fonctionnement",
            dt.datetime(2025, 2, 3),
            125430.5,
            "Oui",
            "Non",
            None,
            True,
            "Oui",
            "Oui",
            "Non",
            "Non",
        ]
    )
    ws.append(
        [
            "22590099200010",
            "C2",
            "x",
            "Direction des Collèges",
            "Investissement",
            "31/02/2025",
            10,
            "Oui",
            "Non",
            "Non",
            "Non",
            "Non",
            "Non",
            "Non",
            "Non",
        ]
    )
    ws.append([None] * 15)  # formatted empty row: not data
    wb.save(f)
    [r] = ingest_files(con, PROCEDURES_TABLE, f.parent, [f], read_procedures)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    row = con.execute(
        "SELECT siret_acheteur, date_notification, montant_ht, clause_progres, analyse_cycle_vie "
        "FROM raw.procedures_internes"
    ).fetchall()[0]
    assert row == ("22590099200010", dt.date(2025, 2, 3), 125430.5, None, True)
    assert con.execute("SELECT _source_row, field FROM quarantine.procedures_internes").fetchall() == [
        (3, "date_notification")
    ]


def test_a_new_file_hashed_while_its_bulk_reader_prepares_it_fails_and_cleans_up_as_before(con, tmp_path, monkeypatch):
    """A new file is hashed in another thread while the bulk reader prepares it: the file's
    hash error comes first (as when it was hashed first), and a prepared handle is closed."""
    from orchestration.ingest import framework
    from orchestration.ingest.framework import BulkReader

    (tmp_path / "f.json").write_text("{}", encoding="utf-8")
    closed = []

    def reader(fail: bool) -> BulkReader:
        def prepare(_con, _path):
            if fail:
                raise ValueError("prepare failed")
            return "handle"

        return BulkReader(prepare=prepare, load=None, rest=None, records=None, close=closed.append)

    def unreadable(path):
        raise OSError(f"{path}: cannot read")

    monkeypatch.setattr(framework, "sha256_of", unreadable)
    for fail in (False, True):
        with pytest.raises(OSError, match="cannot read"):
            ingest_files(
                con, DECP_TABLE, tmp_path, [tmp_path / "f.json"], read_decp_json, bulk=lambda _, f=fail: reader(f)
            )
    assert closed == ["handle"]  # the handle prepared before the hash failed, and only it
