"""Bounded resources on any input (issue 12): every reader of the landing feeds stays within a
documented memory bound whatever the file holds (orchestration/ingest/limits.py).

Each pathological file is built in a temporary folder and loaded through the real reader and the
ingest framework (`ingest_files`, a DuckDB in memory) in a child process capped in address space
(RLIMIT_AS) and time, so a reader that runs away gets a MemoryError or is killed without taking
the machine down. The child reports the outcome and its peak RSS while reading (Linux VmHWM,
reset once the imports are done): the outcome must be a clear IngestError naming the file, the
position and the limit, or the bad record in quarantine with its reason (and rows read = loaded
+ quarantined), and the peak must stay under PEAK_RSS_BOUND_MIB. `pytest -s` prints the measured
peaks (recorded in docs/reliability.md).
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
import textwrap
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import limits
from orchestration.ingest.decp import _NanTolerantStream
from orchestration.ingest.framework import IngestError
from orchestration.ingest.limits import MiB, scan_json_chunks

REPO = Path(__file__).resolve().parents[1]
PEAK_RSS_BOUND_MIB = 500  # docs/reliability.md: the bound every pathological file stays under
ADDRESS_SPACE_CAP = 3 << 30  # the child's RLIMIT_AS (DuckDB and pyarrow reserve ~1 GiB of it)
CHILD_TIMEOUT_S = 60

BUYER = "21590001200019"


# --- The child ---------------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import importlib, json, re, resource, sys
    from pathlib import Path

    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    import duckdb
    from orchestration.ingest.framework import IngestError, ingest_files

    def attr(spec):
        module, names = spec.split(":")
        obj = importlib.import_module(module)
        for name in names.split("."):
            obj = getattr(obj, name)
        return obj

    def status(key):
        return int(re.search(key + r":\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024

    spec = json.loads(sys.argv[1])
    path = Path(spec["file"])
    target, reader = attr(spec["table"]), attr(spec["reader"])
    bulk = attr(spec["bulk"]) if spec.get("bulk") else None
    con = duckdb.connect()
    con.execute("SELECT 1")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # peak := now, the imports left behind
    except OSError:
        pass  # the imports' peak counts too: an upper bound
    before = status("VmRSS")
    out = {{}}
    try:
        [r] = ingest_files(con, target, path.parent, [path], reader, bulk=bulk)
        out.update(outcome="loaded", read=r.rows_read, loaded=r.rows_loaded, quarantined=r.rows_quarantined,
                   reasons=r.quarantine_reasons)
        out["raw_reasons"] = [x[0] for x in con.execute(
            f"SELECT reason FROM quarantine.{{target.table}} ORDER BY _source_row").fetchall()]
    except IngestError as exc:
        out.update(outcome="IngestError", error=str(exc))
    except BaseException as exc:  # MemoryError, RecursionError, ...: a failure of the bound
        out.update(outcome=type(exc).__name__, error=repr(exc)[:1000])
    out.update(peak_mib=status("VmHWM"), before_mib=before)
    print("RESULT " + json.dumps(out))
""")


@dataclass(frozen=True)
class Case:
    name: str
    build: object  # (folder) -> path of the file
    reader: str  # module:function
    table: str  # module:FeedTable
    bulk: str | None = None  # module:function giving a BulkReader, as the feed does
    timeout: int = CHILD_TIMEOUT_S


def _run_child(case: Case, folder: Path) -> dict:
    folder.mkdir(parents=True)
    started = time.monotonic()
    path = case.build(folder)
    built = time.monotonic()
    spec = {"file": str(path), "reader": case.reader, "table": case.table, "bulk": case.bulk}
    code = CHILD.format(cap=ADDRESS_SPACE_CAP)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, json.dumps(spec)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=case.timeout,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "file": str(path)}
    m = re.search(r"^RESULT (.*)$", done.stdout, re.M)
    if not m:
        return {"outcome": f"child died (exit {done.returncode})", "stderr": done.stderr[-2000:], "file": str(path)}
    result = json.loads(m.group(1))
    result |= {"file": str(path), "file_bytes": path.stat().st_size}
    result |= {"build_s": built - started, "child_s": time.monotonic() - built}
    return result


# --- Builders of pathological files ------------------------------------------------------------


def _record(i: int, **extra) -> dict:
    return {
        "id": f"M{i:04d}",
        "acheteur": {"id": BUYER},
        "dateNotification": "2025-03-01",
        "montant": 1000 + i,
        "objet": "Entretien",
    } | extra


def _decp_2024(records: list[str]) -> str:
    return '{"marches":{"marche":[' + ",".join(records) + "]}}"


def _decp_2019(records: list[str]) -> str:
    return '{"marches":[' + ",".join(records) + "]}"


def _rec(i: int, raw_field: str | None = None, **extra) -> str:
    """A record as JSON text; `raw_field` is spliced in as written (`"x": <anything>`)."""
    text = json.dumps(_record(i, **extra))
    return text[:-1] + ", " + raw_field + "}" if raw_field else text


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


DEEP = 100_000  # the incident: a 200 KB file of arrays 100 000 deep


def json_nesting_top(folder):
    return _write(folder, "nesting.json", "[" * DEEP + "]" * DEEP)


def json_nesting_in_marche(folder):
    nested = '"x": ' + "[" * DEEP + "]" * DEEP
    return _write(folder, "nesting_marche.json", _decp_2024([_rec(1), _rec(2, nested)]))


def json_nesting_objects_2019(folder):
    nested = '"x": ' + '{"a":' * 40_000 + "1" + "}" * 40_000
    return _write(folder, "nesting_2019.json", _decp_2019([_rec(1), _rec(2, nested)]))


def json_giant_string(folder):
    return _write(folder, "string.json", _decp_2024([_rec(1), _rec(2, objet="x" * (50 * MiB))]))


def json_giant_record(folder):
    many = '"x": [' + ",".join(["1"] * (3 * MiB)) + "]"  # 6 MiB of small items in one record
    return _write(folder, "record.json", _decp_2024([_rec(1), _rec(2, many)]))


def json_giant_record_2019(folder):
    many = '"x": [' + ",".join(["1"] * (3 * MiB)) + "]"
    return _write(folder, "record_2019.json", _decp_2019([_rec(1), _rec(2, many)]))


def json_number_token(folder):
    text = _decp_2024([_rec(1), _rec(2)]).replace('"montant": 1002', '"montant": ' + "9" * 100_000)
    return _write(folder, "number.json", text)


def json_number_text(folder):
    return _write(folder, "number_text.json", _decp_2024([_rec(1), _rec(2, montant="9" * 100_000), _rec(3)]))


def json_binary_junk(folder):
    return _write(folder, "junk.json", random.Random(12).randbytes(200_000))


def json_nan_and_escapes(folder):
    """Within the limits, the bare-NaN path on strings full of escaped quotes (it was quadratic)."""
    records = [_rec(i, objet='"' * 400_000).replace(f'"montant": {1000 + i}', '"montant": NaN') for i in range(2)]
    return _write(folder, "nan.json", _decp_2024(records))


def grdf_nesting(folder):
    return _write(folder, "grdf.json", '{"releves": ' + "[" * DEEP + "]" * DEEP + "}")


def grdf_at_the_limit(folder):
    """Within the limits, the costliest document read whole: empty lists up to the size bound."""
    n = (limits.WHOLE_DOCUMENT_MAX_BYTES - 64) // 3
    return _write(folder, "grdf_at_limit.json", '{"releves": [], "x": [' + ",".join(["[]"] * n) + "]}")


def grdf_too_large(folder):
    path = folder / "grdf_large.json"
    with path.open("wb") as f:  # sparse: the size is refused before a byte is read
        f.truncate(limits.WHOLE_DOCUMENT_MAX_BYTES + 1)
    return path


XML_RECORD = (
    "<marche><id>M{i}</id><acheteur><id>" + BUYER + "</id></acheteur><dateNotification>2025-03-01"
    "</dateNotification><montant>{montant}</montant><objet>Entretien</objet>{extra}</marche>"
)


def _xml(*records: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<marches>' + "".join(records) + "</marches>"


def _xrec(i: int, montant: str = "1000", extra: str = "") -> str:
    return XML_RECORD.format(i=i, montant=montant, extra=extra)


def xml_billion_laughs(folder):
    entities = "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
    )
    text = f'<?xml version="1.0"?>\n<!DOCTYPE marches [\n <!ENTITY lol "lol">\n{entities}]>\n'
    return _write(folder, "laughs.xml", text + "<marches>" + _xrec(1, extra="<objet>&lol9;</objet>") + "</marches>")


def xml_nesting(folder):
    return _write(folder, "nesting.xml", _xml(_xrec(1), _xrec(2, extra="<x>" * DEEP + "</x>" * DEEP)))


def xml_giant_text(folder):
    return _write(folder, "text.xml", _xml(_xrec(1), _xrec(2, extra="<lieu>" + "x" * (50 * MiB) + "</lieu>")))


def xml_giant_record(folder):
    return _write(folder, "record.xml", _xml(_xrec(1), _xrec(2, extra="<y>1</y>" * (MiB // 1))))


def xml_number_text(folder):
    return _write(folder, "number.xml", _xml(_xrec(1), _xrec(2, montant="9" * 100_000), _xrec(3)))


def xml_binary_junk(folder):
    return _write(folder, "junk.xml", random.Random(13).randbytes(200_000))


def _at_the_record_limit(item: str, room: int) -> str:
    """A field of as many `item`s as a record within RECORD_MAX_BYTES holds (the most objects a
    record can cost, 3 bytes each)."""
    return '"x": [' + ",".join([item] * ((limits.RECORD_MAX_BYTES - room) // (len(item) + 1))) + "]"


def json_records_at_the_limit(folder):
    """Within the limits, the worst a record can cost: 4 MiB of empty lists."""
    return _write(folder, "at_limit.json", _decp_2024([_rec(1), _rec(2, _at_the_record_limit("[]", 400))]))


def xml_record_at_the_limit(folder):
    n = (limits.RECORD_MAX_BYTES - 64 * 1024) // 4  # the parser reads 32 KiB ahead
    return _write(folder, "at_limit.xml", _xml(_xrec(1), _xrec(2, montant="abc", extra="<y/>" * n)))


CSV_HEADER = "reference;type_operation;date_operation;objet;montant_eur\n"


def _csv_row(i: int, montant: str = "12,50") -> str:
    return f"R{i};achat;01/03/2025;Chaise;{montant}\n"


def csv_giant_line(folder):
    return _write(folder, "line.csv", CSV_HEADER + _csv_row(1) + "R2;achat;01/03/2025;" + "x" * (50 * MiB))


def csv_giant_field(folder):
    field = '"' + "x" * (512 * 1024) + '"'
    return _write(folder, "field.csv", CSV_HEADER + _csv_row(1) + f"R2;achat;01/03/2025;{field};1\n")


def csv_number_text(folder):
    return _write(folder, "number.csv", CSV_HEADER + _csv_row(1) + _csv_row(2, "9" * 100_000) + _csv_row(3))


def csv_lines_at_the_limit(folder):
    """Within the limits: 5 lines of 1 MiB, each a million empty fields."""
    line = "R;achat;01/03/2025;" + ";" * (limits.LINE_MAX_CHARS - 40) + "\n"
    return _write(folder, "at_limit.csv", CSV_HEADER + line * 5)


def csv_binary_junk(folder):
    return _write(folder, "junk.csv", random.Random(14).randbytes(200_000))


# A minimal .xlsx written part by part, so that a part can be made pathological.
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
    'name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"


def _cells(r: int, values: list[str]) -> str:
    cells = []
    for col, value in zip("ABCDE", values):
        if re.fullmatch(r"[0-9.]+", value):
            cells.append(f'<c r="{col}{r}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{col}{r}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{r}">' + "".join(cells) + "</row>"


def _sheet(*rows: str, prolog: str = "") -> str:
    header = _cells(1, CSV_HEADER.strip().split(";"))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{header}{"".join(rows)}</sheetData></worksheet>'
    )


def _xrow(r: int, montant: str = "12.5") -> str:
    return _cells(r, [f"R{r}", "achat", "01/03/2025", "Chaise", montant])


def _xlsx(folder: Path, name: str, sheet: str | bytes, sizes: dict[str, int] | None = None) -> Path:
    """An .xlsx file; `sizes` overrides the uncompressed sizes its directory declares."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr(SHEET, sheet)
        for info in z.filelist:
            if sizes and info.filename in sizes:
                info.file_size = sizes[info.filename]  # the central directory says so; the data does not
    return path


def xlsx_zip_bomb(folder):
    # 64 MiB of blank space in the sheet: a 64 KiB file, ratio ~1000
    return _xlsx(folder, "bomb.xlsx", _sheet(_xrow(2)).replace("<sheetData>", "<sheetData>" + " " * (64 * MiB)))


def xlsx_declared_huge(folder):
    return _xlsx(folder, "declared.xlsx", _sheet(_xrow(2)), sizes={SHEET: 600 * MiB})


def xlsx_lying_size(folder):
    """The directory declares less than the sheet holds: zipfile inflates only the declared size."""
    rows = [_xrow(r, str(random.Random(r).randrange(10**9))) for r in range(2, 3000)]
    return _xlsx(folder, "lying.xlsx", _sheet(*rows), sizes={SHEET: 4096})


def xlsx_giant_row(folder):
    rng = random.Random(15)
    cells = "".join(f"<c><v>{rng.randrange(10**9)}</v></c>" for _ in range(120_000))  # ~2.3 MiB, ratio ~3
    return _xlsx(folder, "row.xlsx", _sheet(_xrow(2), f'<row r="3">{cells}</row>'))


def xlsx_number_5000_digits(folder):
    return _xlsx(folder, "digits.xlsx", _sheet(_xrow(2), _xrow(3, "9" * 5000), _xrow(4)))


def xlsx_number_400_digits(folder):
    return _xlsx(folder, "digits400.xlsx", _sheet(_xrow(2), _xrow(3, "9" * 400), _xrow(4)))


def xlsx_billion_laughs(folder):
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    prolog = f'<!DOCTYPE worksheet [<!ENTITY lol "lol">{entities}]>'
    return _xlsx(folder, "laughs.xlsx", _sheet(_xrow(2, "&lol9;"), prolog=prolog))


def xlsx_worst_within_the_limits(folder):
    """Every spreadsheet limit nearly reached at once: 32 MiB of shared strings, a row of 1 MiB,
    1 048 575 rows, 4 MiB of merged cells outside the rows (all at a real compression ratio)."""
    rng = random.Random(17)
    strings, size = [], 0
    while size < limits.SHARED_STRINGS_MAX_BYTES - 1024:
        strings.append(f"<si><t>{rng.randrange(36**4):x}</t></si>")
        size += len(strings[-1])
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main">{"".join(strings)}</sst>'
    )
    wide = "".join(f"<c><v>{rng.randrange(10**9)}</v></c>" for _ in range(44_000))  # just under 1 MiB
    rows = [_xrow(2), f'<row r="3">{wide}</row>', *(f'<row r="{r}"/>' for r in range(4, limits.SHEET_MAX_ROWS))]
    merges = "".join(f'<mergeCell ref="A{(a := rng.randrange(10**6))}:B{a + 1}"/>' for _ in range(110_000))
    sheet = _sheet(*rows).replace("</sheetData>", f"</sheetData><mergeCells>{merges}</mergeCells>")
    path = folder / "worst.xlsx"
    content_types = _CT.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>',
    )
    relationships = _WORKBOOK_RELS.replace(
        "</Relationships>",
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", relationships)
        z.writestr(SHEET, sheet)
        z.writestr("xl/sharedStrings.xml", shared)
    return path


# A minimal .ods (LibreOffice), content.xml written by hand so that it can be made pathological.
_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ocell(value: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if re.fullmatch(r"[0-9.]+", value):
        return f'<table:table-cell{rep} office:value-type="float" office:value="{value}"/>'
    return f'<table:table-cell{rep} office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def _orow(cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


def _ods(folder: Path, name: str, *rows: str, prolog: str = "", content: bytes | None = None) -> Path:
    header = _orow("".join(_ocell(h) for h in CSV_HEADER.strip().split(";")))
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {_ODS_NS}><office:body>'
        f'<office:spreadsheet><table:table table:name="Feuille1">{header}{"".join(rows)}'
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = folder / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content if content is not None else xml, zipfile.ZIP_DEFLATED)
    return path


def _odata(r: int, objet: str = "Chaise", repeat: int = 1) -> str:
    return _orow("".join(_ocell(v) for v in (f"R{r}", "achat", "01/03/2025", objet, "12.5")), repeat)


def ods_repeat_bomb(folder):
    """100 KB written once, repeated over 1 000 columns and 1 000 rows: 100 GB once expanded."""
    return _ods(folder, "repeat.ods", _orow(_ocell("x" * 100_000, repeat=1000), repeat=1000))


def ods_repeats_at_the_limit(folder):
    """A row of 31 KiB repeated 1 000 times: 30 MiB of copies, just under ODS_REPEATED_MAX_CHARS."""
    return _ods(folder, "repeats.ods", _odata(2, "x" * 31_744, repeat=1000))


def ods_zip_bomb(folder):
    return _ods(folder, "bomb.ods", content=b"<x>" + b" " * (64 * MiB) + b"</x>")


def ods_giant_row(folder):
    rng = random.Random(17)
    cells = "".join(_ocell(str(rng.randrange(10**9))) for _ in range(20_000))  # ~1.4 MiB
    return _ods(folder, "row.ods", _odata(2), _orow(cells))


def ods_billion_laughs(folder):
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    prolog = f'<!DOCTYPE office:document-content [<!ENTITY lol "lol">{entities}]>'
    return _ods(folder, "laughs.ods", _odata(2, "&lol9;"), prolog=prolog)


def xlsx_binary_junk(folder):
    return _write(folder, "junk.xlsx", random.Random(16).randbytes(200_000))


DECP = ("orchestration.feeds.marches:DECP.read", "orchestration.ingest.decp:DECP_TABLE")
DECP_BULK = "orchestration.feeds.marches:DECP.bulk_for"  # the feed's large-file path (decp_bulk)
REEMPLOI = ("orchestration.ingest.dechets:read_reemploi", "orchestration.ingest.dechets:REEMPLOI_TABLE")
GRDF = ("orchestration.ingest.energie:read_grdf_json", "orchestration.ingest.energie:GRDF_TABLE")
XML = DECP  # the feed reads .xml with decp_xml.read_decp_xml

# (case, expected): an IngestError matching the pattern (file name, position, limit), or
# ("loaded", rows read, rows quarantined, reason of the quarantined rows)
CASES: list[tuple[Case, object]] = []


def _case(build, io_, expected, bulk=None, suffix=""):
    name = build.__name__ + suffix
    CASES.append((Case(name, build, io_[0], io_[1], bulk), expected))


def _refused(file: str, position: str, limit: str) -> str:
    return rf"{re.escape(file)}: {position}.*{limit}"


# the feed's bulk path declines bare NaN and layouts it cannot locate (the Python reader answers)
_case(json_nesting_top, DECP, _refused("nesting.json", "byte 64", "nested more than 64 deep.*JSON_MAX_DEPTH"))
_case(json_nan_and_escapes, DECP, ("loaded", 2, 0, None))
for _bulk, _suffix in ((None, "[python]"), (DECP_BULK, "[bulk]")):
    _case(
        json_nesting_in_marche,
        DECP,
        _refused("nesting_marche.json", r"byte \d+", "nested more than 64 deep.*JSON_MAX_DEPTH"),
        _bulk,
        _suffix,
    )
    _case(
        json_giant_string,
        DECP,
        _refused("string.json", r"byte \d+", r"string of more than 1 MiB.*JSON_MAX_STRING_BYTES"),
        _bulk,
        _suffix,
    )
    _case(
        json_giant_record,
        DECP,
        _refused("record.json", r"byte \d+: record 2 of the file", r"more than 4 MiB.*RECORD_MAX_BYTES"),
        _bulk,
        _suffix,
    )
    _case(
        json_number_token,
        DECP,
        _refused("number.json", r"byte \d+", r"number of more than 100 characters.*NUMBER_MAX_CHARS"),
        _bulk,
        _suffix,
    )
    _case(
        json_number_text,
        DECP,
        ("loaded", 3, 1, "montant is a number of more than 100 characters (limit NUMBER_MAX_CHARS)"),
        _bulk,
        _suffix,
    )
    _case(json_records_at_the_limit, DECP, ("loaded", 2, 0, None), _bulk, _suffix)
_case(xml_record_at_the_limit, XML, ("loaded", 2, 1, "montant is not a number"))
_case(csv_lines_at_the_limit, REEMPLOI, ("loaded", 5, 5, "expected 5 fields, found 1048540"))
_case(
    json_nesting_objects_2019,
    DECP,
    _refused("nesting_2019.json", r"byte \d+", "nested more than 64 deep.*JSON_MAX_DEPTH"),
)
_case(
    json_giant_record_2019,
    DECP,
    _refused("record_2019.json", r"byte \d+: record 2 of the file", r"more than 4 MiB.*RECORD_MAX_BYTES"),
)
_case(json_binary_junk, DECP, _refused("junk.json", r"(byte \d+|not valid JSON near byte \d+)", ""), DECP_BULK)
_case(grdf_nesting, GRDF, _refused("grdf.json", r"byte \d+", "nested more than 64 deep.*JSON_MAX_DEPTH"))
_case(grdf_too_large, GRDF, _refused("grdf_large.json", r"byte \d+", r"8 MiB.*WHOLE_DOCUMENT_MAX_BYTES"))
_case(grdf_at_the_limit, GRDF, ("loaded", 0, 0, None))
_case(xml_billion_laughs, XML, _refused("laughs.xml", "DOCTYPE or entity declaration refused", ""))
_case(xml_nesting, XML, _refused("nesting.xml", r"malformed XML at line \d+, column \d+", "Excessive depth.*256"))
_case(xml_giant_text, XML, _refused("text.xml", r"byte \d+: record 2 holds", r"4 MiB of XML.*RECORD_MAX_BYTES"))
_case(xml_giant_record, XML, _refused("record.xml", r"byte \d+: record 2 holds", r"4 MiB of XML.*RECORD_MAX_BYTES"))
_case(
    xml_number_text, XML, ("loaded", 3, 1, "montant is a number of more than 100 characters (limit NUMBER_MAX_CHARS)")
)
_case(xml_binary_junk, XML, _refused("junk.xml", r"malformed XML at line \d+, column \d+", ""))
_case(csv_giant_line, REEMPLOI, _refused("line.csv", "line 3", r"longer than 1048576 characters.*LINE_MAX_CHARS"))
_case(csv_giant_field, REEMPLOI, _refused("field.csv", "line 3", r"field larger than field limit \(131072\)"))
_case(
    csv_number_text,
    REEMPLOI,
    ("loaded", 3, 1, "montant_eur is a number of more than 100 characters (limit NUMBER_MAX_CHARS)"),
)
_case(csv_binary_junk, REEMPLOI, _refused("junk.csv", r"byte \d+", "(not a text file|cannot decode)"))
_case(
    xlsx_zip_bomb,
    REEMPLOI,
    _refused("bomb.xlsx", f"member {SHEET}", r"expands [\d ,]+ times.*more than 100 times.*ZIP_MAX_RATIO"),
)
_case(
    xlsx_declared_huge,
    REEMPLOI,
    _refused("declared.xlsx", f"member {SHEET}", r"expands to 600 MiB, more than 512 MiB.*SHEET_MAX_BYTES"),
)
_case(xlsx_lying_size, REEMPLOI, _refused("lying.xlsx", f"member {SHEET}: cannot read", "CRC"))
_case(
    xlsx_giant_row,
    REEMPLOI,
    _refused("row.xlsx", f"member {SHEET}: byte \\d+", r"row 3 holds more than 1 MiB of XML.*SHEET_ROW_MAX_BYTES"),
)
_case(xlsx_number_5000_digits, REEMPLOI, _refused("digits.xlsx", "sheet Feuil1: row 3", "4300 digits"))
_case(
    xlsx_number_400_digits,
    REEMPLOI,
    ("loaded", 3, 1, "montant_eur is a number of more than 100 characters (limit NUMBER_MAX_CHARS)"),
)
_case(xlsx_billion_laughs, REEMPLOI, _refused("laughs.xlsx", "cannot open as an Excel workbook", "EntitiesForbidden"))
_case(xlsx_binary_junk, REEMPLOI, _refused("junk.xlsx", "byte 0", "not an Excel workbook"))
_case(
    ods_repeat_bomb,
    REEMPLOI,
    _refused("repeat.ods", "sheet Feuille1: row 2", r"expand to more than 32 MiB.*ODS_REPEATED_MAX_CHARS"),
)
_case(ods_repeats_at_the_limit, REEMPLOI, ("loaded", 1000, 0, None))
_case(ods_zip_bomb, REEMPLOI, _refused("bomb.ods", "member content.xml", r"more than 100 times.*ZIP_MAX_RATIO"))
_case(
    ods_giant_row,
    REEMPLOI,
    _refused("row.ods", r"member content.xml: byte \d+", r"row element 3 holds more than 1 MiB.*SHEET_ROW_MAX_BYTES"),
)
_case(
    ods_billion_laughs, REEMPLOI, _refused("laughs.ods", "member content.xml", "DOCTYPE or entity declaration refused")
)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    """Every case in its own child, a few at a time."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc/self/status (Linux) to measure the peak RSS")
    root = tmp_path_factory.mktemp("memory_bounds")
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {case.name: pool.submit(_run_child, case, root / f"c{i}") for i, (case, _) in enumerate(CASES)}
        results = {name: f.result() for name, f in futures.items()}
    print("\npeak RSS while reading each pathological file (MiB, interpreter and imports included):")
    for name, r in results.items():
        growth = r.get("peak_mib", 0) - r.get("before_mib", 0)
        print(
            f"  {name:42} {r.get('file_bytes', 0) / MiB:8.2f} MiB file  peak {r.get('peak_mib', 0):6.0f}  "
            f"(+{growth:4.0f})  {r['outcome']}  [{r.get('build_s', 0):.1f} s + {r.get('child_s', 0):.1f} s]"
        )
    return results


@pytest.mark.parametrize("case, expected", CASES, ids=[c.name for c, _ in CASES])
@pytest.mark.slow
def test_pathological_file_stays_within_the_bound(outcomes, case, expected):
    r = outcomes[case.name]
    assert r["outcome"] in ("IngestError", "loaded"), r
    assert r["peak_mib"] < PEAK_RSS_BOUND_MIB, f"{case.name}: peak RSS {r['peak_mib']:.0f} MiB"
    if isinstance(expected, str):
        assert r["outcome"] == "IngestError", r
        assert r["error"].startswith(r["file"]), r["error"]  # the file, in full
        assert re.search(expected, r["error"], re.S), r["error"]
    else:
        _, read, quarantined, reason = expected
        assert r["outcome"] == "loaded", r
        assert (r["read"], r["quarantined"]) == (read, quarantined), r
        assert r["read"] == r["loaded"] + r["quarantined"]
        assert r["raw_reasons"] == ([reason] * quarantined if reason else []), r


def test_a_spreadsheet_of_another_kind_is_refused_by_name(tmp_path):
    """.ods is read wherever .xlsx is (ods.py, the cases above); the other spreadsheet kinds
    (.xls, .xlsm, .xlsb, .numbers) are read by no feed: the landing folder refuses them by name
    (no parser ever opens them)."""
    from orchestration.feeds import all_sources
    from orchestration.ingest.assets import accepted_suffixes, landing_files

    source = next(s for s in all_sources() if s.folder == "dechets/reemploi")
    assert accepted_suffixes(source) == (".csv", ".xlsx", ".ods")
    for name in ("achats.xls", "achats.xlsm", "achats.xlsb", "achats.numbers"):
        (tmp_path / name).write_bytes(b"PK\x03\x04")
        with pytest.raises(IngestError, match=rf"unsupported file\(s\) {re.escape(name)}"):
            landing_files(tmp_path, accepted_suffixes(source))
        (tmp_path / name).unlink()


# --- The JSON scan, in process: exact at the limits, the same however the file is cut --------


def _scan(text: bytes, cuts: list[int] | None = None) -> limits.JsonShape:
    cuts = sorted(set(cuts or []))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    return scan_json_chunks(pieces, "mem.json")


def test_scan_holds_exactly_at_each_limit():
    depth = limits.JSON_MAX_DEPTH
    _scan(b"[" * depth + b"]" * depth)
    with pytest.raises(IngestError, match=r"mem\.json: byte 64: arrays and objects nested more than 64 deep"):
        _scan(b"[" * (depth + 1) + b"]" * (depth + 1))
    n = limits.NUMBER_MAX_CHARS
    _scan(b"[" + b"1" * n + b"]")
    with pytest.raises(IngestError, match=r"byte 1: a number of more than 100 characters"):
        _scan(b"[" + b"1" * (n + 1) + b"]")
    _scan(b'["' + b"1" * (10 * n) + b'"]')  # digits in a string are no number
    s = limits.JSON_MAX_STRING_BYTES
    _scan(b'["' + b"a" * (s - 2) + b'"]')
    with pytest.raises(IngestError, match=r"byte 1: a string of more than 1 MiB"):
        _scan(b'["' + b"a" * (s - 1) + b'"]')
    record = b'{"x":[' + b"1," * ((limits.RECORD_MAX_BYTES - 10) // 2) + b"11]}"
    assert len(record) == limits.RECORD_MAX_BYTES
    shape = _scan(b'{"marches":{"marche":[' + record + b"]}}")
    shape.check_records(limits.RECORD_DEPTH_2024)
    shape = _scan(b'{"marches":{"marche":[' + record[:-1] + b" }]}}")
    with pytest.raises(IngestError, match=r"mem\.json: byte 22: record 1 of the file holds more than 4 MiB"):
        shape.check_records(limits.RECORD_DEPTH_2024)


def _reference(text: bytes) -> tuple[int, int, int, dict[int, int]]:
    """Byte by byte: max depth, longest string (quotes included), longest run of number
    characters outside strings, largest record at each record depth."""
    depth = longest_string = longest_number = 0
    biggest = {3: 0, 4: 0}
    opened: dict[int, int] = {}
    in_string = escaped = False
    start = run = max_depth = 0
    for i, c in enumerate(text):
        ch = chr(c)
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
                longest_string = max(longest_string, i - start + 1)
            continue
        run = run + 1 if ch in "0123456789+-.eE" else 0
        longest_number = max(longest_number, run)
        if ch == '"':
            in_string, start = True, i
        elif ch in "[{":
            depth += 1
            max_depth = max(max_depth, depth)
            opened[depth] = i
        elif ch in "]}":
            if depth in biggest:
                biggest[depth] = max(biggest[depth], i - opened[depth] + 1)
            depth -= 1
    return max_depth, longest_string, longest_number, biggest


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(alphabet='ab"\\[]{}é\n0e-'),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet='k"\\[', max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=_json_values, ascii_only=st.booleans(), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_scan_sees_what_a_byte_by_byte_reading_sees_however_the_file_is_cut(value, ascii_only, cuts):
    """Escapes, quotes and brackets in strings, numbers cut between chunks: the chunked scan
    measures what a plain byte-by-byte reading measures, at limits small enough to be hit."""
    text = json.dumps({"marches": {"marche": [value, value]}}, ensure_ascii=ascii_only).encode()
    max_depth, longest_string, longest_number, biggest = _reference(text)
    expected = (
        "nested" if max_depth > 4 else "a string" if longest_string > 12 else "a number" if longest_number > 6 else None
    )
    small = {"JSON_MAX_DEPTH": 4, "JSON_MAX_STRING_BYTES": 12, "NUMBER_MAX_CHARS": 6, "RECORD_MAX_BYTES": 40}
    with pytest.MonkeyPatch.context() as mp:
        for name, limit in small.items():
            mp.setattr(limits, name, limit)
        mp.setattr(limits, "_LONG_NUMBER", b"x" * 7)
        try:
            shape = _scan(text, cuts)
            found = None
        except IngestError as exc:
            found = next(w for w in ("nested", "a string", "a number") if w in str(exc))
    # the scan stops at the first fault it meets, in file order: the kinds may differ, not the verdict
    assert (found is None) == (expected is None), (text, found, expected)
    if found is None:
        assert set(shape.oversized) == {d for d, size in biggest.items() if size > 40}, (text, biggest)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(
        st.one_of(st.just("NaN"), st.just("-Infinity"), st.just("Infinity"), st.text(alphabet='Na"\\fI')), max_size=8
    ),
    chunk=st.integers(1, 40),
)
def test_nan_tolerant_stream_nulls_bare_tokens_only_however_the_file_is_cut(items, chunk):
    body = ",".join(t if t in ("NaN", "-Infinity", "Infinity") else json.dumps(t) for t in items)
    stream = _NanTolerantStream(io.BytesIO(("[" + body + "]").encode()), chunk=chunk)
    expected = [None if t in ("NaN", "-Infinity", "Infinity") else t for t in items]
    assert list(ijson.items(stream, "item")) == expected


@pytest.mark.skipif(
    not os.environ.get("SPASER_MEMORY_WORST_CASE"),
    reason="about 40 s (openpyxl reads ~1 MB/s): SPASER_MEMORY_WORST_CASE=1",
)
def test_worst_spreadsheet_within_the_limits_stays_within_the_bound(tmp_path):
    """A workbook that passes every check, as costly as the checks allow."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc/self/status (Linux) to measure the peak RSS")
    case = Case("xlsx_worst_within_the_limits", xlsx_worst_within_the_limits, *REEMPLOI, timeout=300)
    r = _run_child(case, tmp_path / "worst")
    print(f"\n{case.name}: {r.get('file_bytes', 0) / MiB:.1f} MiB file, peak RSS {r.get('peak_mib', 0):.0f} MiB")
    assert r["outcome"] == "loaded", r
    assert r["read"] == r["loaded"] + r["quarantined"]
    assert r["peak_mib"] < PEAK_RSS_BOUND_MIB
