"""Properties of the readers that had only hand-made hostile files (issue 12, item 10): DECP JSON
through both paths (the Python reader and the DuckDB bulk path), DECP XML, and the .xlsx readers
of the hand-filled feeds. Documents are generated from valid values, hostile values (text in
amounts, impossible dates, wrong types, nested objects, missing and extra keys or columns), then
sometimes corrupted (truncated, bytes inserted, replaced whole). Whatever the file holds, the
ingest either fails with an IngestError naming the file, loading nothing, or it accounts for
every record of the file: read = loaded + quarantined, every quarantined row with a reason, as
many rows read as the file holds records. Hypothesis, deterministic (derandomize=True)."""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from orchestration.feeds.marches import DECP
from orchestration.ingest.decp import DECP_TABLE
from orchestration.ingest.framework import FeedTable, IngestError, ingest_files

NOW = dt.datetime(2025, 1, 1)


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


# --- The ingest, and what must hold whatever the file ----------------------------------------------


def _ingest(path: Path, table: FeedTable, reader, bulk=None):
    """Ingest one file into a new in-memory warehouse: (result, con) or (IngestError, con). Any
    other exception escapes and fails the property."""
    con = duckdb.connect()
    try:
        [result] = ingest_files(con, table, path.parent, [path], reader, now=NOW, bulk=bulk)
    except IngestError as exc:
        return exc, con
    return result, con


def _check_outcome(outcome, con, path: Path, table: FeedTable) -> None:
    """A clear error naming the file that loaded nothing, or accounting that holds in the tables."""
    name = table.table
    if isinstance(outcome, IngestError):
        assert path.name in str(outcome), f"the error does not name the file: {outcome}"
        for schema in ("raw", "quarantine"):
            assert con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM meta.ingest_log").fetchone()[0] == 0
        return
    r = outcome
    assert r.rows_read == r.rows_loaded + r.rows_quarantined, r
    assert all(reason.strip() for reason in r.quarantine_reasons), r.quarantine_reasons
    assert sum(r.quarantine_reasons.values()) == r.rows_quarantined
    in_raw = con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0]
    in_quarantine, blank = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE coalesce(trim(reason), '') = '') FROM quarantine.{name}"
    ).fetchone()
    assert (in_raw, in_quarantine, blank) == (r.rows_loaded, r.rows_quarantined, 0)
    assert con.execute("SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_log").fetchall() == [
        (r.rows_read, r.rows_loaded, r.rows_quarantined)
    ]


def _rows(con, schema: str, name: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT * FROM {schema}.{name}").fetchall(), key=repr)


# --- DECP JSON -------------------------------------------------------------------------------------

# A value written as a bare JSON token (not a Python value json.dumps can write): 1e400, -0, 1E2.
RAW = "\x00raw:"


def raw(token: str) -> str:
    return RAW + token


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.sampled_from(["", " ", "NC", "abc", "\u00a0", "x y", "é\u2028\t", 'q"\\', "\ud800"]),
    st.just([]),
    st.just(["x"]),
    st.just({"a": 1}),
    st.just({"id": ["x"]}),
    TEXT,
)
# NaN or Infinity anywhere in a file (even in a string) sends it to the Python reader: rarer
NAN = st.sampled_from([float("nan"), float("inf"), "NaN", "-Infinity"])


def often(usual, rare):
    """`usual` 7 times in 8 (5 is not an end of the range: hypothesis favours those)."""
    return st.integers(0, 7).flatmap(lambda i: rare if i == 5 else usual)


# one file in three is clean (valid values only), the others have a hostile value now and then
CLEAN = st.shared(st.integers(0, 2), key="clean").map(lambda i: i == 1)


def mix(valid, *hostile):
    """A valid value, or in a file that is not clean, now and then a hostile one."""
    rare = st.one_of(*hostile, JUNK)
    return CLEAN.flatmap(lambda clean: valid if clean else often(valid, rare))


DATE = mix(
    st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(
        [
            "0222-04-29",
            "0000-01-01",
            "2024-13-01",
            "2024-02-30",
            "2024-02-01+01:00",
            "2024-02-01Z",
            " 2024-02-01 ",
            "01/02/2024",
            "2024-02-01T00:00:00",
            "20240201",
        ]
    ),
    st.dates().map(dt.date.isoformat),
)
AMOUNT = mix(
    st.one_of(st.integers(0, 10**7), st.floats(0, 1e7).map(lambda f: round(f, 2))),
    st.sampled_from([-5, 1e308, 10**30, "1 000,5", "12.5", " 7 ", "-3", "1e3", "9" * 101]),
    st.sampled_from([raw("1e400"), raw("-0"), raw("1E2"), raw("1.0e-400"), raw("-1e400")]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**20), 10**20),
    NAN,
)
INTEGER = mix(st.integers(0, 120), st.sampled_from(["12", 12.0, 12.5, -1, 2**31, 2**31 - 1, "NC", " 3 "]))
BOOLEAN = mix(st.booleans(), st.sampled_from(["oui", "non", "true", "peut-être", 1, 0, "1"]))
IDENT = mix(
    st.sampled_from(["A1", "2024-0042", "21590001200019", "M-é"]),
    st.sampled_from([" A 2 ", "215 900 012 00019", "", " ", "\u00a0x\u2003"]),
)
NAME = mix(st.sampled_from(["Ville de Lille", "Métropole", ""]), TEXT)
BUYER = mix(
    st.fixed_dictionaries({"id": IDENT}, optional={"nom": NAME}),
    st.fixed_dictionaries({}, optional={"id": IDENT, "nom": NAME, "extra": JUNK}),
)
LIEU = mix(
    st.fixed_dictionaries({}, optional={"code": st.just("75000"), "typeCode": st.just("Code postal")}),
    st.fixed_dictionaries({}, optional={"code": IDENT, "typeCode": NAME}),
)
HOLDER = st.fixed_dictionaries(
    {"id": IDENT}, optional={"typeIdentifiant": st.sampled_from(["SIRET", "TVA"]), "denominationSociale": NAME}
)
HOLDERS = mix(
    st.lists(st.builds(lambda h: {"titulaire": h}, HOLDER), max_size=2),
    st.just([{"titulaire": {"id": "1"}}, None]),
    st.lists(HOLDER, max_size=2),  # 2019: flat objects
    st.lists(st.lists(HOLDER, max_size=2), max_size=2),  # nested lists
    st.lists(st.one_of(JUNK, st.builds(lambda h: {"titulaire": h}, JUNK)), max_size=2),
)
MODIFICATION = st.fixed_dictionaries(
    {},
    optional={
        "id": INTEGER,
        "montant": AMOUNT,
        "dureeMois": INTEGER,
        "dateNotificationModification": DATE,
        "datePublicationDonneesModification": DATE,
        "titulaires": HOLDERS,
    },
)
MODIFICATIONS = mix(
    st.lists(st.builds(lambda m: {"modification": m}, MODIFICATION), max_size=2),
    st.lists(st.one_of(MODIFICATION, JUNK), max_size=2),
)


def wrapped(inner: str, values):
    """A list of values as 2024 writes it ({"technique": ["A"]}), or otherwise."""
    return mix(
        st.builds(lambda v: {inner: v}, st.lists(values, max_size=2)),
        st.builds(lambda v: {inner: v}, st.lists(st.one_of(values, JUNK), max_size=2)),
        st.builds(lambda v: {inner: v}, values),
        st.lists(values, max_size=2),
    )


def text_field(*valid: str):
    return mix(st.sampled_from(valid), TEXT)


def decp_record(kind: str, fmt: str):
    buyer, date, amount, holders = (
        ("autoriteConcedante", "dateSignature", "valeurGlobale", "concessionnaires")
        if kind == "concession"
        else ("acheteur", "dateNotification", "montant", "titulaires")
    )
    optional = {
        amount: AMOUNT,
        "datePublicationDonnees": DATE,
        "objet": text_field("Travaux de voirie", "Entretien « espaces verts »", ""),
        "nature": text_field("Marché", "Marché de partenariat"),
        "procedure": text_field("Appel d'offres ouvert", "Procédure adaptée"),
        "codeCPV": text_field("45000000-7"),
        "formePrix": text_field("Forfaitaire", "Unitaire"),
        "dureeMois": INTEGER,
        "offresRecues": INTEGER,
        "lieuExecution": LIEU,
        "marcheInnovant": BOOLEAN,
        "sousTraitanceDeclaree": BOOLEAN,
        holders: HOLDERS,
        "modifications": MODIFICATIONS,
        "extra key": JUNK,
    }
    if fmt == "2024":
        optional |= {
            "ccag": text_field("Travaux"),
            "considerationsSociales": wrapped(
                "considerationSociale", st.sampled_from(["Clause sociale", "Pas de considération sociale", " x "])
            ),
            "considerationsEnvironnementales": wrapped(
                "considerationEnvironnementale", st.sampled_from(["Critère environnemental"])
            ),
            "techniques": wrapped("technique", st.sampled_from(["Accord-cadre", "Concours"])),
            "modalitesExecution": wrapped("modaliteExecution", st.sampled_from(["Tranches"])),
            "typesPrix": wrapped("typePrix", st.sampled_from(["Définitif ferme"])),
            "source": text_field("AIFE"),
        }
    else:
        optional |= {"uid": IDENT, "_type": text_field("Marché", "Contrat de concession")}
    # the identity (id, buyer, date) is there in most records, so that they reach the later checks
    identity = {"id": IDENT, buyer: BUYER, date: DATE}
    record = often(
        st.fixed_dictionaries(identity, optional=optional),
        st.fixed_dictionaries({}, optional=identity | optional),
    )
    return mix(record, NAN)  # now and then a record that is no object


def decp_document():
    marches_2024 = st.fixed_dictionaries(
        {},
        optional={
            "marche": st.lists(decp_record("marche", "2024"), max_size=4),
            "contrat-concession": st.lists(decp_record("concession", "2024"), max_size=3),
        },
    )
    marches_2019 = st.lists(st.one_of(decp_record("marche", "2019"), decp_record("concession", "2019")), max_size=5)
    return often(st.builds(lambda m: {"marches": m}, marches_2024), st.builds(lambda m: {"marches": m}, marches_2019))


def serialise(document, ensure_ascii: bool, indent: int | None, bom: bool) -> bytes:
    text = json.dumps(document, ensure_ascii=ensure_ascii, indent=indent)
    # the bare tokens: "\u0000raw:1e400" (escaped by json.dumps) -> 1e400
    while (start := text.find('"\\u0000raw:')) != -1:
        end = text.index('"', start + 1)
        text = text[:start] + text[start + len('"\\u0000raw:') : end] + text[end + 1 :]
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")


@st.composite
def corrupted(draw, data: bytes) -> bytes:
    how = draw(st.sampled_from(["truncate", "insert", "replace", "whole"]))
    if how == "whole":
        return draw(
            st.sampled_from(
                [b"", b"[]", b"{}", b"null", b"\xef\xbb\xbf", b'{"marches": null}', b'{"marches": 1}', b"\x00" * 8]
            )
        )
    at = draw(st.integers(0, len(data)))
    if how == "truncate":
        return data[:at]
    junk = draw(st.binary(min_size=1, max_size=4))
    return data[:at] + junk + data[at + (len(junk) if how == "replace" else 0) :]


@st.composite
def decp_files(draw) -> tuple[bytes, bool]:
    """(bytes of a DECP JSON file, whether it was corrupted)."""
    data = serialise(
        draw(decp_document()),
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, None, 1])),
        bom=draw(st.booleans()) and draw(st.booleans()),
    )
    if not draw(CLEAN) and draw(st.integers(0, 5)) in (2, 3):
        return draw(corrupted(data)), True
    return data, False


def _finite(token: str) -> float:
    """A JSON number as a double; 1e400 is no double (the Python reader refuses the file)."""
    value = float(token)
    if math.isinf(value):
        raise ValueError(token)
    return value


def decp_json_records(data: bytes) -> int | None:
    """How many records the file holds when it parses as JSON (bare NaN tolerated, as the
    reader does) in a DECP layout; None otherwise."""
    try:
        document = json.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"), parse_float=_finite)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    marches = document.get("marches") if isinstance(document, dict) else None
    if isinstance(marches, list):
        return len(marches)
    if isinstance(marches, dict):
        return sum(len(v) for k, v in marches.items() if k in ("marche", "contrat-concession") and isinstance(v, list))
    return None


def _ingest_decp(data: bytes, suffix: str = ".json"):
    """Both ways: {mode: (outcome, con)}."""
    folder = Path(tempfile.mkdtemp(prefix="decp_prop_"))
    path = folder / f"fichier{suffix}"
    path.write_bytes(data)
    return path, {
        "python": _ingest(path, DECP_TABLE, DECP.read),
        "bulk": _ingest(path, DECP_TABLE, DECP.read, bulk=DECP.bulk_for),
    }


def _summary(outcome) -> tuple:
    if isinstance(outcome, IngestError):
        return ("error", str(outcome))
    return (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined, outcome.quarantine_reasons)


@_settings(100)
@given(decp_files())
# a UTF-8 byte-order mark failed the Python reader ("lexical error: invalid char"): ijson reads 0
# bytes first and the stream took that empty read for the start of the file
@example((b'\xef\xbb\xbf{"marches": {}}', False))
# bytes that are not UTF-8 (a surrogate written raw) escaped as UnicodeDecodeError
@example((b'{"marches": [{"id": null, "acheteur": null, "dateNotification": "\xed\xa0\x80"}]}', False))
# a null record: the bulk path gave DuckDB's NULL to json.loads (TypeError)
@example((b'{"marches": {"marche": [null]}}', False))
# 1e400: the Python reader refuses the file (overflow), the bulk path loaded montant = inf
@example(
    (
        b'{"marches": {"marche": [{"id": "A", "acheteur": {"id": "1"}, "dateNotification": "2024-01-01", "montant": 1e400}]}}',
        False,
    )
)
def test_decp_json_is_an_error_naming_the_file_or_every_record_accounted_for_the_same_both_ways(file):
    data, _ = file
    path, outcomes = _ingest_decp(data)
    records = decp_json_records(data)
    for outcome, con in outcomes.values():
        _check_outcome(outcome, con, path, DECP_TABLE)
        if records is not None:
            if isinstance(outcome, IngestError):
                assert "(limit " in str(outcome), f"a DECP document that parses is refused: {outcome}"
            else:
                assert outcome.rows_read == records
    (python, pcon), (bulk, bcon) = outcomes["python"], outcomes["bulk"]
    assert _summary(python) == _summary(bulk)
    if not isinstance(python, IngestError):
        for schema in ("raw", "quarantine"):
            assert _rows(pcon, schema, "decp_marches") == _rows(bcon, schema, "decp_marches"), schema
    for _, con in outcomes.values():
        con.close()
    path.unlink()
    path.parent.rmdir()
