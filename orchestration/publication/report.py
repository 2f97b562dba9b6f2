"""The semester report that auditors read: one self-contained HTML file per release (+ PDF).

`render_report(con, folder, manifest)` is called by `publish_semester` (its `render` callback)
while version N is being written in `folder`, before the manifest is sealed: the files it
returns are hashed into the manifest like every other output.

`rapport_<org>_<semester>_v<N>.html` (French, inline CSS and SVG, no external resource) holds:
the release header (organisation, semester, version, publication date, reason, code version,
previous version); the summary per axis (how many indicators met, on track, late, without
target, not available); for a correction, the indicator values that moved since version N-1;
the indicator table of the semester by axe (value, target, expected value on the trajectory,
status, previous value); in an S2 report whose year is complete, the year's figures (summary
per axis, table per axis with the SPASER manager's commentary from the configuration's
commentaires.csv, as in the annual bilan of bilan.py); one chart per indicator (value, linear
trajectory, target; y axis from zero; yes/no indicators as points without trajectory; yearly
indicators per year, the others per semester); the indicators not available with their
reason; the data-quality summary (rows read / loaded / quarantined per feed and file, top
quarantine reasons per raw table, in French); the gates of the run (rules in French, see
EXPECTATIONS_FR); the files of the release with their sha256.

Its content depends only on the release (the files in `folder`, the manifest and the warehouse's
quarantine tables), so the same inputs give the same bytes except the publication date.

`rapport_<org>_<semester>_v<N>.pdf` is printed from it with headless Chromium when
`chromium` is on the PATH (bounded by a timeout); without Chromium, or if printing fails, only
the HTML is published, `manifest["report"]` says why, and the release is never failed for it.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import duckdb

from ..observatory.standing import standing_section

log = logging.getLogger(__name__)

PDF_TIMEOUT_SECONDS = 90
NONE = '<span class="muted">–</span>'
PERIOD_TYPES = {"semestre": "semestre", "annee": "année"}

AXES = ["GOV", "BES", "IMP", "MOB", "NAT", "DEP"]

STATUS = {  # status -> (label, text colour, background)
    "atteint": ("atteint", "#05603a", "#d1fadf"),
    "en bonne voie": ("en bonne voie", "#026aa2", "#e0f2fe"),
    "en retard": ("en retard", "#b42318", "#fee4e2"),
    "sans cible": ("sans cible", "#475467", "#f2f4f7"),
    "non disponible": ("non disponible", "#667085", "#ffffff"),
}

# Indicators measured once a year: the catalogue's source feed says so (EGALim bilans and the
# "Ici je mange local" label are yearly, models/marts/restauration: NAT-3, NAT-4, IMP-9;
# a semester repeats its year's declared figure). Their charts are drawn per year.
YEARLY_SOURCE_FEEDS = {"restauration"}

# Every expectation type of expectations/gx/expectations/*.json, as the rule it checks, in
# French: readers of the reports never see GX's English names (a test keeps the list complete).
EXPECTATIONS_FR = {
    "expect_column_values_to_not_be_null": "valeur renseignée",
    "expect_column_values_to_be_in_set": "valeur dans la liste admise",
    "expect_column_values_to_be_between": "valeur dans l'intervalle admis",
    "expect_column_values_to_be_unique": "valeur unique (pas de doublon)",
    "expect_compound_columns_to_be_unique": "ligne unique pour ces colonnes (pas de doublon)",
    "expect_column_values_to_match_regex": "valeur au format attendu",
    "expect_column_pair_values_a_to_be_greater_than_b": "première colonne supérieure à la seconde",
    "expect_column_pair_values_to_be_equal": "les deux colonnes sont égales",
}

C_VALUE = "#1849a9"
C_TRAJ = "#12b76a"
C_TARGET = "#d92d20"
C_GRID = "#eaecf0"
C_AXIS = "#667085"


def catalogue_order(indicator_id: str) -> tuple[int, int, str]:
    """GOV-1 .. DEP-4 in the catalogue's order (IMP-2 before IMP-10)."""
    prefix, _, number = indicator_id.partition("-")
    axis = AXES.index(prefix) if prefix in AXES else len(AXES)
    return axis, int(number) if number.isdigit() else 0, indicator_id


def report_name(manifest: dict, suffix: str) -> str:
    return f"rapport_{manifest['organisation']}_{manifest['semester']}_v{manifest['version']}.{suffix}"


# --------------------------------------------------------------------------- entry point


def render_report(
    con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict, config_dir: Path | None = None
) -> list[Path]:
    """Write the report of the release being written in `folder`; return the files written."""
    html_path = folder / report_name(manifest, "html")
    html_path.write_text(build_html(con, folder, manifest, config_dir), encoding="utf-8")
    files = [html_path]
    pdf_path, note = print_pdf(html_path, folder / report_name(manifest, "pdf"))
    if pdf_path is not None:
        files.append(pdf_path)
    else:
        log.warning(
            "report of %s %s v%s: HTML only (%s)",
            manifest["organisation"],
            manifest["semester"],
            manifest["version"],
            note,
        )
    manifest["report"] = {"html": html_path.name, "pdf": pdf_path.name if pdf_path else None, "note": note}
    return files


def print_pdf(html_path: Path, pdf_path: Path, timeout: float = PDF_TIMEOUT_SECONDS) -> tuple[Path | None, str]:
    """Print `html_path` to `pdf_path` with headless Chromium; (path or None, what happened)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None, "PDF non produit : chromium introuvable sur le PATH"
    with tempfile.TemporaryDirectory(prefix="spaser-chromium-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-pdf-header-footer",
            # one process instead of eleven (browser, zygotes, renderer, utilities): the same
            # pages in the same time, 410 MiB of RSS instead of 1 170 summed over the processes,
            # at the peak of a national run's publication (docs/performance.md, session 17)
            "--single-process",
            "--no-zygote",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=os.environ | {"HOME": profile},
            )
        except OSError as exc:
            return None, f"PDF non produit : chromium n'a pas démarré ({exc})"
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # chromium's own child processes too
            proc.communicate()
            pdf_path.unlink(missing_ok=True)
            return None, f"PDF non produit : chromium n'a pas terminé en {timeout:.0f} s"
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        pdf_path.unlink(missing_ok=True)
        tail = (err or b"").decode(errors="replace").strip().splitlines()[-1:] or [""]
        return None, f"PDF non produit : chromium a échoué (code {proc.returncode}) {tail[0][:200]}"
    return pdf_path, "PDF imprimé avec chromium headless"


# --------------------------------------------------------------------------- data


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _parquet(folder: Path, name: str) -> str:
    return "read_parquet('" + str(folder / f"{name}.parquet").replace("'", "''") + "')"


def _load(con, folder: Path, manifest: dict) -> dict:
    semester = manifest["semester"]
    year = semester[:4]
    release = _rows(con, f"SELECT * FROM {_parquet(folder, 'mart_spaser_indicateurs')}")
    current = [r for r in release if r["period_type"] == "semestre" and r["period"] == semester]
    current.sort(key=lambda r: catalogue_order(r["indicator_id"]))
    # the year's figures once the year is complete (its S2 is this release): the annual section
    year_rows = [
        r
        for r in release
        if semester.endswith("S2") and r["period_type"] == "annee" and r["period"] == year and is_complete(r)
    ]
    year_rows.sort(key=lambda r: catalogue_order(r["indicator_id"]))
    history, periods, years = load_history(con, folder, semester)
    return {
        "current": current,
        "year_rows": year_rows,
        "history": history,
        "periods": periods,
        "years": years,
        "quarantine": _quarantine(con),
        "raw_tables": _raw_tables(con),
    }


def is_complete(row: dict) -> bool:
    """A period whose figures are final (a year whose S2 is reported); True when the column is
    absent (a release before the flag existed only published finished periods in its history)."""
    return row.get("is_complete_period") is not False


def load_history(con, folder: Path, semester: str) -> tuple[dict[str, list[dict]], list[str], list[str]]:
    """(rows per indicator, semesters up to `semester`, complete years up to its year) of a
    release's history table: semester rows for the per-semester charts, complete year rows for
    the per-year charts of yearly indicators."""
    history: dict[str, list[dict]] = {}
    semesters, years = {semester}, set()
    for r in _rows(con, f"SELECT * FROM {_parquet(folder, 'mart_spaser_indicateurs_historique')}"):
        if r["period_type"] == "semestre" and r["period"] <= semester:
            semesters.add(r["period"])
        elif r["period_type"] == "annee" and r["period"] <= semester[:4] and is_complete(r):
            years.add(r["period"])
        else:
            continue
        history.setdefault(r["indicator_id"], []).append(r)
    for rows in history.values():
        rows.sort(key=lambda r: (r["period_type"], r["period"]))
    return history, sorted(semesters), sorted(years)


def is_yearly(row: dict) -> bool:
    return row.get("source_feed") in YEARLY_SOURCE_FEEDS


def chart_for(row: dict, history: dict[str, list[dict]], periods: list[str], years: list[str]) -> str:
    """The chart of one indicator: per year for a yearly indicator, per semester otherwise."""
    rows = history.get(row["indicator_id"], [])
    if is_yearly(row):
        return chart_svg(row, [r for r in rows if r["period_type"] == "annee"], years, per="annee")
    return chart_svg(row, [r for r in rows if r["period_type"] == "semestre"], periods)


def _quarantine(con, top: int = 5) -> list[dict]:
    """Top quarantine reasons per raw table (with a file and row as example)."""
    from ..feeds import all_sources

    out = []
    for source in sorted(all_sources(), key=lambda s: s.table.table):
        table = source.table.table
        try:
            rows = _rows(
                con,
                f"""
                SELECT reason, count(*) AS n, count(DISTINCT _source_file) AS files,
                       min(_source_file || ' ligne ' || _source_row) AS example
                FROM quarantine.{table}
                GROUP BY reason ORDER BY n DESC, reason""",
            )
        except duckdb.CatalogException:
            continue  # never ingested: nothing quarantined
        if rows:
            out.append(
                {
                    "table": table,
                    "feed": source.table.feed,
                    "total": sum(r["n"] for r in rows),
                    "reasons": rows[:top],
                    "other_reasons": len(rows) - min(len(rows), top),
                }
            )
    return out


def _raw_tables(con) -> dict[tuple[str, str], str]:
    try:
        rows = con.execute(
            "SELECT feed, source_file, raw_table FROM meta.ingest_log WHERE superseded_at IS NULL"
        ).fetchall()
    except duckdb.Error:
        return {}
    return {(f, s): t for f, s, t in rows}


# --------------------------------------------------------------------------- formatting


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def fmt_number(value, decimals: int = 2) -> str:
    """French number: narrow no-break space for thousands, comma for decimals."""
    if value is None:
        return "–"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "−")


def fmt_value(value, unit: str | None) -> str:
    if value is None:
        return "–"
    unit = unit or ""
    if unit == "oui/non":
        return "oui" if value >= 0.5 else "non"
    if unit == "EUR":
        return fmt_number(value, 0 if abs(value) >= 1000 else 2) + "\u00a0€"
    if unit.startswith("%"):
        return fmt_number(value, 1) + "\u00a0" + unit
    if unit in ("", "nombre"):  # a count needs no unit
        return fmt_number(value)
    if abs(value) < 2 and unit.endswith("s") and " " not in unit:  # French: 1 réunion, 1,5 tonne
        unit = unit[:-1]
    return fmt_number(value) + "\u00a0" + unit


def fmt_datetime(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        d = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return d.strftime("%d/%m/%Y à %H:%M") + (" UTC" if d.utcoffset() == dt.timedelta(0) else "")


def expectation_fr(expectation: str | None) -> str:
    """The rule a GX expectation checks, in French (an unknown one says so, never its English name)."""
    return EXPECTATIONS_FR.get(expectation or "", "règle de contrôle")


_KINDS_FR = {
    "decimal": "un nombre décimal",
    "integer": "un nombre entier",
    "date": "une date",
    "boolean": "un booléen (vrai/faux)",
    "text": "un texte",
}
# The ingest readers' quarantine reasons (English, kept as such in quarantine.<table>, where
# auditors query them), as readers of the report see them. The value quoted in a reason is
# the file's, never translated.
_REASONS_FR: list[tuple[re.Pattern, object]] = [
    (
        re.compile(r"(?P<c>.+?) is not a valid (?P<k>\w+): (?P<v>.*)", re.S),
        lambda m: f"{m['c']} : {m['v']} n'est pas {_KINDS_FR.get(m['k'], m['k'])} valide",
    ),
    (re.compile(r"(?P<c>.+?) is empty"), "{c} : valeur vide"),
    (re.compile(r"(?P<c>.+?) missing"), "{c} : valeur absente"),
    (re.compile(r"(?P<c>.+?) is not a date YYYY-MM-DD"), "{c} : date attendue sous la forme AAAA-MM-JJ"),
    (re.compile(r"(?P<c>.+?) is not a date(?:: (?P<v>.*))?", re.S), "{c} : {v} n'est pas une date"),
    (re.compile(r"(?P<c>.+?) is not a number(?:: (?P<v>.*))?", re.S), "{c} : {v} n'est pas un nombre"),
    (re.compile(r"(?P<c>.+?) is not an integer: (?P<v>.*)", re.S), "{c} : {v} n'est pas un nombre entier"),
    (re.compile(r"(?P<c>.+?) is not a boolean: (?P<v>.*)", re.S), "{c} : {v} n'est pas un booléen (vrai/faux)"),
    (
        re.compile(r"(?P<c>.+?) is a number of more than (?P<n>\d+) characters.*"),
        "{c} : nombre écrit avec plus de {n} caractères",
    ),
    (
        re.compile(r"(?P<c>\w+) is not a month \(MM/AAAA\): (?P<v>.*)", re.S | re.I),
        "{c} : {v} n'est pas un mois MM/AAAA",
    ),
    (re.compile(r"(?P<c>\w+) is not 1-12: (?P<v>.*)", re.S), "{c} : {v} n'est pas un mois de 1 à 12"),
    (
        re.compile(r"(?P<c>\w+) is not YYYY-S1, YYYY-S2 or YYYY: (?P<v>.*)", re.S),
        "{c} : {v} n'est pas une période AAAA-S1, AAAA-S2 ou AAAA",
    ),
    (re.compile(r"(?P<c>\w+) is not a recognised period: (?P<v>.*)", re.S), "{c} : {v} n'est pas une période reconnue"),
    (re.compile(r"(?P<c>\w+) is negative: (?P<v>.*)", re.S), "{c} : valeur négative ({v})"),
    (
        re.compile(r"(?P<c>\w+) is not yes/no nor a DECP value: (?P<v>.*)", re.S),
        "{c} : {v} n'est ni oui/non ni une valeur des DECP",
    ),
    (
        re.compile(r"unite (?P<v>.*) for (?P<c>.+), expected (?P<e>.*)", re.S),
        "unité {v} pour {c} : {e} attendue",
    ),
    (
        re.compile(r"unknown field \(champ\) (?P<v>.*): see (?P<f>\S+)", re.S),
        "champ {v} inconnu (liste des champs : {f})",
    ),
    (re.compile(r"expected (?P<n>\d+) fields, found (?P<m>\d+)"), "{m} champs au lieu des {n} de l'en-tête"),
    (re.compile(r"empty line"), "ligne vide"),
    (re.compile(r"missing buyer SIRET"), "SIRET de l'acheteur absent"),
    (re.compile(r"missing contract id"), "identifiant du marché absent"),
    (re.compile(r"more fields than the header"), "plus de champs que l'en-tête"),
    (re.compile(r"no purchase date nor period"), "ni date d'achat ni période"),
    (re.compile(r"record is not a JSON object"), "l'enregistrement n'est pas un objet JSON"),
    (re.compile(r"relevé is not an object"), "le relevé n'est pas un objet JSON"),
]


def reason_fr(reason: str | None) -> str:
    """A quarantine reason in French (the ones the readers write; any other as written)."""
    text = reason or ""
    for pattern, template in _REASONS_FR:
        m = pattern.fullmatch(text)
        if m:
            if callable(template):
                return template(m)
            return template.format(**{k: v if v is not None else "la valeur" for k, v in m.groupdict().items()})
    return text


def _badge(status: str | None) -> str:
    label, fg, bg = STATUS.get(status or "", (status or "–", "#475467", "#f2f4f7"))
    return f'<span class="badge" style="color:{fg};background:{bg};border-color:{fg}40">{_e(label)}</span>'


# --------------------------------------------------------------------------- chart


def chart_svg(
    indicator: dict,
    history: list[dict],
    periods: list[str],
    width: int = 340,
    height: int = 150,
    per: str = "semestre",
) -> str:
    """Value per period (line and dots), linear trajectory (dashed) and target (dotted).

    Honest by construction: the y axis always includes zero (a quantity is never drawn from an
    arbitrary floor that exaggerates a change); a yes/no indicator is drawn as points on
    non/oui, without trajectory nor target line (its caption says the target); `per` names the
    periods (semestre, année). The axis range and what is drawn are in data- attributes."""
    unit = indicator.get("unit") or ""
    yes_no = unit == "oui/non"
    by_period = {r["period"]: r for r in history}
    values = [by_period.get(p, {}).get("value") for p in periods]
    expected = [None if yes_no else by_period.get(p, {}).get("expected_value") for p in periods]
    target = None if yes_no else indicator.get("target_value")
    ml, mr, mt, mb = 46, 10, 10, 24
    pw, ph = width - ml - mr, height - mt - mb
    title = f"{indicator['indicator_id']} : évolution par {PERIOD_TYPES.get(per, per)}"
    known = [v for v in values + expected + [target] if v is not None]
    if yes_no:
        ticks = [0.0, 1.0]
    else:
        lo, hi = min(known + [0.0]), max(known + [0.0])
        if lo == hi:  # every value is 0: an axis from 0 to 1
            hi = 1.0
        ticks = _ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    drawn_trajectory = any(v is not None for v in expected)
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}" '
        f'data-indicator="{_e(indicator["indicator_id"])}" data-unit="{_e(unit)}" data-per="{_e(per)}" '
        f'data-y-min="{lo:g}" data-y-max="{hi:g}" data-trajectory="{"oui" if drawn_trajectory else "non"}" '
        f'data-periods="{_e(" ".join(periods))}">'
    )
    if not any(v is not None for v in values):
        reason = "aucune valeur mesurée sur la période"
        return (
            head + f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#f9fafb" stroke="{C_GRID}"/>'
            f'<text x="{ml + pw / 2}" y="{mt + ph / 2 + 4}" text-anchor="middle" class="empty">{reason}</text></svg>'
        )

    def x(i: int) -> float:
        return ml + (pw * (i + 0.5) / len(periods))

    def y(v: float) -> float:
        return mt + ph - (ph * (v - lo) / (hi - lo) if hi > lo else ph / 2)

    parts = [head]
    for t in ticks:
        parts.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{C_GRID}"/>')
        label = ("oui" if t >= 1 else "non") if yes_no else _tick_label(t)
        parts.append(f'<text x="{ml - 5}" y="{y(t) + 3:.1f}" text-anchor="end" class="tick">{_e(label)}</text>')
    step = max(1, math.ceil(len(periods) / 6))
    for i, p in enumerate(periods):
        if (len(periods) - 1 - i) % step == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 7}" text-anchor="middle" class="tick">{_e(p)}</text>')
    if target is not None and lo <= target <= hi:
        parts.append(
            f'<line class="target" x1="{ml}" x2="{ml + pw}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            f'stroke="{C_TARGET}" stroke-width="1.2" stroke-dasharray="2 3"/>'
        )
    parts.append(
        _polyline(expected, x, y, f'class="trajectory" stroke="{C_TRAJ}" stroke-width="1.6" stroke-dasharray="5 3"')
    )
    if not yes_no:  # a line between non and oui would show values that do not exist
        parts.append(_polyline(values, x, y, f'class="value" stroke="{C_VALUE}" stroke-width="2"'))
    for i, v in enumerate(values):
        if v is not None:
            last = i == len(periods) - 1
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{3.6 if last else 2.6}" fill="{C_VALUE}"'
                + (' stroke="#fff" stroke-width="1.2"' if last else "")
                + "/>"
            )
    # the zero line, darker
    parts.append(
        f'<line x1="{ml}" x2="{ml + pw}" y1="{y(0.0):.1f}" y2="{y(0.0):.1f}" stroke="{C_AXIS}" stroke-width="0.8"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _tick_label(t: float) -> str:
    """Compact axis label: 80 k, 1,2 M."""
    if abs(t) >= 1_000_000:
        return fmt_number(t / 1_000_000, 1) + "\u00a0M"
    if abs(t) >= 10_000:
        return fmt_number(t / 1000, 1) + "\u00a0k"
    return fmt_number(t)


def _polyline(series: list, x, y, style: str) -> str:
    """One polyline per run of consecutive known points (a gap is never drawn across)."""
    out, run = [], []
    for i, v in enumerate(series + [None]):
        if v is not None:
            run.append(f"{x(i):.1f},{y(v):.1f}")
            continue
        if len(run) > 1:
            out.append(f'<polyline fill="none" {style} points="{" ".join(run)}"/>')
        run = []
    return "".join(out)


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    if len(ticks) < 2:
        ticks.append(round(start + step, 10))
    return ticks


# --------------------------------------------------------------------------- html


def build_html(con, folder: Path, manifest: dict, config_dir: Path | None = None) -> str:
    """The semester report; `config_dir`: where commentaires.csv is read for the annual section
    of an S2 report (default: the configuration in use)."""
    data = _load(con, folder, manifest)
    current = data["current"]
    org_name = next((r["org_name"] for r in current if r.get("org_name")), manifest["organisation"])
    title = f"Rapport SPASER {org_name} : semestre {manifest['semester']} (version {manifest['version']})"
    year_rows = data["year_rows"]
    comments = read_comments(config_dir, manifest["organisation"], manifest["semester"][:4]) if year_rows else {}
    body = [
        _header(manifest, org_name),
        _summary(manifest, current),
        axis_summary(current, f"Synthèse par axe du semestre {manifest['semester']}"),
        _changes(manifest, current),
        _indicator_tables(current),
        standing_section(con, manifest, current),  # where it stands among all buyers (observatory)
        _year_section(year_rows, comments) if year_rows else "",
        _charts(current, data["history"], data["periods"], data["years"]),
        _unavailable(current),
        _quality(manifest, data["quarantine"], data["raw_tables"]),
        accepted_exceptions(manifest),
        _gates(manifest),
        _files(manifest),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(p for p in body if p)
        + "\n<footer>Rapport généré par l'entrepôt SPASER à partir des fichiers de la publication "
        f"<code>{_e(manifest['organisation'])}/{_e(manifest['semester'])}/v{manifest['version']}</code>. "
        "Les valeurs font foi dans les fichiers Parquet/CSV de la publication, dont les empreintes SHA-256 "
        "figurent dans <code>manifest.json</code>.</footer>\n</main>\n</body>\n</html>\n"
    )


def _header(manifest: dict, org_name: str) -> str:
    previous = manifest.get("previous_version")
    code = manifest.get("code_version") or "–"
    rows = [
        ("Organisation", f'{_e(org_name)} <span class="muted">({_e(manifest["organisation"])})</span>'),
        ("Semestre", _e(manifest["semester"])),
        ("Version", f"v{manifest['version']}"),
        ("Publiée le", _e(fmt_datetime(manifest.get("published_at")))),
        ("Motif", _e(manifest.get("reason"))),
        ("Version précédente", f"v{previous}" if previous else "aucune (première publication)"),
        (
            "Version du code",
            f'<code title="{_e(code)}">{_e(code[:12] + ("-dirty" if code.endswith("-dirty") else ""))}</code>',
        ),
        ("Exécution Dagster", f"<code>{_e(manifest.get('dagster_run_id') or '–')}</code>"),
    ]
    grid = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in rows)
    kind = "Correction" if previous else "Publication"
    return (
        f'<header class="top"><div class="eyebrow">Schéma de promotion des achats socialement et '
        f"écologiquement responsables</div>"
        f"<h1>Rapport SPASER du semestre {_e(manifest['semester'])}</h1>"
        f'<div class="subtitle">{_e(org_name)} · version {manifest["version"]} · '
        f'<span class="kind kind-{"corr" if previous else "first"}">{kind}</span></div>'
        f'<dl class="meta">{grid}</dl></header>'
    )


def _summary(manifest: dict, current: list[dict]) -> str:
    counts = {s: sum(1 for r in current if r["status"] == s) for s in STATUS}
    available = sum(1 for r in current if r["is_available"])
    inputs = manifest.get("inputs") or []
    read = sum(i.get("rows_read") or 0 for i in inputs)
    quarantined = sum(i.get("rows_quarantined") or 0 for i in inputs)
    gates = manifest.get("gates") or []
    warned = sum(1 for g in gates if g.get("passed") and (g.get("warnings") or g.get("failures")))
    cards = [
        (f"{available}\u202f/\u202f{len(current)}", "indicateurs disponibles"),
        (str(counts["atteint"] + counts["en bonne voie"]), "atteints ou en bonne voie"),
        (str(counts["en retard"]), "en retard sur la trajectoire"),
        (str(len(inputs)), "fichiers sources"),
        (fmt_number(quarantined, 0), f"lignes en quarantaine sur {fmt_number(read, 0)} lues"),
        (
            f"{sum(1 for g in gates if g.get('passed'))}\u202f/\u202f{len(gates)}",
            f"contrôles passés ({warned} avec avertissements)",
        ),
    ]
    statuses = " ".join(f"{_badge(s)}\u00a0{counts[s]}" for s in STATUS)
    return (
        '<section class="summary"><div class="cards">'
        + "".join(
            f'<div class="card"><div class="big">{_e(v)}</div><div class="lbl">{_e(lbl)}</div></div>'
            for v, lbl in cards
        )
        + f'</div><p class="statuses">Statuts : {statuses}</p></section>'
    )


def _changes(manifest: dict, current: list[dict]) -> str:
    changes = manifest.get("changes_from_previous_version") or []
    if not manifest.get("previous_version"):
        return ""
    meta = {r["indicator_id"]: r for r in current}
    head = (
        f"<section><h2>Valeurs modifiées depuis la version v{manifest['previous_version']}</h2>"
        f'<p class="note">Motif de la correction : <b>{_e(manifest.get("reason"))}</b>. '
    )
    if not changes:
        return head + "Aucune valeur d'indicateur n'a changé.</p></section>"
    rows = []
    for c in sorted(
        changes, key=lambda c: (c["period_type"] != "semestre", c["period"], catalogue_order(c["indicator_id"]))
    ):
        m = meta.get(c["indicator_id"], {})
        unit = m.get("unit")
        delta = (
            (c["value"] - c["previous_value"]) if c["value"] is not None and c["previous_value"] is not None else None
        )
        rows.append(
            f'<tr><td>{_e(c["period"])} <span class="muted">({_e(PERIOD_TYPES.get(c["period_type"], c["period_type"]))})</span></td>'
            f'<td class="id">{_e(c["indicator_id"])}</td><td>{_e(m.get("indicator_label"))}</td>'
            f'<td class="num">{_e(fmt_value(c["previous_value"], unit))}</td>'
            f'<td class="num strong">{_e(fmt_value(c["value"], unit))}</td>'
            f'<td class="num">{_e(("+" if delta and delta > 0 else "") + fmt_number(delta)) if delta is not None else "–"}</td>'
            f"<td>{_badge(c['previous_status'])} → {_badge(c['status'])}</td></tr>"
        )
    return (
        head + f"{len(changes)} valeur(s) ont changé.</p>"
        '<table class="changes"><thead><tr><th>Période</th><th>Id</th><th>Indicateur</th>'
        f'<th class="num">v{manifest["previous_version"]}</th><th class="num">v{manifest["version"]}</th>'
        '<th class="num">Écart</th><th>Statut</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></section>"
    )


def _by_axe(current: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for r in current:  # already in catalogue order
        groups.setdefault(r.get("axe") or "Autres", []).append(r)
    return list(groups.items())


def _indicator_tables(current: list[dict]) -> str:
    out = [
        "<section><h2>Indicateurs du semestre</h2>",
        '<p class="note">Cible : valeur visée et année. Trajectoire : valeur attendue à la fin du semestre '
        "sur la droite qui relie la valeur de référence à la cible. Précédent : le semestre précédent.</p>",
        '<table class="indicators"><colgroup><col class="c-id"><col><col class="c-num"><col class="c-num">'
        '<col class="c-num"><col class="c-st"><col class="c-num"></colgroup>'
        '<thead><tr><th>Id</th><th>Indicateur</th><th class="num">Valeur</th><th class="num">Cible</th>'
        '<th class="num">Trajectoire</th><th>Statut</th><th class="num">Précédent</th></tr></thead>',
    ]
    for axe, rows in _by_axe(current):
        out.append(f'<tbody><tr class="axe"><th colspan="7">{_e(axe)}</th></tr>')
        for r in rows:
            unit = r.get("unit")
            target = (
                f'{_e(fmt_value(r["target_value"], unit))} <span class="muted">({_e(r["target_year"])})</span>'
                if r.get("target_value") is not None
                else NONE
            )
            value = _e(fmt_value(r["value"], unit)) if r["is_available"] else '<span class="muted">n.d.</span>'
            out.append(
                f'<tr id="t-{_e(r["indicator_id"])}"><td class="id"><a href="#c-{_e(r["indicator_id"])}">'
                f"{_e(r['indicator_id'])}</a></td><td>{_e(r['indicator_label'])}</td>"
                f'<td class="num strong">{value}</td><td class="num">{target}</td>'
                f'<td class="num">{_e(fmt_value(r.get("expected_value"), unit)) if r.get("expected_value") is not None else NONE}</td>'
                f'<td>{_badge(r["status"])}</td><td class="num">{_e(fmt_value(r.get("previous_value"), unit)) if r.get("previous_value") is not None else NONE}</td></tr>'
            )
        out.append("</tbody>")
    out.append("</table></section>")
    return "".join(out)


def chart_legend() -> str:
    return (
        '<div class="legend">'
        f'<span><svg width="26" height="10"><line x1="1" x2="25" y1="5" y2="5" stroke="{C_VALUE}" stroke-width="2"/>'
        f'<circle cx="13" cy="5" r="2.6" fill="{C_VALUE}"/></svg> valeur mesurée</span>'
        f'<span><svg width="26" height="10"><line x1="1" x2="25" y1="5" y2="5" stroke="{C_TRAJ}" stroke-width="1.6" '
        'stroke-dasharray="5 3"/></svg> trajectoire (valeur attendue)</span>'
        f'<span><svg width="26" height="10"><line x1="1" x2="25" y1="5" y2="5" stroke="{C_TARGET}" stroke-width="1.2" '
        'stroke-dasharray="2 3"/></svg> cible</span></div>'
        '<p class="note">Les axes partent de zéro. Les indicateurs oui/non sont des points, sans trajectoire. '
        "Les indicateurs mesurés une fois par an (bilans EGALim, label « Ici je mange local ») sont tracés "
        "par année civile complète, les autres par semestre.</p>"
    )


def chart_card(r: dict, chart: str, comment: str | None = None) -> str:
    unit = r.get("unit")
    target = (
        f"cible {fmt_value(r['target_value'], unit)} en {r['target_year']}"
        if r.get("target_value") is not None
        else "sans cible"
    )
    value = fmt_value(r["value"], unit) if r["is_available"] else "non disponible"
    return (
        f'<figure class="chartcard" id="c-{_e(r["indicator_id"])}"><figcaption>'
        f'<div class="ct"><span class="id">{_e(r["indicator_id"])}</span> {_badge(r["status"])}</div>'
        f'<div class="cl" title="{_e(r["indicator_label"])}">{_e(r["indicator_label"])}</div>'
        f'<div class="cv"><b>{_e(value)}</b> <span class="muted">· {_e(target)}</span></div></figcaption>'
        + chart
        + (comment_block(comment, small=True) if comment else "")
        + "</figure>"
    )


def _charts(current: list[dict], history: dict[str, list[dict]], periods: list[str], years: list[str]) -> str:
    out = [f"<section><h2>Évolution des indicateurs ({_e(periods[0])} à {_e(periods[-1])})</h2>", chart_legend()]
    for axe, rows in _by_axe(current):
        out.append(f'<h3>{_e(axe)}</h3><div class="grid">')
        out += [chart_card(r, chart_for(r, history, periods, years)) for r in rows]
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


# --------------------------------------------------------------------------- year, axes, comments


def read_comments(config_dir: Path | None, org: str, year: str) -> dict[str, str]:
    """The SPASER manager's commentary of `year` for `org` (commentaires.csv of the
    configuration): {axis code or indicator id: text}; {} without the file."""
    from ..configuration import read_table
    from ..settings import get_paths

    folder = config_dir or get_paths().config
    out = {}
    for r in read_table(folder, "commentaires"):
        if r.get("org_id") == org and r.get("annee") == year and r.get("commentaire"):
            out[r.get("indicator_id") or r.get("axe") or ""] = r["commentaire"]
    out.pop("", None)
    return out


def comment_block(text: str, small: bool = False, who: str = "Commentaire de la mission SPASER") -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text) if p.strip()]
    body = "".join(f"<p>{_e(p)}</p>" for p in paragraphs)
    return f'<div class="comment{" small" if small else ""}"><div class="who">{_e(who)}</div>{body}</div>'


def axis_code(row: dict) -> str:
    return row["indicator_id"].partition("-")[0]


def by_axis(rows: list[dict]) -> list[tuple[str, str, list[dict]]]:
    """(code, label, rows) per axis of the SPASER in the catalogue's order."""
    groups: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: catalogue_order(r["indicator_id"])):
        groups.setdefault(axis_code(r), []).append(r)
    return [(code, next((r.get("axe") for r in g if r.get("axe")), code), g) for code, g in groups.items()]


SUMMARY_STATUSES = ["atteint", "en bonne voie", "en retard", "sans cible", "non disponible"]


def status_counts(rows: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(SUMMARY_STATUSES, 0)
    for r in rows:
        key = "non disponible" if not r.get("is_available") else (r.get("status") or "sans cible")
        counts[key] = counts.get(key, 0) + 1
    return counts


def axis_summary(rows: list[dict], title: str, lead: bool = False, anchors: bool = False, level: int = 2) -> str:
    """One line per axis: how many indicators met, on track, late, without target, not
    available, with a bar; a total line; with `lead`, the same in one French sentence first."""
    head = "".join(f'<th class="num">{_badge(s)}</th>' for s in SUMMARY_STATUSES)
    body = []
    for code, label, group in by_axis(rows):
        counts = status_counts(group)
        name = f'<a href="#axe-{_e(code)}">{_e(label)}</a>' if anchors else _e(label)
        body.append(
            f'<tr class="axis-row" data-axe="{_e(code)}"><td class="id">{_e(code)}</td><td>{name}</td>'
            f'<td class="num">{len(group)}</td>'
            + "".join(f'<td class="num{" zero" if not counts[s] else ""}">{counts[s]}</td>' for s in SUMMARY_STATUSES)
            + f"<td>{_bar(counts)}</td></tr>"
        )
    total = status_counts(rows)
    body.append(
        f'<tr class="total"><td></td><td>Ensemble du SPASER</td><td class="num">{len(rows)}</td>'
        + "".join(f'<td class="num">{total[s]}</td>' for s in SUMMARY_STATUSES)
        + f"<td>{_bar(total)}</td></tr>"
    )
    sentence = (
        f'<p class="lead">Sur les {len(rows)} indicateurs du SPASER, {_count(total["atteint"], "est atteint", "sont atteints")}, '
        f"{total['en bonne voie']} en bonne voie et {total['en retard']} en retard sur la trajectoire ; "
        f"{_count(total['sans cible'], 'n’a pas de cible', 'n’ont pas de cible')} et "
        f"{_count(total['non disponible'], 'n’est pas disponible', 'ne sont pas disponibles')}.</p>"
        if lead
        else ""
    )
    return (
        f'<section class="axes-summary"><h{level}>{_e(title)}</h{level}>{sentence}'
        '<table class="axes"><thead><tr><th>Axe</th><th></th><th class="num">Indicateurs</th>'
        f"{head}<th>Répartition</th></tr></thead><tbody>" + "".join(body) + "</tbody></table></section>"
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


# bar segments: strong colours for the statuses that judge progress, greys for the others
BAR_COLOURS = {
    "atteint": "#12b76a",
    "en bonne voie": "#53b1fd",
    "en retard": "#f04438",
    "sans cible": "#d0d5dd",
    "non disponible": "#f2f4f7",
}


def _bar(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    parts = "".join(
        f'<span style="width:{100 * counts[s] / total:.2f}%;background:{BAR_COLOURS[s]}" '
        f'title="{_e(s)} : {counts[s]}"></span>'
        for s in SUMMARY_STATUSES
        if counts.get(s)
    )
    return f'<div class="bar">{parts}</div>'


def year_table(rows: list[dict], year: str, comments: dict[str, str], axis_headers: bool = True) -> str:
    """The year's indicators (value, target, expected value, status, previous year) with the
    manager's commentary under an axis header and under an indicator."""
    previous = str(int(year) - 1)
    out = [
        '<table class="indicators year"><colgroup><col class="c-id"><col><col class="c-num"><col class="c-num">'
        '<col class="c-num"><col class="c-st"><col class="c-num"></colgroup>'
        f'<thead><tr><th>Id</th><th>Indicateur</th><th class="num">{_e(year)}</th><th class="num">Cible</th>'
        f'<th class="num">Attendu fin {_e(year)}</th><th>Statut</th><th class="num">{_e(previous)}</th></tr></thead>'
    ]
    for code, label, group in by_axis(rows):
        out.append("<tbody>")
        if axis_headers:
            out.append(f'<tr class="axe"><th colspan="7">{_e(code)} · {_e(label)}</th></tr>')
            if comments.get(code):
                out.append(f'<tr class="comment-row"><td colspan="7">{comment_block(comments[code])}</td></tr>')
        for r in group:
            unit = r.get("unit")
            value = _e(fmt_value(r["value"], unit)) if r["is_available"] else '<span class="muted">n.d.</span>'
            target = (
                f'{_e(fmt_value(r["target_value"], unit))} <span class="muted">({_e(r["target_year"])})</span>'
                if r.get("target_value") is not None
                else NONE
            )
            reason = (
                f'<div class="reason">Non disponible : {_e(r.get("unavailable_reason") or "motif non renseigné")}</div>'
                if not r["is_available"]
                else ""
            )
            out.append(
                f'<tr id="a-{_e(r["indicator_id"])}"><td class="id">{_e(r["indicator_id"])}</td>'
                f"<td>{_e(r['indicator_label'])}{reason}</td>"
                f'<td class="num strong">{value}</td><td class="num">{target}</td>'
                f'<td class="num">{_e(fmt_value(r.get("expected_value"), unit)) if r.get("expected_value") is not None else NONE}</td>'
                f"<td>{_badge(r['status'])}</td>"
                f'<td class="num">{_e(fmt_value(r.get("previous_value"), unit)) if r.get("previous_value") is not None else NONE}</td></tr>'
            )
            if comments.get(r["indicator_id"]):
                out.append(
                    f'<tr class="comment-row"><td></td><td colspan="6">{comment_block(comments[r["indicator_id"]], small=True)}</td></tr>'
                )
        out.append("</tbody>")
    out.append("</table>")
    return "".join(out)


def _year_section(year_rows: list[dict], comments: dict[str, str]) -> str:
    year = year_rows[0]["period"]
    return (
        f'<section class="year" id="annee"><h2>Bilan de l\'année {_e(year)}</h2>'
        f'<p class="note">L\'année {_e(year)} est complète avec ce second semestre : ses chiffres couvrent janvier à '
        f"décembre {_e(year)}. Attendu : la valeur de la trajectoire à la fin de l'année. Le bilan annuel, avec les "
        f"graphiques par axe : <code>spaser rapport --annee {_e(year)}</code>.</p>"
        + axis_summary(year_rows, f"Synthèse par axe de l'année {year}", level=3)
        + f"<h3>Indicateurs de l'année {_e(year)}</h3>"
        + year_table(year_rows, year, comments)
        + "</section>"
    )


def _unavailable(current: list[dict]) -> str:
    rows = [r for r in current if not r["is_available"]]
    head = "<section><h2>Indicateurs non disponibles</h2>"
    if not rows:
        return (
            head + '<p class="note">Tous les indicateurs du catalogue sont disponibles pour ce semestre.</p></section>'
        )
    body = "".join(
        f'<tr><td class="id">{_e(r["indicator_id"])}</td><td>{_e(r["indicator_label"])}</td>'
        f"<td>{_e(r.get('unavailable_reason') or 'motif non renseigné')}</td></tr>"
        for r in rows
    )
    return (
        head + f'<p class="note">{len(rows)} indicateur(s) du catalogue ne sont pas calculables ce semestre : '
        "ils sont publiés sans valeur (jamais 0), avec le motif.</p>"
        "<table><thead><tr><th>Id</th><th>Indicateur</th><th>Motif</th></tr></thead><tbody>"
        + body
        + "</tbody></table></section>"
    )


def _quality(manifest: dict, quarantine: list[dict], raw_tables: dict) -> str:
    inputs = manifest.get("inputs") or []
    out = [
        "<section><h2>Qualité des données</h2>",
        '<p class="note">Chaque fichier reçu est compté : lignes lues = lignes chargées + lignes mises en '
        "quarantaine (non typables, avec leur motif, dans <code>quarantine.&lt;table&gt;</code>). "
        "Empreintes SHA-256 des fichiers dans <code>manifest.json</code>.</p>",
        '<table class="inputs"><thead><tr><th>Flux</th><th>Fichier</th><th>Table brute</th>'
        '<th class="num">Lues</th><th class="num">Chargées</th><th class="num">Quarantaine</th>'
        '<th class="num">Part</th><th>SHA-256</th></tr></thead>',
    ]
    feeds: dict[str, list[dict]] = {}
    for i in inputs:
        feeds.setdefault(i["feed"], []).append(i)
    for feed in sorted(feeds):
        files = sorted(feeds[feed], key=lambda i: i["file"])
        tr = sum(i["rows_read"] or 0 for i in files)
        tq = sum(i["rows_quarantined"] or 0 for i in files)
        tl = sum(i["rows_loaded"] or 0 for i in files)
        out.append(
            f'<tbody><tr class="axe"><th colspan="3">{_e(feed)} <span class="muted">'
            f"({len(files)} fichier{'s' if len(files) > 1 else ''})</span></th>"
            f'<th class="num">{fmt_number(tr, 0)}</th><th class="num">{fmt_number(tl, 0)}</th>'
            f'<th class="num">{fmt_number(tq, 0)}</th><th class="num">{_share(tq, tr)}</th><th></th></tr>'
        )
        for i in files:
            q = i["rows_quarantined"] or 0
            out.append(
                f'<tr><td></td><td class="file">{_e(i["file"])}</td>'
                f'<td class="muted">{_e(raw_tables.get((feed, i["file"]), ""))}</td>'
                f'<td class="num">{fmt_number(i["rows_read"], 0)}</td><td class="num">{fmt_number(i["rows_loaded"], 0)}</td>'
                f'<td class="num{" warn" if q else ""}">{fmt_number(q, 0)}</td>'
                f'<td class="num">{_share(q, i["rows_read"] or 0)}</td>'
                f'<td><code class="hash">{_e((i.get("sha256") or "")[:12])}</code></td></tr>'
            )
        out.append("</tbody>")
    out.append("</table>")
    out.append("<h3>Principaux motifs de quarantaine</h3>")
    if not quarantine:
        out.append('<p class="note">Aucune ligne en quarantaine.</p>')
    else:
        out.append(
            '<table class="quarantine"><thead><tr><th>Table brute</th><th>Motif</th>'
            '<th class="num">Lignes</th><th>Exemple (fichier, ligne)</th></tr></thead><tbody>'
        )
        for q in quarantine:
            for k, r in enumerate(q["reasons"]):
                first = (
                    f'<td rowspan="{len(q["reasons"]) + (1 if q["other_reasons"] else 0)}" class="file">'
                    f'quarantine.{_e(q["table"])}<br><span class="muted">{fmt_number(q["total"], 0)} ligne(s)</span></td>'
                    if k == 0
                    else ""
                )
                out.append(
                    f'<tr>{first}<td>{_e(reason_fr(r["reason"]))}</td><td class="num">{fmt_number(r["n"], 0)}</td>'
                    f'<td class="file">{_e(r["example"])}</td></tr>'
                )
            if q["other_reasons"]:
                out.append(f'<tr><td colspan="3" class="muted">… et {q["other_reasons"]} autre(s) motif(s)</td></tr>')
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _share(part: float, whole: float) -> str:
    if not whole:
        return "–"
    return fmt_number(100 * part / whole, 1) + "\u00a0%" if part else "0\u00a0%"


def _gates(manifest: dict, title: str = "Contrôles de l'exécution", level: int = 2) -> str:
    gates = sorted(manifest.get("gates") or [], key=lambda g: g.get("check", ""))
    out = [
        f"<section><h{level}>{title}</h{level}>",  # the code's own text
        '<p class="note">Contrôles de qualité (Great Expectations) exécutés avant la publication. Une règle '
        "bloquante en échec empêche la publication ; un avertissement signale des lignes déjà écartées ou "
        "signalées avec leur motif. La justification de chaque règle et les lignes en écart : page des "
        "contrôles <code>gx/index.html</code> et Data Docs.</p>",
        '<table class="gates"><thead><tr><th>Contrôle</th><th>Suite</th><th class="num">Lignes validées</th>'
        '<th class="num">Règles</th><th>Résultat</th><th>Avertissements</th></tr></thead><tbody>',
    ]
    for g in gates:
        warnings = g.get("warnings") or [f for f in g.get("failures") or [] if f.get("severity") != "block"]
        if not g.get("passed"):
            verdict = (
                '<span class="badge" style="color:#b42318;background:#fee4e2;border-color:#b4231840">bloquant</span>'
            )
        elif g.get("exceptions_acceptees"):
            verdict = '<span class="badge" style="color:#b54708;background:#fef0c7;border-color:#b5470840">exception acceptée</span>'
        elif warnings:
            verdict = '<span class="badge" style="color:#b54708;background:#fef0c7;border-color:#b5470840">avertissement</span>'
        else:
            verdict = (
                '<span class="badge" style="color:#05603a;background:#d1fadf;border-color:#05603a40">conforme</span>'
            )
        detail = "".join(gate_warning(w) for w in warnings)
        # a raw table unchanged since an earlier run: that run's validation, not validated again
        reused = (
            f'<br><span class="muted">validation du {_e(fmt_datetime(origin.get("recorded_at")))} reprise '
            "(mêmes données, même suite)</span>"
            if (origin := g.get("reused_from"))
            else ""
        )
        out.append(
            f'<tr><td class="file">{_e(g.get("check"))}{reused}</td><td>{_e(g.get("suite"))}</td>'
            f'<td class="num">{fmt_number(g.get("rows_validated"), 0)}</td>'
            f'<td class="num">{_e(g.get("expectations"))}</td><td>{verdict}</td>'
            f"<td>{'<ul>' + detail + '</ul>' if detail else NONE}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def accepted_exceptions(manifest: dict) -> str:
    """The blocking rules this release was published through, each with its reason, who accepted
    it, when and the rows concerned (gates/exceptions.py): never a silent bypass."""
    rows = [(g.get("check"), x) for g in manifest.get("gates") or [] for x in g.get("exceptions_acceptees") or []]
    if not rows:
        return ""
    items = []
    for check, x in sorted(rows, key=lambda r: (r[0] or "", r[1].get("accepte_le") or "")):
        items.append(
            f'<tr><td class="file">{_e(check)}</td>'
            f"<td>règle « {_e(expectation_fr(x.get('regle')))} »"
            + (f" sur <code>{_e(x.get('colonne'))}</code>" if x.get("colonne") else "")
            + f'</td><td class="num">{_e(x.get("lignes"))}</td><td><code>{_e(x.get("exemple"))}</code></td>'
            f"<td>{_e(x.get('motif'))}</td><td>{_e(x.get('accepte_par'))}</td>"
            f"<td>{_e(fmt_datetime(x.get('accepte_le')))}</td></tr>"
        )
    return (
        "<section><h2>Exceptions acceptées</h2>"
        '<p class="note">Règles bloquantes en échec pour lesquelles une personne a accepté la publication, '
        "pour ce semestre et pour les seules lignes ci-dessous (<code>spaser accept</code>) : si d'autres lignes "
        "échouent, la règle bloque de nouveau. Le détail des lignes figure dans <code>manifest.json</code>.</p>"
        '<table class="gates"><thead><tr><th>Contrôle</th><th>Règle</th><th class="num">Lignes</th>'
        "<th>Lignes concernées (extrait)</th><th>Motif</th><th>Accepté par</th><th>Le</th></tr></thead><tbody>"
        + "".join(items)
        + "</tbody></table></section>"
    )


def gate_warning(w: dict) -> str:
    """One warning of a gate in French: the rule, the column, the rows in breach. The rule's
    technical name and its rationale (written in English in the suites) are on the gates' page
    (gx/index.html) and in the Data Docs, for the auditor."""
    return (
        f"<li>règle « {_e(expectation_fr(w.get('expectation')))} »"
        + (f" sur <code>{_e(w.get('column'))}</code>" if w.get("column") else "")
        + (
            f" : {fmt_number(w['unexpected_count'], 0)} ligne(s) en écart"
            if w.get("unexpected_count") is not None
            else ""
        )
        + "</li>"
    )


def _files(manifest: dict) -> str:
    outputs = manifest.get("outputs") or {}
    rows = []
    for name in sorted(outputs):
        o = outputs[name]
        if "parquet" not in o:
            continue
        rows.append(
            f'<tr><td class="file">{_e(name)}</td><td class="num">{fmt_number(o.get("rows"), 0)}</td>'
            f'<td><code class="hash">{_e(o["parquet"]["sha256"])}</code></td></tr>'
        )
    return (
        "<section><h2>Fichiers de la publication</h2>"
        '<p class="note">Chaque table est publiée en Parquet et en CSV ; le détail ligne à ligne des indicateurs '
        "(<code>indicateur_lignes</code>) relie chaque valeur à ses lignes sources (fichier et ligne). "
        "Empreintes SHA-256 des fichiers Parquet ci-dessous, de tous les fichiers dans <code>manifest.json</code>.</p>"
        '<table class="files"><thead><tr><th>Table</th><th class="num">Lignes</th><th>SHA-256 (Parquet)</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


CSS = """
:root{--ink:#101828;--ink2:#475467;--line:#eaecf0;--navy:#0b2e59;--bg:#f2f4f7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:13px/1.45 "DejaVu Sans","Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;background:#fff;padding:32px 40px 40px}
h1{font-size:24px;margin:2px 0 4px;color:var(--navy)}
h2{font-size:17px;color:var(--navy);margin:30px 0 8px;padding-bottom:5px;border-bottom:2px solid var(--navy)}
h3{font-size:14px;color:var(--ink);margin:18px 0 8px}
a{color:#1849a9;text-decoration:none}
code{font:11.5px "DejaVu Sans Mono",ui-monospace,Menlo,Consolas,monospace;background:#f2f4f7;padding:0 3px;border-radius:3px}
.muted{color:#98a2b3;font-weight:normal}
.note{color:var(--ink2);margin:4px 0 10px;max-width:960px}
.eyebrow{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--ink2)}
.subtitle{font-size:15px;color:var(--ink2);margin-bottom:14px}
.kind{font-size:12px;font-weight:600;padding:1px 8px;border-radius:10px}
.kind-first{background:#e0f2fe;color:#026aa2}.kind-corr{background:#fef0c7;color:#b54708}
header.top{border-bottom:1px solid var(--line);padding-bottom:14px}
dl.meta{display:grid;grid-template-columns:repeat(4,1fr);gap:8px 20px;margin:0}
dl.meta div{min-width:0}
dl.meta dt{font-size:11px;color:var(--ink2);text-transform:uppercase;letter-spacing:.04em}
dl.meta dd{margin:1px 0 0;font-weight:600;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin-top:18px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fcfcfd}
.card .big{font-size:22px;font-weight:700;color:var(--navy)}
.card .lbl{color:var(--ink2);font-size:12px;line-height:1.3}
.statuses{margin:10px 0 0;color:var(--ink2)}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin-bottom:6px}
table.indicators{table-layout:fixed}
table.indicators td.num{white-space:normal}
th{text-align:left;font-weight:600;background:#f9fafb;color:var(--ink2);padding:6px 8px;border-bottom:1px solid #d0d5dd}
td{padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tr.axe th{background:#eef4ff;color:var(--navy);font-size:12.5px;border-top:1px solid #c7d7fe}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.strong{font-weight:700}
.id{font-weight:700;white-space:nowrap;color:var(--navy)}
.file{font-family:"DejaVu Sans Mono",ui-monospace,Menlo,Consolas,monospace;font-size:11.5px;overflow-wrap:anywhere}
td.warn{color:#b54708;font-weight:700}
code.hash{background:none;padding:0;color:var(--ink2)}
col.c-id{width:64px}col.c-num{width:124px}col.c-st{width:116px}
.badge{display:inline-block;border:1px solid;border-radius:10px;padding:0 7px;font-size:11px;font-weight:600;white-space:nowrap;line-height:17px}
td ul{margin:0;padding-left:16px}
.legend{display:flex;gap:22px;color:var(--ink2);font-size:12px;margin:2px 0 6px}
.legend svg{vertical-align:middle;margin-right:4px}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
figure.chartcard{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 10px 4px;break-inside:avoid;page-break-inside:avoid;min-width:0}
figure.chartcard figcaption{font-size:12px}
.ct{display:flex;justify-content:space-between;align-items:center}
.cl{color:var(--ink2);height:34px;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;line-height:17px;margin:2px 0}
.cv b{color:var(--ink);font-size:13px}
svg.chart{display:block;width:100%;height:auto}
svg.chart .tick{font:9px "DejaVu Sans",Arial,sans-serif;fill:#667085}
svg.chart .empty{font:11px "DejaVu Sans",Arial,sans-serif;fill:#98a2b3}
.lead{font-size:14px;margin:6px 0 12px;max-width:960px}
table.axes td,table.axes th{vertical-align:middle}
table.axes td.zero{color:#d0d5dd}
table.axes tr.total td{font-weight:700;border-top:1px solid #d0d5dd;background:#f9fafb}
.bar{display:flex;height:14px;min-width:160px;border-radius:3px;overflow:hidden;border:1px solid var(--line)}
.bar span{display:block;height:100%;border-right:1px solid #fff}
.comment{border-left:3px solid #7a5af8;background:#f4f3ff;padding:6px 12px;margin:4px 0 8px;border-radius:0 6px 6px 0;max-width:960px}
.comment .who{font-size:10.5px;text-transform:uppercase;letter-spacing:.05em;color:#5925dc;font-weight:600}
.comment p{margin:3px 0;color:var(--ink)}
.comment.small{padding:4px 9px;margin:6px 0 2px}
.comment.small p{font-size:11.5px;line-height:1.4}
tr.comment-row td{border-bottom:1px solid var(--line);padding-top:0}
.reason{color:var(--ink2);font-size:11px;margin-top:2px}
section.year{margin-top:10px}
footer{margin-top:30px;padding-top:10px;border-top:1px solid var(--line);color:var(--ink2);font-size:11.5px}
@page{size:A4;margin:12mm 10mm}
@media print{
  body{background:#fff;font-size:10.5px}
  main{max-width:none;padding:0}
  .cards{grid-template-columns:repeat(3,1fr)}
  h2{break-after:avoid}
  tr,figure{break-inside:avoid}
  thead{display:table-header-group}
  .badge,.bar span,.comment,tr.axe th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""
