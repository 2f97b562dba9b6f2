"""The parse limit: what DuckDB alone takes to parse the DECP files and answer one indicator query.

    python bench/parse_limit.py --landing <SPASER_HOME>/landing/decp --out <folder>

Run by bench/run_bench.py on the same files as the pipeline, in the same sitting; every other
figure of the benchmark is also given as a ratio to it. It is no pipeline: no hashing, no limits,
no normalisation, no lineage, no checks. Only the work no pipeline can avoid:

- cut: the inner `marches.marche` array of each 2024 JSON file, located by its bytes (the head
  `{"marches":{"marche":[`, the tail `]}}`, or the separator before a `contrat-concession` array)
  and copied to a temporary file, because `read_json(format='array')` reads a file that is one
  array;
- query, parse: `read_json(format='array')` on the copies with typed columns, only the fields the query
  needs (contract id, buyer, dates, the two considerations lists);
- query, aggregate: one `DISTINCT ON` (the last version of each contract: buyer, id, latest publication,
  later file) and one group-by per buyer x semester of notification counting the contracts with
  an environmental (NAT-1) and a social (NAT-2) consideration.

Stages (timed, written to <out>/parse_limit.json with the query's rows): cut, and query (parse and
aggregate in one query, as DuckDB streams the one into the other). The concession array (a few
records a year) is left out, as are files of other layouts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb

_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"marches"\s*:\s*\{\s*"marche"\s*:\s*(\[)')
_TAIL = re.compile(rb"(\])\s*\}\s*\}\s*\Z")
_SEPARATOR = re.compile(rb'(\])\s*,\s*"contrat-concession"\s*:\s*\[')
CHUNK = 1 << 23

COLUMNS = {
    "id": "VARCHAR",
    "acheteur": "STRUCT(id VARCHAR)",
    "dateNotification": "VARCHAR",
    "datePublicationDonnees": "VARCHAR",
    "considerationsSociales": "STRUCT(considerationSociale VARCHAR[])",
    "considerationsEnvironnementales": "STRUCT(considerationEnvironnementale VARCHAR[])",
}


def marche_range(path: Path) -> tuple[int, int] | None:
    """Byte offsets of the `[` and `]` of the marche array; None for another layout."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = _HEAD.match(f.read(4096))
        if head is None:
            return None
        f.seek(max(0, size - 4096))
        tail = _TAIL.search(f.read())
        if tail is None:
            return None
        end = max(0, size - 4096) + tail.start(1)
        f.seek(0)
        offset, carry = 0, b""
        while chunk := f.read(CHUNK):  # the concession array, when there is one, follows
            window = carry + chunk
            hit = window.find(b'"contrat-concession"')
            if hit != -1:
                sep = _SEPARATOR.search(window, max(0, hit - 256), hit + 64)
                if sep:
                    return head.start(1), offset - len(carry) + sep.start(1)
            carry = window[-512:]
            offset += len(chunk)
    return head.start(1), end


def cut(landing: Path, folder: Path) -> list[Path]:
    copies = []
    for i, path in enumerate(sorted(landing.glob("*.json"))):
        found = marche_range(path)
        if found is None:
            continue
        start, end = found
        copy = folder / f"{i:03d}_{path.stem}.json"
        with path.open("rb") as src, copy.open("wb") as out:
            src.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = src.read(min(CHUNK, remaining))
                out.write(chunk)
                remaining -= len(chunk)
        copies.append(copy)
    return copies


def query(con, copies: list[Path]) -> int:
    """Parse and aggregate in one query: DuckDB streams the parse into the DISTINCT ON."""
    files = ", ".join(f"'{p.as_posix()}'" for p in copies)
    con.execute(
        f"""CREATE TABLE nat AS
        WITH marches AS (
            SELECT filename, row_number() OVER () AS _row, *
            FROM read_json([{files}], format='array', columns=$columns, filename=true)
        ),

        last_version AS (
            SELECT DISTINCT ON (acheteur.id, id) *
            FROM marches
            ORDER BY acheteur.id, id, datePublicationDonnees DESC, filename DESC, _row DESC
        )

        SELECT
            acheteur.id AS acheteur_id,
            left(dateNotification, 4) || '-S' || CASE WHEN substr(dateNotification, 6, 2) <= '06' THEN 1 ELSE 2 END
                AS semestre,
            count(*) AS marches,
            count(*) FILTER (WHERE len(list_filter(considerationsEnvironnementales.considerationEnvironnementale,
                lambda x: x <> 'Pas de considération environnementale')) > 0) AS nat_1,
            count(*) FILTER (WHERE len(list_filter(considerationsSociales.considerationSociale,
                lambda x: x <> 'Pas de considération sociale')) > 0) AS nat_2
        FROM last_version
        GROUP BY ALL""",
        {"columns": COLUMNS},
    )
    return con.execute("SELECT count(*) FROM nat").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True, help="the DECP landing folder of the run")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()  # in memory, as fast as DuckDB gets
    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="spaser_parse_limit_") as tmp:
        for stage, work in (
            ("cut", lambda: cut(args.landing, Path(tmp))),
            ("query", lambda: query(con, copies)),
        ):
            t = time.monotonic()
            result = work()
            stages[stage] = time.monotonic() - t
            if stage == "cut":
                copies = result
                result = f"{len(copies)} files"
            print(f"parse limit {stage}: {stages[stage]:.1f} s ({result})", flush=True)
    con.close()
    summary = {"stages": stages, "outputs": {"acheteur x semestre": result}}
    (args.out / "parse_limit.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
