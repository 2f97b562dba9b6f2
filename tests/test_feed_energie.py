"""Energy feed: real published formats, demo files, CSV and Excel contracts."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from orchestration.feeds.energie import FEED
from orchestration.ingest.framework import IngestError, ingest_files

SOURCES = {s.folder.split("/", 1)[1]: s for s in FEED.sources}


def _load(con, kind, root, files):
    source = SOURCES[kind]
    return ingest_files(con, source.table, root, files, source.read)


# --- Real files of ../shared/data/energy -------------------------------------------------------


def test_real_enedis_r63_and_r64_examples_load(con, shared_data):
    root = shared_data / "energy" / "enedis" / "examples"
    results = {r.file: r for r in _load(con, "enedis", root, sorted(root.glob("*.csv")))}
    r63, r64 = results["r63_courbe_example.csv"], results["r64_index_example.csv"]
    assert (r63.rows_read, r63.rows_loaded, r63.rows_quarantined) == (2, 2, 0)
    assert (r64.rows_read, r64.rows_loaded, r64.rows_quarantined) == (1, 1, 0)
    rows = con.execute(
        "SELECT _source_file, prm, flux, grandeur_physique, unite, valeur, pas, type_releve, classe_temporelle "
        "FROM raw.energie_enedis ORDER BY _source_file, _source_row"
    ).fetchall()
    assert rows[0] == ("r63_courbe_example.csv", "30000000000002", "R63", "PA", "W", 692.0, "PT30M", None, None)
    assert rows[2] == ("r64_index_example.csv", "30000000000001", "R64", "EA", "Wh", 100.0, None, "INDEX", "HP")


def test_real_meteo_france_header_is_the_contract(con, shared_data, tmp_path):
    """The published header (56 columns) with rows as Météo-France writes them ('mq' = missing)."""
    header = (shared_data / "energy" / "dju" / "meteofrance_Q_dept_RR-T-Vent_header.csv").read_text().strip()
    columns = header.split(";")
    assert len(columns) == 56

    def line(**values):
        return ";".join(values.get(c, "") for c in columns)

    body = [
        line(NUM_POSTE="59343001", NOM_USUEL="LILLE-LESQUIN", AAAAMMJJ="20250115", TN="-1.2", TX="5.4"),
        line(NUM_POSTE="59343001", NOM_USUEL="LILLE-LESQUIN", AAAAMMJJ="20250116", TN="mq", TX="6.0"),
        line(NUM_POSTE="59343001", NOM_USUEL="LILLE-LESQUIN", AAAAMMJJ="2025-01-17", TN="1.0", TX="6.0"),
    ]
    path = tmp_path / "meteo" / "Q_59_latest-2024-2025_RR-T-Vent.csv.gz"
    path.parent.mkdir()
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join([header] + body) + "\n")
    [result] = _load(con, "meteo", path.parent, [path])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert result.quarantine_reasons == {"AAAAMMJJ is not a date: '2025-01-17'": 1}
    assert con.execute("SELECT tn, tx FROM raw.energie_meteo ORDER BY aaaammjj").fetchall() == [
        (-1.2, 5.4),
        (None, 6.0),
    ]


def test_real_grdf_field_names_are_the_contract(con, shared_data, tmp_path):
    """A CSV and a JSON carrying the field names of grdf_releve_fields.csv load the same relevé."""
    fields = [
        line.split(",")[0]
        for line in (shared_data / "energy" / "grdf" / "grdf_releve_fields.csv").read_text().splitlines()[1:]
    ]
    assert {"idPce", "dateDebutReleve", "dateFinReleve", "energieConsomme"} <= set(fields)
    releve = {
        "idPce": "GI123456",
        "dateDebutReleve": "2025-01-03",
        "dateFinReleve": "2025-02-03",
        "journeeGaziere": "",
        "indexDebut": "1000",
        "indexFin": "1900",
        "volumeBrutConsomme": "900",
        "coeffConversion": "11,2",
        "pcs": "11,4",
        "volumeConverti": "",
        "pta": "",
        "energieConsomme": "10080",
        "natureReleve": "Réel",
        "qualificationReleve": "Mesuré",
        "status": "Définitive",
        "frequenceReleve": "1M",
        "temperature": "",
    }
    folder = tmp_path / "grdf"
    folder.mkdir()
    (folder / "releves.csv").write_text(
        ";".join(fields) + "\n" + ";".join(releve[f] for f in fields) + "\n", encoding="utf-8"
    )
    as_json = {
        "idPce": "GI123456",
        "releves": [
            {
                "dateDebutReleve": "2025-01-03T06:00:00+01:00",
                "dateFinReleve": "2025-02-03T06:00:00+01:00",
                "energieConsomme": 10080,
                "coeffConversion": 11.2,
                "frequenceReleve": "1M",
            },
            {"dateDebutReleve": "2025-02-03", "energieConsomme": 50},
        ],
    }
    (folder / "releves.json").write_text(json.dumps(as_json), encoding="utf-8")
    results = {r.file: r for r in _load(con, "grdf", folder, sorted(folder.iterdir()))}
    assert (results["releves.csv"].rows_loaded, results["releves.csv"].rows_quarantined) == (1, 0)
    assert (results["releves.json"].rows_loaded, results["releves.json"].rows_quarantined) == (1, 1)
    assert con.execute(
        "SELECT DISTINCT pce, date_debut_releve, date_fin_releve, energie_kwh_pcs, coeff_conversion FROM raw.energie_grdf"
    ).fetchall() == [("GI123456", dt.date(2025, 1, 3), dt.date(2025, 2, 3), 10080.0, 11.2)]


def test_real_enedis_file_with_a_missing_column_fails_naming_it(con, shared_data, tmp_path):
    text = (shared_data / "energy" / "enedis" / "examples" / "r64_index_example.csv").read_text(encoding="utf-8")
    broken = tmp_path / "enedis" / "r64.csv"
    broken.parent.mkdir()
    broken.write_text(text.replace("Horodate", "Date"), encoding="utf-8")
    with pytest.raises(IngestError, match="missing required column 'Horodate'"):
        _load(con, "enedis", broken.parent, [broken])


# --- Demo files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("energie_demo") / "landing"
    summary = FEED.write_demo(landing, seed=42, n_contracts=0)
    return landing, summary


def test_demo_is_deterministic(demo_landing, tmp_path):
    landing, summary = demo_landing
    again = tmp_path / "landing"
    assert FEED.write_demo(again, seed=42, n_contracts=0) == summary
    for path in sorted((landing / "energie").rglob("*.csv")):
        assert (again / path.relative_to(landing)).read_bytes() == path.read_bytes(), path


def test_demo_files_load_with_row_accounting(con, demo_landing):
    landing, summary = demo_landing
    totals = {}
    for kind, source in SOURCES.items():
        root = landing / source.folder
        files = sorted(root.iterdir())
        assert files, kind
        results = ingest_files(con, source.table, root, files, source.read)
        for r in results:
            assert r.rows_read == r.rows_loaded + r.rows_quarantined
            assert r.rows_quarantined <= 0.05 * r.rows_read, r  # under the quarantine-spike gate
        totals[kind] = (
            sum(r.rows_read for r in results),
            sum(r.rows_loaded for r in results),
            sum(r.rows_quarantined for r in results),
            {k: v for r in results for k, v in r.quarantine_reasons.items()},
        )
    assert totals["sites"] == (summary["site_rows"], summary["site_rows"] - 1, 1, {"surface_m2 is empty": 1})
    assert totals["consommations"][0] == summary["consommation_rows"]
    assert totals["consommations"][2:] == (1, {"quantite is not a valid decimal: '1 2OO'": 1})
    assert totals["grdf"][0] == summary["grdf_rows"] and totals["grdf"][2:] == (1, {"energie_kwh_pcs is empty": 1})
    assert totals["enedis"] == (summary["enedis_rows"], summary["enedis_rows"], 0, {})
    assert totals["meteo"] == (summary["meteo_rows"], summary["meteo_rows"], 0, {})
    assert totals["reference"] == (summary["reference_rows"], summary["reference_rows"], 0, {})
    assert totals["cee"] == (summary["cee_rows"], summary["cee_rows"], 0, {})
    # the site register is the Excel demo file
    assert sorted(p.suffix for p in (landing / "energie" / "sites").iterdir()) == [".xlsx"]


def test_csv_and_excel_contracts_load_the_same_rows(con, tmp_path):
    import openpyxl

    header = ["code_site", "mois", "energie", "quantite", "unite", "source"]
    rows = [
        ["NV-001", "01/2026", "fioul_domestique", "1 250,5", "litre", "bon de livraison"],
        ["NV-002", "2026-02", "electricite", "12000", "kWh", "facture"],
        ["NV-003", "13/2026", "electricite", "10", "kWh", "facture"],
    ]
    folder = tmp_path / "consommations"
    folder.mkdir()
    (folder / "a.csv").write_text("\n".join(";".join(r) for r in [header] + rows) + "\n", encoding="cp1252")
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r[:3] + [float(r[3].replace(" ", "").replace(",", "."))] + r[4:])
    wb.save(folder / "b.xlsx")
    results = _load(con, "consommations", folder, sorted(folder.iterdir()))
    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(2, 1), (2, 1)]
    assert all("mois is not a month" in next(iter(r.quarantine_reasons)) for r in results)
    loaded = con.execute(
        "SELECT _source_file, code_site, mois, quantite FROM raw.energie_consommations ORDER BY 1, 2"
    ).fetchall()
    assert loaded == [
        ("a.csv", "NV-001", "2026-01", 1250.5),
        ("a.csv", "NV-002", "2026-02", 12000.0),
        ("b.xlsx", "NV-001", "2026-01", 1250.5),
        ("b.xlsx", "NV-002", "2026-02", 12000.0),
    ]
