"""The demo generator: deterministic, schema-valid DECP, French-convention CSV, known defects."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest

from orchestration.demo import catalog
from orchestration.demo.generator import CSV_COLUMNS, OUTLIER_AMOUNT, TEST_OBJET, generate_demo

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "decp"
    / "official_format"
    / "v2_2024"
    / "schema_decp_v2.0.3.json"
)
N = 300


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    landing = tmp_path_factory.mktemp("landing")
    return landing, generate_demo(landing, n_contracts=N)


def _decp(landing: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((landing / "decp").glob("*.json"))}


def _csv_rows(landing: Path) -> list[list[str]]:
    text = (landing / "procedures" / "export_procedures.csv").read_bytes().decode("cp1252")
    return list(csv.reader(text.splitlines(), delimiter=";"))


def _semester_of(iso_day: str) -> str:
    return f"{iso_day[:4]}-S{1 if int(iso_day[5:7]) <= 6 else 2}"


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(demo, tmp_path):
    landing, summary = demo
    again = generate_demo(tmp_path, n_contracts=N)
    assert again == summary
    assert _hashes(tmp_path) == _hashes(landing)
    generate_demo(tmp_path / "other", n_contracts=N, seed=7)
    assert _hashes(tmp_path / "other") != _hashes(landing)


def test_files_and_counts(demo):
    landing, summary = demo
    expected = [f"decp/decp_{s}.json" for s in ("2024-S1", "2024-S2", "2025-S1", "2025-S2", "2026-S1")]
    assert list(summary["files"]) == [*expected, "procedures/export_procedures.csv"]
    for name, data in _decp(landing).items():
        counts = summary["files"][f"decp/{name}"]
        assert len(data["marches"]["marche"]) == counts["marche"]
        assert len(data["marches"].get("contrat-concession", [])) == counts.get("contrat-concession", 0)
    assert sum(summary["counts"]["contracts_per_semester"].values()) == N
    assert summary["counts"]["modified_contracts"] > 0


def test_decp_files_validate_against_official_schema(demo):
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"official DECP schema not found at {SCHEMA} (shared data folder absent)")
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    landing, _ = demo
    for name, data in _decp(landing).items():
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, f"{name}: {errors[:5]}"


def test_records_sit_in_their_semester_and_modifications_come_later(demo):
    landing, summary = demo
    strays = []
    for name, data in _decp(landing).items():
        sem = name.removeprefix("decp_").removesuffix(".json")
        for rec in data["marches"]["marche"]:
            notified = rec["dateNotification"]
            rec_sem = _semester_of(notified)
            if "modifications" in rec:
                assert sem > rec_sem, f"{rec['id']} republished in {sem}, notified in {rec_sem}"
                mods = [m["modification"] for m in rec["modifications"]]
                assert [m["id"] for m in mods] == list(range(1, len(mods) + 1))
                assert all(
                    notified < m["dateNotificationModification"] <= m["datePublicationDonneesModification"]
                    for m in mods
                )
                assert _semester_of(max(m["datePublicationDonneesModification"] for m in mods)) == sem
            elif sem != rec_sem:
                strays.append(rec["id"])
    assert strays == [summary["defects"]["duplicate"]["id"]]  # only the duplicate defect moves


def test_csv_follows_french_conventions(demo):
    landing, summary = demo
    raw = (landing / "procedures" / "export_procedures.csv").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF everywhere
    raw.decode("cp1252")  # strict: raises if not cp1252
    rows = _csv_rows(landing)
    assert tuple(rows[0]) == CSV_COLUMNS
    body = rows[1:]
    assert len(body) == summary["files"]["procedures/export_procedures.csv"]["rows"]
    col = {name: i for i, name in enumerate(CSV_COLUMNS)}
    assert all(len(r) == len(CSV_COLUMNS) for r in body)
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r[col["date_notification"]]) for r in body)
    assert all(re.fullmatch(r"\d+,\d{2}", r[col["montant_ht"]]) for r in body)
    for name in CSV_COLUMNS[col["sourcing_realise"] :]:
        assert {r[col[name]] for r in body} <= {"Oui", "Non", ""}
    assert {r[col["section_budgetaire"]] for r in body} == {"Fonctionnement", "Investissement"}
    assert {r[col["direction"]] for r in body} <= {entry.direction for entry in catalog.CPV_CATALOG}
    assert any("é" in r[col["objet"]] for r in body)  # accents survived the cp1252 round trip
    # Responsible-digital criteria only ever "Oui" for the Numérique direction.
    assert all(
        r[col["direction"]] == catalog.NUMERIQUE for r in body if r[col["criteres_numerique_responsable"]] == "Oui"
    )


def test_csv_ids_match_decp_except_the_unpublished_one(demo):
    landing, summary = demo
    decp_keys = {
        (rec["id"], rec["acheteur"]["id"]) for data in _decp(landing).values() for rec in data["marches"]["marche"]
    }
    csv_keys = [(r[1], r[0]) for r in _csv_rows(landing)[1:]]
    assert len(csv_keys) == len(set(csv_keys))  # the duplicated contract appears once
    unpublished = (summary["csv_unpublished"]["id_marche"], summary["csv_unpublished"]["siret_acheteur"])
    assert set(csv_keys) - decp_keys == {unpublished}
    assert all(siret in catalog.ORG_BUYER_SIRETS for _, siret in csv_keys)
    # Every org contract of the DECP is in the export, test record excepted.
    test_id = summary["defects"]["test_record"]["id"]
    org_decp = {k for k in decp_keys if k[1] in catalog.ORG_BUYER_SIRETS and k[0] != test_id}
    assert org_decp <= set(csv_keys)


def test_injected_defects_are_where_the_summary_says(demo):
    landing, summary = demo
    decp = _decp(landing)
    defects = summary["defects"]

    def records(file: str, contract_id: str) -> list[dict]:
        data = decp[Path(file).name]
        return [r for r in data["marches"]["marche"] if r["id"] == contract_id]

    dup = defects["duplicate"]
    assert len(set(dup["files"])) == 2
    copies = [rec for f in dup["files"] for rec in records(f, dup["id"])]
    assert len(copies) == 2 and copies[0] == copies[1]

    test = defects["test_record"]
    (rec,) = records(test["files"][0], test["id"])
    assert rec["id"].startswith("TEST") and "Testville" in rec["objet"] and rec["objet"] == TEST_OBJET
    assert rec["acheteur"]["id"] in catalog.ORG_BUYER_SIRETS

    outlier = defects["amount_outlier"]
    (rec,) = records(outlier["files"][0], outlier["id"])
    assert rec["montant"] == OUTLIER_AMOUNT == 1.0e17
    csv_amounts = {r[1]: r[6] for r in _csv_rows(landing)[1:]}
    assert float(csv_amounts[outlier["id"]].replace(",", ".")) == outlier["plausible_montant_in_csv"] < 1e9

    foreign = defects["foreign_buyer"]
    (rec,) = records(foreign["files"][0], foreign["id"])
    assert rec["acheteur"]["id"] == catalog.FOREIGN_BUYER_SIRET not in catalog.ORG_BUYER_SIRETS
    assert foreign["id"] not in csv_amounts


def test_siret_check_digits(demo):
    assert catalog.siret_is_valid("73282932000074")
    assert not catalog.siret_is_valid("73282932000075")
    assert not catalog.siret_is_valid("7328293200007")
    assert not catalog.siret_is_valid("7328293200007A")
    assert all(catalog.siret_is_valid(s) for s in catalog.ORG_BUYER_SIRETS)
    assert catalog.siret_is_valid(catalog.FOREIGN_BUYER_SIRET)
    assert catalog.ORG_MAIN_SIRET.startswith("22")  # SIREN of a département

    landing, _ = demo
    buyers, holders = set(), set()
    for data in _decp(landing).values():
        for rec in data["marches"]["marche"]:
            buyers.add(rec["acheteur"]["id"])
            for t in rec["titulaires"]:
                holders.add((t["titulaire"]["typeIdentifiant"], t["titulaire"]["id"]))
    assert all(catalog.siret_is_valid(b) for b in buyers)
    sirets = [i for kind, i in holders if kind == "SIRET"]
    assert sirets and all(catalog.siret_is_valid(s) for s in sirets)
    assert {kind for kind, _ in holders} <= {"SIRET", "TVA"}


def test_national_mode_spreads_contracts_over_extra_buyers(tmp_path):
    summary = generate_demo(tmp_path, n_contracts=400, n_buyers=50)
    buyers = {
        rec["acheteur"]["id"]
        for p in (tmp_path / "decp").glob("*.json")
        for rec in json.loads(p.read_text(encoding="utf-8"))["marches"]["marche"]
    }
    extra = buyers - set(catalog.ORG_BUYER_SIRETS) - {catalog.FOREIGN_BUYER_SIRET}
    assert len(extra) > 20 and all(catalog.siret_is_valid(b) for b in extra)
    assert 0 < summary["counts"]["org_contracts_in_csv"] < 400


def test_a_demo_workbook_is_the_same_bytes_whenever_it_is_written(tmp_path, monkeypatch):
    """openpyxl stamps the save time into the zip members and the document properties: the
    demo's .xlsx files (and the input hashes of its releases) changed from one run to the next."""
    import time

    import openpyxl

    from orchestration.demo import save_workbook

    def workbook():
        wb = openpyxl.Workbook()
        wb.active.append(["code_site", "kwh"])
        wb.active.append(["S1", 12.5])
        return wb

    save_workbook(workbook(), tmp_path / "now.xlsx")
    tomorrow = time.time() + 86_400 + 7
    monkeypatch.setattr(time, "time", lambda: tomorrow)
    save_workbook(workbook(), tmp_path / "tomorrow.xlsx")
    assert (tmp_path / "now.xlsx").read_bytes() == (tmp_path / "tomorrow.xlsx").read_bytes()
    assert [r for r in openpyxl.load_workbook(tmp_path / "now.xlsx").active.values] == [
        ("code_site", "kwh"),
        ("S1", 12.5),
    ]
