"""DECP XML (ingest/decp_xml.py): each official XML example gives the records of its JSON twin,
typed and normalised the same way; quarantine, errors, hostile XML and memory on a large file."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.feeds.marches import DECP
from orchestration.ingest.assets import landing_files
from orchestration.ingest.decp import DECP_TABLE, read_decp_json
from orchestration.ingest.decp_xml import read_decp_xml, xml_records
from orchestration.ingest.framework import IngestError, Quarantine, ingest_files
from orchestration.resources import SpaserResource

REPO = Path(__file__).resolve().parents[1]
V2024, V2019 = "decp/official_format/v2_2024", "decp/official_format/v1_2019"
DROP = object()

# The official XML and JSON examples are not exact twins (other ids, objets, dates, one tarif
# instead of two, ...): each XML record is compared with a JSON example record edited by exactly
# these differences, key by key. XML rank -> (JSON file, JSON array, index, edits).
_MARCHE_EDITS = {
    "id": "TEST2022",
    "objet": "envoi pour Json test",
    "modifications": DROP,
    "modificationsActesSousTraitance": DROP,
}
_ACTE_2024 = [
    {
        "acteSousTraitance": {
            "id": 1,
            "sousTraitant": {"id": "214356", "typeIdentifiant": "SIRET"},
            "dureeMois": 12,
            "dateNotification": "2024-10-11",
            "montant": 123456.89,
            "variationPrix": "Révisable",
            "datePublicationDonnees": "2024-10-12",
        }
    }
]
_EXECUTION_2024 = [
    {
        "donneesAnnuelles": {
            "datePublicationDonneesExecution": "2024-04-18",
            "depensesInvestissement": 15.3,
            "tarifs": [{"tarif": {"intituleTarif": "Intitulé du tarif", "tarif": 14.29}}],
        }
    }
]
_CONCESSION_EDITS = {"objet": "Objet de la consultation", "donneesExecution": _EXECUTION_2024}
_MODIFICATION_2024 = [
    {
        "modification": {
            "id": 1,
            "dateSignatureModification": "2024-04-19",
            "datePublicationDonneesModification": "2024-04-20",
            "dureeMois": 14,
            "valeurGlobale": 25.0,
        }
    }
]
_MODIFICATIONS_2019 = [  # the JSON example holds the first of the three only
    {
        "objetModification": "Changement de durée : allongement du marché.",
        "datePublicationDonneesModification": "2008-11-17",
        "dateNotificationModification": "2008-11-02",
        "dureeMois": 30,
    },
    {
        "objetModification": "Changement de titulaire : remplacement d'Amandier par Jullié.",
        "datePublicationDonneesModification": "2009-06-13",
        "dateNotificationModification": "2008-05-22",
        "titulaires": [
            {"typeIdentifiant": "SIRET", "id": "81223113200026", "denominationSociale": "Garami SARL"},
            {"typeIdentifiant": "SIRET", "id": "87845484200015", "denominationSociale": "Jullié SA"},
        ],
    },
]
TWINS = {
    f"{V2024}/exemple_xml_Marche.xml": {  # the same record twice (SOURCES.md)
        rank: (
            f"{V2024}/exemple_json_marches_avec_modifications.json",
            "marche",
            1,
            _MARCHE_EDITS | {"actesSousTraitance": _ACTE_2024},
        )
        for rank in (1, 2)
    },
    f"{V2024}/exemple_xml_Contrat-concession.xml": {
        rank: (f"{V2024}/exemple_json_concessions.json", "contrat-concession", 1, _CONCESSION_EDITS) for rank in (1, 2)
    },
    f"{V2024}/exemple_xml_Contrat-concession-modification.xml": {
        rank: (
            f"{V2024}/exemple_json_concessions_avec_modifications.json",
            "contrat-concession",
            1,
            _CONCESSION_EDITS | {"modifications": _MODIFICATION_2024},
        )
        for rank in (1, 2)
    },
    f"{V2019}/exemple_xml_mar-avec-modifications.xml": {
        1: (
            f"{V2019}/exemple_json_mar-avec-modifications.json",
            None,
            0,
            {"id": "2010345211203", "modifications": lambda first: first + _MODIFICATIONS_2019},
        ),
    },
    f"{V2019}/exemple_xml_paquet.xml": {  # XML has no `_type`: the element names the kind
        1: (f"{V2019}/exemple_json_paquet.json", None, 1, {"id": "20010345211200", "_type": DROP}),
        2: (f"{V2019}/exemple_json_paquet.json", None, 1, {"id": "20010345212500", "_type": DROP}),
        3: (f"{V2019}/exemple_json_paquet.json", None, 0, {"_type": DROP}),
        4: (f"{V2019}/exemple_json_paquet.json", None, 0, {"id": "2010345213500", "nature": "Marché", "_type": DROP}),
    },
}
RECORD_PATHS = {
    f"{V2024}/exemple_xml_Marche.xml": ["marches.marche"] * 2,
    f"{V2024}/exemple_xml_Contrat-concession.xml": ["marches.contrat-concession"] * 2,
    f"{V2024}/exemple_xml_Contrat-concession-modification.xml": ["marches.contrat-concession"] * 2,
    f"{V2019}/exemple_xml_mar-avec-modifications.xml": ["marche"],  # a single-record document
    f"{V2019}/exemple_xml_paquet.xml": ["marches.contrat-concession"] * 2 + ["marches.marche"] * 2,
}


def _twin(shared: Path, json_file: str, array: str | None, index: int, edits: dict) -> dict:
    doc = json.loads((shared / json_file).read_text(encoding="utf-8"))
    record = copy.deepcopy((doc["marches"][array] if array else doc["marches"])[index])
    for key, value in edits.items():
        if value is DROP:
            del record[key]
        elif callable(value):
            record[key] = value(record[key])
        else:
            record[key] = value
    return record


def _json_row(tmp_path: Path, record: dict, fmt: str, array: str | None) -> dict:
    path = tmp_path / "twin.json"
    doc = {"marches": {array: [record]}} if fmt == "2024" else {"marches": [record]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    [(_, row)] = list(read_decp_json(path))
    return row


@pytest.mark.parametrize("xml_file", list(TWINS))
def test_official_xml_example_gives_the_records_and_rows_of_its_json_twin(xml_file, shared_data, tmp_path):
    records = list(xml_records(shared_data / xml_file))
    rows = dict(read_decp_xml(shared_data / xml_file))
    assert [rank for rank, *_ in records] == list(range(1, len(TWINS[xml_file]) + 1))
    assert [record_path for _, record_path, *_ in records] == RECORD_PATHS[xml_file]
    fmt = "2024" if xml_file.startswith(V2024) else "2019"
    for rank, record_path, kind, record_fmt, record in records:
        json_file, array, index, edits = TWINS[xml_file][rank]
        twin = _twin(shared_data, json_file, array, index, edits)
        assert record_fmt == fmt
        assert record == twin, f"rank {rank}: not the JSON shape"
        xml_row, json_row = rows[rank], _json_row(tmp_path, twin, fmt, array)
        assert not isinstance(xml_row, Quarantine)
        assert xml_row["record_path"] == record_path
        # the JSON twin's path is its array: the same in 2024, `marches` in the 2019 flat array
        assert json_row["record_path"] == (record_path if fmt == "2024" else "marches")
        assert {k: v for k, v in xml_row.items() if k != "record_path"} == {
            k: v for k, v in json_row.items() if k != "record_path"
        }


def test_xsd_names_of_modifications_map_to_the_json_keys(shared_data, tmp_path):
    """The 2024 examples hold no marché modification: the first Marche.xml record with the
    modification blocks of the JSON example, written as the XSD names them."""
    text = (shared_data / V2024 / "exemple_xml_Marche.xml").read_text(encoding="utf-8")
    record = re.search(r"<marche>.*?</marche>", text, re.S).group(0)
    blocks = """
        <modifications><modification>
            <id>1</id><dureeMois>12</dureeMois><montant>123457.87</montant>
            <titulaires><titulaire><id>868768687576575</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire></titulaires>
            <dateNotificationModification>2022-10-18</dateNotificationModification>
            <datePublicationDonneesModification>2022-10-20</datePublicationDonneesModification>
        </modification></modifications>
        <modificationsActesSousTraitance><modificationActesSousTraitance>
            <id>1</id><dureeMois>12</dureeMois>
            <dateNotificationModificationSousTraitance>2022-10-20</dateNotificationModificationSousTraitance>
            <montant>23465.87</montant><datePublicationDonnees>2022-12-15</datePublicationDonnees>
        </modificationActesSousTraitance></modificationsActesSousTraitance>
    """
    path = tmp_path / "marche.xml"
    path.write_text(f"<marches>{record.replace('</marche>', blocks + '</marche>')}</marches>", encoding="utf-8")
    twin = _twin(
        shared_data,
        f"{V2024}/exemple_json_marches_avec_modifications.json",
        "marche",
        0,
        {
            "acheteur": {"id": "21750001630040"},
            "objet": "envoi pour Json test",
            "actesSousTraitance": _ACTE_2024,
        },
    )
    [(_, _, _, _, converted)] = list(xml_records(path))
    assert converted == twin
    [(_, row)] = list(read_decp_xml(path))
    assert row == _json_row(tmp_path, twin, "2024", "marche")
    assert row["modifications"][0]["titulaires_json"] == (
        '[{"titulaire":{"id":"868768687576575","typeIdentifiant":"SIRET"}}]'
    )


def _marche(inner: str = "", *, montant: str = "1200.50") -> str:
    return (
        "<marche><id>X1</id><acheteur><id>21590001200019</id></acheteur>"
        f"<dateNotification>2024-03-01</dateNotification><montant>{montant}</montant>{inner}</marche>"
    )


def _doc(*records: str, root: str = "<marches>") -> str:
    return root + "".join(records) + "</marches>"


@pytest.mark.parametrize(
    "token, expected",
    [
        ("oui", True),
        ("non", False),
        ("true", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("OUI", True),
        ("Non", False),
        (" TRUE ", True),
        ("False", False),
    ],
)
def test_xml_booleans_read_as_json_booleans(tmp_path, token, expected):
    path = tmp_path / "b.xml"
    path.write_text(
        _doc(
            _marche(f"<marcheInnovant>{token}</marcheInnovant><sousTraitanceDeclaree>{token}</sousTraitanceDeclaree>")
        ),
        encoding="utf-8",
    )
    [(_, _, _, _, record)] = list(xml_records(path))
    assert record["marcheInnovant"] is expected
    [(_, row)] = list(read_decp_xml(path))
    assert (row["marche_innovant"], row["sous_traitance_declaree"], row["parse_warnings"]) == (expected, expected, None)


def test_a_value_that_is_no_boolean_warns_as_in_json(tmp_path):
    path = tmp_path / "b.xml"
    path.write_text(_doc(_marche("<marcheInnovant>peut-être</marcheInnovant>")), encoding="utf-8")
    [(_, row)] = list(read_decp_xml(path))
    assert row["marche_innovant"] is None
    assert row["parse_warnings"] == ["marcheInnovant is not a boolean: peut-être"]


def test_non_numeric_amount_is_quarantined_as_in_json(tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    concession = (
        "<contrat-concession><id>C1</id><autoriteConcedante><id>21590001200019</id></autoriteConcedante>"
        "<dateSignature>2024-04-02</dateSignature><valeurGlobale>NC!</valeurGlobale>"
        "<considerationsSociales><considerationSociale>Clause sociale</considerationSociale>"
        "</considerationsSociales></contrat-concession>"
    )
    (root / "dirty.xml").write_text(
        _doc(
            _marche(montant="575000"),
            _marche(montant="test"),
            _marche(montant="1 000,5"),  # French text: read as the same text in JSON is
            concession,
            _marche("<dureeMois>NC</dureeMois>"),
        ),
        encoding="utf-8",
    )
    con = duckdb.connect()
    [r] = ingest_files(con, DECP_TABLE, root, [root / "dirty.xml"], DECP.read, bulk=DECP.bulk_for)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (5, 3, 2)
    quarantined = con.execute(
        "SELECT _source_row, reason, field, raw_value FROM quarantine.decp_marches ORDER BY _source_row"
    ).fetchall()
    assert [q[:3] for q in quarantined] == [
        (2, "montant is not a number", "montant"),
        (4, "valeurGlobale is not a number", "valeurGlobale"),
    ]
    assert json.loads(quarantined[0][3])["montant"] == "test"  # the record, in its JSON shape
    loaded = con.execute(
        "SELECT _source_row, montant, duree_mois, parse_warnings FROM raw.decp_marches ORDER BY _source_row"
    ).fetchall()
    assert loaded == [
        (1, 575000.0, None, None),
        (3, 1000.5, None, None),
        (5, 1200.5, None, ["dureeMois not given: NC"]),
    ]


def test_malformed_xml_names_the_file_and_line_and_loads_nothing(tmp_path):
    root = tmp_path / "landing"
    root.mkdir()
    broken = "\n".join(
        ["<marches>", _marche(), "<marche><id>X2</id>", "<objet>unclosed</objte>", "</marche>", "</marches>"]
    )
    (root / "broken.xml").write_text(broken, encoding="utf-8")
    con = duckdb.connect()
    with pytest.raises(
        IngestError, match=r"broken\.xml: malformed XML at line 4, column 24: Opening and ending tag mismatch"
    ):
        ingest_files(con, DECP_TABLE, root, [root / "broken.xml"], DECP.read)
    assert con.execute("SELECT count(*) FROM raw.decp_marches").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM meta.ingest_log").fetchone()[0] == 0


def test_records_outside_a_marches_root_are_an_error(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<decp>\n<lot>\n" + _marche() + "</lot></decp>", encoding="utf-8")
    with pytest.raises(IngestError, match=r"other\.xml: line 3: <marche> inside <lot>"):
        list(read_decp_xml(path))
    path.write_text("<decp><x/></decp>", encoding="utf-8")
    with pytest.raises(IngestError, match=r"root element <decp>; not a DECP XML file"):
        list(read_decp_xml(path))


def test_default_namespace_is_tolerated(tmp_path):
    plain, spaced = tmp_path / "plain.xml", tmp_path / "ns.xml"
    inner = (
        "<considerationsSociales><considerationSociale>Clause sociale</considerationSociale></considerationsSociales>"
    )
    plain.write_text(_doc(_marche(inner)), encoding="utf-8")
    spaced.write_text(_doc(_marche(inner), root='<marches xmlns="urn:example:decp">'), encoding="utf-8")
    assert list(read_decp_xml(spaced)) == list(read_decp_xml(plain))
    assert list(read_decp_xml(plain))[0][1]["considerations_sociales"] == ["Clause sociale"]


def test_format_is_read_from_the_record_fields(tmp_path):
    """Both XSDs share root and record elements: 2024-only fields (considerations, ...) or
    2019-only ones (names, objetModification, ...) tell them apart; a record with neither takes
    the format of the first record that has some."""
    path = tmp_path / "f.xml"
    bare = _marche()
    named = bare.replace("</id></acheteur>", "</id><nom>Ville</nom></acheteur>")
    path.write_text(f"<marches>{bare}{named}{bare}</marches>", encoding="utf-8")
    assert [fmt for *_, fmt, _ in xml_records(path)] == ["2019"] * 3
    considered = bare.replace(
        "</montant>",
        "</montant><considerationsSociales><considerationSociale>"
        "Pas de considération sociale</considerationSociale></considerationsSociales>",
    )
    path.write_text(f"<marches>{bare}{considered}</marches>", encoding="utf-8")
    rows = [row for _, row in read_decp_xml(path)]
    assert [r["format_version"] for r in rows] == ["2024", "2024"]
    assert [r["considerations_sociales"] for r in rows] == [None, ["Pas de considération sociale"]]


def _peak_rss_growth_mib(code: str) -> tuple[float, str]:
    """Peak RSS of a fresh interpreter while it runs `code`, above its RSS just before (MiB), and
    its output. Linux VmHWM: unlike ru_maxrss, a child's does not start at its parent's size."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc/self/status (Linux)")
    script = (
        textwrap.dedent("""
        import re
        from pathlib import Path
        from orchestration.ingest.decp_xml import read_decp_xml
        from orchestration.ingest.framework import IngestError

        def status(key):
            return int(re.search(key + r":\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))

        try:
            Path("/proc/self/clear_refs").write_text("5")  # peak := current, the imports left behind
        except OSError:
            pass  # then the imports' peak counts too: an upper bound
        before = status("VmRSS")
    """)
        + textwrap.dedent(code)
        + textwrap.dedent("""
        print("GROWTH_KIB", status("VmHWM") - before)
    """)
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    growth = int(re.search(r"GROWTH_KIB (-?\d+)", done.stdout).group(1))
    return growth / 1024, done.stdout


BILLION_LAUGHS = (
    """<?xml version="1.0"?>
<!DOCTYPE marches [
 <!ENTITY lol "lol">
"""
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + """]>
<marches><marche><id>&lol9;</id><acheteur><id>21590001200019</id></acheteur></marche></marches>
"""
)
XXE = """<?xml version="1.0"?>
<!DOCTYPE marches [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<marches><marche><id>&xxe;</id></marche></marches>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_doctype_and_entities_are_refused_without_expanding_them(tmp_path, text):
    path = tmp_path / "attack.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=r"attack\.xml: DOCTYPE or entity declaration refused"):
        list(read_decp_xml(path))
    growth, out = _peak_rss_growth_mib(f"""
        try:
            list(read_decp_xml(Path({str(path)!r})))
        except IngestError as exc:
            print("refused", exc)
    """)
    assert "refused" in out
    assert growth < 10, f"{growth:.1f} MiB"  # 10^9 'lol' expanded would be ~3 GB


def test_large_file_is_read_with_bounded_memory(tmp_path):
    n = 20_000
    path = tmp_path / "big.xml"
    objet = "Entretien des espaces verts et des jardins municipaux " * 25
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<marches>\n')
        for i in range(n):
            f.write(
                f"<marche><id>M{i:06d}</id><acheteur><id>21590001200019</id></acheteur><nature>Marché</nature>"
                f"<objet>{objet}</objet><dureeMois>12</dureeMois><dateNotification>2024-03-01</dateNotification>"
                f"<montant>{i}.5</montant><marcheInnovant>non</marcheInnovant>"
                "<considerationsSociales><considerationSociale>Clause sociale</considerationSociale>"
                "</considerationsSociales><titulaires><titulaire><typeIdentifiant>SIRET</typeIdentifiant>"
                "<id>55204599900869</id></titulaire></titulaires></marche>\n"
            )
        f.write("</marches>\n")
    size_mib = path.stat().st_size / 2**20
    growth, out = _peak_rss_growth_mib(f"""
        rows = 0
        for rank, row in read_decp_xml(Path({str(path)!r})):
            rows += 1
            assert rank == rows and row["montant"] == rank - 0.5
        print("ROWS", rows)
    """)
    assert f"ROWS {n}" in out
    # the instrument sees a whole tree: what the same file costs parsed at once
    whole, _ = _peak_rss_growth_mib(f"from lxml import etree; tree = etree.parse({str(path)!r})")
    print(f"file {size_mib:.1f} MiB: peak RSS growth {growth:.1f} MiB streamed, {whole:.1f} MiB as one tree")
    assert size_mib > 25 and whole > size_mib
    assert growth < size_mib / 5, f"{growth:.1f} MiB for a {size_mib:.1f} MiB file"


def test_xml_files_load_through_the_ingest_asset(spaser_home, shared_data):
    """The real entry point: the raw.decp_marches asset on a landing folder holding XML next to
    JSON; rows read = loaded + quarantined, per file, in meta.ingest_log."""
    import shutil

    from dagster import AssetKey, DagsterInstance, materialize

    from orchestration.ingest.assets import ingest_assets

    landing = spaser_home / "landing" / "decp"
    landing.mkdir(parents=True)
    expected = {  # file -> (read, loaded, quarantined)
        "exemple_xml_Marche.xml": (2, 2, 0),
        "exemple_xml_Contrat-concession.xml": (2, 2, 0),
        "exemple_xml_Contrat-concession-modification.xml": (2, 2, 0),
        "exemple_xml_mar-avec-modifications.xml": (1, 1, 0),
        "exemple_xml_paquet.xml": (4, 4, 0),
        "exemple_json_paquet.json": (2, 2, 0),
        "dirty.xml": (2, 1, 1),
    }
    for name in expected:
        for folder in (V2024, V2019):
            if (shared_data / folder / name).exists():
                shutil.copy(shared_data / folder / name, landing / name)
    (landing / "dirty.xml").write_text(_doc(_marche(), _marche(montant="abc")), encoding="utf-8")
    assert {p.name for p in landing_files(landing, tuple(DECP.readers))} == set(expected)

    [asset] = [a for a in ingest_assets if a.key == AssetKey(["raw", "decp_marches"])]
    assert materialize([asset], instance=DagsterInstance.ephemeral(), resources={"spaser": SpaserResource()}).success

    con = duckdb.connect(str(spaser_home / "warehouse" / "warehouse.duckdb"), read_only=True)
    log = con.execute("SELECT source_file, rows_read, rows_loaded, rows_quarantined FROM meta.ingest_log").fetchall()
    assert {f: (r, l, q) for f, r, l, q in log} == expected
    assert all(r == l + q for _, r, l, q in log)
    lineage = con.execute(
        """SELECT _source_row, record_path, format_version, _source_sha256 IS NOT NULL, _ingested_at IS NOT NULL
           FROM raw.decp_marches WHERE _source_file = 'exemple_xml_paquet.xml' ORDER BY _source_row"""
    ).fetchall()
    assert lineage == [
        (1, "marches.contrat-concession", "2019", True, True),
        (2, "marches.contrat-concession", "2019", True, True),
        (3, "marches.marche", "2019", True, True),
        (4, "marches.marche", "2019", True, True),
    ]
    assert con.execute("SELECT _source_file, _source_row, reason FROM quarantine.decp_marches").fetchall() == [
        ("dirty.xml", 2, "montant is not a number")
    ]
    con.close()
