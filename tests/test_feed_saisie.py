"""Manual input feed: the documented spreadsheet (CSV and Excel), validated like any feed."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from orchestration.feeds import all_feeds
from orchestration.feeds.saisie import FEED, VALEURS
from orchestration.ingest.framework import IngestError, ingest_files
from orchestration.ingest.saisie import fields

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("org", "champ", "periode", "valeur", "unite", "commentaire", "saisi_par", "date_saisie")


def _rows(con, sql):
    return con.execute(sql).fetchall()


def _write_csv(path: Path, rows, header=HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _write_xlsx(path: Path, rows) -> Path:
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.append(list(HEADER))
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def test_each_defect_goes_to_quarantine_with_its_line_and_reason(con, tmp_path, spaser_home):
    f = _write_csv(
        tmp_path / "saisie" / "saisie.csv",
        [
            ("nordval", "reunions_copil", "2025-S1", "1", "réunions", "", "c.delattre", "10/07/2025"),  # 2 ok
            ("nordval", "reunions_copyl", "2025-S1", "1", "réunions", "", "c.delattre", "10/07/2025"),  # 3 field
            ("nordval", "attestations_pts", "2025-S3", "12", "", "", "c.delattre", "10/07/2025"),  # 4 period
            ("nordval", "attestations_pts", "S1-2025", "12", "", "", "c.delattre", "10/07/2025"),  # 5 period
            ("nordval", "litres_eau_economises", "2025-S1", "beaucoup", "litres", "", "m.benali", "10/07/2025"),  # 6
            ("nordval", "km_pistes_cyclables", "2025-S1", "-3", "km", "", "m.benali", "10/07/2025"),  # 7 negative
            ("nordval", "litres_eau_economises", "2025-S1", "120", "m3", "", "m.benali", "10/07/2025"),  # 8 unit
            ("paris", "certifications_hqe", "2025-S1", "1", "", "", "m.benali", "10/07/2025"),  # 9 org
            ("", "certifications_hqe", "2025-S1", "", "", "", "m.benali", "10/07/2025"),  # 10 empty
            ("", "Certifications_HQE", "2025-s2", "2", "Nombre", "", "m.benali", "2025-12-20"),  # 11 ok
            ("", "litres_eau_economises", "2025", "180 500,5", "Litre", "bilan", "m.benali", "15/01/2026"),  # 12 ok
        ],
    )
    [r] = ingest_files(con, VALEURS.table, f.parent, [f], VALEURS.read)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (11, 3, 8)
    assert _rows(con, "SELECT _source_row, field, reason FROM quarantine.saisie_valeurs ORDER BY 1") == [
        (3, "champ", "unknown field (champ) 'reunions_copyl': see seeds/saisie_champs.csv"),
        (4, "periode", "periode is not YYYY-S1, YYYY-S2 or YYYY: '2025-S3'"),
        (5, "periode", "periode is not YYYY-S1, YYYY-S2 or YYYY: 'S1-2025'"),
        (6, "valeur", "valeur is not a valid decimal: 'beaucoup'"),
        (7, "valeur", "valeur is negative: -3.0"),
        (8, "unite", "unite 'm3' for litres_eau_economises, expected 'litres'"),
        (9, "org", "unknown organisation (org) 'paris': see the configuration's organisations.csv"),
        (10, "valeur", "valeur is empty"),
    ]
    # valid lines are normalised: field and period case, organisation left empty = landing folder's
    assert _rows(
        con, "SELECT _source_row, org, champ, periode, valeur, unite, date_saisie FROM raw.saisie_valeurs ORDER BY 1"
    ) == [
        (2, "nordval", "reunions_copil", "2025-S1", 1.0, "réunions", dt.date(2025, 7, 10)),
        (11, None, "certifications_hqe", "2025-S2", 2.0, "Nombre", dt.date(2025, 12, 20)),
        (12, None, "litres_eau_economises", "2025", 180500.5, "Litre", dt.date(2026, 1, 15)),
    ]


def test_csv_and_excel_load_the_same_values(con, tmp_path):
    rows = [
        (
            "nordval",
            "km_pistes_cyclables",
            "2026-S1",
            452.5,
            "km",
            "réseau au 30/06",
            "s.vandamme",
            dt.datetime(2026, 7, 8),
        ),
        ("", "reunions_instance_technique", "2026-S1", 2, "réunions", None, "s.vandamme", dt.datetime(2026, 7, 8)),
    ]
    xlsx = _write_xlsx(tmp_path / "x" / "saisie.xlsx", rows)
    as_text = [
        (o, c, p, str(v).replace(".", ","), u, k or "", s, d.strftime("%d/%m/%Y")) for o, c, p, v, u, k, s, d in rows
    ]
    csv_file = _write_csv(tmp_path / "c" / "saisie.csv", as_text)
    for f in (xlsx, csv_file):
        [r] = ingest_files(con, VALEURS.table, f.parent, [f], VALEURS.read)
        assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)
    values = _rows(
        con,
        """SELECT _source_file, org, champ, periode, valeur, unite, commentaire, date_saisie
                           FROM raw.saisie_valeurs ORDER BY _source_file, _source_row""",
    )
    assert [v[1:] for v in values if v[0] == "saisie.csv"] == [v[1:] for v in values if v[0] == "saisie.xlsx"]
    assert values[0][1:] == (
        "nordval",
        "km_pistes_cyclables",
        "2026-S1",
        452.5,
        "km",
        "réseau au 30/06",
        dt.date(2026, 7, 8),
    )


def test_a_file_without_a_required_column_fails_naming_it(con, tmp_path):
    f = _write_csv(
        tmp_path / "s" / "saisie.csv", [("reunions_copil", "2025-S1", "1")], header=("champ", "periode", "valeur")
    )
    with pytest.raises(IngestError) as err:
        ingest_files(con, VALEURS.table, f.parent, [f], VALEURS.read)
    assert "line 1" in str(err.value) and "'saisi_par'" in str(err.value)


def test_demo_files_load_with_their_counts(con, tmp_path):
    landing = tmp_path / "landing"
    summary = FEED.write_demo(landing, seed=20240101, n_contracts=0)
    root = landing / VALEURS.folder
    results = ingest_files(con, VALEURS.table, root, sorted(root.iterdir()), VALEURS.read)
    measured = {r.file: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results}
    assert measured == {"saisie_2024_2025.csv": (43, 41, 2), "saisie_2026-S1.xlsx": (10, 10, 0)}
    assert summary["quarantined"] == 2
    for r in results:  # under the quarantine-spike gate (5 % of a file)
        assert r.rows_quarantined <= 0.05 * r.rows_read
    reasons = sorted(r for (r,) in _rows(con, "SELECT reason FROM quarantine.saisie_valeurs"))
    assert reasons == [
        "periode is not YYYY-S1, YYYY-S2 or YYYY: '2025-S3'",
        "unknown field (champ) 'reunions_comite_pilotage': see seeds/saisie_champs.csv",
    ]
    # 2026-S1 has every field, so every saisie indicator is available for it
    champs = {c for (c,) in _rows(con, "SELECT champ FROM raw.saisie_valeurs WHERE periode = '2026-S1'")}
    assert champs == set(fields())


def test_fields_map_to_catalogue_indicators_of_this_feed():
    with (ROOT / "seeds" / "spaser_indicateurs.csv").open(encoding="utf-8") as f:
        catalogue = {r["indicator_id"]: r for r in csv.DictReader(f)}
    indicators = {row["indicator_id"] for row in fields().values()}
    assert indicators == {"GOV-1", "IMP-2", "IMP-5", "IMP-7", "IMP-8", "IMP-16", "MOB-5"}
    for indicator in indicators:
        assert catalogue[indicator]["source_feed"] == "saisie" and catalogue[indicator]["computed"] == "true"
    assert {row["agregation"] for row in fields().values()} == {"somme", "niveau"}


def test_feed_is_registered_with_its_suite_and_coverage():
    feed = next(f for f in all_feeds() if f.name == "saisie")
    suite = json.loads((ROOT / "expectations" / "gx" / "expectations" / "raw_saisie_valeurs.json").read_text())
    assert suite["name"] == VALEURS.suite
    assert all(e["meta"]["severity"] in ("block", "warn") and e["meta"]["why"] for e in suite["expectations"])
    assert "periode IN ('2026-S1', '2026')" in feed.coverage_sql("2026-S1")
