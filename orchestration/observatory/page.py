"""The observatory's national static HTML page (French): every département side by side, with
charts and a sortable table, each département linked to its own page (its figures over every
period and its buyers). One page per period: index.html is the latest year (else the latest
semester), periode-<period>.html the others. Self-contained files, no network access needed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

INDICATEURS = {
    "NAT-1": "Considération environnementale (PNAD)",
    "NAT-2": "Considération sociale (PNAD)",
    "IMP-11": "Clause sociale",
    "MAR-RES": "Marchés réservés",
    "DEP-4": "Clause sociale au-dessus du seuil",
}
PERIOD_TYPES = {"annee": "année", "semestre": "semestre"}


@dataclass(frozen=True)
class Column:
    """One figure column: an indicator (a DEP-4 threshold), by number of contracts or by amount."""

    indicator_id: str
    seuil_eur: float | None
    by_amount: bool = False

    @property
    def label(self) -> str:
        name = INDICATEURS.get(self.indicator_id, self.indicator_id)
        if self.seuil_eur is not None:
            name += f" de {fr_number(self.seuil_eur, 0)} €"
        return f"{self.indicator_id} {name} — " + ("en montant" if self.by_amount else "en nombre")

    @property
    def short(self) -> str:
        tail = f" > {fr_number(self.seuil_eur, 0)} €" if self.seuil_eur is not None else ""
        return f"{self.indicator_id}{tail}" + (" (montant)" if self.by_amount else "")


def fr_number(value, decimals: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def columns_of(rows: list[dict]) -> list[Column]:
    """The figure columns present in `rows`: NAT-1 and NAT-2 by number and by amount, the others
    by number, DEP-4 once per threshold."""
    present = sorted({(r["indicator_id"], r["seuil_eur"]) for r in rows}, key=lambda k: (_order(k[0]), k[1] or 0))
    out = []
    for indicator, seuil in present:
        out.append(Column(indicator, seuil))
        if indicator in ("NAT-1", "NAT-2"):
            out.append(Column(indicator, seuil, by_amount=True))
    return out


def _order(indicator: str) -> int:
    return list(INDICATEURS).index(indicator) if indicator in INDICATEURS else len(INDICATEURS)


def _fetch(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def cell(row: dict | None, col: Column, rank: bool = True) -> tuple[str, float | None]:
    """(HTML of a figure, its sort key)."""
    if row is None:
        return '<span class="na">—</span>', None
    value = row["valeur_montant_pct"] if col.by_amount else row["valeur_pct"]
    n = row["n_connus"]
    if row["statut"] == "non disponible" or value is None:
        return '<span class="na" title="aucun marché dont l\'information est connue">non disponible</span>', None
    detail = f"n = {fr_number(n, 0)}"
    if row["statut"] == "trop peu de marchés":
        return (
            f'{fr_number(value)} %<br><span class="few">trop peu de marchés ({detail})</span>',
            value,
        )
    if rank and not col.by_amount and row.get("rang") is not None:
        detail += f", rang {row['rang']}/{row['n_classes']}"
    return f'{fr_number(value)} %<br><span class="n">{detail}</span>', value


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1400px;color:#1e1e1e;
padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:right;vertical-align:top}
th{background:#f0f3f8;cursor:pointer;position:sticky;top:0}
td:first-child,th:first-child{text-align:left}
.n,.few,.na{font-size:.75rem;color:#666}.few{color:#a15c00}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1.5rem}
nav a{margin-right:.8rem}.note{color:#555;font-size:.9rem;max-width:60rem}
"""
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, i){
    th.addEventListener('click', function(){
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
      rows.sort(function(a, b){
        var x = a.cells[i].dataset.v, y = b.cells[i].dataset.v;
        var nx = parseFloat(x), ny = parseFloat(y);
        if (x === undefined || x === '') return 1; if (y === undefined || y === '') return -1;
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'fr');
        return asc ? c : -c;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
});
"""


def sortable_cells(figures: dict, cols: list[Column]) -> str:
    """A table row's figure cells, each with its sort key (data-v) for the page's sorting."""
    out = []
    for c in cols:
        content, key = cell(figures.get((c.indicator_id, c.seuil_eur)), c)
        out.append(f'<td data-v="{"" if key is None else f"{key:.6f}"}">{content}</td>')
    return "".join(out)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}<script>{SORT_SCRIPT}</script></body></html>\n"
    )


def bar_chart(title: str, items: list[tuple[str, float]], national: float | None) -> str:
    """A horizontal SVG bar chart of (label, value %) sorted high to low, with the national value."""
    items = sorted(items, key=lambda kv: -kv[1])
    bar_h, left, width = 14, 60, 320
    height = bar_h * len(items) + 30
    scale = max([v for _, v in items] + [national or 0, 1.0])
    parts = [
        f'<figure><figcaption>{_e(title)}</figcaption><svg role="img" aria-label="{_e(title)}" '
        f'width="{left + width + 60}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-size="10">'
    ]
    for i, (label, value) in enumerate(items):
        y = 10 + i * bar_h
        w = width * value / scale
        parts.append(
            f'<text x="{left - 4}" y="{y + 10}" text-anchor="end">{_e(label)}</text>'
            f'<rect x="{left}" y="{y + 1}" width="{w:.1f}" height="{bar_h - 3}" fill="#3b6fb6">'
            f"<title>{_e(label)} : {fr_number(value)} %</title></rect>"
            f'<text x="{left + w + 3:.1f}" y="{y + 10}">{fr_number(value)}</text>'
        )
    if national is not None:
        x = left + width * national / scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="5" y2="{height - 15}" stroke="#c0392b" stroke-dasharray="3,2"/>'
            f'<text x="{x:.1f}" y="{height - 3}" fill="#c0392b" text-anchor="middle">France '
            f"{fr_number(national)} %</text>"
        )
    parts.append("</svg></figure>")
    return "".join(parts)


def _period_file(period: str, default: str) -> str:
    return "index.html" if period == default else f"periode-{period}.html"


def _key(row: dict) -> tuple:
    return (row["indicator_id"], row["seuil_eur"])


def write_pages(con, folder: Path, min_marches: int) -> list[Path]:
    """Write the national pages and one page per département under `folder`; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "departements").mkdir(exist_ok=True)
    departements = _fetch(con, "SELECT * FROM publication.mart_observatoire_departements")
    national = _fetch(con, "SELECT * FROM publication.mart_observatoire_national")
    periods = sorted({(r["period_type"], r["period"]) for r in national}, key=lambda p: (p[0] != "annee", p[1]))
    years = sorted(p for t, p in periods if t == "annee")
    semesters = sorted(p for t, p in periods if t == "semestre")
    # the latest complete year (both semesters received), else the latest year or semester
    complete = [y for y in years if {f"{y}-S1", f"{y}-S2"} <= set(semesters)]
    default = (complete or years or semesters or [None])[-1]
    # the départements' pages list their buyers for the default period only: read just those
    buyers = _fetch(
        con,
        """SELECT a.*, coalesce(t.type_libelle, a.type_acheteur) AS type_libelle
           FROM publication.mart_observatoire_acheteurs AS a
           LEFT JOIN (SELECT DISTINCT type_acheteur, type_libelle FROM publication.mart_observatoire_types) AS t
             USING (type_acheteur)
           WHERE a.departement IS NOT NULL AND a.period = ? ORDER BY a.departement, a.acheteur_id""",
        [default],
    )
    by_departement: dict[str, list[dict]] = {}
    for b in buyers:
        by_departement.setdefault(b["departement"], []).append(b)
    written: list[Path] = []
    if default is None:
        path = folder / "index.html"
        path.write_text(_page("Observatoire SPASER", "<h1>Observatoire SPASER</h1><p>Aucun marché.</p>"), "utf-8")
        return [path]
    nav = (
        "<nav>Années : "
        + " ".join(f'<a href="{_period_file(p, default)}">{_e(p)}</a>' for p in years)
        + " — Semestres : "
        + " ".join(f'<a href="{_period_file(p, default)}">{_e(p)}</a>' for p in semesters)
        + "</nav>"
    )
    codes = sorted({r["departement"] for r in departements})
    for period_type, period in periods:
        rows = [r for r in departements if r["period"] == period and r["period_type"] == period_type]
        nat = {_key(r): r for r in national if r["period"] == period and r["period_type"] == period_type}
        path = folder / _period_file(period, default)
        path.write_text(
            _national_page(period_type, period, rows, nat, nav, min_marches, codes, prefix="departements/"), "utf-8"
        )
        written.append(path)
    for code in sorted({r["departement"] for r in departements}):
        path = folder / "departements" / f"{code}.html"
        own = [r for r in departements if r["departement"] == code]
        path.write_text(
            _departement_page(code, own, by_departement.get(code, []), periods, default),
            "utf-8",
        )
        written.append(path)
    return written


def _national_page(period_type, period, rows, nat, nav, min_marches, codes, prefix) -> str:
    """Every département of any period is listed: one without a contract in this period has
    empty figures."""
    cols = columns_of(list(nat.values()))
    by_dept: dict[str, dict] = {code: {} for code in codes}
    for r in rows:
        by_dept[r["departement"]][_key(r)] = r
    head = "".join(f"<th>{_e(c.short)}</th>" for c in cols)
    lines = []
    for code, figures in sorted(by_dept.items()):
        any_row = figures.get(("NAT-1", None)) or next(iter(figures.values()), None)
        if any_row is None:
            any_row = {"n_acheteurs": 0, "n_enregistrements": 0, "part_exclus_qualite_pct": None}
        lines.append(
            f'<tr><td data-v="{_e(code)}"><a href="{prefix}{_e(code)}.html">{_e(code)}</a></td>'
            f'<td data-v="{any_row["n_acheteurs"]}">{any_row["n_acheteurs"]}</td>'
            f'<td data-v="{any_row["n_enregistrements"]}">{fr_number(any_row["n_enregistrements"], 0)}</td>'
            f'<td data-v="{any_row["part_exclus_qualite_pct"] or 0:.6f}">'
            f"{fr_number(any_row['part_exclus_qualite_pct'])} %</td>" + sortable_cells(figures, cols) + "</tr>"
        )
    france = []
    for c in cols:
        r = nat.get((c.indicator_id, c.seuil_eur))
        value = None if r is None else (r["valeur_montant_pct"] if c.by_amount else r["valeur_pct"])
        n = "" if r is None else f'<span class="n">n = {fr_number(r["n_connus"], 0)}</span>'
        france.append(f"<td>{fr_number(value)} %<br>{n}</td>")
    charts = []
    for c in cols:
        if c.by_amount:
            continue
        items = [
            (code, f[(c.indicator_id, c.seuil_eur)]["valeur_pct"])
            for code, f in by_dept.items()
            if (c.indicator_id, c.seuil_eur) in f and f[(c.indicator_id, c.seuil_eur)]["statut"] == "classé"
        ]
        r = nat.get((c.indicator_id, c.seuil_eur))
        if items:
            charts.append(bar_chart(c.label, items, r["valeur_pct"] if r else None))
    label = f"{PERIOD_TYPES[period_type]} {period}"
    body = (
        f"<h1>Observatoire des achats responsables — {_e(label)}</h1>{nav}"
        '<p class="note">Indicateurs calculés à partir des seules données essentielles de la commande publique '
        "(DECP) de tous les acheteurs publics, regroupés par département d'après l'extrait SIRENE fourni. "
        "Chaque chiffre indique le nombre de marchés dont l'information est connue (n) ; les marchés publiés "
        "au format DECP 2019, sans considérations, ne comptent pas. NAT-1 et NAT-2 sont donnés en nombre de "
        "marchés et en montant. Un département avec moins de "
        f"{min_marches} marchés connus pour un indicateur est marqué « trop peu de marchés » et n'est pas classé. "
        "La part d'enregistrements exclus pour qualité (marchés de test, dates invraisemblables) est indiquée "
        "pour comparer ce qui est comparable.</p>"
        f'<h2>Graphiques (classés uniquement, ligne rouge : France)</h2><div class="charts">{"".join(charts)}</div>'
        '<h2>Tous les départements</h2><p class="note">Cliquer sur un en-tête pour trier.</p>'
        '<table class="sortable"><thead><tr><th>Département</th><th>Acheteurs</th><th>Enregistrements</th>'
        f"<th>Exclus pour qualité</th>{head}</tr></thead><tbody>{''.join(lines)}</tbody>"
        f"<tfoot><tr><td>France</td><td></td><td></td><td></td>{''.join(france)}</tr></tfoot></table>"
    )
    return _page(f"Observatoire SPASER — {label}", body)


def _departement_page(code, own, buyers, periods, default) -> str:
    cols = columns_of(own)
    history = []
    for period_type, period in periods:
        figures = {_key(r): r for r in own if r["period"] == period and r["period_type"] == period_type}
        if not figures:
            continue
        cells = "".join(f"<td>{cell(figures.get((c.indicator_id, c.seuil_eur)), c)[0]}</td>" for c in cols)
        history.append(f"<tr><td>{_e(PERIOD_TYPES[period_type])} {_e(period)}</td>{cells}</tr>")
    head = "".join(f"<th>{_e(c.short)}</th>" for c in cols)
    by_buyer: dict[str, dict] = {}
    for b in buyers:
        if b["period"] == default:
            by_buyer.setdefault(b["acheteur_id"], {})[_key(b)] = b
    lines = []
    for siret, figures in sorted(by_buyer.items()):
        first = next(iter(figures.values()))
        lines.append(
            f'<tr><td data-v="{_e(first["acheteur_nom"] or siret)}">{_e(first["acheteur_nom"] or "(sans nom)")}'
            f'<br><span class="n">{_e(siret)}</span></td><td data-v="{_e(first["type_libelle"])}">'
            f'{_e(first["type_libelle"])}</td><td data-v="{first["part_exclus_qualite_pct"] or 0:.6f}">'
            f"{fr_number(first['part_exclus_qualite_pct'])} %</td>" + sortable_cells(figures, cols) + "</tr>"
        )
    body = (
        f'<p><a href="../index.html">← tous les départements</a></p><h1>Département {_e(code)}</h1>'
        "<h2>Le département (tous ses acheteurs) par période</h2>"
        f"<table><thead><tr><th>Période</th>{head}</tr></thead><tbody>{''.join(history)}</tbody></table>"
        f"<h2>Ses acheteurs — {_e(default)}</h2>"
        '<p class="note">Rang parmi les acheteurs du même type au niveau national. Cliquer sur un en-tête pour '
        "trier.</p>"
        '<table class="sortable"><thead><tr><th>Acheteur</th><th>Type</th><th>Exclus pour qualité</th>'
        f"{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )
    return _page(f"Observatoire SPASER — département {code}", body)
