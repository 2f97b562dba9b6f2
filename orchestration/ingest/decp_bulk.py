"""DECP 2024 JSON through DuckDB: the fast path for national-size files.

The Python reader (decp.py) normalises each record in Python, about 3 000 records/s: 1.5 million
contracts would take ten minutes. This module loads the same rows with DuckDB instead:

1. *Locate* the inner arrays (`marches.marche`, `marches.contrat-concession`) by their bytes: the
   document must start with `{"marches":{"<array>":[` and end with `]}}`; when both arrays are
   present the separator `],"<other array>":[` is found by a streaming byte search. Nothing is
   parsed in Python.
2. *Copy* each array's bytes (a streaming copy, bounded memory) into temporary files and read them
   with `read_json(format='array', columns={...})`, every top-level key typed JSON: DuckDB parses
   them (and rejects them if the located range was not exactly one JSON array). DuckDB reads one
   file on one thread: a large array is cut at records (where the byte scan below found them) into
   one part per thread, each normalised by its own cursor, side by side.
3. *Normalise in SQL* the records of the regular shape (every field of the type and shape the
   2024 schema gives it), exactly as `decp.normalise_record` would: same values, same warnings.
   Every other record (a field of an unexpected type or shape, text with surrounding blanks, a
   record to quarantine, ...) is handed, with its JSON text, to `decp.normalise_record` itself:
   the rules (quarantine reasons, the raw value kept, warnings) have one implementation. Its text
   is the file's bytes between the record's brackets (the byte scan's offsets), without a second
   parse (DuckDB's text, from a second read, when the array holds a record that is neither an
   object nor an array).

Whatever this path cannot do returns None before anything is written, and the file goes through
the Python reader: other layouts, bare NaN/Infinity tokens, a number that may overflow a double
(DuckDB reads 1e400 as inf, the Python reader refuses the file), a lone surrogate escape (DuckDB
refuses it, the Python reader reads it as U+FFFD and counts it), a file DuckDB cannot parse, the
2019 format. `tests/test_decp_bulk.py` checks that both paths give the same rows.

Bounded memory: a located file is first measured as the Python reader measures it
(limits.scan_json: nesting, strings, numbers, records; the same pass gives where each record
opens and closes); past a limit it fails with the same message, so DuckDB and `json.loads` of
the irregular records only ever see bounded records.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np  # a dependency of pandas

from .decp import has_lone_surrogate
from .framework import BulkReader, Quarantine
from .limits import RECORD_DEPTH_2024, RECORD_MAX_BYTES, scan_json
from .text import note

FALLBACK_NOTE = "DuckDB path not possible, read by the Python reader"

ARRAYS = {"marche": ("marches.marche", "marche"), "contrat-concession": ("marches.contrat-concession", "concession")}
_KEYS = "|".join(re.escape(k) for k in ARRAYS)
_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"marches"\s*:\s*\{\s*"(' + _KEYS.encode() + rb')"\s*:\s*(\[)')
_TAIL = re.compile(rb"(\])\s*\}\s*\}\s*\Z")
CHUNK = 1 << 23
# an exponent of three digits or more: 1e400 may overflow a double (found anywhere, even in a
# string). Searched for as `0e000` / `0e+000` once every digit reads 0 and E reads e: a regex that
# starts with a literal is a fast search, one that starts with [0-9] tries every byte (5x slower).
_EXPONENT_DIGITS = bytes.maketrans(b"123456789E", b"000000000e")
_HUGE_EXPONENT = re.compile(rb"0e\+?000")
HEAD_BYTES = 1 << 12

_INT = r"-?(?:0|[1-9][0-9]*)"
# an identifier written as a number (2.1590001600013E+13, 21590001600013.0): read back, or its
# record quarantined, by decp.normalise_record (a superset of identifiers.identifier_from_text's)
_ID_AS_NUMBER = r"[0-9]+(?:[.,][0-9]*(?:[eE]\+?[0-9]+)?|[eE]\+?[0-9]+)"
_NUM = _INT + r"(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
# Python's str.strip() whitespace, every code point of it: trim(s, _BLANKS) strips like str.strip().
_BLANKS = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
_BLANK_CODES = ", ".join(str(ord(c)) for c in _BLANKS)


_TEXT_FIELDS = {  # raw column -> JSON key (decp.normalise_record)
    "uid": "uid",
    "source": "source",
    "nature": "nature",
    "objet": "objet",
    "code_cpv": "codeCPV",
    "procedure": "procedure",
    "forme_prix": "formePrix",
    "ccag": "ccag",
    "type_groupement_operateurs": "typeGroupementOperateurs",
    "id_accord_cadre": "idAccordCadre",
}
_LISTS = {  # raw column -> (JSON key, inner key)
    "techniques": ("techniques", "technique"),
    "modalites_execution": ("modalitesExecution", "modaliteExecution"),
    "considerations_sociales": ("considerationsSociales", "considerationSociale"),
    "considerations_environnementales": ("considerationsEnvironnementales", "considerationEnvironnementale"),
}


def _kind_keys(kind: str) -> dict[str, str]:
    if kind == "concession":
        return {
            "buyer": "autoriteConcedante",
            "date": "dateSignature",
            "amount": "valeurGlobale",
            "holders": "concessionnaires",
        }
    return {"buyer": "acheteur", "date": "dateNotification", "amount": "montant", "holders": "titulaires"}


def _json_columns(kind: str) -> dict[str, str]:
    k = _kind_keys(kind)
    keys = [
        "id",
        *_TEXT_FIELDS.values(),
        k["buyer"],
        k["date"],
        k["amount"],
        k["holders"],
        "datePublicationDonnees",
        "dureeMois",
        "offresRecues",
        "lieuExecution",
        "marcheInnovant",
        "sousTraitanceDeclaree",
        "typesPrix",
        "typePrix",
        "modifications",
        *(key for key, _ in _LISTS.values()),
    ]
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
_MODIFICATION = _object(
    _keys(
        ("modification",),
        _object(
            "|".join(
                [
                    _keys(("id", "dureeMois"), f"{_INT}|null"),
                    _keys(("montant",), f"{_NUM}|null"),
                    _keys(("dateNotificationModification", "datePublicationDonneesModification"), f"{_STR}|null"),
                ]
            )
        ),
    )
)
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
_MODS_TYPE = (
    '[{"modification": {"id": "HUGEINT", "dureeMois": "HUGEINT", "montant": "DOUBLE", '
    '"dateNotificationModification": "VARCHAR", "datePublicationDonneesModification": "VARCHAR"}}]'
)


def _strip(col: str) -> str:
    """str.strip() then '' -> NULL, trimming only when an end is blank (trim() with a set is slow)."""
    return (
        f"CASE WHEN {col} = '' THEN NULL WHEN unicode(left({col}, 1)) IN ({_BLANK_CODES}) "
        f"OR unicode(right({col}, 1)) IN ({_BLANK_CODES}) THEN nullif(trim({col}, {_lit(_BLANKS)}), '') "
        f"ELSE {col} END"
    )


def _strict_date(col: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({col}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(Z|[+-][0-9]{{2}}:?[0-9]{{2}})?') "
        f"AND substr({col}, 1, 4) <> '0000' THEN try_cast(substr({col}, 1, 10) AS DATE) END"
    )


def _stage_sql(kind: str, record_path: str, columns: list[tuple[str, str]], scan: str) -> str:
    """One SELECT giving `_row`, `_regular` (SQL normalises the record exactly as
    decp.normalise_record would) and the raw row, in layers so that no JSON text is parsed or
    unescaped twice: texts -> strings -> stripped strings -> checks and values."""
    k = _kind_keys(kind)
    scalars = [
        "id",
        *_TEXT_FIELDS.values(),
        k["date"],
        "datePublicationDonnees",
        k["amount"],
        "dureeMois",
        "offresRecues",
        "marcheInnovant",
        "sousTraitanceDeclaree",
    ]
    stripped = ["id", *_TEXT_FIELDS.values(), k["date"], "datePublicationDonnees"]
    lists = [*_LISTS.values(), ("typesPrix", "typePrix"), ("typePrix", "typePrix")]
    text_obj = {"buyer": (k["buyer"], ("id", "nom")), "lieu": ("lieuExecution", ("code", "typeCode"))}

    def t(key):
        return _q("t:" + key)

    def st(key):
        return _q("s:" + key)

    def x(key):
        return _q("x:" + key)

    # L1: JSON texts (free), containers parsed once
    l1 = ["_row"] + [f"CAST({_q(key)} AS VARCHAR) AS {t(key)}" for key in scalars]
    for name, (key, fields) in text_obj.items():
        l1.append(f"CAST({_q(key)} AS VARCHAR) AS {t(name)}")
        typ = _lit(json.dumps({f: "VARCHAR" for f in fields}))
        l1 += [f"from_json({_q(key)}, {typ}).{_q(f)} AS {x(name + '.' + f + ':raw')}" for f in fields]
    for key, inner in lists:
        l1.append(f"CAST({_q(key)} AS VARCHAR) AS {t(key)}")
        l1.append(f"from_json({_q(key)}, {_lit(json.dumps({inner: ['VARCHAR']}))}).{_q(inner)} AS {_q('l:' + key)}")
    for key, typ in ((k["holders"], _HOLDERS_TYPE), ("modifications", _MODS_TYPE)):
        l1.append(f"CAST({_q(key)} AS VARCHAR) AS {t(key)}")
        l1.append(f"from_json({_q(key)}, {_lit(typ)}) AS {_q('j:' + key)}")
    # L2: strings of the scalar texts
    l2 = ["*"] + [
        f"""CASE WHEN starts_with({t(key)}, '"') THEN CASE WHEN contains({t(key)}, '\\')
                THEN json_extract_string({t(key)}, '$') ELSE substr({t(key)}, 2, length({t(key)}) - 2) END END
            AS {st(key)}"""
        for key in scalars
    ]
    # L3: stripped strings
    l3 = ["*"] + [f"{_strip(st(key))} AS {x(key)}" for key in stripped]
    l3 += [
        f"{_strip(x(name + '.' + f + ':raw'))} AS {x(name + '.' + f)}"
        for name, (_, fields) in text_obj.items()
        for f in fields
    ]

    def absent(key):
        return f"({t(key)} IS NULL OR {t(key)} = 'null')"

    def is_num(key):
        return f"regexp_full_match({t(key)}, {_lit(_NUM)})"

    def is_int(key):
        return (
            f"(regexp_full_match({t(key)}, {_lit(_INT)}) AND length({t(key)}) <= 12 "
            f"AND abs(try_cast({t(key)} AS BIGINT)) <= 2147483647)"
        )

    def shape(key, pattern):
        return f"({t(key)} IS NULL OR regexp_full_match({t(key)}, {_lit(pattern)}, 's'))"

    def all_(items, body):
        return f"coalesce(list_bool_and(list_transform({items}, lambda e: coalesce({body}, false))), true)"

    def nonempty(expr):
        return f"CASE WHEN len({expr}) > 0 THEN {expr} END"

    def strings(expr):
        return f"list_filter(list_transform({expr}, lambda e: {_strip('e')}), lambda e: e IS NOT NULL)"

    def v(key):
        return _q("v:" + key)

    node = "coalesce(e.titulaire, e.concessionnaire)"
    mod = "e.modification"
    date, amount = k["date"], k["amount"]
    checks = [
        f"starts_with({t('id')}, '\"') AND {x('id')} IS NOT NULL",
        shape("buyer", SHAPES["buyer"]),
        f"{x('buyer.id')} IS NOT NULL AND NOT regexp_full_match({x('buyer.id')}, {_lit(_ID_AS_NUMBER)})",
        shape("lieu", SHAPES["lieu"]),
        f"{_strict_date(x(date))} IS NOT NULL",
        f"({absent(amount)} OR {is_num(amount)})",
        f"({absent('datePublicationDonnees')} OR {_strict_date(x('datePublicationDonnees'))} IS NOT NULL)",
        f"({absent('dureeMois')} OR {is_int('dureeMois')})",
        f"({absent('offresRecues')} OR {is_int('offresRecues')})",
        *(f"({absent(key)} OR {t(key)} IN ('true', 'false'))" for key in ("marcheInnovant", "sousTraitanceDeclaree")),
        *(f"({absent(key)} OR starts_with({t(key)}, '\"'))" for key in _TEXT_FIELDS.values()),
        *(shape(key, _wlist_shape(inner)) for key, inner in lists),
        shape(k["holders"], SHAPES["holders"]),
        # on the holders of L4 (null entries left out, the id stripped)
        all_(v("holders"), f"e.id IS NOT NULL AND NOT regexp_full_match(e.id, {_lit(_ID_AS_NUMBER)})"),
        shape("modifications", SHAPES["modifications"]),
        all_(
            _q("j:modifications"),
            f"{mod} IS NOT NULL AND ({mod}.id IS NULL OR abs({mod}.id) <= 2147483647) "
            f"AND ({mod}.dureeMois IS NULL OR abs({mod}.dureeMois) <= 2147483647) "
            f"AND ({mod}.dateNotificationModification IS NULL "
            f"OR {_strict_date(_strip(mod + '.dateNotificationModification'))} IS NOT NULL) "
            f"AND ({mod}.datePublicationDonneesModification IS NULL "
            f"OR {_strict_date(_strip(mod + '.datePublicationDonneesModification'))} IS NOT NULL)",
        ),
    ]
    regular = "(" + "\n AND ".join(f"coalesce({c}, false)" for c in checks) + ")"

    def integer(key):
        return f"CASE WHEN {is_int(key)} THEN try_cast({t(key)} AS INTEGER) END"

    def boolean(key):
        return f"CASE {t(key)} WHEN 'true' THEN true WHEN 'false' THEN false END"

    # L4: the nested values, computed once (a CASE naming one twice would compute it twice)
    l4 = ["*"] + [f"{strings(_q('l:' + key))} AS {v(key)}" for key, _ in lists]
    l4.append(
        f"list_transform(list_filter({_q('j:' + k['holders'])}, lambda e: e IS NOT NULL), "
        f"lambda e: {{'type_identifiant': {_strip(node + '.typeIdentifiant')}, "
        f"'id': {_strip(node + '.id')}, "
        f"'denomination_sociale': {_strip(node + '.denominationSociale')}}}) AS {v('holders')}"
    )
    l4.append(
        f"list_transform({_q('j:modifications')}, lambda e: {{"
        f"'id': try_cast({mod}.id AS INTEGER), "
        f"'date_notification': {_strict_date(_strip(mod + '.dateNotificationModification'))}, "
        f"'date_publication': {_strict_date(_strip(mod + '.datePublicationDonneesModification'))}, "
        f"'montant': {mod}.montant, 'duree_mois': try_cast({mod}.dureeMois AS INTEGER), "
        f"'titulaires_json': CAST(NULL AS VARCHAR)}}) AS {v('modifications')}"
    )
    lst = {col: nonempty(v(key)) for col, (key, _) in _LISTS.items()}
    exprs = {
        "format_version": "'2024'",
        "record_path": f"'{record_path}'",
        "contract_kind": f"'{kind}'",
        "id": x("id"),
        "acheteur_id": x("buyer.id"),
        "acheteur_nom": x("buyer.nom"),
        "date_notification": _strict_date(x(date)),
        "date_publication_donnees": _strict_date(x("datePublicationDonnees")),
        "montant": f"CASE WHEN {is_num(amount)} THEN try_cast({t(amount)} AS DOUBLE) END",
        "duree_mois": integer("dureeMois"),
        "offres_recues": integer("offresRecues"),
        "lieu_execution_code": x("lieu.code"),
        "lieu_execution_type_code": x("lieu.typeCode"),
        "marche_innovant": boolean("marcheInnovant"),
        "sous_traitance_declaree": boolean("sousTraitanceDeclaree"),
        "types_prix": f"coalesce({nonempty(v('typesPrix'))}, {nonempty(v('typePrix'))})",
        "titulaires": nonempty(v("holders")),
        "modifications": nonempty(v("modifications")),
        "parse_warnings": f"CASE WHEN {absent(amount)} THEN ['{amount} missing'] END",
    }
    exprs |= {col: x(key) for col, key in _TEXT_FIELDS.items()}
    exprs |= lst
    values = ",\n ".join(f"CAST({exprs[name]} AS {duck_type}) AS {_q(name)}" for name, duck_type in columns)
    return (
        f"SELECT _row, {regular} AS _regular,\n {values}\n"
        f"FROM (SELECT {', '.join(l4)} FROM (SELECT {', '.join(l3)} FROM (SELECT {', '.join(l2)} "
        f"FROM (SELECT {', '.join(l1)} FROM ({scan})))))"
    )


@dataclass
class Located:
    path: str  # record path, e.g. marches.marche
    kind: str  # marche | concession
    start: int  # offset of '['
    end: int  # offset of the matching ']'


def locate_arrays(path: Path, laid_out: Callable[[], object] | None = None) -> list[Located] | None:
    """The inner arrays of a 2024 document laid out as `{"marches":{"a":[...](,"b":[...])?}}`,
    by their byte offsets; None for any other layout or a file with bare NaN/Infinity tokens or a
    number that may overflow a double. `laid_out()` is called once the head and the tail have
    the layout, before the pass over the whole file."""
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
        if laid_out is not None:
            laid_out()
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
            if b"NaN" in window or b"Infinity" in window or _HUGE_EXPONENT.search(window.translate(_EXPONENT_DIGITS)):
                return None
            # read as U+FFFD and counted by the Python reader (a backslash is first looked for with memchr)
            if b"\\" in window and has_lone_surrogate(window):
                return None
            pos = window.find(needle)
            while pos != -1:
                lo = max(0, pos - 256)
                for s in separator.finditer(window, lo, pos + len(needle) + 256):
                    hit = (base + s.start(1), base + s.start(2))
                    if hit not in found:
                        found.append(hit)
                if len(found) > 1:
                    return None  # the other key more than once: leave it to the Python reader
                pos = window.find(needle, pos + 1)
            carry = window[-512:]
            offset += len(chunk)
    first_path, first_kind = ARRAYS[first_key]
    if not found:
        return [Located(first_path, first_kind, first_start, last_end)]
    close, open_ = found[0]
    other_path, other_kind = ARRAYS[other]
    return [Located(first_path, first_kind, first_start, close), Located(other_path, other_kind, open_, last_end)]


def _copy_range(src, start: int, end: int, out) -> None:
    """Bytes start..end (inclusive) of the open file `src` to the open file `out`, streamed."""
    src.seek(start)
    remaining = end - start + 1
    while remaining > 0:
        chunk = src.read(min(CHUNK, remaining))
        if not chunk:
            raise ValueError(f"{src.name}: ended before byte {end}")
        out.write(chunk)
        remaining -= len(chunk)


# read_json's bound on one record. The byte scan refuses a file with a record over
# RECORD_MAX_BYTES first; read_json keeps a buffer of twice the bound per file it reads, so the
# bound is that limit with room, not more: at 512 MiB two parts read side by side asked for 2 GiB
# and the warehouse's memory limit sent every national file to the Python reader.
MAX_OBJECT_BYTES = 2 * RECORD_MAX_BYTES
# An array is read in parts of at least this many bytes, one per DuckDB thread: read_json reads
# one file on one thread, and each part is normalised by its own cursor, side by side.
PART_BYTES = 16 << 20
_JSON_BLANKS = b" \t\n\r"


def _cuts(f, array: Located, starts: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Where to cut `array` into `parts` JSON arrays, at the records (`starts`: their opening
    brackets) nearest equal shares of its bytes: (last byte of a part, before the comma that
    precedes the record; first byte of the next part, the record's bracket). None when the array
    is too small, or when what precedes a record is not a comma (then DuckDB reads it whole and
    says what is wrong)."""
    size = array.end - array.start
    parts = min(parts, size // PART_BYTES, len(starts))
    if parts < 2:
        return []
    wanted = array.start + size * np.arange(1, parts) // parts
    cuts = []
    for record in sorted({int(starts[i]) for i in np.searchsorted(starts, wanted) if 0 < i < len(starts)}):
        lo = max(array.start + 1, record - 4096)
        f.seek(lo)
        before = f.read(record - lo).rstrip(_JSON_BLANKS)
        if not before.endswith(b","):
            return []
        cuts.append((lo + len(before) - 2, record))
    return cuts


def _write_parts(path: Path, array: Located, cuts: list[tuple[int, int]], folder: Path, name: str) -> list[Path]:
    """The array's bytes as JSON arrays, one file a part (one file when there is no cut)."""
    bounds = [array.start, *(b for _, b in cuts)]
    ends = [*(e for e, _ in cuts), array.end]
    files = []
    with path.open("rb") as src:
        for k, (begin, end) in enumerate(zip(bounds, ends)):
            target = folder / f"{name}_{k}.json"
            with target.open("wb") as out:
                if k:
                    out.write(b"[")
                _copy_range(src, begin, end, out)
                if k < len(cuts):
                    out.write(b"]")
            files.append(target)
    return files


@dataclass
class Staged:
    """One array normalised into tables of the scratch database, one per part (in order), each
    numbering its rows from 1 (`_row`); `offsets[k]` is the records before part k."""

    array: Located
    tables: list[str]
    records: int
    offsets: list[int]

    def parts(self) -> Iterator[tuple[str, str]]:
        """(table, SQL of a row's rank in the array) of each part, in order."""
        for table, offset in zip(self.tables, self.offsets):
            yield table, f"_row + {offset}" if offset else "_row"


# Where the parts are normalised: an in-memory database of the connection, not the warehouse's
# temporary schema, which only the connection that writes it sees: each part is written by its
# own cursor, the parts side by side (read_json reads one file on one thread).
SCRATCH = "_decp_scratch"
_STAGES = itertools.count(1)


@dataclass
class Prepared:
    """A located, parsed 2024 file: its rows normalised in scratch tables, ready to insert."""

    con: object
    folder: tempfile.TemporaryDirectory
    arrays: list[Staged] = field(default_factory=list)
    irregular: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # path -> (row, JSON)

    def close(self) -> None:
        for staged in self.arrays:
            for table in staged.tables:
                try:
                    self.con.execute(f"DROP TABLE IF EXISTS {table}")
                except Exception:  # noqa: BLE001 - a closed connection frees its in-memory database anyway
                    pass
        self.folder.cleanup()


def _scan_sql(copy: Path) -> str:
    return (
        f"SELECT row_number() OVER () AS _row, * FROM read_json('{copy.as_posix()}', format='array', "
        f"columns=$columns, maximum_object_size={MAX_OBJECT_BYTES})"
    )


def _threads(con) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchone()[0])


def _stage(con, array: Located, files: list[Path], columns) -> Staged:
    """Normalise each part of one array into its own scratch table, the parts side by side, each
    table in its part's order (one source per query: DuckDB keeps the insertion order)."""
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
    stage = next(_STAGES)
    tables = [f"{SCRATCH}.main._decp_stage_{stage}_{k}" for k in range(len(files))]
    params = {"columns": _json_columns(array.kind)}

    def create(cursor, table: str, part: Path) -> int:
        try:
            cursor.execute(
                f"CREATE TABLE {table} AS {_stage_sql(array.kind, array.path, columns, _scan_sql(part))}", params
            )
            return cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            cursor.close()

    if len(files) == 1:
        counts = [create(con.cursor(), tables[0], files[0])]
    else:
        with ThreadPoolExecutor(len(files)) as pool:
            futures = [pool.submit(create, con.cursor(), table, part) for table, part in zip(tables, files)]
            counts = [future.result() for future in futures]
    offsets = [sum(counts[:k]) for k in range(len(counts))]
    return Staged(array, tables, sum(counts), offsets)


def _irregular_texts(con, path: Path, staged: Staged, files: list[Path], spans) -> list[tuple[int, str]]:
    """(row, JSON text) of the records SQL left aside: the bytes of the file between their
    brackets when every record of the array is an array or an object (the scan found as many as
    DuckDB read), else DuckDB's text of each (a second read of the parts)."""
    odd = [
        row
        for table, rank in staged.parts()
        for (row,) in con.execute(f"SELECT {rank} FROM {table} WHERE NOT _regular ORDER BY _row").fetchall()
    ]
    if not odd:
        return []
    opens, closes = spans
    inside = (opens > staged.array.start) & (opens < staged.array.end)
    opens, closes = opens[inside], closes[inside]
    if len(opens) == staged.records and len(closes) == staged.records:
        texts = []
        with path.open("rb") as f:
            for row in odd:
                f.seek(int(opens[row - 1]))
                texts.append((row, f.read(int(closes[row - 1]) - int(opens[row - 1]) + 1).decode("utf-8")))
        return texts
    texts = []
    for k, part in enumerate(files):
        first, last = staged.offsets[k], staged.offsets[k + 1] if k + 1 < len(files) else staged.records
        rows = [row - first for row in odd if first < row <= last]
        if rows:
            texts += [
                (first + row, text)
                for row, text in con.execute(
                    f"""SELECT _row, CAST(j AS VARCHAR) FROM (
                            SELECT row_number() OVER () AS _row, j FROM read_json('{part.as_posix()}',
                                format='array', records=false, columns={{'j': 'JSON'}},
                                maximum_object_size={MAX_OBJECT_BYTES}))
                        WHERE _row IN (SELECT unnest($rows::BIGINT[])) ORDER BY _row""",
                    {"rows": rows},
                ).fetchall()
            ]
    return texts


def prepare(con, path: Path, columns: list[tuple[str, str]] | None = None) -> Prepared | None:
    """Locate, copy, parse and normalise into scratch tables (one pass over each array, in parts
    read side by side); collect the records left to the Python normaliser. Runs outside
    any transaction and writes nothing to the warehouse: None means "use the Python reader"."""
    import duckdb

    from .decp import DECP_TABLE

    columns = columns or DECP_TABLE.columns
    # The two byte passes side by side once the file has the layout: the scan's numpy work leaves
    # the interpreter to locate's searches.
    with ThreadPoolExecutor(1) as pool:
        scanning = []
        located = locate_arrays(path, lambda: scanning.append(pool.submit(scan_json, path, RECORD_DEPTH_2024)))
        if located is None:
            return None  # the Python reader scans the file itself
        shape = scanning[0].result()
    shape.check_records(RECORD_DEPTH_2024)  # IngestError past a limit, as the Python reader
    folder = tempfile.TemporaryDirectory(prefix="spaser_decp_")
    prepared = Prepared(con, folder)
    try:
        threads = _threads(con)
        for i, array in enumerate(located):
            opens = shape.spans[0]
            with path.open("rb") as f:
                cuts = _cuts(f, array, opens[(opens > array.start) & (opens < array.end)], threads)
            files = _write_parts(path, array, cuts, Path(folder.name), str(i))
            staged = _stage(con, array, files, columns)
            prepared.arrays.append(staged)
            texts = _irregular_texts(con, path, staged, files, shape.spans)
            if texts:
                prepared.irregular[array.path] = texts
            for part in files:
                part.unlink()
    except (duckdb.Error, ValueError, OSError) as exc:
        # same rows, several times slower: kept in the file's ingest log notes, where a run that
        # suddenly takes longer can be explained (a memory limit, a full disk)
        note(path, f"{FALLBACK_NOTE} ({exc})")
        prepared.close()
        return None
    return prepared


def load(con, prepared: Prepared, table: str, columns: list[tuple[str, str]], rel: str, digest: str, now) -> int:
    """Insert the regular records into raw.<table>, part after part; return how many. Inside the
    caller's transaction: a plain copy from the scratch tables, nothing left to fail on."""
    names = ", ".join(_q(n) for n, _ in columns)
    loaded = 0
    for staged in prepared.arrays:
        # one statement for all the parts (a UNION ALL whose order is kept reads them in turn):
        # an INSERT a part left partial row groups for the COMMIT to merge (the five COMMITs of
        # 1.5 million contracts took 3.0 CPU-s instead of 0.2)
        parts = " UNION ALL ".join(
            f"SELECT {names}, $rel, $sha, {rank}, $now FROM {part} WHERE _regular" for part, rank in staged.parts()
        )
        con.execute(
            f"INSERT INTO raw.{table} ({names}, _source_file, _source_sha256, _source_row, _ingested_at) {parts}",
            {"rel": rel, "sha": digest, "now": now},
        )
        loaded += staged.records - len(prepared.irregular.get(staged.array.path, []))
    return loaded


def irregular_records(prepared: Prepared) -> Iterator[tuple[int, dict | Quarantine]]:
    """The records SQL left aside, through decp.normalise_record (same rules as the Python reader)."""
    from .decp import normalise_record

    for staged in prepared.arrays:
        array = staged.array
        for row, text in prepared.irregular.get(array.path, []):
            record = None if text is None else json.loads(text)  # DuckDB reads a null record as NULL
            yield row, normalise_record(record, "2024", array.path, array.kind)


def _records(prepared: Prepared) -> int:
    return sum(staged.records for staged in prepared.arrays)


def _load(con, prepared: Prepared, target, rel: str, digest: str, now) -> int:
    return load(con, prepared, target.table, target.columns, rel, digest, now)


DECP_2024_BULK = BulkReader(prepare=prepare, load=_load, rest=irregular_records, records=_records, close=Prepared.close)
