"""Waste feed: the real Trackdéchets / RNDTS formats and reference lists of ../shared/data/waste,
the seeds derived from them, the demo files and the row accounting.

The shared folder holds reference data only (code lists, column dictionaries, header templates),
no registry lines: the real header files are loaded as they are (counts 0/0/0, or refused with
the registry they belong to), and lines are written under the real headers to check the mapping.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from orchestration.feeds.dechets import FEED, GRANULATS, REEMPLOI, REGISTRE
from orchestration.ingest.dechets import (
    _REGISTRE_FIELDS,
    FORMAT_EXPORT,
    FORMAT_RNDTS,
    GRANULATS_TABLE,
    REEMPLOI_TABLE,
    REGISTRE_TABLE,
    read_granulats,
    read_reemploi,
    read_registre,
)
from orchestration.ingest.framework import IngestError, ingest_files

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
INTERMEDIATE = {"R12", "R13", "D9", "D13", "D14", "D15"}


@pytest.fixture
def waste(shared_data) -> Path:
    return shared_data / "waste" / "trackdechets"


def _seed(name: str) -> list[dict]:
    """A reference seed, or a file of the demo organisation's configuration."""
    from orchestration.configuration import DEMO_CONFIG_DIR

    folder = DEMO_CONFIG_DIR if (DEMO_CONFIG_DIR / name).exists() else SEEDS
    with (folder / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- Reference lists: the seeds agree with the real lists ---------------------------------------


def test_waste_code_seed_is_the_european_list_of_waste(waste):
    real = [r for r in _read(waste / "european_waste_codes.csv") if r["level"] == "rubrique"]
    seed = _seed("dechets_codes_europeens.csv")
    assert len(real) == len(seed) == 842
    assert {r["code"]: r["is_dangerous"] for r in real} == {r["code_dechet"]: r["dangereux"] for r in seed}
    assert sum(r["dangereux"] == "true" for r in seed) == 408
    # hazardous <=> marked with '*': the rule the staging falls back on
    assert all((r["dangereux"] == "true") == r["code_dechet"].endswith("*") for r in seed)


def test_operation_seed_final_and_intermediate_codes_match_trackdechets(waste):
    real = {r["code_compact"]: r for r in _read(waste / "processing_operation_codes.csv")}
    seed = {r["code_operation"]: r for r in _seed("dechets_operations.csv")}
    assert len(real) == len(seed) == 29
    assert set(real) == set(seed)
    for code, r in real.items():
        assert seed[code]["est_finale"] == r["is_final_operation"], code
        assert seed[code]["admis_en_france"] == r["accepted_by_trackdechets"], code
        assert seed[code]["modes_admis"] == r["allowed_operation_modes"], code
    assert {c for c, r in seed.items() if r["est_finale"] == "false"} == INTERMEDIATE
    # every final code has a SPASER class, intermediate codes none
    assert all(bool(r["classe_defaut"]) == (r["est_finale"] == "true") for r in seed.values())
    assert seed["R0"]["classe_defaut"] == "reemploi" and seed["R1"]["classe_defaut"] == "valorisation"
    assert seed["D10"]["classe_defaut"] == "elimination" and seed["R5"]["classe_defaut"] == "recyclage"


def test_treatment_mode_seed_covers_the_registry_modes(waste):
    real = [r["operation_mode"] for r in _read(waste / "operation_modes.csv")]
    seed = {r["mode_traitement"]: r["classe"] for r in _seed("dechets_modes_traitement.csv")}
    assert sorted(real) == sorted(seed) and len(real) == 5
    assert seed["REUTILISATION"] == "reemploi" and seed["ELIMINATION"] == "elimination"


def test_weight_threshold_is_the_national_registry_rule(waste):
    rule = next(
        r
        for r in _read(waste / "registre_national_import_formats" / "registry_field_rules.csv")
        if r["field_key"] == "weightValue"
    )
    assert "<=10000" in rule["rule"].replace(" ", "") and "TONNES" in rule["allowed_values_or_format"]
    params = {r["parameter"]: r["value"] for r in _seed("spaser_parametres.csv")}
    assert float(params["dechets_poids_max_t"]) == 10000


# --- Real header templates ---------------------------------------------------------------------


def test_contract_columns_exist_in_the_real_headers(waste):
    export = [
        r["column_header_fr"]
        for r in _read(waste / "trackdechets_registry_export_columns.csv")
        if r["export_registry_type"] == "OUTGOING"
    ]
    assert len(export) == 165
    rndts_file = waste / "registre_national_import_formats" / "registre_dechets_sortants_header.csv"
    rndts = rndts_file.read_text(encoding="utf-8").strip().split(";")
    assert len(rndts) == 100
    norm = lambda h: " ".join(h.split()).lower()  # noqa: E731
    for name, _, export_header, rndts_header, *_ in _REGISTRE_FIELDS:
        if export_header:
            assert norm(export_header) in {norm(h) for h in export}, (name, export_header)
        if rndts_header:
            assert norm(rndts_header) in {norm(h) for h in rndts}, (name, rndts_header)


def test_real_rndts_outgoing_template_loads_with_no_row(waste, con):
    root = waste / "registre_national_import_formats"
    [r] = ingest_files(con, REGISTRE_TABLE, root, [root / "registre_dechets_sortants_header.csv"], REGISTRE.read)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (0, 0, 0)


@pytest.mark.parametrize(
    ("template", "registry"),
    [
        ("registre_dechets_entrants_header.csv", "déchets entrants"),
        ("registre_dechets_geres_header.csv", "déchets gérés"),
        ("registre_dechets_transportes_header.csv", "déchets transportés"),
        ("registre_sortie_statut_dechet_header.csv", "sortie du statut de déchet"),
        ("registre_texs_entrants_header.csv", "(TEXS) entrants"),
        ("registre_texs_sortants_header.csv", "(TEXS) sortants"),
    ],
)
def test_other_real_registries_are_refused_naming_the_registry(waste, template, registry):
    with pytest.raises(
        IngestError, match=r"line 1: this looks like the registre .*" + registry.replace("(", r"\(").replace(")", r"\)")
    ):
        list(read_registre(waste / "registre_national_import_formats" / template))


def _export_header(waste) -> list[str]:
    return [
        r["column_header_fr"]
        for r in _read(waste / "trackdechets_registry_export_columns.csv")
        if r["export_registry_type"] == "OUTGOING"
    ]


def _export_lines(header: list[str]) -> list[list[str]]:
    def line(**values) -> list[str]:
        return [values.get(h, "") for h in header]

    common = {"SIRET du déclarant": "22590099200010", "Expéditeur - N° d'identification": "22590099200424"}
    return [
        line(
            **common,
            **{
                "identifiant unique": "L1",
                "Date d'expédition": "2026-02-03T09:15:00.000Z",
                "Code déchet": "20 01 01",
                "Dangereux": "N",
                "Émetteur - Quantité de déchet": "0.845",
                "Code opération prévu": "R3",
                "Mode opération prévu": "RECYCLAGE",
            },
        ),
        # a hazardous lamp lot grouped (R13), then recycled (R4) at the final destination
        line(
            **common,
            **{
                "identifiant unique": "L2",
                "N° de bordereau": "BSDD-1",
                "Statut du bordereau": "PROCESSED",
                "Date d'expédition": "2026-03-10",
                "Code déchet": "20 01 21*",
                "Dangereux": "O",
                "Émetteur - Quantité de déchet": "0,030",
                "Code opération prévu": "R 13",
                "Code(s) de traitement réalisé(s)": "R 13",
                "Destination finale - Code(s) de traitement final réalisé(s)": "R 4",
                "Quantité finale (tonnes)": "0.029",
            },
        ),
        # a weight that is not a number: quarantine, the other lines load
        line(
            **common,
            **{
                "identifiant unique": "L3",
                "Date d'expédition": "2026-03-11",
                "Code déchet": "20 03 01",
                "Émetteur - Quantité de déchet": "1,2 t",
                "Code opération prévu": "R1",
            },
        ),
        # a date that does not exist: quarantine
        line(
            **common,
            **{
                "identifiant unique": "L4",
                "Date d'expédition": "2026-02-30",
                "Code déchet": "20 03 01",
                "Émetteur - Quantité de déchet": "1.5",
                "Code opération prévu": "D5",
            },
        ),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_lines_under_the_real_trackdechets_export_header_load(waste, con, tmp_path, suffix):
    header = _export_header(waste)
    lines = _export_lines(header)
    path = tmp_path / "landing" / f"export_registre{suffix}"
    path.parent.mkdir(parents=True)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:  # UTF-8 without BOM, as exported
            csv.writer(f, delimiter=";").writerows([header, *lines])
    else:
        import openpyxl

        wb = openpyxl.Workbook()
        for row in [header, *lines]:
            wb.active.append(row)
        wb.save(path)
    [r] = ingest_files(con, REGISTRE_TABLE, path.parent, [path], REGISTRE.read)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 2, 2)
    assert r.quarantine_reasons == {
        "Émetteur - Quantité de déchet is not a valid decimal: '1,2 t'": 1,
        "Date d'expédition is not a valid date: '2026-02-30'": 1,
    }
    rows = con.execute(
        """SELECT format_registre, identifiant, date_expedition, code_dechet, dangereux, poids_t,
                  code_operation_prevu, codes_operation_finale
           FROM raw.dechets_registre ORDER BY identifiant"""
    ).fetchall()
    assert rows == [
        (FORMAT_EXPORT, "L1", dt.date(2026, 2, 3), "20 01 01", False, 0.845, "R3", None),
        (FORMAT_EXPORT, "L2", dt.date(2026, 3, 10), "20 01 21*", True, 0.03, "R 13", "R 4"),
    ]


def test_rndts_file_in_cp1252_with_oui_non_and_motif(con, tmp_path):
    header = [
        "Motif",
        "Identifiant unique",
        "SIRET de l'expéditeur ou du détenteur",
        "Dénomination du déchet",
        "Code déchet",
        "Dangereux",
        "Date d'expédition",
        "Poids en tonnes",
        "Type de poids",
        "Code de traitement prévu",
        "Mode de traitement prévu",
    ]
    path = tmp_path / "landing" / "registre.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        w.writerow(
            [
                "",
                "A1",
                "22590099200010",
                "Déchets verts",
                "20 02 01",
                "NON",
                "03/02/2026",
                "9,5",
                "ESTIME",
                "R3",
                "RECYCLAGE",
            ]
        )
        w.writerow(
            [
                "ANNULER",
                "A1",
                "22590099200010",
                "Déchets verts",
                "20 02 01",
                "NON",
                "03/02/2026",
                "9,5",
                "ESTIME",
                "R3",
                "RECYCLAGE",
            ]
        )
    [r] = ingest_files(con, REGISTRE_TABLE, path.parent, [path], REGISTRE.read)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)
    assert con.execute("SELECT DISTINCT format_registre, dangereux, poids_t FROM raw.dechets_registre").fetchall() == [
        (FORMAT_RNDTS, False, 9.5)
    ]


def test_missing_required_column_fails_the_file(tmp_path):
    path = tmp_path / "registre.csv"
    path.write_text(
        "Motif;Identifiant unique;Dénomination du déchet;Code déchet;Poids en tonnes;"
        "Date d'expédition;Code de traitement prévu\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match="missing required column 'SIRET de l'expéditeur ou du détenteur'"):
        list(read_registre(path))


# --- Demo files -----------------------------------------------------------------------------------

# raw table -> file -> (rows read, loaded, quarantined): measured on the demo (seed 20240101)
DEMO_EXPECTED = {
    "dechets_registre": {
        "export_registre_sortant_2023_2024.csv": (1740, 1739, 1),  # weight '2,5 t'
        "export_registre_sortant_2026-S1.csv": (435, 435, 0),
        "registre_dechets_sortants_2025.xlsx": (873, 873, 0),  # incl. one MODIFIER and one ANNULER line
    },
    "dechets_granulats": {"chantiers_granulats.csv": (82, 81, 1)},  # date 31/06/2025
    "dechets_reemploi": {"ventes_et_achats_reemploi.xlsx": (63, 63, 0)},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    landing = tmp_path_factory.mktemp("demo") / "landing"
    summary = FEED.write_demo(landing, seed=20240101, n_contracts=600)
    return landing, summary


def test_demo_is_deterministic(demo, tmp_path):
    landing, summary = demo
    again = FEED.write_demo(tmp_path / "landing", seed=20240101, n_contracts=600)
    assert again == summary
    for rel in summary["files"]:
        if rel.endswith(".csv"):
            assert (tmp_path / "landing" / "dechets" / rel).read_bytes() == (landing / "dechets" / rel).read_bytes()


def test_demo_files_load_with_their_counts_and_quarantines(demo, con):
    landing, summary = demo
    measured = {}
    for source in FEED.sources:
        root = landing / source.folder
        results = ingest_files(con, source.table, root, sorted(root.iterdir()), source.read)
        measured[source.table.table] = {r.file: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results}
        for r in results:
            assert r.rows_read == r.rows_loaded + r.rows_quarantined > 0
            assert r.rows_quarantined / r.rows_read < 0.05  # under the ingest_log spike gate
    assert measured == DEMO_EXPECTED
    reasons = con.execute(
        """SELECT reason FROM quarantine.dechets_registre UNION ALL
           SELECT reason FROM quarantine.dechets_granulats ORDER BY 1"""
    ).fetchall()
    assert reasons == [
        ("date_fin is not a valid date: '31/06/2025'",),
        ("Émetteur - Quantité de déchet is not a valid decimal: '2,5 t'",),
    ]
    # the defects that are flagged rather than quarantined are in the raw tables
    defects = summary["defects"]
    assert con.execute(
        "SELECT poids_t FROM raw.dechets_registre WHERE identifiant = ?", [defects["poids_en_kg"]["identifiant"]]
    ).fetchall() == [(12500.0,)]
    assert con.execute("SELECT count(*) FROM raw.dechets_registre WHERE motif = 'ANNULER'").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM raw.dechets_registre WHERE statut = 'CANCELED'").fetchall() == [(1,)]


def test_granulats_and_reemploi_accept_csv_and_excel(con, tmp_path):
    import openpyxl

    root = tmp_path / "landing"
    root.mkdir()
    (root / "reemploi.csv").write_bytes(
        (
            "\ufeffreference;type_operation;date_operation;objet;montant_eur;prix_neuf_estime_eur\r\n"
            "E1;Vente aux enchères;03/02/2026;Véhicule;4 500,00;\r\n"
            "A1;achat_seconde_main;04/02/2026;Chaises;1 200,00;3 000,00\r\n"
        ).encode("utf-8")
    )
    [r] = ingest_files(con, REEMPLOI_TABLE, root, [root / "reemploi.csv"], read_reemploi)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)
    wb = openpyxl.Workbook()
    wb.active.append(["chantier_id", "date_fin", "type_materiau", "tonnage_total_t", "tonnage_recycle_ou_reemploye_t"])
    wb.active.append(["CH1", dt.datetime(2026, 5, 12), "graves recyclées", 1200.5, 800])
    wb.save(root / "granulats.xlsx")
    [r] = ingest_files(con, GRANULATS_TABLE, root, [root / "granulats.xlsx"], read_granulats)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (1, 1, 0)
    assert con.execute("SELECT date_fin, tonnage_recycle_ou_reemploye_t FROM raw.dechets_granulats").fetchall() == [
        (dt.date(2026, 5, 12), 800.0)
    ]


def test_feed_is_registered_with_its_suites():
    from orchestration.feeds import all_feeds

    assert "dechets" in [f.name for f in all_feeds()]
    for source in (REGISTRE, GRANULATS, REEMPLOI):
        assert (ROOT / "expectations" / "gx" / "expectations" / f"{source.suite}.json").exists()
    flux = {r["feed"]: r["required"] for r in _seed("organisation_flux.csv")}
    assert flux["dechets/registre"] == "true"
