"""The SPASER's annual bilan (bilan annuel), for the assembly: `spaser rapport --annee 2025`.

A year is reported once it is complete, from the release that holds its complete figures: the
latest version of the year's second semester (`publications/<org>/<year>-S2/v<N>/`), checked
against its manifest first. Nothing else is read but the SPASER manager's commentary of the
year (`commentaires.csv` of the configuration, per axis and per indicator), so the bilan shows
exactly the published figures. Releases are immutable: the bilan is written outside them, to
`$SPASER_HOME/rapports/<org>/bilan_<org>_<year>.html` (and `.pdf` with Chromium), and can be
printed again whenever the commentary changes.

`bilan_<org>_<year>.html` (French, inline CSS and SVG, no external resource) holds: on its first
page, the summary per axis (how many indicators met, on track, late, without target, not
available) and how to read it; then one part per axis (GOV, BES, IMP, MOB, NAT, DEP) with the
manager's commentary of the axis, the year's indicators (value, target, expected value at the
end of the year, status, previous year, the reason when not available, the indicator's
commentary) and their charts (semesters up to the year's S2; yearly indicators per year); an
annex on where the figures come from (the release, its files and the controls, in French).

`release_report` finds the semester report of any release, for `spaser rapport --semestre`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..files import write_atomically
from ..settings import Paths
from .report import (
    CSS,
    _e,
    _gates,
    _parquet,
    _rows,
    axis_summary,
    by_axis,
    catalogue_order,
    chart_card,
    chart_for,
    chart_legend,
    comment_block,
    fmt_datetime,
    fmt_number,
    is_complete,
    load_history,
    print_pdf,
    read_comments,
    status_counts,
    year_table,
)
from .verify import existing_versions, verify_release

REPORTS_DIR = "rapports"  # under SPASER_HOME, beside publications/: never inside a release


class ReportRefused(Exception):
    """Why a report cannot be given, in one French sentence."""


@dataclass
class Written:
    html: Path
    pdf: Path | None
    note: str | None  # why there is no PDF when one was asked for


def reports_folder(paths: Paths, org: str) -> Path:
    return paths.home / REPORTS_DIR / org


def organisations(publications: Path, org: str | None) -> list[str]:
    """The organisations to report on: `org`, or every one with a publication."""
    published = sorted(p.name for p in publications.iterdir() if p.is_dir()) if publications.is_dir() else []
    if org is None:
        if not published:
            raise ReportRefused(f"aucune publication sous {publications} : lancez d'abord `spaser run`")
        return published
    if org not in published:
        raise ReportRefused(
            f"aucune publication pour l'organisation {org!r} (publiées : {', '.join(published) or 'aucune'})"
        )
    return [org]


def _published_semesters(publications: Path, org: str) -> list[str]:
    folder = publications / org
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and existing_versions(p)) if folder.is_dir() else []


def _verified(folder: Path, what: str) -> Path:
    problems = verify_release(folder)
    if problems:
        raise ReportRefused(
            f"{what} ne correspond plus à son manifeste ({len(problems)} problème(s), détail : spaser verify) : "
            "aucun rapport n'est tiré de fichiers modifiés"
        )
    return folder


def year_release(publications: Path, org: str, year: int) -> Path:
    """The folder of the latest version of `year`-S2, the release holding the year's complete
    figures; ReportRefused when the year is not published or not complete."""
    s2 = f"{year}-S2"
    versions = existing_versions(publications / org / s2)
    if not versions:
        semesters = _published_semesters(publications, org)
        if f"{year}-S1" in semesters:
            raise ReportRefused(
                f"l'année {year} n'est pas complète pour {org} : seul son premier semestre ({year}-S1) est publié, "
                f"le bilan annuel se fait sur la publication de {s2} (spaser run --semester {s2}, une fois le "
                "semestre clos)"
            )
        raise ReportRefused(
            f"l'année {year} n'est pas publiée pour {org} : ni {year}-S1 ni {s2} "
            f"(semestres publiés : {', '.join(semesters) or 'aucun'})"
        )
    folder = publications / org / s2 / f"v{versions[-1]}"
    return _verified(folder, f"la publication {org}/{s2}/v{versions[-1]}")


def release_report(publications: Path, org: str, semester: str, version: int | None = None) -> Path:
    """The semester report (HTML) of a release: the latest version, or `version`."""
    folder = publications / org / semester
    versions = existing_versions(folder)
    if not versions:
        semesters = _published_semesters(publications, org)
        raise ReportRefused(
            f"le semestre {semester} n'est pas publié pour {org} (semestres publiés : {', '.join(semesters) or 'aucun'})"
        )
    number = version or versions[-1]
    if number not in versions:
        raise ReportRefused(
            f"{org} {semester} n'a pas de version v{number} (versions : {', '.join(f'v{n}' for n in versions)})"
        )
    release = _verified(folder / f"v{number}", f"la publication {org}/{semester}/v{number}")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    name = (manifest.get("report") or {}).get("html")
    if not name or not (release / name).is_file():
        raise ReportRefused(f"la publication {org}/{semester}/v{number} ne contient pas de rapport HTML")
    return release / name


# --------------------------------------------------------------------------- writing


def write_bilan(paths: Paths, org: str, year: int, pdf: bool = False, now: dt.datetime | None = None) -> Written:
    """Render the annual bilan of `org` for `year` into $SPASER_HOME/rapports/<org>/."""
    release = year_release(paths.publications, org, year)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    comments = read_comments(paths.config, org, str(year))
    text = build_bilan_html(release, manifest, year, comments, now=now)
    folder = reports_folder(paths, org)
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"bilan_{org}_{year}.html"
    write_atomically(html_path, text)
    return Written(html_path, *(print_to(html_path, html_path.with_suffix(".pdf")) if pdf else (None, None)))


def print_release_report(paths: Paths, org: str, semester: str, version: int | None = None) -> Written:
    """Print a release's semester report to PDF again, into $SPASER_HOME/rapports/<org>/ (the
    release itself is never written)."""
    html_path = release_report(paths.publications, org, semester, version)
    folder = reports_folder(paths, org)
    folder.mkdir(parents=True, exist_ok=True)
    return Written(html_path, *print_to(html_path, folder / html_path.with_suffix(".pdf").name))


def print_to(html_path: Path, pdf_path: Path) -> tuple[Path | None, str | None]:
    """(PDF, None) or (None, what is needed): one French sentence."""
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp-{os.getpid()}")
    printed, note = print_pdf(html_path, tmp)
    if printed is None:
        tmp.unlink(missing_ok=True)
        if "introuvable" in note:
            note = (
                "PDF non imprimé : Chromium est introuvable, installez le paquet Debian chromium "
                "(apt-get install chromium) ou mettez chromium sur le PATH"
            )
        return None, note
    os.replace(tmp, pdf_path)
    return pdf_path, None


# --------------------------------------------------------------------------- html


def build_bilan_html(
    release: Path, manifest: dict, year: int, comments: dict[str, str], now: dt.datetime | None = None
) -> str:
    con = duckdb.connect()
    try:
        rows = [
            r
            for r in _rows(con, f"SELECT * FROM {_parquet(release, 'mart_spaser_indicateurs')}")
            if r["period_type"] == "annee" and r["period"] == str(year)
        ]
        history, periods, years = load_history(con, release, f"{year}-S2")
    finally:
        con.close()
    where = f"{manifest['organisation']}/{manifest['semester']}/v{manifest['version']}"
    if not rows or not all(is_complete(r) for r in rows):
        raise ReportRefused(f"la publication {where} ne contient pas les chiffres complets de l'année {year}")
    rows.sort(key=lambda r: catalogue_order(r["indicator_id"]))
    org_name = next((r["org_name"] for r in rows if r.get("org_name")), manifest["organisation"])
    generated = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    body = [
        _header(manifest, org_name, year, comments, generated),
        axis_summary(rows, f"Synthèse par axe de l'année {year}", lead=True, anchors=True),
        _reading_guide(year),
    ]
    for code, label, group in by_axis(rows):
        body.append(_axis_part(code, label, group, year, comments, history, periods, years))
    body.append(_annex(manifest, release, year))
    title = f"Bilan annuel du SPASER {year} : {org_name}"
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{_e(title)}</title>\n<style>{CSS}{BILAN_CSS}</style>\n</head>\n<body class="bilan">\n<main>\n'
        + "\n".join(body)
        + f"\n<footer>Bilan établi le {_e(fmt_datetime(generated))} par l'entrepôt SPASER à partir de la publication "
        f"<code>{_e(where)}</code> (les chiffres font foi dans ses fichiers, dont les empreintes SHA-256 figurent "
        "dans son <code>manifest.json</code>) et des commentaires de la configuration "
        "(<code>commentaires.csv</code>).</footer>\n</main>\n</body>\n</html>\n"
    )


def _header(manifest: dict, org_name: str, year: int, comments: dict, generated: str) -> str:
    rows = [
        ("Organisation", f'{_e(org_name)} <span class="muted">({_e(manifest["organisation"])})</span>'),
        ("Année", f'{year} <span class="muted">(janvier à décembre, année complète)</span>'),
        (
            "Chiffres publiés",
            f"semestre {_e(manifest['semester'])}, version {manifest['version']}, le "
            f"{_e(fmt_datetime(manifest.get('published_at')))}",
        ),
        ("Commentaires", f"{len(comments)} (axes et indicateurs)" if comments else "aucun pour cette année"),
    ]
    grid = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in rows)
    return (
        '<header class="top"><div class="eyebrow">Schéma de promotion des achats socialement et '
        "écologiquement responsables</div>"
        f"<h1>Bilan annuel du SPASER {year}</h1>"
        f'<div class="subtitle">{_e(org_name)} · établi le {_e(fmt_datetime(generated)[:10])}</div>'
        f'<dl class="meta">{grid}</dl></header>'
    )


def _reading_guide(year: int) -> str:
    return (
        '<section class="guide"><h3>Comment lire ce bilan</h3><ul>'
        f"<li><b>atteint</b> : la valeur {year} atteint la cible fixée par le SPASER ;</li>"
        "<li><b>en bonne voie</b> : la cible n'est pas encore atteinte, mais la valeur est au niveau attendu à "
        f"la fin de {year} sur la trajectoire, droite qui relie la valeur de référence à la cible ;</li>"
        "<li><b>en retard</b> : la valeur est en deçà de ce niveau attendu ;</li>"
        "<li><b>sans cible</b> : le SPASER ne fixe pas de cible chiffrée pour cet indicateur, qui est suivi ;</li>"
        "<li><b>non disponible</b> : une donnée manque pour le calculer, le motif est donné (jamais un zéro).</li>"
        '</ul><p class="note">Chaque axe est présenté ensuite avec le commentaire de la mission SPASER, ses '
        "indicateurs et leur évolution ; l'annexe dit d'où viennent les chiffres et quels contrôles ils ont "
        "passés.</p><h3>Les graphiques</h3>" + chart_legend() + "</section>"
    )


def _axis_part(
    code: str,
    label: str,
    rows: list[dict],
    year: int,
    comments: dict[str, str],
    history: dict,
    periods: list[str],
    years: list[str],
) -> str:
    counts = status_counts(rows)
    line = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    out = [
        f'<section class="axis-part" id="axe-{_e(code)}"><div class="eyebrow">Axe {_e(code)}</div>'
        f"<h2>{_e(label)}</h2>"
        f'<p class="note">{len(rows)} indicateur{"s" if len(rows) > 1 else ""} : {_e(line)}.</p>'
    ]
    if comments.get(code):
        out.append(comment_block(comments[code]))
    out.append(year_table(rows, str(year), comments, axis_headers=False))
    out.append(f"<h3>Évolution ({_e(periods[0])} à {_e(periods[-1])})</h3>" if periods else "")
    out.append('<div class="grid">')
    out += [chart_card(r, chart_for(r, history, periods, years)) for r in rows]
    out.append("</div></section>")
    return "".join(out)


def _annex(manifest: dict, release: Path, year: int) -> str:
    inputs = manifest.get("inputs") or []
    read = sum(i.get("rows_read") or 0 for i in inputs)
    quarantined = sum(i.get("rows_quarantined") or 0 for i in inputs)
    gates = manifest.get("gates") or []
    mart = (manifest.get("outputs") or {}).get("mart_spaser_indicateurs", {}).get("parquet", {})
    intro = (
        f'<section class="annex"><h2>Annexe : d\'où viennent ces chiffres</h2>'
        f'<p class="note">Les chiffres de {year} sont ceux de la publication du semestre {_e(manifest["semester"])} '
        f"(version {manifest['version']}, {_e(manifest.get('reason') or '')}), publiée le "
        f"{_e(fmt_datetime(manifest.get('published_at')))} : une publication ne change jamais ; une correction "
        f"ferait une nouvelle version, et ce bilan se réimprime alors avec <code>spaser rapport --annee {year}</code>. "
        f"Ils ont été calculés à partir de {len(inputs)} fichiers reçus des services et des plateformes "
        f"({fmt_number(read, 0)} lignes lues, dont {fmt_number(quarantined, 0)} écartées parce qu'illisibles, "
        f"avec leur motif). Les {len(gates)} contrôles de qualité ont été passés avant la publication ; ceux qui "
        "ont signalé des lignes sont détaillés ci-dessous. Le détail par semestre (fichiers, lignes écartées) est "
        f"dans le rapport du semestre, <code>{_e((manifest.get('report') or {}).get('html') or '')}</code>.</p>"
        f'<p class="note">Empreinte SHA-256 du tableau des indicateurs publié : '
        f'<code class="hash">{_e(mart.get("sha256") or "–")}</code>.</p>'
    )
    return intro + _gates(manifest, "Contrôles de la publication", level=3) + "</section>"


BILAN_CSS = """
body.bilan h2{margin-top:10px}
.axis-part{margin-top:34px}
.axis-part .eyebrow{margin-top:6px}
.guide ul{margin:4px 0 8px;padding-left:20px;max-width:960px}
.guide li{margin:2px 0}
@media print{
  .axis-part,.annex{break-before:page}
  .axes-summary table{font-size:11px}
}
"""
