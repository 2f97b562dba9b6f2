"""Text files for the ingest readers: one encoding rule, one CSV reader that numbers records by
the physical line where they start and refuses a quote that swallows lines, one check of a header
against a column contract. Every CSV/text reader of orchestration/ingest/ goes through here.

Encodings (`detect_encoding`), decided on the bytes of the whole file, streamed:
- a byte-order mark decides: UTF-8 -> 'utf-8-sig', UTF-16 LE or BE -> 'utf-16'; the content must
  then decode (UTF-32 is refused);
- without one, the file must decode as strict UTF-8 -> 'utf-8', or else as cp1252 -> 'cp1252'
  (Excel's "CSV (point-virgule)"); cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined, a file
  holding them is neither and is refused;
- UTF-8 that breaks after several valid accented characters (two encodings pasted together), or
  whose last character is cut after valid accents (a truncated copy), is not cp1252: refused
  rather than read with every accent garbled;
- a NUL byte (outside UTF-16) means binary content, or UTF-16 without a byte-order mark: refused
  as "not a text file".
A refusal is an IngestError naming the file, the byte offset and the encodings tried. A `.gz`
file is decompressed on the fly; offsets are then in the decompressed content.

CSV (`open_csv`):
- each record is numbered by the physical line where it starts (header = line 1), whatever the
  line breaks (LF, CRLF, CR);
- a record may span several physical lines only through a line break inside a quoted cell of a
  column whose contract allows multi-line text (`Column(multiline=True)`); anywhere else it is a
  quote left open that would swallow the following lines: the file fails on the line where the
  record started, "unclosed quote (guillemet non fermé)". Where multi-line text is allowed, a
  line inside the quotes that carries a whole record's worth of separators, or a field count
  other than the header's, is the same fault; so is a quote still open at the end of the file.
  A record is held in memory whole, bounded by csv's field size limit (128 KiB) and by the
  length of a physical line (limits.LINE_MAX_CHARS, 1 MiB characters: longer fails the file);
- blank lines at the end of the file are not records; blank lines elsewhere are yielded (the
  readers quarantine them as "empty line"), so rows read = physical lines - header - trailing
  blank lines, checked at the end of the file.

Column contracts (`contract_index`): a missing required column fails the file (line 1, named);
a header column the contract does not know and an optional column that is absent are not errors
but are reported: logged as warnings (logger `orchestration.ingest.text`) and kept per file until
`take_notes(path)` collects them (the ingest framework can attach them to the file's result).
Readers of published formats that carry more columns than the indicators need turn off the
unknown-column report; columns without a name (empty formatted spreadsheet columns) are not
reported.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import logging
import os
import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Self

from .framework import IngestError
from .limits import (
    CSV_FIELD_MAX_CHARS,
    LINE_MAX_CHARS,
    ZIP_MAX_RATIO,
    ZIP_MAX_TOTAL_BYTES,
    ZIP_RATIO_FROM_BYTES,
    mib,
)

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
# the five bytes cp1252 leaves undefined
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# valid accented characters seen before UTF-8 breaks that make the file UTF-8 gone wrong rather
# than cp1252: French cp1252 text fails UTF-8 on its first lower-case accent, and three valid
# multi-byte characters before that (e.g. 'É»') do not happen by chance
_MIXED_AFTER = 3


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes; a `.gz` file decompressed (Météo-France publishes `.csv.gz`), within the
    zip limits of spreadsheets: at most ZIP_MAX_TOTAL_BYTES decompressed, and past
    ZIP_RATIO_FROM_BYTES at most ZIP_MAX_RATIO times the compressed bytes read (a gzip bomb costs
    time, not memory: a CSV is streamed)."""
    if path.suffix.lower() != ".gz":
        return path.open("rb")
    return io.BufferedReader(_BoundedGzip(path))


class _BoundedGzip(io.RawIOBase):
    def __init__(self, path: Path):
        self._path = path
        self._raw = path.open("rb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._out = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # back to the start only (detect_encoding rereads the head)

    def tell(self) -> int:
        return self._out

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR and offset == 0:
            return self._out
        if whence != io.SEEK_SET or offset != 0:
            raise io.UnsupportedOperation("a .gz file is read from its start only")
        self._raw.seek(0)
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._out = 0
        return 0

    def readinto(self, buffer) -> int:
        data = self._gzip.read(len(buffer))
        self._out += len(data)
        read = max(self._raw.tell(), 1)
        if self._out > ZIP_MAX_TOTAL_BYTES or (self._out > ZIP_RATIO_FROM_BYTES and self._out > ZIP_MAX_RATIO * read):
            raise IngestError(
                f"{self._path}: byte {self._out} of the decompressed content: {mib(read)} of gzip expand to more "
                f"than {mib(self._out)} (limits ZIP_MAX_RATIO {ZIP_MAX_RATIO} times, ZIP_MAX_TOTAL_BYTES "
                f"{mib(ZIP_MAX_TOTAL_BYTES)}): a gzip bomb, not a published file"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._gzip.close()
            self._raw.close()
        super().close()


def detect_encoding(path: Path) -> str:
    """'utf-8-sig', 'utf-16', 'utf-8' or 'cp1252', from the bytes of the whole file (module
    docstring); IngestError when the file is none of them or not text."""
    where = " of the decompressed content" if path.suffix.lower() == ".gz" else ""
    try:
        with open_binary(path) as f:
            head = f.read(4)
            if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
                raise IngestError(
                    f"{path}: byte 0: UTF-32 byte-order mark: not an accepted encoding "
                    "(UTF-8, UTF-16 with a byte-order mark, cp1252)"
                )
            f.seek(0)
            if head.startswith(codecs.BOM_UTF8):
                return _check_bom_file(f, path, "utf-8-sig", where)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return _check_bom_file(f, path, "utf-16", where)
            return _utf8_or_cp1252(f, path, where)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise IngestError(f"{path}: cannot read: {exc}") from exc


def _not_text(path: Path, offset: int, where: str) -> IngestError:
    return IngestError(
        f"{path}: byte {offset}{where}: NUL byte: not a text file (binary content, or UTF-16 without a byte-order mark)"
    )


def _check_bom_file(f: IO[bytes], path: Path, encoding: str, where: str) -> str:
    """The byte-order mark names the encoding: the whole content must decode with it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    pending = 0
    for chunk in iter(lambda: f.read(_CHUNK), b""):
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise _bom_error(path, encoding, offset - pending + exc.start, exc, where) from exc
        nul = text.find("\0")
        if nul >= 0:  # offset of the NUL: where this text starts (after the BOM) + its bytes before
            unit, bom = ("utf-16-le", 2) if encoding == "utf-16" else ("utf-8", 3)
            start = offset - pending + (bom if offset == 0 else 0)
            raise _not_text(path, start + len(text[:nul].encode(unit, "surrogatepass")), where)
        offset += len(chunk)
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise _bom_error(path, encoding, offset - pending + exc.start, exc, where) from exc
    return encoding


def _bom_error(path: Path, encoding: str, offset: int, exc: UnicodeDecodeError, where: str) -> IngestError:
    label = "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
    return IngestError(
        f"{path}: byte {offset}{where}: not {label} although the file starts with a {label} "
        f"byte-order mark ({exc.reason}; encoding tried: {label})"
    )


def _utf8_or_cp1252(f: IO[bytes], path: Path, where: str) -> str:
    """One streamed pass: NUL bytes, strict UTF-8 (an incremental decoder, so a character split
    across two chunks is not an error) and the bytes cp1252 leaves undefined."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_error: tuple[int, str, int] | None = None  # offset, reason, byte
    accents = 0  # non-ASCII characters decoded before UTF-8 broke (capped at _MIXED_AFTER)
    cp1252_error: tuple[int, int] | None = None  # offset, byte
    offset = 0
    for chunk in iter(lambda: f.read(_CHUNK), b""):
        nul = chunk.find(b"\0")
        if nul >= 0:
            raise _not_text(path, offset + nul, where)
        if utf8_error is None:
            pending = len(decoder.getstate()[0])
            try:
                accents = _count_accents(decoder.decode(chunk), accents)
            except UnicodeDecodeError as exc:
                good = exc.object[: exc.start].decode("utf-8", "ignore")
                accents = _count_accents(good, accents)
                utf8_error = (offset - pending + exc.start, exc.reason, exc.object[exc.start])
        if cp1252_error is None and (m := _CP1252_UNDEFINED.search(chunk)):
            cp1252_error = (offset + m.start(), chunk[m.start()])
        offset += len(chunk)
    if utf8_error is None:
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError as exc:
            utf8_error = (offset - pending + exc.start, exc.reason, exc.object[exc.start])
            if accents:  # valid accents, then a character cut by the end of the file
                raise IngestError(
                    f"{path}: byte {utf8_error[0]}{where}: UTF-8 character cut by the end of the "
                    "file: truncated file (encoding tried: UTF-8)"
                ) from exc
    u_offset, u_reason, u_byte = utf8_error
    if accents >= _MIXED_AFTER:
        raise IngestError(
            f"{path}: byte {u_offset}{where}: UTF-8 up to here ({accents} or more accented characters), then "
            f"byte 0x{u_byte:02X} is not ({u_reason}): mixed encodings or a damaged file, "
            "re-save it in one encoding (encodings tried: UTF-8, cp1252)"
        )
    if cp1252_error is None:
        return "cp1252"
    raise IngestError(
        f"{path}: byte {cp1252_error[0]}{where}: cannot decode: byte 0x{cp1252_error[1]:02X} is undefined in "
        f"cp1252 and the file is not UTF-8 either (byte {u_offset}: {u_reason}); encodings tried: UTF-8, cp1252"
    )


def _count_accents(text: str, seen: int) -> int:
    if seen >= _MIXED_AFTER or text.isascii():
        return seen
    for _ in _NON_ASCII.finditer(text):
        seen += 1
        if seen >= _MIXED_AFTER:
            break
    return seen


def read_text(path: Path) -> str:
    """The whole file as text (JSON documents), decoded by `detect_encoding`."""
    encoding = detect_encoding(path)
    with open_binary(path) as f:
        return f.read().decode(encoding)


# --- CSV -----------------------------------------------------------------------------------------

# after this many blank lines in a row, they are yielded without waiting for the end of the
# file (memory stays bounded; they are then quarantined, not dropped)
_MAX_PENDING_BLANKS = 10_000
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# csv's default, set here so that nothing else in the process can have raised it (limits.py)
csv.field_size_limit(CSV_FIELD_MAX_CHARS)


def _readline(f: IO[str], path: Path, number: int) -> str:
    """One physical line, at most LINE_MAX_CHARS characters (line break included) in memory."""
    line = f.readline(LINE_MAX_CHARS + 1)
    if len(line) > LINE_MAX_CHARS:
        raise IngestError(
            f"{path}: line {number}: longer than {LINE_MAX_CHARS} characters (limit LINE_MAX_CHARS); "
            "not a CSV file, or its line breaks are lost"
        )
    return line


class _Source:
    """The file's lines for csv.reader (which counts them in `line_num`), noting the end of the
    file: csv.reader only asks past the last line from inside a quoted cell."""

    def __init__(self, f: IO[str], first: str, path: Path):
        self.eof = False
        self.lines = self._lines(f, first, path)

    def _lines(self, f: IO[str], first: str, path: Path) -> Iterator[str]:
        yield first
        number = 1
        while line := _readline(f, path, number + 1):
            number += 1
            yield line
        self.eof = True


class CsvTable:
    """A CSV file opened by `open_csv`: `header` (the cells of line 1), `delimiter`, `encoding`;
    iterating gives `(line, cells)` for each data record, `line` the physical line where it
    starts. Use as a context manager: the file is closed on leaving it."""

    def __init__(self, path: Path, delimiter: str | tuple[str, ...], multiline: Collection[str] | bool):
        self.path = path
        self._delimiters = (delimiter,) if isinstance(delimiter, str) else tuple(delimiter)
        self._multiline = multiline
        self._allowed: set[int] = set()
        self.encoding = ""
        self.delimiter = self._delimiters[0]
        self.header: list[str] = []
        self.records = 0  # data records yielded so far
        self._file: IO[str] | None = None

    def __enter__(self) -> Self:
        path = self.path
        self.encoding = detect_encoding(path)
        try:
            self._file = io.TextIOWrapper(open_binary(path), encoding=self.encoding, newline="")
            first = _readline(self._file, path, 1)
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            self.close()
            raise IngestError(f"{path}: line 1: cannot read: {exc}") from exc
        if not first.strip():
            self.close()
            raise IngestError(
                f"{path}: line 1: {'empty file' if first == '' else 'empty line'}, expected a header line"
            )
        # the separator is the candidate found most often on the header line (ties: the first)
        self.delimiter = max(self._delimiters, key=first.count)
        self._source = _Source(self._file, first, path)
        self._reader = csv.reader(self._source.lines, delimiter=self.delimiter, quotechar='"')
        try:
            self.header = self._record(1)
        except BaseException:
            self.close()
            raise
        self.allow_multiline(self._multiline)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def allow_multiline(self, names: Collection[str] | bool) -> None:
        """The header columns whose cells may hold line breaks (True: all), once the header is
        known (a reader may only know them from it)."""
        self._allowed = (
            set(range(len(self.header)))
            if names is True
            else {i for i, h in enumerate(self.header) if names and h.strip() in names}
        )

    def _unclosed(self, start: int, detail: str) -> IngestError:
        return IngestError(
            f"{self.path}: line {start}: unclosed quote (guillemet non fermé): a quoted cell opened "
            f"on this line is not closed where it should be ({detail}); "
            "the rows after it would be lost"
        )

    def _record(self, start: int) -> list[str]:
        """The record starting on physical line `start` (the header), checked; StopIteration at
        the end of the file."""
        try:
            cells = next(self._reader)
        except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
            raise self._read_error(exc, start) from exc
        self._check(cells, start, self._reader.line_num)
        return cells

    def _read_error(self, exc: Exception, start: int) -> IngestError:
        if isinstance(exc, csv.Error):
            hint = " (a quote left open?)" if "field larger" in str(exc) else ""
            return IngestError(f"{self.path}: line {start}: malformed CSV: {exc}{hint}")
        line = self._reader.line_num + 1
        if isinstance(exc, UnicodeDecodeError):
            return IngestError(f"{self.path}: line {line}: cannot decode as {self.encoding}: {exc.reason}")
        return IngestError(f"{self.path}: line {line}: cannot read: {exc}")

    def _check(self, cells: list[str], start: int, end: int) -> None:
        if end > start:
            self._check_multiline(cells, start, end)
        if self._source.eof:
            raise self._unclosed(start, "the end of the file comes first")

    def _check_multiline(self, cells: list[str], start: int, end: int) -> None:
        """A record over several lines: line breaks only in cells allowed to hold them, the
        header's field count, and no line inside a cell that reads as a record of its own."""
        if not self._allowed:
            raise self._unclosed(start, f"the record runs on to line {end}")
        width = len(self.header)
        line = start  # physical line where the current cell's text is
        for i, cell in enumerate(cells):
            if "\n" not in cell and "\r" not in cell:
                continue
            if i not in self._allowed:
                name = f"column '{self.header[i]}'" if i < width else "a field beyond the header"
                raise self._unclosed(start, f"{name} cannot hold a line break; the record runs on to line {end}")
            for part in _LINE_BREAK.split(cell)[1:]:
                line += 1
                if width > 1 and part.count(self.delimiter) >= width - 1:
                    raise self._unclosed(start, f"line {line}, inside its quotes, looks like a record of its own")
        if len(cells) != width:
            raise self._unclosed(start, f"the record runs to line {end} with {len(cells)} fields, not {width}")

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader, source = self._reader, self._source
        header_lines = end = reader.line_num
        extra = 0  # physical lines beyond the first of multi-line records
        pending: list[tuple[int, list[str]]] = []  # blank records, dropped if nothing follows
        while True:
            start = end + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
                raise self._read_error(exc, start) from exc
            end = reader.line_num
            if end != start or source.eof:  # rare: the checks stay out of the common path
                self._check(cells, start, end)
                extra += end - start
            if not any(map(str.strip, cells)):
                pending.append((start, cells))
                if len(pending) < _MAX_PENDING_BLANKS:
                    continue
            if pending:
                self.records += len(pending)
                yield from pending
                pending = []
                if not any(map(str.strip, cells)):
                    continue
            self.records += 1
            yield start, cells
        # rows read = physical lines - header - trailing blank lines: anything else is lost data
        if header_lines + self.records + extra + len(pending) != reader.line_num:
            raise IngestError(
                f"{self.path}: line accounting broken: {reader.line_num} physical lines, "
                f"{header_lines} header, {self.records} records, {extra} continuation lines, "
                f"{len(pending)} trailing blank lines"
            )


def open_csv(path: Path, delimiter: str | tuple[str, ...] = ";", multiline: Collection[str] | bool = ()) -> CsvTable:
    """A CSV file to read with `with open_csv(...) as table:`. `delimiter`: the separator, or
    candidates to choose from on the header line; `multiline`: the header names whose cells may
    hold line breaks (True: any)."""
    return CsvTable(path, delimiter, multiline)


# --- Column contracts ----------------------------------------------------------------------------

_NOTES: OrderedDict[str, list[str]] = OrderedDict()
_MAX_NOTED_FILES = 1024  # notes nobody collects must not grow without bound


# What a file's header says against its column contract, as the ingest log's notes word it;
# the ingest_log gate warns on a file whose notes hold one of them (gates/datasets.py).
DUPLICATE_COLUMNS = "duplicate column(s)"
COLUMNS_NOT_IN_CONTRACT = "column(s) not in the contract, ignored"
LOADED_AS_EMPTY = "loaded as empty"  # an optional column absent, or likely renamed
COLUMN_NOTES = (DUPLICATE_COLUMNS, COLUMNS_NOT_IN_CONTRACT, LOADED_AS_EMPTY)


def note(path: Path, message: str) -> None:
    """Something about a file worth a look that does not stop it loading (logged and kept)."""
    log.warning("%s: %s", path, message)
    key = os.fspath(path)
    _NOTES.setdefault(key, []).append(message)
    _NOTES.move_to_end(key)
    while len(_NOTES) > _MAX_NOTED_FILES:
        _NOTES.popitem(last=False)


def take_notes(path: Path) -> list[str]:
    """The notes on a file since it was last asked about (and forget them)."""
    return _NOTES.pop(os.fspath(path), [])


def _fold(name: str) -> str:
    """Lower case, no accents, no spacing: how a renamed column is told from an unknown one."""
    s = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in s if not unicodedata.combining(c)))


def contract_index(
    path: Path,
    header: list[str],
    columns,
    *,
    key=None,
    unknown: bool = True,
    absent: bool = True,
    where: str = "line 1",
    label=None,
    suffix: str = "",
) -> dict[str, int]:
    """Position of each header name and of each contract column (`Column`s: name, required) in
    the header. A missing required column raises IngestError("{path}: {where}: missing required
    column '{label(name)}'{suffix}"); header columns outside the contract (`unknown`), optional
    columns absent (`absent`) and duplicate names are noted (`note`). `key` folds names before
    matching (e.g. str.lower)."""
    key = key or (lambda s: s)
    label = label or (lambda s: s)
    index = {h: i for i, h in enumerate(header)}
    by_key = {key(h): i for i, h in enumerate(header)}
    used: set[int] = set()
    missing: list[str] = []
    for col in columns:
        i = by_key.get(key(col.name))
        if i is None:
            if col.required:
                raise IngestError(f"{path}: {where}: missing required column '{label(col.name)}'{suffix}")
            missing.append(col.name)
        else:
            index[col.name] = i
            used.add(i)
    counts = Counter(key(h) for h in header if h)
    duplicates = [h for h in dict.fromkeys(header) if h and counts[key(h)] > 1]
    if duplicates:
        note(path, f"{where}: {DUPLICATE_COLUMNS} {_names(duplicates)}: the last one is read")
    extra = [h for i, h in enumerate(header) if h and i not in used and counts[key(h)] == 1]
    if unknown and extra:
        note(path, f"{where}: {COLUMNS_NOT_IN_CONTRACT}: {_names(extra)}")
    if absent and missing:
        note(path, f"{where}: optional column(s) absent, {LOADED_AS_EMPTY}: {_names(label(m) for m in missing)}")
    if missing and extra:  # a likely rename is worth a note even where the reports are off
        folded = {_fold(h): h for h in extra}
        for name in missing:
            close = difflib.get_close_matches(_fold(name), list(folded), n=1, cutoff=0.8)
            if close:
                note(
                    path,
                    f"{where}: column '{folded[close[0]]}' looks like '{label(name)}' renamed: "
                    f"'{label(name)}' is {LOADED_AS_EMPTY}",
                )
    return index


def _names(names) -> str:
    return ", ".join(f"'{n}'" for n in names)
