"""DECP 2024 JSON through DuckDB: the fast path for national-size files.

The Python reader (decp.py) normalises each record in Python, about 3 000 records/s: 1.5 million
contracts would take ten minutes. This module loads the same rows with DuckDB instead:

1. *Locate* the inner arrays (`marches.marche`, `marches.contrat-concession`) by their bytes: the
   document must start with `{"marches":{"<array>":[` and end with `]}}`; when both arrays are
   present the separator `],"<other array>":[` is found by a streaming byte search. Nothing is
   parsed in Python.
2. *Copy* each array's bytes (a streaming copy, bounded memory) into a temporary file and read it
   with `read_json(format='array', columns={...})`, every top-level key typed JSON: DuckDB parses
   it (and rejects it if the located range was not exactly one JSON array).
3. *Normalise in SQL* the records of the regular shape (every field of the type and shape the
   2024 schema gives it), exactly as `decp.normalise_record` would: same values, same warnings.
   Every other record (a field of an unexpected type or shape, text with surrounding blanks, a
   record to quarantine, ...) is handed, with its JSON text, to `decp.normalise_record` itself:
   the rules (quarantine reasons, the raw value kept, warnings) have one implementation.

Whatever this path cannot do returns None before anything is written, and the file goes through
the Python reader: other layouts, bare NaN/Infinity tokens, a file DuckDB cannot parse, the 2019
format. `tests/test_decp_bulk.py` checks that both paths give the same rows.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .framework import BulkReader, Quarantine

ARRAYS = {"marche": ("marches.marche", "marche"), "contrat-concession": ("marches.contrat-concession", "concession")}
_KEYS = "|".join(re.escape(k) for k in ARRAYS)
_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"marches"\s*:\s*\{\s*"(' + _KEYS.encode() + rb')"\s*:\s*(\[)')
_TAIL = re.compile(rb"(\])\s*\}\s*\}\s*\Z")
CHUNK = 1 << 23
HEAD_BYTES = 1 << 12

_INT = r"-?(?:0|[1-9][0-9]*)"
_NUM = _INT + r"(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
# Python's str.strip() whitespace: a text with any of these at either end goes to the Python path.
_BLANK = (r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
          r"\x{202f}\x{205f}\x{3000}]")

_MACROS = rf"""
-- Scalars are read as JSON text (CAST to VARCHAR is free): typed by their first character,
-- never re-parsed; strings are unescaped only when they hold a backslash.
CREATE OR REPLACE TEMP MACRO _d_t(v) AS (CAST(v AS VARCHAR));
CREATE OR REPLACE TEMP MACRO _d_absent(v) AS (v IS NULL OR _d_t(v) = 'null');
CREATE OR REPLACE TEMP MACRO _d_is_str(v) AS (starts_with(_d_t(v), '"'));
CREATE OR REPLACE TEMP MACRO _d_str(v) AS (CASE WHEN NOT _d_is_str(v) THEN NULL
    WHEN contains(_d_t(v), '\') THEN v->>'$' ELSE substr(_d_t(v), 2, length(_d_t(v)) - 2) END);
CREATE OR REPLACE TEMP MACRO _d_clean(s) AS (NOT regexp_matches(s, '^{_BLANK}|{_BLANK}$'));
CREATE OR REPLACE TEMP MACRO _d_txt_ok(v) AS (_d_absent(v) OR (_d_is_str(v) AND _d_clean(_d_str(v))));
CREATE OR REPLACE TEMP MACRO _d_txt(v) AS (nullif(_d_str(v), ''));
CREATE OR REPLACE TEMP MACRO _d_id_ok(v) AS (_d_is_str(v) AND _d_str(v) <> '' AND _d_clean(_d_str(v)));
CREATE OR REPLACE TEMP MACRO _d_strict_date(s) AS (CASE
    WHEN regexp_full_match(s, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(Z|[+-][0-9]{{2}}:?[0-9]{{2}})?')
         AND substr(s, 1, 4) <> '0000'
    THEN try_cast(substr(s, 1, 10) AS DATE) END);
CREATE OR REPLACE TEMP MACRO _d_date(v) AS (_d_strict_date(_d_str(v)));
CREATE OR REPLACE TEMP MACRO _d_date_ok(v) AS (_d_absent(v) OR _d_date(v) IS NOT NULL);
CREATE OR REPLACE TEMP MACRO _d_is_num(v) AS (regexp_full_match(_d_t(v), '{_NUM}'));
CREATE OR REPLACE TEMP MACRO _d_num_ok(v) AS (_d_absent(v) OR _d_is_num(v));
CREATE OR REPLACE TEMP MACRO _d_num(v) AS (CASE WHEN _d_is_num(v) THEN try_cast(_d_t(v) AS DOUBLE) END);
CREATE OR REPLACE TEMP MACRO _d_is_int(v) AS (regexp_full_match(_d_t(v), '{_INT}') AND length(_d_t(v)) <= 12
    AND abs(try_cast(_d_t(v) AS BIGINT)) <= 2147483647);
CREATE OR REPLACE TEMP MACRO _d_int_ok(v) AS (_d_absent(v) OR _d_is_int(v));
CREATE OR REPLACE TEMP MACRO _d_int(v) AS (CASE WHEN _d_is_int(v) THEN try_cast(_d_t(v) AS INTEGER) END);
CREATE OR REPLACE TEMP MACRO _d_bool_ok(v) AS (_d_absent(v) OR _d_t(v) IN ('true', 'false'));
CREATE OR REPLACE TEMP MACRO _d_bool(v) AS (CASE _d_t(v) WHEN 'true' THEN true WHEN 'false' THEN false END);
CREATE OR REPLACE TEMP MACRO _d_all(l) AS (coalesce(list_bool_and(list_transform(l, lambda x: coalesce(x, false))), true));
CREATE OR REPLACE TEMP MACRO _d_nonempty(l) AS (CASE WHEN len(l) > 0 THEN l END);
CREATE OR REPLACE TEMP MACRO _d_shape(v, pattern) AS (v IS NULL OR regexp_full_match(CAST(v AS VARCHAR), pattern, 's'));
CREATE OR REPLACE TEMP MACRO _d_clean_items(l) AS (_d_all(list_transform(l, lambda x: x IS NULL OR _d_clean(x))));
CREATE OR REPLACE TEMP MACRO _d_strings(l) AS (_d_nonempty(list_filter(l, lambda x: x <> '')));
"""

_TEXT_FIELDS = {  # raw column -> JSON key (decp.normalise_record)
    "uid": "uid", "source": "source", "nature": "nature", "objet": "objet", "code_cpv": "codeCPV",
    "procedure": "procedure", "forme_prix": "formePrix", "ccag": "ccag",
    "type_groupement_operateurs": "typeGroupementOperateurs", "id_accord_cadre": "idAccordCadre",
}
_LISTS = {  # raw column -> (JSON key, inner key)
    "techniques": ("techniques", "technique"),
    "modalites_execution": ("modalitesExecution", "modaliteExecution"),
    "considerations_sociales": ("considerationsSociales", "considerationSociale"),
    "considerations_environnementales": ("considerationsEnvironnementales", "considerationEnvironnementale"),
}


def _kind_keys(kind: str) -> dict[str, str]:
    if kind == "concession":
        return {"buyer": "autoriteConcedante", "date": "dateSignature", "amount": "valeurGlobale",
                "holders": "concessionnaires"}
    return {"buyer": "acheteur", "date": "dateNotification", "amount": "montant", "holders": "titulaires"}


def _json_columns(kind: str) -> dict[str, str]:
    k = _kind_keys(kind)
    keys = ["id", *_TEXT_FIELDS.values(), k["buyer"], k["date"], k["amount"], k["holders"],
            "datePublicationDonnees", "dureeMois", "offresRecues", "lieuExecution", "marcheInnovant",
            "sousTraitanceDeclaree", "typesPrix", "typePrix", "modifications",
            *(key for key, _ in _LISTS.values())]
    return {key: "JSON" for key in dict.fromkeys(keys)}


def _q(key: str) -> str:
    return '"' + key.replace('"', '""') + '"'


# Shapes of the containers, checked on their JSON text (one linear regex pass, no parsing):
# only the keys decp.normalise_record reads, strings or null at the leaves.
_WS = r"\s*"
_STR = r'"(?:[^"\\]|\\.)*"'


def _object(pairs: str) -> str:
    return rf"\{{{_WS}(?:(?:{pairs})(?:{_WS},{_WS}(?:{pairs}))*)?{_WS}\}}"


def _array(item: str) -> str:
    return rf"\[{_WS}(?:(?:{item})(?:{_WS},{_WS}(?:{item}))*)?{_WS}\]"


def _keys(names, value: str) -> str:
    return '"(?:' + "|".join(re.escape(n) for n in names) + rf')"{_WS}:{_WS}(?:{value})'


_TEXT_OBJECT = {"buyer": ("id", "nom"), "lieu": ("code", "typeCode")}
_HOLDER_KEYS = ("typeIdentifiant", "id", "denominationSociale")
_HOLDER = _object(_keys(("titulaire", "concessionnaire"), _object(_keys(_HOLDER_KEYS, f"{_STR}|null"))))
_MODIFICATION = _object(_keys(("modification",), _object("|".join([
    _keys(("id", "dureeMois"), f"{_INT}|null"),
    _keys(("montant",), f"{_NUM}|null"),
    _keys(("dateNotificationModification", "datePublicationDonneesModification"), f"{_STR}|null"),
]))))
SHAPES = {
    "buyer": rf"{_WS}{_object(_keys(_TEXT_OBJECT['buyer'], f'{_STR}|null'))}{_WS}",
    "lieu": rf"{_WS}(?:null|{_object(_keys(_TEXT_OBJECT['lieu'], f'{_STR}|null'))}){_WS}",
    "holders": rf"{_WS}(?:null|{_array(_HOLDER)}){_WS}",
    "modifications": rf"{_WS}(?:null|{_array(_MODIFICATION)}){_WS}",
}


def _wlist_shape(inner: str) -> str:
    return rf"{_WS}(?:null|{_object(_keys((inner,), 'null|' + _array(f'{_STR}|null')))}){_WS}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_HOLDER_TYPE = "{" + ", ".join(f'"{k}": "VARCHAR"' for k in _HOLDER_KEYS) + "}"
_HOLDERS_TYPE = f'[{{"titulaire": {_HOLDER_TYPE}, "concessionnaire": {_HOLDER_TYPE}}}]'
_MODS_TYPE = ('[{"modification": {"id": "HUGEINT", "dureeMois": "HUGEINT", "montant": "DOUBLE", '
              '"dateNotificationModification": "VARCHAR", "datePublicationDonneesModification": "VARCHAR"}}]')


def _wlist_values(key: str, inner: str) -> str:
    return f"from_json({_q(key)}, {_lit(json.dumps({inner: ['VARCHAR']}))}).{_q(inner)}"


def _regular_sql(kind: str) -> str:
    """True when SQL normalises the record exactly as decp.normalise_record would."""
    k = _kind_keys(kind)
    buyer, date, amount, holders = _q(k["buyer"]), _q(k["date"]), _q(k["amount"]), _q(k["holders"])
    node = "coalesce(e.titulaire, e.concessionnaire)"
    mod = "e.modification"
    int_range = "({v} IS NULL OR abs({v}) <= 2147483647)"
    parts = [
        "_d_id_ok(id)",
        f"_d_shape({buyer}, {_lit(SHAPES['buyer'])})",
        f"_d_id_ok(json_extract({buyer}, '$.id')) AND _d_txt_ok(json_extract({buyer}, '$.nom'))",
        f"_d_date({date}) IS NOT NULL",
        f"_d_num_ok({amount})",
        "_d_date_ok(datePublicationDonnees)",
        "_d_int_ok(dureeMois)", "_d_int_ok(offresRecues)",
        "_d_bool_ok(marcheInnovant)", "_d_bool_ok(sousTraitanceDeclaree)",
        f"_d_shape(lieuExecution, {_lit(SHAPES['lieu'])})",
        "_d_txt_ok(lieuExecution->'$.code') AND _d_txt_ok(lieuExecution->'$.typeCode')",
        *(f"_d_txt_ok({_q(key)})" for key in _TEXT_FIELDS.values()),
        *(f"_d_shape({_q(key)}, {_lit(_wlist_shape(inner))}) AND _d_clean_items({_wlist_values(key, inner)})"
          for key, inner in [*_LISTS.values(), ("typesPrix", "typePrix"), ("typePrix", "typePrix")]),
        f"_d_shape({holders}, {_lit(SHAPES['holders'])})",
        f"_d_all(list_transform(from_json({holders}, {_lit(_HOLDERS_TYPE)}), lambda e: e IS NULL OR ("
        f"{node} IS NOT NULL AND {node}.id <> '' AND _d_clean({node}.id) "
        f"AND ({node}.typeIdentifiant IS NULL OR _d_clean({node}.typeIdentifiant)) "
        f"AND ({node}.denominationSociale IS NULL OR _d_clean({node}.denominationSociale)))))",
        f"_d_shape(modifications, {_lit(SHAPES['modifications'])})",
        f"_d_all(list_transform(from_json(modifications, {_lit(_MODS_TYPE)}), lambda e: "
        f"{mod} IS NOT NULL AND {int_range.format(v=mod + '.id')} AND {int_range.format(v=mod + '.dureeMois')} "
        f"AND ({mod}.dateNotificationModification IS NULL "
        f"OR _d_strict_date({mod}.dateNotificationModification) IS NOT NULL) "
        f"AND ({mod}.datePublicationDonneesModification IS NULL "
        f"OR _d_strict_date({mod}.datePublicationDonneesModification) IS NOT NULL)))",
    ]
    return "(" + "\n AND ".join(f"coalesce({p}, false)" for p in parts) + ")"


def _values_sql(kind: str, record_path: str, columns: list[tuple[str, str]]) -> str:
    """The raw row of a regular record, in the order of DECP_TABLE.columns."""
    k = _kind_keys(kind)
    buyer, amount = _q(k["buyer"]), _q(k["amount"])
    node = "coalesce(e.titulaire, e.concessionnaire)"
    mod = "e.modification"
    exprs = {
        "format_version": "'2024'",
        "record_path": f"'{record_path}'",
        "contract_kind": f"'{kind}'",
        "id": "id->>'$'",
        "acheteur_id": f"{buyer}->>'$.id'",
        "acheteur_nom": f"_d_txt({buyer}->'$.nom')",
        "date_notification": f"_d_date({_q(k['date'])})",
        "date_publication_donnees": "_d_date(datePublicationDonnees)",
        "montant": f"_d_num({amount})",
        "duree_mois": "_d_int(dureeMois)",
        "offres_recues": "_d_int(offresRecues)",
        "lieu_execution_code": "_d_txt(lieuExecution->'$.code')",
        "lieu_execution_type_code": "_d_txt(lieuExecution->'$.typeCode')",
        "marche_innovant": "_d_bool(marcheInnovant)",
        "sous_traitance_declaree": "_d_bool(sousTraitanceDeclaree)",
        "types_prix": f"coalesce(_d_strings({_wlist_values('typesPrix', 'typePrix')}), "
                      f"_d_strings({_wlist_values('typePrix', 'typePrix')}))",
        "titulaires": f"_d_nonempty(list_transform(list_filter(from_json({_q(k['holders'])}, "
                      f"{_lit(_HOLDERS_TYPE)}), lambda e: e IS NOT NULL), lambda e: {{"
                      f"'type_identifiant': nullif({node}.typeIdentifiant, ''), 'id': {node}.id, "
                      f"'denomination_sociale': nullif({node}.denominationSociale, '')}}))",
        "modifications": f"_d_nonempty(list_transform(from_json(modifications, {_lit(_MODS_TYPE)}), lambda e: {{"
                         f"'id': try_cast({mod}.id AS INTEGER), "
                         f"'date_notification': _d_strict_date({mod}.dateNotificationModification), "
                         f"'date_publication': _d_strict_date({mod}.datePublicationDonneesModification), "
                         f"'montant': {mod}.montant, 'duree_mois': try_cast({mod}.dureeMois AS INTEGER), "
                         f"'titulaires_json': CAST(NULL AS VARCHAR)}}))",
        "parse_warnings": f"CASE WHEN _d_absent({amount}) THEN ['{k['amount']} missing'] END",
    }
    exprs |= {col: f"_d_txt({_q(key)})" for col, key in _TEXT_FIELDS.items()}
    exprs |= {col: f"_d_strings({_wlist_values(key, inner)})" for col, (key, inner) in _LISTS.items()}
    return ",\n ".join(f"CAST({exprs[name]} AS {duck_type}) AS {_q(name)}" for name, duck_type in columns)


@dataclass
class Located:
    path: str  # record path, e.g. marches.marche
    kind: str  # marche | concession
    start: int  # offset of '['
    end: int  # offset of the matching ']'


def locate_arrays(path: Path) -> list[Located] | None:
    """The inner arrays of a 2024 document laid out as `{"marches":{"a":[...](,"b":[...])?}}`,
    by their byte offsets; None for any other layout or a file with bare NaN/Infinity tokens."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
        m = _HEAD.match(head)
        if not m:
            return None
        first_key, first_start = m.group(1).decode(), m.start(2)
        f.seek(max(0, size - HEAD_BYTES))
        tail_offset = max(0, size - HEAD_BYTES)
        t = _TAIL.search(f.read())
        if not t:
            return None
        last_end = tail_offset + t.start(1)
        other = next(k for k in ARRAYS if k != first_key)
        separator = re.compile(rb'(\])\s*,\s*"' + re.escape(other.encode()) + rb'"\s*:\s*(\[)')
        needle = b'"' + other.encode() + b'"'
        # One streaming pass: bare NaN/Infinity tokens (Python reader) and the separator.
        found: list[tuple[int, int]] = []
        f.seek(0)
        offset, carry = 0, b""
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            window = carry + chunk
            base = offset - len(carry)
            if b"NaN" in window or b"Infinity" in window:
                return None
            pos = window.find(needle)
            while pos != -1:
                lo = max(0, pos - 256)
                for s in separator.finditer(window, lo, pos + len(needle) + 256):
                    hit = (base + s.start(1), base + s.start(2))
                    if hit not in found:
                        found.append(hit)
                pos = window.find(needle, pos + 1)
            carry = window[-512:]
            offset += len(chunk)
    if len(found) > 1:
        return None  # the other key more than once: leave it to the Python reader
    first_path, first_kind = ARRAYS[first_key]
    if not found:
        return [Located(first_path, first_kind, first_start, last_end)]
    close, open_ = found[0]
    other_path, other_kind = ARRAYS[other]
    return [Located(first_path, first_kind, first_start, close), Located(other_path, other_kind, open_, last_end)]


def _copy_range(src: Path, start: int, end: int, target: Path) -> None:
    with src.open("rb") as f, target.open("wb") as out:
        f.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = f.read(min(CHUNK, remaining))
            if not chunk:
                raise ValueError(f"{src}: ended before byte {end}")
            out.write(chunk)
            remaining -= len(chunk)


@dataclass
class Prepared:
    """A located, parsed 2024 file: what `load` inserts."""

    folder: tempfile.TemporaryDirectory
    arrays: list[tuple[Located, Path, int]]  # (array, its copy, records)
    irregular: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # path -> (row, JSON)

    def close(self) -> None:
        self.folder.cleanup()


def _scan_sql(copy: Path) -> str:
    return (f"SELECT row_number() OVER () AS _row, * FROM read_json('{copy.as_posix()}', format='array', "
            f"columns=$columns, maximum_object_size=536870912)")


def prepare(con, path: Path) -> Prepared | None:
    """Locate, copy and parse; collect the records left to the Python normaliser. Runs outside
    any transaction and writes nothing to the warehouse: None means "use the Python reader"."""
    import duckdb

    located = locate_arrays(path)
    if located is None:
        return None
    folder = tempfile.TemporaryDirectory(prefix="spaser_decp_")
    prepared = Prepared(folder, [])
    try:
        con.execute(_MACROS)
        for i, array in enumerate(located):
            copy = Path(folder.name) / f"{i}.json"
            _copy_range(path, array.start, array.end, copy)
            columns = _json_columns(array.kind)
            n, odd = con.execute(
                f"""SELECT count(*), list(_row ORDER BY _row) FILTER (WHERE NOT {_regular_sql(array.kind)})
                    FROM ({_scan_sql(copy)})""",
                {"columns": columns},
            ).fetchone()
            prepared.arrays.append((array, copy, n))
            if odd:
                texts = con.execute(
                    f"""SELECT _row, CAST(j AS VARCHAR) FROM (
                            SELECT row_number() OVER () AS _row, j FROM read_json('{copy.as_posix()}',
                                format='array', records=false, columns={{'j': 'JSON'}},
                                maximum_object_size=536870912))
                        WHERE _row IN (SELECT unnest($rows)) ORDER BY _row""",
                    {"rows": odd},
                ).fetchall()
                prepared.irregular[array.path] = texts
    except (duckdb.Error, ValueError, OSError) as exc:
        logging.getLogger(__name__).warning("%s: DuckDB path not possible, Python reader used (%s)", path, exc)
        prepared.close()
        return None
    return prepared


def load(con, prepared: Prepared, table: str, columns: list[tuple[str, str]], rel: str, digest: str, now) -> int:
    """Insert the regular records into raw.<table>; return how many. Inside the caller's transaction.
    The regular shape was judged once, in `prepare`: here the irregular rows are only skipped."""
    names = ", ".join(_q(n) for n, _ in columns)
    loaded = 0
    for array, copy, n in prepared.arrays:
        odd = [row for row, _ in prepared.irregular.get(array.path, [])]
        con.execute(
            f"""INSERT INTO raw.{table} ({names}, _source_file, _source_sha256, _source_row, _ingested_at)
                SELECT {_values_sql(array.kind, array.path, columns)}, $rel, $sha, _row, $now
                FROM ({_scan_sql(copy)})
                WHERE _row NOT IN (SELECT unnest($odd::BIGINT[]))""",
            {"columns": _json_columns(array.kind), "rel": rel, "sha": digest, "now": now, "odd": odd},
        )
        loaded += n - len(odd)
    return loaded


def irregular_records(prepared: Prepared) -> Iterator[tuple[int, dict | Quarantine]]:
    """The records SQL left aside, through decp.normalise_record (same rules as the Python reader)."""
    from .decp import normalise_record

    for array, _, _ in prepared.arrays:
        for row, text in prepared.irregular.get(array.path, []):
            yield row, normalise_record(json.loads(text), "2024", array.path, array.kind)


def _records(prepared: Prepared) -> int:
    return sum(n for _, _, n in prepared.arrays)


def _load(con, prepared: Prepared, target, rel: str, digest: str, now) -> int:
    return load(con, prepared, target.table, target.columns, rel, digest, now)


DECP_2024_BULK = BulkReader(prepare=prepare, load=_load, rest=irregular_records, records=_records,
                            close=Prepared.close)
