"""DECP readers: the 2024 JSON format (arrêtés du 22 décembre 2022) and the 2019 JSON format.

Both are streamed with ijson and mapped onto one raw row shape, so staging is format-agnostic.
Typing is minimal and strict where the pipeline depends on it: a record without an identity
(id, buyer), without a real notification date, or with an amount that is not a number cannot be
placed in a semester or summed, so it goes to quarantine with the reason. Other oddities
(`dureeMois: "NC"`, a garbled titulaire) become NULL and are listed in `parse_warnings`.
`normalise_record` is also the mapping of the XML (decp_xml.py) and tabular CSV readers.

Bounded memory: the file's bytes are measured first (limits.scan_json: nesting, strings, numbers,
records) and a file past a limit fails naming the byte offset and the limit before ijson sees it;
an amount written with more than limits.NUMBER_MAX_CHARS characters sends its record to
quarantine.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ijson
import numpy as np

from ..identifiers import IdentifierError, identifier_from_cell
from .framework import FeedTable, IngestError, Quarantine, compact_json
from .limits import (
    RECORD_DEPTH_2019,
    RECORD_DEPTH_2024,
    even_cut,
    mask_escapes,
    number_too_long,
    scan_json,
    too_long_reason,
)
from .text import note

TITULAIRE = "STRUCT(type_identifiant VARCHAR, id VARCHAR, denomination_sociale VARCHAR)"
MODIFICATION = (
    "STRUCT(id INTEGER, date_notification DATE, date_publication DATE, montant DOUBLE, "
    "duree_mois INTEGER, titulaires_json VARCHAR)"
)

DECP_TABLE = FeedTable(
    feed="decp",
    table="decp_marches",
    columns=[
        ("format_version", "VARCHAR"),  # '2024' (arrêtés 2022) or '2019'
        ("record_path", "VARCHAR"),  # array the record came from, e.g. marches.marche
        ("contract_kind", "VARCHAR"),  # marche | concession
        ("id", "VARCHAR"),
        ("uid", "VARCHAR"),
        ("source", "VARCHAR"),
        ("acheteur_id", "VARCHAR"),
        ("acheteur_nom", "VARCHAR"),
        ("nature", "VARCHAR"),
        ("objet", "VARCHAR"),
        ("code_cpv", "VARCHAR"),
        ("procedure", "VARCHAR"),
        ("forme_prix", "VARCHAR"),
        ("date_notification", "DATE"),
        ("date_publication_donnees", "DATE"),
        ("montant", "DOUBLE"),
        ("duree_mois", "INTEGER"),
        ("offres_recues", "INTEGER"),
        ("lieu_execution_code", "VARCHAR"),
        ("lieu_execution_type_code", "VARCHAR"),
        ("ccag", "VARCHAR"),
        ("type_groupement_operateurs", "VARCHAR"),
        ("marche_innovant", "BOOLEAN"),
        ("sous_traitance_declaree", "BOOLEAN"),
        ("id_accord_cadre", "VARCHAR"),
        ("techniques", "VARCHAR[]"),
        ("modalites_execution", "VARCHAR[]"),
        ("types_prix", "VARCHAR[]"),
        # NULL = not given (always so in the 2019 format); a list holding "Pas de considération …"
        # is an explicit no. Never conflate the two.
        ("considerations_sociales", "VARCHAR[]"),
        ("considerations_environnementales", "VARCHAR[]"),
        ("titulaires", f"{TITULAIRE}[]"),
        ("modifications", f"{MODIFICATION}[]"),
        ("parse_warnings", "VARCHAR[]"),
    ],
)

# The 2024 schema's date pattern is unanchored; we anchor it. PES 2019 files add a timezone.
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:?\d{2})?$")
_NAN_TOKENS = re.compile(rb"-?Infinity|NaN")
_LONGEST_TOKEN = len(b"-Infinity")
# A UTF-16 surrogate escape: a high one and the low one after it make one character (a pair, kept);
# alone, or a low one first, it is no character at all. ijson's C backend read a lone high one
# as '?' and a high one before another escape as a wrong character; a lone low one failed the file.
_SURROGATE_ESCAPE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_REPLACEMENT_ESCAPE = b"\\ufffd"  # U+FFFD, the replacement character: as long as the escape it replaces
LONE_SURROGATE_WARNING = "text with a lone surrogate escape, read as U+FFFD"
_TRUE = {"true", "oui", "1", "yes"}
_FALSE = {"false", "non", "0", "no"}


class _PatchedStream:
    """A file-like reader over another, rewriting it chunk by chunk: a subclass's `_fill()`
    reads the next chunk, appends what it can give to `_out` and sets `_eof` at the end."""

    _out: bytes
    _eof: bool

    def _fill(self) -> None:
        raise NotImplementedError

    def read(self, n: int = -1) -> bytes:
        while not self._eof and (n < 0 or len(self._out) < n):
            self._fill()
        if n < 0:
            n = len(self._out)
        out, self._out = self._out[:n], self._out[n:]
        return out


class _NanTolerantStream(_PatchedStream):
    """File-like wrapper turning bare NaN/Infinity tokens (invalid JSON, but written by some
    platforms through Python's json module) into null, without touching string contents.

    Works chunk by chunk, carrying over only the last bytes (a token cut in two, an escape) and
    whether the chunk ends inside a string: string contents are told apart by the positions of
    their quotes once escapes are masked (limits.mask_escapes), in time linear in the chunk.
    """

    def __init__(self, raw, chunk: int = 1 << 20):
        self._raw, self._chunk = raw, chunk
        self._carry = b""
        self._out = b""
        self._eof = False
        self._first = True
        self._in_string = False
        self.consumed = 0

    def _fill(self) -> None:
        data = self._raw.read(self._chunk)
        if self._first:
            self._first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        buf = self._carry + data
        self._eof = not data
        clean = mask_escapes(buf)
        # keep a short tail so "Na|N" is never split, and never the first half of an escape
        cut = len(buf) if self._eof else even_cut(buf, max(0, len(buf) - _LONGEST_TOKEN))
        tokens = [m.span() for m in _NAN_TOKENS.finditer(clean, 0, len(buf)) if m.start() < cut]
        if tokens:
            cut = max(cut, tokens[-1][1])
        head, self._carry = buf[:cut], buf[cut:]
        self.consumed += len(head)
        quotes = np.flatnonzero(np.frombuffer(clean, np.uint8, count=cut) == ord('"')) if tokens else None
        out, last = [], 0
        for start, end in tokens:
            if not (int(np.searchsorted(quotes, start)) + self._in_string) & 1:  # outside any string
                out += [head[last:start], b"null"]
                last = end
        out.append(head[last:])
        if (clean.count(b'"', 0, cut) & 1) == 1:
            self._in_string = not self._in_string
        self._out += b"".join(out)


class _SurrogatePatch(_PatchedStream):
    """File-like wrapper replacing each lone UTF-16 surrogate escape (`\\ud800` without its low
    half, a low half alone) with `\\ufffd`: the same length, so byte offsets hold. Counts them and
    keeps the offset of the first. Chunks without `\\ud` pass untouched."""

    def __init__(self, raw, chunk: int = 1 << 22):
        self._raw, self._chunk = raw, chunk
        self._carry = b""
        self._out = b""
        self._eof = False
        self._offset = 0  # file offset of the carried bytes
        self.count = 0
        self.first: int | None = None

    def _fill(self) -> None:
        data = self._raw.read(self._chunk)
        self._eof = not data
        buf = self._carry + data
        # keep the last escape (and the pair it may start) for the next chunk, never half an escape
        cut = len(buf) if self._eof else even_cut(buf, max(0, len(buf) - 12))
        if b"\\ud" in buf or b"\\uD" in buf:
            patched = None
            for m in _SURROGATE_ESCAPE.finditer(mask_escapes(buf)):  # buf starts at an escape boundary
                if m.start() >= cut:
                    break
                if m.end() > cut:
                    cut = m.start()
                    break
                if m.group(1) is None:
                    patched = patched or bytearray(buf)
                    patched[m.start() : m.end()] = _REPLACEMENT_ESCAPE
                    self.count += 1
                    if self.first is None:
                        self.first = self._offset + m.start()
            if patched is not None:
                buf = bytes(patched)
        self._out += buf[:cut]
        self._carry = buf[cut:]
        self._offset += cut


def replace_lone_surrogates(data: bytes) -> tuple[bytes, int, int | None]:
    """`data` with each lone surrogate escape read as U+FFFD, how many, the offset of the first."""
    patch = _SurrogatePatch(io.BytesIO(data))
    return patch.read(), patch.count, patch.first


def has_lone_surrogate(data: bytes) -> bool:
    """A lone surrogate escape in `data` (a piece of a file: an escape cut at either end may be
    seen as lone; the bulk path then leaves the file to this reader, which decides exactly)."""
    if b"\\ud" not in data and b"\\uD" not in data:
        return False
    return any(m.group(1) is None for m in _SURROGATE_ESCAPE.finditer(mask_escapes(data)))


@dataclass(frozen=True)
class _FileChecks:
    nan_tokens: bool  # bare NaN/Infinity somewhere: the tolerant stream is needed
    lone_surrogates: int
    first_surrogate: int | None


def _check_file(path: Path) -> _FileChecks:
    """One streamed pass: NaN/Infinity tokens (only those files pay for the tolerant stream) and
    lone surrogate escapes (counted; the reading streams patch them)."""
    tail = b""
    nan = False
    with path.open("rb") as f:
        patch = _SurrogatePatch(f)
        for chunk in iter(lambda: patch.read(1 << 22), b""):
            window = tail + chunk
            nan = nan or b"NaN" in window or b"Infinity" in window
            tail = chunk[-8:]
    return _FileChecks(nan, patch.count, patch.first)


def _open_json(raw, sanitize: bool, surrogates: bool = False):
    raw = _SurrogatePatch(raw) if surrogates else raw
    return _NanTolerantStream(raw) if sanitize else _PlainStream(raw)


class _PlainStream:
    """The file as is, counting bytes so errors can name a position."""

    def __init__(self, raw):
        self._raw, self.consumed = raw, 0
        self._first = True

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if self._first and data:  # ijson reads 0 bytes first (bytes or text?): not the start yet
            self._first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        self.consumed += len(data)
        return data


def detect_format(path: Path) -> str:
    """'2024' when `marches` is an object of arrays, '2019' when it is an array."""
    with path.open("rb") as raw:
        stream = _NanTolerantStream(_SurrogatePatch(raw))
        try:
            for prefix, event, _ in ijson.parse(stream):
                if prefix == "marches" and event == "start_map":
                    return "2024"
                if prefix == "marches" and event == "start_array":
                    return "2019"
                if prefix == "" and event in ("start_array", "string", "number", "boolean", "null"):
                    break
        except (ijson.JSONError, UnicodeDecodeError) as exc:  # JSON is UTF-8: other bytes are invalid JSON
            raise IngestError(f"{path}: not valid JSON near byte {stream.consumed}: {exc}") from exc
    raise IngestError(f"{path}: byte 0: no top-level 'marches' key; not a DECP JSON file")


def _check_utf8(path: Path) -> None:
    """JSON is UTF-8 (RFC 8259; a UTF-8 byte-order mark is tolerated): a file in UTF-16 or UTF-32
    is refused naming its encoding, instead of 'invalid JSON' at byte 0."""
    with path.open("rb") as f:
        head = f.read(4)
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if head.startswith(bom):
            raise IngestError(
                f"{path}: byte 0: {name} byte-order mark: JSON is read as UTF-8 (RFC 8259), re-save it so"
            )
    if b"\x00" in head:
        raise IngestError(
            f"{path}: byte {head.index(0)}: NUL byte: UTF-16 or UTF-32 without a byte-order mark, or binary content; "
            "JSON is read as UTF-8 (RFC 8259)"
        )


def read_decp_json(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    _check_utf8(path)
    shape = scan_json(path)  # before any parser: ijson's memory is quadratic in the nesting
    fmt = detect_format(path)
    shape.check_records(RECORD_DEPTH_2024 if fmt == "2024" else RECORD_DEPTH_2019)
    checks = _check_file(path)
    if checks.lone_surrogates:
        note(
            path,
            f"{checks.lone_surrogates} lone UTF-16 surrogate escape(s) (\\ud800 to \\udfff without their pair: "
            f"no character), read as U+FFFD, the replacement character (first at byte {checks.first_surrogate}); "
            f"the records holding one carry the warning '{LONE_SURROGATE_WARNING}'",
        )
    arrays = (
        [("marches.marche", "marche"), ("marches.contrat-concession", "concession")]
        if fmt == "2024"
        else [("marches", None)]
    )
    for record_path, kind in arrays:
        with path.open("rb") as raw:
            stream = _open_json(raw, checks.nan_tokens, bool(checks.lone_surrogates))
            row = 0
            try:
                # numbers as json.loads gives them: yajl's own integers overflow past 64 bits (the
                # file failed on "montant": 10**30), its doubles past 1e308
                for record in ijson.items(stream, f"{record_path}.item", use_float=False):
                    row += 1
                    item = normalise_record(_floats(record), fmt, record_path, kind)
                    if checks.lone_surrogates and isinstance(item, dict) and "\ufffd" in compact_json(record):
                        item["parse_warnings"] = (item["parse_warnings"] or []) + [LONE_SURROGATE_WARNING]
                    yield row, item
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                raise IngestError(
                    f"{path}: invalid JSON in {record_path} after record {row}, near byte {stream.consumed}: {exc}"
                ) from exc


def _floats(value):
    """ijson's Decimals as floats, in place (1e400 -> inf, as json.loads reads it)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dict, list)):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(item, (decimal.Decimal, dict, list)):
                value[key] = _floats(item)
    return value


def normalise_record(
    record, fmt: str, record_path: str, kind: str | None, warnings: list[str] | None = None
) -> dict | Quarantine:
    if not isinstance(record, dict):
        return Quarantine("record is not a JSON object", None, compact_json(record))
    warnings = list(warnings or [])
    if kind is None:  # 2019: one flat array, the kind is in `_type`
        is_concession = "concession" in str(record.get("_type", "")).lower() or (
            "_type" not in record and "autoriteConcedante" in record
        )
        kind = "concession" if is_concession else "marche"

    if kind == "concession":
        buyer = record.get("autoriteConcedante")
        date_key, amount_key, holders_key = "dateSignature", "valeurGlobale", "concessionnaires"
    else:
        buyer = record.get("acheteur")
        date_key, amount_key, holders_key = "dateNotification", "montant", "titulaires"
    buyer_id = buyer.get("id") if isinstance(buyer, dict) else record.get("acheteur.id")
    buyer_name = buyer.get("nom") if isinstance(buyer, dict) else None

    contract_id = _text(record.get("id"))
    if not contract_id:
        return Quarantine("missing contract id", "id", compact_json(record))
    try:
        buyer_id = _identifier(buyer_id, "siret")
    except IdentifierError as exc:
        return Quarantine(f"acheteur.id: {exc}", "acheteur.id", compact_json(record))
    if not buyer_id:
        return Quarantine("missing buyer SIRET", "acheteur.id", compact_json(record))

    raw_date = record.get(date_key)
    notified = _strict_date(raw_date)
    if notified is None:
        reason = f"{date_key} missing" if raw_date in (None, "") else f"{date_key} is not a date YYYY-MM-DD"
        return Quarantine(reason, date_key, compact_json(record))

    amount, ok = _number(record.get(amount_key))
    if not ok:
        value = record.get(amount_key)
        reason = too_long_reason(amount_key) if _too_long(value) else f"{amount_key} is not a number"
        return Quarantine(reason, amount_key, compact_json(record))
    if amount is None:
        warnings.append(f"{amount_key} missing")

    published = _strict_date(record.get("datePublicationDonnees"))
    if record.get("datePublicationDonnees") not in (None, "") and published is None:
        warnings.append("datePublicationDonnees is not a date")

    lieu = record.get("lieuExecution") if isinstance(record.get("lieuExecution"), dict) else {}
    is_2024 = fmt == "2024"
    return {
        "format_version": fmt,
        "record_path": record_path,
        "contract_kind": kind,
        "id": contract_id,
        "uid": _text(record.get("uid")),
        "source": _text(record.get("source")),
        "acheteur_id": buyer_id,
        "acheteur_nom": _text(buyer_name),
        "nature": _text(record.get("nature")),
        "objet": _text(record.get("objet")),
        "code_cpv": _text(record.get("codeCPV")),
        "procedure": _text(record.get("procedure")),
        "forme_prix": _text(record.get("formePrix")),
        "date_notification": notified,
        "date_publication_donnees": published,
        "montant": amount,
        "duree_mois": _integer(record.get("dureeMois"), "dureeMois", warnings),
        "offres_recues": _integer(record.get("offresRecues"), "offresRecues", warnings),
        "lieu_execution_code": _text(lieu.get("code")),
        "lieu_execution_type_code": _text(lieu.get("typeCode")),
        "ccag": _text(record.get("ccag")),
        "type_groupement_operateurs": _text(record.get("typeGroupementOperateurs")),
        "marche_innovant": _boolean(record.get("marcheInnovant"), "marcheInnovant", warnings),
        "sous_traitance_declaree": _boolean(record.get("sousTraitanceDeclaree"), "sousTraitanceDeclaree", warnings),
        "id_accord_cadre": _text(record.get("idAccordCadre")),
        "techniques": _wrapped_list(record.get("techniques"), "technique"),
        "modalites_execution": _wrapped_list(record.get("modalitesExecution"), "modaliteExecution"),
        "types_prix": _wrapped_list(record.get("typesPrix"), "typePrix")
        or _wrapped_list(record.get("typePrix"), "typePrix"),
        # The 2019 format has no such fields: leave NULL (not available), never an empty "no".
        "considerations_sociales": _wrapped_list(record.get("considerationsSociales"), "considerationSociale")
        if is_2024
        else None,
        "considerations_environnementales": _wrapped_list(
            record.get("considerationsEnvironnementales"), "considerationEnvironnementale"
        )
        if is_2024
        else None,
        "titulaires": _holders(record.get(holders_key), warnings),
        "modifications": _modifications(record.get("modifications"), warnings),
        "parse_warnings": warnings or None,
    }


def _text(value) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    s = str(value).strip()
    return s or None


def _identifier(value, kind: str) -> str | None:
    """A buyer or holder identifier as text: one a platform or a spreadsheet wrote as a number
    (21590001600013, 2.1590001600013E+13, "21590001600013.0") read back to its digits
    (identifiers.identifier_from_cell); IdentifierError when they cannot be known."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and _text(value) is not None:
        return _text(identifier_from_cell(value, kind)[0])
    return _text(value)


def _strict_date(value) -> dt.date | None:
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _too_long(value) -> bool:
    return number_too_long(value.strip() if isinstance(value, str) else value)


def _number(value) -> tuple[float | None, bool]:
    """(value, ok). Missing, NaN or infinite (1e400, as a number or as text) is (None, True); text
    that is not a number, and a number written with more than NUMBER_MAX_CHARS characters (never
    converted), is (None, False)."""
    if value is None or value == "":
        return None, True
    if isinstance(value, bool) or _too_long(value):
        return None, False
    if isinstance(value, (int, float)):
        return (None, True) if isinstance(value, float) and not math.isfinite(value) else (float(value), True)
    if isinstance(value, str):
        s = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if s.upper() in ("NAN", "NC"):
            return None, True
        try:
            f = float(s)
        except ValueError:
            return None, False
        return (None, True) if math.isnan(f) or math.isinf(f) else (f, True)
    return None, False


def _integer(value, name: str, warnings: list[str]) -> int | None:
    number, ok = _number(value)
    if number is None:
        if not ok:
            warnings.append(f"{name} is not a number: {str(value)[:40]}")
        elif value not in (None, ""):
            warnings.append(f"{name} not given: {str(value)[:40]}")
        return None
    if number != int(number) or abs(number) > 2**31 - 1:
        warnings.append(f"{name} is not an integer: {str(value)[:40]}")
        return None
    return int(number)


def _boolean(value, name: str, warnings: list[str]) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    warnings.append(f"{name} is not a boolean: {str(value)[:40]}")
    return None


def _wrapped_list(value, inner: str) -> list[str] | None:
    """`{"technique": ["A", "B"]}` (2024), a bare list, or a bare scalar -> list of strings."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get(inner)
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out = [t for t in (_text(v) for v in items) if t]
    return out or None


def _holders(value, warnings: list[str]) -> list[dict] | None:
    """Titulaires in every shape seen: 2024 wrappers, 2019 flat objects, lists nested 1-4 deep."""
    if value is None:
        return None
    out: list[dict] = []

    def walk(node) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if isinstance(node.get("titulaire"), dict):
                node = node["titulaire"]
            elif isinstance(node.get("concessionnaire"), dict):
                node = node["concessionnaire"]
            siret = str(node.get("typeIdentifiant", "")).strip().upper() == "SIRET"
            try:
                holder_id = _identifier(node.get("id"), "siret" if siret else "code")
            except IdentifierError as exc:
                warnings.append(f"titulaire id not read ({exc}): " + compact_json(node)[:80])
                return
            if holder_id is None:
                warnings.append("titulaire without id ignored: " + compact_json(node)[:80])
                return
            out.append(
                {
                    "type_identifiant": _text(node.get("typeIdentifiant")),
                    "id": holder_id,
                    "denomination_sociale": _text(node.get("denominationSociale")),
                }
            )
        elif node is not None:
            warnings.append("titulaire entry not understood: " + compact_json(node)[:80])

    walk(value)
    return out or None


def _modifications(value, warnings: list[str]) -> list[dict] | None:
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("modification"), dict):
            item = item["modification"]
        if not isinstance(item, dict):
            warnings.append("modification entry not understood")
            continue
        amount, ok = _number(item.get("montant"))
        if not ok:
            warnings.append("modification montant is not a number")
        holders = item.get("titulaires")
        out.append(
            {
                "id": _integer(item.get("id"), "modification.id", warnings),
                "date_notification": _strict_date(item.get("dateNotificationModification")),
                "date_publication": _strict_date(item.get("datePublicationDonneesModification")),
                "montant": amount,
                "duree_mois": _integer(item.get("dureeMois"), "modification.dureeMois", warnings),
                "titulaires_json": compact_json(holders) if holders is not None else None,
            }
        )
    return out or None
