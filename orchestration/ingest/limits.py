"""Bounds on what one landing file may cost in memory, and the checks that hold them.

Every reader of orchestration/ingest/ takes its limits from here: one definition of each. A file
past a limit fails with an IngestError naming the file, the position (byte, line, record, sheet
and row, as the format gives them) and the limit; a single value past a limit inside an
otherwise readable record (a number written with too many characters) sends that record to
quarantine with the reason instead. Measured peaks and the tests: docs/reliability.md,
tests/test_memory_bounds.py.

Why each check runs *before* the parser:

- JSON (`scan_json`): ijson's C backend gives each event the path of the open containers as a
  string, a whole buffer of events at a time, so a document nested N deep costs O(N^2) memory
  before its first event reaches Python (a 200 KB file of `[` 100 000 deep grew a reader to
  24 GB); Python's json is recursive; a string or a number is held whole. One streamed pass over
  the bytes (numpy on 4 MiB chunks, ~150 MB/s) measures nesting, strings, numbers and records
  first, in constant memory.
- Spreadsheets (`check_spreadsheet`): an .xlsx file is a zip archive. openpyxl reads
  sharedStrings.xml, styles and the workbook whole, and each sheet row as one XML tree (about
  30 bytes of memory per byte of row XML): the declared sizes, the compression ratio and the
  compression method of every member are checked on the archive's directory, and each sheet's
  rows are measured on the decompressed stream, before openpyxl opens the file. Python's zipfile
  never inflates a member beyond its declared size (it stops there, then fails the CRC).
- XML: a DOCTYPE is refused before lxml parses (decp_xml.py: no entity expansion); libxml2 without
  XML_PARSE_HUGE caps nesting (256) and text nodes (10 MB); a record is bounded by RECORD_MAX_BYTES.
- CSV: csv's field size limit and a bound on the length of a physical line (text.py).
- Numbers: Python parses a decimal text into an int in quadratic time, which is why it refuses
  more than 4 300 digits by default (sys.set_int_max_str_digits); our readers never convert a
  number written with more than NUMBER_MAX_CHARS characters, and openpyxl's conversions run
  under the default limit whatever the process set (`int_digits_limit`).
"""

from __future__ import annotations

import contextlib
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np  # a dependency of pandas

from .framework import IngestError

MiB = 1 << 20

# --- The limits ----------------------------------------------------------------------------------

# Nesting of JSON arrays and objects. DECP goes 8 to 12 deep (2024: root, marches, marche, record,
# modifications, item, modification, titulaires, item, titulaire; 2019 nests titulaires lists up
# to 4 deep).
JSON_MAX_DEPTH = 64
# One JSON string value, quotes and escapes included. A DECP `objet` is at most a few KiB.
JSON_MAX_STRING_BYTES = 1 * MiB
# One record: an item of `marches.marche` / `marches.contrat-concession` (2024) or of `marches`
# (2019), or one XML record element, as bytes of the file. A DECP record is 1 to 50 KiB; the
# costliest 4 MiB (empty lists, empty XML elements) measured +150 MiB through the ingest.
RECORD_MAX_BYTES = 4 * MiB
# A number as written (JSON token, XML or CSV text, spreadsheet cell): sign, digits, point,
# exponent. A double has 17 significant digits; an amount needs fewer than 20 characters.
NUMBER_MAX_CHARS = 100
# Python's own bound on decimal text converted to int (sys.int_info.default_max_str_digits).
INT_MAX_STR_DIGITS = 4300
# A JSON document read whole (the GRDF API's relevés, ~1 MiB for years of daily readings):
# json.loads costs up to 25 times the bytes (measured: 400 MiB for 16 MiB of empty lists).
WHOLE_DOCUMENT_MAX_BYTES = 8 * MiB
# CSV: one physical line, in characters (a 165-column Trackdéchets line is ~2 KiB), and one field
# (csv's default field_size_limit, set explicitly by text.py so nothing else can raise it).
LINE_MAX_CHARS = 1 * MiB
CSV_FIELD_MAX_CHARS = 128 * 1024
# Spreadsheets (.xlsx: a zip archive of XML parts), checked before openpyxl opens the file.
# Measured with openpyxl 3.1 read-only (tests/test_memory_bounds.py, docs/reliability.md).
ZIP_MAX_MEMBERS = 1000  # an .xlsx of one sheet has ~10 parts, with pictures a few dozen
ZIP_MAX_TOTAL_BYTES = 1024 * MiB  # declared uncompressed sizes of all members together
# compression ratio of a member over 1 MiB: Apache POI's default (ZipSecureFile, 1 %); real
# sheets compress 5 to 30 times, a zip bomb a thousand times
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM_BYTES = 1 * MiB
# a sheet (xl/worksheets/*.xml) is streamed row by row: its size bounds the time, not the memory
SHEET_MAX_BYTES = 512 * MiB
# xl/sharedStrings.xml is read whole into a list: ~5 times its bytes (measured 160 MiB for 32 MiB)
SHARED_STRINGS_MAX_BYTES = 32 * MiB
# any other XML part (styles, workbook, relationships, ...) is parsed whole, as a tree: bounded
# like the bytes outside a sheet's rows (not measured part by part)
XML_PART_MAX_BYTES = 4 * MiB
# within a sheet (measured): one row's XML is parsed as one tree, ~30 times its bytes; what lies
# outside the rows (merged cells, hyperlinks, formats) is kept as trees until the end of the
# sheet, ~20 times; each row read leaves an empty element behind, ~70 bytes (Excel's own limit
# on rows)
SHEET_ROW_MAX_BYTES = 1 * MiB
SHEET_OUTSIDE_ROWS_MAX_BYTES = 4 * MiB
SHEET_MAX_ROWS = 1_048_576
# OpenDocument (.ods, LibreOffice): content.xml is streamed and freed cell by cell, so only its
# rows are bounded as above. A row or cell may say it repeats (table:number-rows-repeated,
# table:number-columns-repeated): empty repeats cost nothing, the copies of repeated values are
# bounded, in characters, and so is a row's width (LibreOffice's own maximum) and a run of spaces
# (text:s c="...")
ODS_REPEATED_MAX_CHARS = 32 * MiB  # a copy costs ~5 times its characters through the ingest (measured)
ODS_MAX_COLUMNS = 16_384

SCAN_CHUNK_BYTES = 4 * MiB


def mib(n: int) -> str:
    """`n` bytes for a message: '4 MiB', '19.1 MiB', '512 bytes'."""
    if n < MiB:
        return f"{n:,} bytes".replace(",", " ")
    return f"{n / MiB:,.1f}".removesuffix(".0").replace(",", " ") + " MiB"


# --- Numbers -------------------------------------------------------------------------------------


_TOO_LONG_INT = 10**NUMBER_MAX_CHARS


def number_too_long(value) -> bool:
    """A number written (text, stripped) or read (int) with more than NUMBER_MAX_CHARS
    characters: never converted, never summed."""
    if isinstance(value, str):
        return len(value) > NUMBER_MAX_CHARS
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _TOO_LONG_INT


def too_long_reason(name: str) -> str:
    """Quarantine reason of a number written with too many characters."""
    return f"{name} is a number of more than {NUMBER_MAX_CHARS} characters (limit NUMBER_MAX_CHARS)"


@contextlib.contextmanager
def int_digits_limit() -> Iterator[None]:
    """Python's default bound on int(text) for the duration (a library's conversions), whatever
    the process set (0 = no bound: quadratic time on a cell of a million digits)."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(INT_MAX_STR_DIGITS)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


# --- Whole documents -----------------------------------------------------------------------------


def check_whole_document(path: Path) -> None:
    size = path.stat().st_size
    if size > WHOLE_DOCUMENT_MAX_BYTES:
        raise IngestError(
            f"{path}: byte {WHOLE_DOCUMENT_MAX_BYTES}: the file ({mib(size)}) is larger than the "
            f"{mib(WHOLE_DOCUMENT_MAX_BYTES)} this format is read whole up to (limit WHOLE_DOCUMENT_MAX_BYTES)"
        )


# --- JSON ----------------------------------------------------------------------------------------

_QUOTE, _OPEN, _CLOSE = ord('"'), ord("["), ord("]")  # '{' & 0xDF == '[', '}' & 0xDF == ']'
_NUMBER_CHARS = b"0123456789+-.eE"
_AS_NUMBER_RUN = bytes(ord("x") if c in _NUMBER_CHARS else ord(" ") for c in range(256))
_LONG_NUMBER = b"x" * (NUMBER_MAX_CHARS + 1)
RECORD_DEPTH_2019 = 3  # {"marches": [ {record}
RECORD_DEPTH_2024 = 4  # {"marches": {"marche": [ {record}


@dataclass
class JsonShape:
    """What `scan_json` measured that depends on the format: the first record past
    RECORD_MAX_BYTES at each candidate depth, as (byte offset, rank in the file, bytes)."""

    name: str
    oversized: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    # with `scan_json(..., spans_at=depth)`: the byte offsets of the opening and the closing
    # bracket of every array or object at that depth, in file order (scalars are not counted)
    spans: tuple[np.ndarray, np.ndarray] | None = None

    def check_records(self, depth: int) -> None:
        """IngestError when a record at `depth` (RECORD_DEPTH_2019 / _2024) is too large."""
        if depth in self.oversized:
            offset, rank, size = self.oversized[depth]
            raise IngestError(
                f"{self.name}: byte {offset}: record {rank} of the file holds more than "
                f"{mib(RECORD_MAX_BYTES)} of JSON ({mib(size)} read; limit RECORD_MAX_BYTES); "
                "a DECP record is a few KiB"
            )


def mask_escapes(data: bytes) -> bytes:
    """`data` with each backslash escape replaced by `__`: the same length, and every quote left
    opens or closes a string. `data` must not start inside an escape (cut chunks with `even_cut`)."""
    if b"\\" not in data:
        return data
    return data.replace(b"\\\\", b"__").replace(b'\\"', b"__")


def even_cut(buf: bytes, cut: int) -> int:
    """`cut`, or one byte earlier when an odd run of backslashes ends there (its last one escapes
    the byte at `cut`)."""
    if not cut or buf[cut - 1] != ord("\\"):
        return cut
    run = cut - len(buf[:cut].rstrip(b"\\"))
    return cut - (run & 1)


class _JsonScan:
    """The state carried from one chunk to the next (see `scan_json`)."""

    def __init__(self, name: str, spans_at: int | None = None):
        self.name = name
        self.spans_at = spans_at
        self.span_parts: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        self.base = 0  # offset of the current region in the file
        self.depth = 0
        self.string_start: int | None = None  # offset of the quote opening a string still open
        self.record_start: dict[int, int | None] = {RECORD_DEPTH_2019: None, RECORD_DEPTH_2024: None}
        self.records = dict.fromkeys(self.record_start, 0)
        self.shape = JsonShape(name)

    def fail(self, offset: int, what: str) -> IngestError:
        return IngestError(f"{self.name}: byte {offset}: {what}; not a DECP file, or a damaged one")

    def region(self, data: bytes) -> None:
        """One region of the file that ends neither inside an escape nor inside a short number."""
        base, size = self.base, len(data)
        data = mask_escapes(data)
        a = np.frombuffer(data, np.uint8)
        quotes = np.flatnonzero(a == _QUOTE)  # every one opens or closes a string, alternately
        folded = a & 0xDF  # '{' -> '[', '}' -> ']'
        brackets = np.flatnonzero((folded == _OPEN) | (folded == _CLOSE))
        starts_inside = self.string_start is not None
        outside = ((np.searchsorted(quotes, brackets) + starts_inside) & 1) == 0
        self._strings(base, size, quotes, starts_inside)
        self._numbers(base, data, quotes, starts_inside)
        brackets = brackets[outside]
        self._brackets(base, size, brackets, folded[brackets] == _OPEN)
        self.base += size

    def _strings(self, base: int, size: int, quotes: np.ndarray, carried: bool) -> None:
        opens, closes = quotes[carried::2], quotes[1 - carried :: 2]
        lengths = []
        if carried and len(closes):
            lengths.append((self.string_start, base + int(closes[0]) + 1 - self.string_start))
        n = max(0, min(len(opens), len(closes) - carried))
        if n > 0:
            spans = closes[carried : carried + n] - opens[:n] + 1
            i = int(spans.argmax())
            lengths.append((base + int(opens[i]), int(spans[i])))
        if len(opens) > n:
            self.string_start = base + int(opens[-1])
        elif carried and not len(closes):
            pass  # still inside the string carried over
        else:
            self.string_start = None
        if self.string_start is not None:
            lengths.append((self.string_start, base + size - self.string_start))
        for offset, length in lengths:
            if length > JSON_MAX_STRING_BYTES:
                raise self.fail(
                    offset,
                    f"a string of more than {mib(JSON_MAX_STRING_BYTES)} (limit JSON_MAX_STRING_BYTES)",
                )

    def _numbers(self, base: int, data: bytes, quotes: np.ndarray, starts_inside: bool) -> None:
        runs = data.translate(_AS_NUMBER_RUN)
        at = runs.find(_LONG_NUMBER)
        while at != -1:
            inside = (int(np.searchsorted(quotes, at)) + starts_inside) & 1
            if not inside:
                raise self.fail(
                    base + at, f"a number of more than {NUMBER_MAX_CHARS} characters (limit NUMBER_MAX_CHARS)"
                )
            end = runs.find(b" ", at)
            at = -1 if end == -1 else runs.find(_LONG_NUMBER, end)

    def _brackets(self, base: int, size: int, where: np.ndarray, opening: np.ndarray) -> None:
        if not len(where):
            return
        depth = np.cumsum(np.where(opening, 1, -1), dtype=np.int64) + self.depth
        if int(depth.max()) > JSON_MAX_DEPTH:
            at = base + int(where[int(np.argmax(depth > JSON_MAX_DEPTH))])
            raise self.fail(at, f"arrays and objects nested more than {JSON_MAX_DEPTH} deep (limit JSON_MAX_DEPTH)")
        self.depth = int(depth[-1])
        for level, start in self.record_start.items():
            opens = where[opening & (depth == level)]
            closes = where[~opening & (depth == level - 1)]
            carried = start is not None
            spans = []
            if carried and len(closes):
                spans.append((start, self.records[level], base + int(closes[0]) + 1 - start))
            n = max(0, min(len(opens), len(closes) - carried))
            if n > 0:
                sizes = closes[carried : carried + n] - opens[:n] + 1
                i = int(sizes.argmax())
                spans.append((base + int(opens[i]), self.records[level] + i + 1, int(sizes[i])))
            self.records[level] += len(opens)
            if level == self.spans_at:
                self.span_parts[0].append(base + opens)
                self.span_parts[1].append(base + closes)
            if len(opens) > n:
                start = base + int(opens[-1])
            elif not (carried and not len(closes)):
                start = None
            self.record_start[level] = start
            if start is not None:
                spans.append((start, self.records[level], base + size - start))
            for offset, rank, length in spans:
                if length > RECORD_MAX_BYTES and level not in self.shape.oversized:
                    self.shape.oversized[level] = (offset, rank, length)


def _cut(buf: bytes) -> int:
    """Where the region of `buf` to scan now ends: before the last backslash of an odd run (it
    escapes the next chunk's first byte) or before a trailing run of number characters short
    enough to be one number cut in two; the rest is carried over."""
    if buf.endswith(b"\\"):
        return even_cut(buf, len(buf))
    tail = buf[-(NUMBER_MAX_CHARS + 1) :].translate(_AS_NUMBER_RUN)
    digits = len(tail) - len(tail.rstrip(b"x"))
    return len(buf) - digits if digits <= NUMBER_MAX_CHARS else len(buf)


def scan_json_chunks(chunks: Iterable[bytes], name: str, spans_at: int | None = None) -> JsonShape:
    """`scan_json` over bytes given in pieces (any sizes)."""
    scan = _JsonScan(name, spans_at)
    carry = b""
    for data in chunks:
        if not data:
            continue
        buf = carry + data
        cut = _cut(buf)
        scan.region(buf[:cut])
        carry = buf[cut:]
    if carry:
        scan.region(carry)
    if spans_at is not None:
        opens, closes = (np.concatenate(parts) if parts else np.zeros(0, np.int64) for parts in scan.span_parts)
        scan.shape.spans = (opens, closes)
    return scan.shape


def scan_json(path: Path, spans_at: int | None = None) -> JsonShape:
    """One streamed pass over a JSON file's bytes, in constant memory, before any parser sees
    it: IngestError (file, byte offset, limit) on nesting deeper than JSON_MAX_DEPTH, a string
    longer than JSON_MAX_STRING_BYTES or a number token longer than NUMBER_MAX_CHARS. Records
    larger than RECORD_MAX_BYTES are noted at both DECP record depths: the reader checks the one
    of its format (`JsonShape.check_records`). Not a validation: invalid JSON is left to the
    parser, which then only ever sees bounded input. With `spans_at` (RECORD_DEPTH_2019 or
    RECORD_DEPTH_2024), the shape also holds where each container at that depth opens and closes
    (`JsonShape.spans`, 16 bytes a record: the one memory that grows with the file)."""
    try:
        with path.open("rb") as f:
            return scan_json_chunks(iter(lambda: f.read(SCAN_CHUNK_BYTES), b""), str(path), spans_at)
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from exc


# --- Spreadsheets --------------------------------------------------------------------------------

_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_SHARED_STRINGS = re.compile(r"xl/sharedStrings\.xml", re.IGNORECASE)
_XML_PART = re.compile(r".*\.(?:xml|rels|vml)", re.IGNORECASE | re.DOTALL)
# a row's start or end tag, any namespace prefix (`<row`, `<x:row`, `</row>`; not `<rowBreaks`)
_ROW_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?row(?![\w.:-])")
_ODS_ROW_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?table-row(?![\w.:-])")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_WORKSHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet(?![\w.:-])")
_ROW_NUMBER = re.compile(rb'\sr\s*=\s*["\'](\d+)')


def check_spreadsheet(path: Path) -> None:
    """The archive of an .xlsx file within the limits above, before openpyxl opens it:
    IngestError naming the file, the member (and the row) and the limit otherwise."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise IngestError(f"{path}: byte 0: not an Excel workbook (an .xlsx file is a zip archive): {exc}") from exc
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise IngestError(
                f"{path}: {len(members)} members in the archive, more than {ZIP_MAX_MEMBERS} (limit ZIP_MAX_MEMBERS)"
            )
        total = 0
        for info in members:
            _check_member(path, info)
            total += info.file_size
            if total > ZIP_MAX_TOTAL_BYTES:
                raise IngestError(
                    f"{path}: member {info.filename}: the archive expands to more than {mib(ZIP_MAX_TOTAL_BYTES)} "
                    "(limit ZIP_MAX_TOTAL_BYTES)"
                )
        for info in members:
            if _XML_PART.fullmatch(info.filename):
                try:
                    _check_rows(path, archive, info)
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:  # CRC: a size that lies
                    raise IngestError(f"{path}: member {info.filename}: cannot read: {exc}") from exc


def check_ods(path: Path) -> None:
    """The archive of an .ods file within the limits, before its content.xml is parsed: members,
    methods, declared sizes and ratios as for .xlsx (content.xml bounded like a sheet), then each
    row's XML and the row count on the decompressed stream."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise IngestError(
            f"{path}: byte 0: not an OpenDocument spreadsheet (an .ods file is a zip archive): {exc}"
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise IngestError(
                f"{path}: {len(members)} members in the archive, more than {ZIP_MAX_MEMBERS} (limit ZIP_MAX_MEMBERS)"
            )
        names = {info.filename: info for info in members}
        if "content.xml" not in names or "mimetype" not in names or names["mimetype"].file_size > 100:
            raise IngestError(f"{path}: byte 0: not an OpenDocument spreadsheet (no mimetype or content.xml member)")
        total = 0
        for info in members:
            _check_member(path, info, sheet=info.filename == "content.xml")
            total += info.file_size
            if total > ZIP_MAX_TOTAL_BYTES:
                raise IngestError(
                    f"{path}: member {info.filename}: the archive expands to more than {mib(ZIP_MAX_TOTAL_BYTES)} "
                    "(limit ZIP_MAX_TOTAL_BYTES)"
                )
        try:
            mimetype = archive.read("mimetype").strip()
            if mimetype != ODS_MIMETYPE:
                raise IngestError(f"{path}: member mimetype: {mimetype[:80]!r}, not an OpenDocument spreadsheet")
            _check_rows(path, archive, names["content.xml"], _ODS_ROW_TAG, None)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise IngestError(f"{path}: member content.xml: cannot read: {exc}") from exc


def _check_member(path: Path, info: zipfile.ZipInfo, sheet: bool = False) -> None:
    name = info.filename
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise IngestError(
            f"{path}: member {name}: compression method {info.compress_type}; a workbook uses deflate "
            "(other methods cannot be inflated in bounded steps)"
        )
    if sheet or _SHEET.fullmatch(name):
        limit, label = SHEET_MAX_BYTES, "SHEET_MAX_BYTES"
    elif _SHARED_STRINGS.fullmatch(name):
        limit, label = SHARED_STRINGS_MAX_BYTES, "SHARED_STRINGS_MAX_BYTES"
    elif _XML_PART.fullmatch(name):
        limit, label = XML_PART_MAX_BYTES, "XML_PART_MAX_BYTES"
    else:
        limit, label = ZIP_MAX_TOTAL_BYTES, "ZIP_MAX_TOTAL_BYTES"
    if info.file_size > limit:
        raise IngestError(
            f"{path}: member {name}: expands to {mib(info.file_size)}, more than {mib(limit)} (limit {label})"
        )
    if info.file_size > ZIP_RATIO_FROM_BYTES and info.file_size > ZIP_MAX_RATIO * info.compress_size:
        ratio = info.file_size / max(info.compress_size, 1)
        raise IngestError(
            f"{path}: member {name}: expands {ratio:,.0f} times ({mib(info.compress_size)} to "
            f"{mib(info.file_size)}), more than {ZIP_MAX_RATIO} times (limit ZIP_MAX_RATIO): a zip bomb, not a workbook"
        )


def _check_rows(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, row_tag=_ROW_TAG, sheet_tag=_WORKSHEET
) -> None:
    """Row sizes and row count of one XML member, and the bytes outside its rows if it is a
    worksheet (whatever its name: the workbook's relationships, not the name, make a sheet;
    `sheet_tag` None: not bounded, the parser frees them), on its decompressed stream (zipfile
    inflates at most the declared size)."""
    name, rows, outside = info.filename, 0, 0
    row_start: int | None = None  # offset of the open row's start tag
    row_head = b""  # its first bytes, for its number
    last = 0  # where the current stretch outside rows began
    base, carry = 0, b""
    sheet = False  # a worksheet: the bytes outside its rows are bounded too

    def fail(at: int, what: str) -> IngestError:
        return IngestError(f"{path}: member {name}: byte {at}: {what}")

    def too_long() -> IngestError:
        number = _ROW_NUMBER.search(row_head)
        which = f"row {int(number.group(1))}" if number else f"row element {rows}"
        return fail(row_start, f"{which} holds more than {mib(SHEET_ROW_MAX_BYTES)} of XML (limit SHEET_ROW_MAX_BYTES)")

    with archive.open(info) as member:
        for data in iter(lambda: member.read(SCAN_CHUNK_BYTES), b""):
            buf = carry + data
            keep = max(0, len(buf) - 64)  # a tag cut in two is found in the next buffer
            for m in row_tag.finditer(buf, 0, len(buf)):
                if m.start() >= keep:
                    break
                at = base + m.start()
                if row_start is not None:  # an end tag, or the start of the next row, ends it
                    if at - row_start > SHEET_ROW_MAX_BYTES:
                        raise too_long()
                    row_start, last = None, at
                if not m.group(1):
                    outside += at - last
                    rows += 1
                    if rows > SHEET_MAX_ROWS:
                        raise fail(at, f"more than {SHEET_MAX_ROWS} rows (limit SHEET_MAX_ROWS, Excel's own)")
                    row_start, row_head = at, buf[m.start() : m.start() + 200]
                    close = buf.find(b">", m.end())
                    if close > 0 and buf[close - 1] == ord("/"):  # <row .../>: ends here
                        if close + 1 - m.start() > SHEET_ROW_MAX_BYTES:
                            raise too_long()
                        row_start, last = None, base + close + 1
            end = base + keep
            if row_start is not None and end - row_start > SHEET_ROW_MAX_BYTES:
                raise too_long()
            sheet = sheet or (sheet_tag is not None and sheet_tag.search(buf) is not None)  # whatever its name
            if sheet and row_start is None and outside + end - last > SHEET_OUTSIDE_ROWS_MAX_BYTES:
                raise fail(
                    end,
                    f"more than {mib(SHEET_OUTSIDE_ROWS_MAX_BYTES)} of XML outside the rows "
                    "(limit SHEET_OUTSIDE_ROWS_MAX_BYTES)",
                )
            carry, base = buf[keep:], base + keep
