"""The semester report that auditors read: one self-contained HTML file per release (+ PDF).

`render_report(con, folder, manifest)` is called by `publish_semester` (its `render` callback)
while version N is being written in `folder`, before the manifest is sealed: the files it
returns are hashed into the manifest like every other output.

`rapport_<org>_<semester>_v<N>.html` (French, inline CSS and SVG, no external resource) holds:
the release header (organisation, semester, version, publication date, reason, code version,
previous version); for a correction, the indicator values that moved since version N-1; the
indicator table of the semester by axe (value, target, expected value on the trajectory,
status, previous value); one chart per indicator over every semester up to this one (value,
linear trajectory, target); the indicators not available with their reason; the data-quality
summary (rows read / loaded / quarantined per feed and file, top quarantine reasons per raw
table); the gates of the run; the files of the release with their sha256.

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
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import duckdb

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


def render_report(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict) -> list[Path]:
    """Write the report of the release being written in `folder`; return the files written."""
    html_path = folder / report_name(manifest, "html")
    html_path.write_text(build_html(con, folder, manifest), encoding="utf-8")
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
    current = _rows(
        con,
        f"""
        SELECT * FROM {_parquet(folder, "mart_spaser_indicateurs")}
        WHERE period_type = 'semestre' AND period = ?""",
        [semester],
    )
    current.sort(key=lambda r: catalogue_order(r["indicator_id"]))
    history: dict[str, list[dict]] = {}
    for r in _rows(
        con,
        f"""
            SELECT indicator_id, period, value, expected_value, target_value, is_available
            FROM {_parquet(folder, "mart_spaser_indicateurs_historique")}
            WHERE period_type = 'semestre' AND period <= ?
            ORDER BY period, indicator_id""",
        [semester],
    ):
        history.setdefault(r["indicator_id"], []).append(r)
    periods = sorted({r["period"] for rows in history.values() for r in rows} | {semester})
    return {
        "current": current,
        "history": history,
        "periods": periods,
        "quarantine": _quarantine(con),
        "raw_tables": _raw_tables(con),
    }


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
    return fmt_number(value) + "\u00a0" + unit


def fmt_datetime(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        d = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return d.strftime("%d/%m/%Y à %H:%M") + (" UTC" if d.utcoffset() == dt.timedelta(0) else "")


def _badge(status: str | None) -> str:
    label, fg, bg = STATUS.get(status or "", (status or "–", "#475467", "#f2f4f7"))
    return f'<span class="badge" style="color:{fg};background:{bg};border-color:{fg}40">{_e(label)}</span>'


# --------------------------------------------------------------------------- chart


def chart_svg(indicator: dict, history: list[dict], periods: list[str], width: int = 340, height: int = 150) -> str:
    """Value per semester (line and dots), linear trajectory (dashed) and target (dotted)."""
    unit = indicator.get("unit") or ""
    by_period = {r["period"]: r for r in history}
    values = [by_period.get(p, {}).get("value") for p in periods]
    expected = [by_period.get(p, {}).get("expected_value") for p in periods]
    target = indicator.get("target_value")
    ml, mr, mt, mb = 46, 10, 10, 24
    pw, ph = width - ml - mr, height - mt - mb
    title = f"{indicator['indicator_id']} : évolution par semestre"
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">'
    )
    known = [v for v in values + expected + [target] if v is not None]
    if not any(v is not None for v in values):
        reason = "aucune valeur mesurée sur la période"
        return (
            head + f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#f9fafb" stroke="{C_GRID}"/>'
            f'<text x="{ml + pw / 2}" y="{mt + ph / 2 + 4}" text-anchor="middle" class="empty">{reason}</text></svg>'
        )
    lo, hi = min(known), max(known)
    if unit == "oui/non":
        lo, hi = 0.0, 1.0
    elif unit == "%" and lo >= 0 and hi <= 100:
        lo = 0.0
    elif lo > 0 and (hi - lo) < hi * 0.5:
        pass  # a narrow band far from 0: do not force 0, the variation must stay visible
    elif lo > 0:
        lo = 0.0
    ticks = [0.0, 1.0] if unit == "oui/non" else _ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]

    def x(i: int) -> float:
        return ml + (pw * (i + 0.5) / len(periods))

    def y(v: float) -> float:
        return mt + ph - (ph * (v - lo) / (hi - lo) if hi > lo else ph / 2)

    parts = [head]
    for t in ticks:
        parts.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{C_GRID}"/>')
        label = ("oui" if t >= 1 else "non") if unit == "oui/non" else _tick_label(t)
        parts.append(f'<text x="{ml - 5}" y="{y(t) + 3:.1f}" text-anchor="end" class="tick">{_e(label)}</text>')
    step = max(1, math.ceil(len(periods) / 6))
    for i, p in enumerate(periods):
        if (len(periods) - 1 - i) % step == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 7}" text-anchor="middle" class="tick">{_e(p)}</text>')
    if target is not None and lo <= target <= hi:
        parts.append(
            f'<line x1="{ml}" x2="{ml + pw}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            f'stroke="{C_TARGET}" stroke-width="1.2" stroke-dasharray="2 3"/>'
        )
    parts.append(_polyline(expected, x, y, f'stroke="{C_TRAJ}" stroke-width="1.6" stroke-dasharray="5 3"'))
    parts.append(_polyline(values, x, y, f'stroke="{C_VALUE}" stroke-width="2"'))
    for i, v in enumerate(values):
        if v is not None:
            last = i == len(periods) - 1
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{3.6 if last else 2.6}" fill="{C_VALUE}"'
                + (' stroke="#fff" stroke-width="1.2"' if last else "")
                + "/>"
            )
    parts.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}" stroke="{C_AXIS}" stroke-width="0.8"/>')
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


def build_html(con, folder: Path, manifest: dict) -> str:
    data = _load(con, folder, manifest)
    current = data["current"]
    org_name = next((r["org_name"] for r in current if r.get("org_name")), manifest["organisation"])
    title = f"Rapport SPASER {org_name} : semestre {manifest['semester']} (version {manifest['version']})"
    body = [
        _header(manifest, org_name),
        _summary(manifest, current),
        _changes(manifest, current),
        _indicator_tables(current),
        _charts(current, data["history"], data["periods"]),
        _unavailable(current),
        _quality(manifest, data["quarantine"], data["raw_tables"]),
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


def _charts(current: list[dict], history: dict[str, list[dict]], periods: list[str]) -> str:
    legend = (
        '<div class="legend">'
        f'<span><svg width="26" height="10"><line x1="1" x2="25" y1="5" y2="5" stroke="{C_VALUE}" stroke-width="2"/>'
        f'<circle cx="13" cy="5" r="2.6" fill="{C_VALUE}"/></svg> valeur mesurée</span>'
        f'<span><svg width="26" height="10"><line x1="1" x2="25" y1="5" y2="5" stroke="{C_TRAJ}" stroke-width="1.6" '
        'stroke-dasharray="5 3"/></svg> trajectoire (valeur attendue)</span>'
        f'<span><svg width="26" height="10"><line x1="1" x2="25" y1="5" y2="5" stroke="{C_TARGET}" stroke-width="1.2" '
        'stroke-dasharray="2 3"/></svg> cible</span></div>'
    )
    out = [f"<section><h2>Évolution des indicateurs ({_e(periods[0])} à {_e(periods[-1])})</h2>", legend]
    for axe, rows in _by_axe(current):
        out.append(f'<h3>{_e(axe)}</h3><div class="grid">')
        for r in rows:
            unit = r.get("unit")
            target = (
                f"cible {fmt_value(r['target_value'], unit)} en {r['target_year']}"
                if r.get("target_value") is not None
                else "sans cible"
            )
            value = fmt_value(r["value"], unit) if r["is_available"] else "non disponible"
            out.append(
                f'<figure class="chartcard" id="c-{_e(r["indicator_id"])}"><figcaption>'
                f'<div class="ct"><span class="id">{_e(r["indicator_id"])}</span> {_badge(r["status"])}</div>'
                f'<div class="cl" title="{_e(r["indicator_label"])}">{_e(r["indicator_label"])}</div>'
                f'<div class="cv"><b>{_e(value)}</b> <span class="muted">· {_e(target)}</span></div></figcaption>'
                + chart_svg(r, history.get(r["indicator_id"], []), periods)
                + "</figure>"
            )
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


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
                    f'<tr>{first}<td>{_e(r["reason"])}</td><td class="num">{fmt_number(r["n"], 0)}</td>'
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


def _gates(manifest: dict) -> str:
    gates = sorted(manifest.get("gates") or [], key=lambda g: g.get("check", ""))
    out = [
        "<section><h2>Contrôles de l'exécution</h2>",
        '<p class="note">Suites Great Expectations exécutées avant la publication. Une attente bloquante en '
        "échec empêche la publication ; un avertissement signale des lignes déjà écartées ou signalées avec "
        "leur motif. Détail : Data Docs Great Expectations et <code>gx/index.html</code>.</p>",
        '<table class="gates"><thead><tr><th>Contrôle</th><th>Suite</th><th class="num">Lignes validées</th>'
        '<th class="num">Attentes</th><th>Résultat</th><th>Avertissements</th></tr></thead><tbody>',
    ]
    for g in gates:
        warnings = g.get("warnings") or [f for f in g.get("failures") or [] if f.get("severity") != "block"]
        if not g.get("passed"):
            verdict = (
                '<span class="badge" style="color:#b42318;background:#fee4e2;border-color:#b4231840">bloquant</span>'
            )
        elif warnings:
            verdict = '<span class="badge" style="color:#b54708;background:#fef0c7;border-color:#b5470840">avertissement</span>'
        else:
            verdict = (
                '<span class="badge" style="color:#05603a;background:#d1fadf;border-color:#05603a40">conforme</span>'
            )
        detail = "".join(
            f"<li><code>{_e(w.get('expectation'))}</code>"
            + (f" sur <code>{_e(w.get('column'))}</code>" if w.get("column") else "")
            + (f", {fmt_number(w['unexpected_count'], 0)} ligne(s)" if w.get("unexpected_count") is not None else "")
            + (f" : {_e(w.get('why'))}" if w.get("why") else "")
            + "</li>"
            for w in warnings
        )
        out.append(
            f'<tr><td class="file">{_e(g.get("check"))}</td><td>{_e(g.get("suite"))}</td>'
            f'<td class="num">{fmt_number(g.get("rows_validated"), 0)}</td>'
            f'<td class="num">{_e(g.get("expectations"))}</td><td>{verdict}</td>'
            f"<td>{'<ul>' + detail + '</ul>' if detail else NONE}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


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
footer{margin-top:30px;padding-top:10px;border-top:1px solid var(--line);color:var(--ink2);font-size:11.5px}
@page{size:A4;margin:12mm 10mm}
@media print{
  body{background:#fff;font-size:10.5px}
  main{max-width:none;padding:0}
  .cards{grid-template-columns:repeat(3,1fr)}
  h2{break-after:avoid}
  tr,figure{break-inside:avoid}
  thead{display:table-header-group}
}
"""
