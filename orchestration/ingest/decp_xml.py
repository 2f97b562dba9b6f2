"""DECP XML reader: the 2024 format (XSD 2.0.2) and the 2019 format (XSD 1.5.0), streamed.

Each `<marche>` / `<contrat-concession>` element becomes the dict its JSON twin gives (same keys,
arrays where XML repeats elements, numbers and booleans typed where JSON types them) and goes
through `decp.normalise_record`: quarantine rules, warnings and raw rows have one implementation
and staging cannot tell XML from JSON.

Streaming: lxml `iterparse` on the end of each record element; the element and everything before
it are freed once the record is normalised, so memory does not grow with the file. Bounded: the
parser reads at most limits.RECORD_MAX_BYTES between two record boundaries (a record's start and
end, or the end of one and the start of the next) and before the root element; more fails the
file, naming the record and the byte offset. An amount written with more than
limits.NUMBER_MAX_CHARS characters is never converted: its record goes to quarantine.

Hardening (defusedxml's approach): a DOCTYPE is refused before lxml reads the document (entity
expansion, external entities), and lxml itself runs with entity resolution, network access and
huge trees off (libxml2's entity amplification limit stays on). defusedxml's own lxml module is
deprecated and only wraps whole-tree parsing, so it cannot guard iterparse: its expat-based
`iterparse` (`forbid_dtd=True`) reads the prolog instead, the only place a DOCTYPE can stand, and
stops at the root element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import defusedxml
from defusedxml import ElementTree as DefusedET
from lxml import etree

from .decp import normalise_record
from .framework import IngestError, Quarantine
from .limits import RECORD_MAX_BYTES, mib, number_too_long

_RECORDS = {"marche": "marche", "contrat-concession": "concession"}  # element -> contract_kind
_RECORD_TAGS = [f"{{*}}{name}" for name in _RECORDS]  # any namespace, or none
_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    remove_comments=True,
    remove_pis=True,
)
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

# Containers whose items JSON writes as an array: 2024 wraps each item in an object named after
# it (`[{"titulaire": {...}}]`), 2019 does not (`[{...}]`).
_ARRAYS = {
    "titulaires",
    "concessionnaires",
    "modifications",
    "actesSousTraitance",
    "modificationsActesSousTraitance",
    "donneesExecution",
    "tarifs",
}
# The 2024 XSD names this item `modificationActesSousTraitance`; its JSON schema, and the reader
# of the JSON twin, `modificationActeSousTraitance`.
_ITEM_NAMES = {"modificationActesSousTraitance": "modificationActeSousTraitance"}
# Lists of values, an object holding one array in JSON: `{"technique": ["A", "B"]}`.
_VALUE_LISTS = {
    "considerationsSociales",
    "considerationsEnvironnementales",
    "techniques",
    "modalitesExecution",
    "typesPrix",
}
# Leaves JSON writes as numbers (`tarif` is also the name of the item holding it; only the leaf is
# a number) and `id` where it is a number: the rank of a modification or of a sous-traitance act.
_NUMBERS = {
    "montant",
    "dureeMois",
    "offresRecues",
    "valeurGlobale",
    "montantSubventionPublique",
    "origineUE",
    "origineFrance",
    "tauxAvance",
    "depensesInvestissement",
    "tarif",
}
_NUMERIC_ID_IN = {"modification", "acteSousTraitance", "modificationActeSousTraitance"}
_BOOLEANS = {"marcheInnovant", "attributionAvance", "sousTraitanceDeclaree"}
_XML_TRUE, _XML_FALSE = {"oui", "true", "1"}, {"non", "false", "0"}  # the 2024 XSD's union
_XML_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# Only the two XSDs tell the formats apart (same root, same record elements): fields that exist
# in one of them only. 2024 wins, as in JSON files where 2024 records carry 2019-style holders.
_ONLY_2024 = {
    "considerationsSociales",
    "considerationsEnvironnementales",
    "techniques",
    "modalitesExecution",
    "typesPrix",
    "marcheInnovant",
    "ccag",
    "offresRecues",
    "attributionAvance",
    "tauxAvance",
    "typeGroupementOperateurs",
    "origineUE",
    "origineFrance",
    "sousTraitanceDeclaree",
    "actesSousTraitance",
    "modificationsActesSousTraitance",
}
_ONLY_2019 = {"uid", "nom", "denominationSociale", "objetModification"}


def read_decp_xml(path: Path) -> Iterator[tuple[int, dict | Quarantine]]:
    """(rank of the record in the file, 1 = first; raw row or Quarantine), in document order."""
    for rank, record_path, kind, fmt, record in xml_records(path):
        yield rank, normalise_record(record, fmt, record_path, kind)


def xml_records(path: Path) -> Iterator[tuple[int, str, str, str, dict]]:
    """(rank, record path, kind, format, the record as its JSON twin) per record element."""
    default = _file_format(path)
    for rank, record_path, kind, element in _records(path):
        fmt = _format_of(element) or default
        yield rank, record_path, kind, fmt, _object(element, fmt)


def _file_format(path: Path) -> str:
    """Format of the records that show neither: that of the first record showing one, else '2024'
    (such a record normalises the same either way: no considerations to keep or drop)."""
    for _, _, _, element in _records(path):
        fmt = _format_of(element)
        if fmt:
            return fmt
    return "2024"


def _format_of(element) -> str | None:
    names = {_local(e.tag) for e in element.iter()}
    if names & _ONLY_2024:
        return "2024"
    if names & _ONLY_2019:
        return "2019"
    return None


def _records(path: Path) -> Iterator[tuple[int, str, str, etree._Element]]:
    """(rank, record path, kind, element) per record. A record element and everything before it
    are freed when the consumer asks for the next one."""
    _refuse_doctype(path)
    rank = 0
    # our own handle, closed even when the consumer stops early (format detection)
    with path.open("rb") as raw:
        source = _BoundedSource(raw, path)
        context = etree.iterparse(source, events=("start", "end"), tag=_RECORD_TAGS, **_PARSER_OPTIONS)
        try:
            for event, element in context:
                source.boundary(event, rank)
                if event == "start":
                    continue
                name, parent = _local(element.tag), element.getparent()
                if parent is None:  # 2019: a document may be a single record
                    record_path = name
                elif parent.getparent() is None and _local(parent.tag) == "marches":
                    record_path = f"marches.{name}"
                else:
                    raise IngestError(
                        f"{path}: line {element.sourceline}: <{name}> inside <{_local(parent.tag)}>; "
                        "DECP XML holds records in a <marches> root"
                    )
                rank += 1
                yield rank, record_path, _RECORDS[name], element
                element.clear(keep_tail=False)
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            # no record count here: lxml parses ahead and fails before yielding what it has parsed
            line, column = exc.position
            raise IngestError(f"{path}: malformed XML at line {line}, column {column}: {exc.msg}") from exc
        root = context.root
        if rank == 0 and root is not None and _local(root.tag) != "marches":
            raise IngestError(f"{path}: line {root.sourceline}: root element <{_local(root.tag)}>; not a DECP XML file")


class _BoundedSource:
    """The file as the parser reads it: at most RECORD_MAX_BYTES between two record boundaries
    (`boundary`, called on each record start and end event), or before the root element. The
    parser reads ahead by 32 KiB: sizes are measured from where an event was seen."""

    def __init__(self, raw, path: Path):
        self._raw, self._path = raw, path
        self.offset = 0  # bytes read
        self._since = 0  # offset at the last boundary
        self._open = 0  # record elements open
        self._rank = 0  # records ended

    def boundary(self, event: str, rank: int) -> None:
        self._open += 1 if event == "start" else -1
        self._since, self._rank = self.offset, rank

    def read(self, n: int = -1) -> bytes:
        if self.offset - self._since > RECORD_MAX_BYTES:
            if self._open > 0:
                where = f"record {self._rank + 1} holds"
            elif self._rank:
                where = f"after record {self._rank}, the document holds"
            else:
                where = "before the first record, the document holds"
            raise IngestError(
                f"{self._path}: byte {self.offset}: {where} more than {mib(RECORD_MAX_BYTES)} of XML "
                "(limit RECORD_MAX_BYTES); a DECP record is a few KiB"
            )
        data = self._raw.read(n)
        self.offset += len(data)
        return data


def _refuse_doctype(path: Path) -> None:
    """A DOCTYPE can only precede the root element: parse up to the root's start tag with
    defusedxml, which raises on the declaration before any entity is defined or expanded."""
    try:
        with path.open("rb") as f:
            for _ in DefusedET.iterparse(
                _BoundedSource(f, path), events=("start",), forbid_dtd=True, forbid_entities=True, forbid_external=True
            ):
                return
    except defusedxml.DefusedXmlException as exc:
        raise IngestError(
            f"{path}: DOCTYPE or entity declaration refused ({type(exc).__name__}: {exc}); "
            "DECP XML has none, and they carry entity-expansion and external-entity attacks"
        ) from exc
    except DefusedET.ParseError as exc:
        line, column = exc.position
        raise IngestError(f"{path}: malformed XML at line {line}, column {column}: {exc}") from exc


def _local(tag) -> str:
    """Tag without its namespace (a default namespace is tolerated)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _object(element, fmt: str) -> dict:
    """Children as JSON keys; a child repeated where the format has no array becomes a list."""
    parent = _item_name(element)
    grouped: dict[str, list] = {}
    for child in element:
        name = _local(child.tag)
        grouped.setdefault(name, []).append(_value(child, name, parent, fmt))
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def _value(element, name: str, parent: str, fmt: str):
    if element.get(_XSI_NIL) in ("true", "1"):
        return None
    if name in _VALUE_LISTS:  # always a list, even of one value, as in JSON
        if not len(element):
            return _bare_text(element, {})
        grouped: dict[str, list] = {}
        for child in element:
            grouped.setdefault(_item_name(child), []).append(_item(child, fmt))
        return grouped
    if name in _ARRAYS:
        if not len(element):  # `<modifications/>`: an empty array
            return _bare_text(element, [])
        if fmt == "2024":
            return [{_item_name(child): _item(child, fmt)} for child in element]
        return [_item(child, fmt) for child in element]
    if len(element):
        return _object(element, fmt)
    text = element.text or ""
    if name in _BOOLEANS:
        token = text.strip().lower()
        return True if token in _XML_TRUE else False if token in _XML_FALSE else text
    if name in _NUMBERS or (name == "id" and parent in _NUMERIC_ID_IN):
        return _number(text)
    return text


def _bare_text(element, empty):
    """A container without children: empty (blank text) or a bare value, kept for normalise_record
    to read or warn about as it does in JSON (`"typePrix": "Ferme"`)."""
    text = element.text or ""
    return text if text.strip() else empty


def _item(element, fmt: str):
    return _object(element, fmt) if len(element) else element.text or ""


def _item_name(element) -> str:
    name = _local(element.tag)
    return _ITEM_NAMES.get(name, name)


def _number(text: str):
    """int or float as JSON would hold it; anything else stays text, for normalise_record to judge
    (quarantine for an amount, a warning elsewhere), exactly as the same text in JSON."""
    s = text.strip()
    if number_too_long(s) or not _XML_NUMBER.fullmatch(s):
        return text
    return float(s) if any(c in s for c in ".eE") else int(s)
