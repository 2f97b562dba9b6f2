"""The auditors' index of the gates: `<gx results>/index.html`.

Every gate run recorded in `<gx results>/runs/<run_id>/<check>.json` (one file per check, see
checks.py), grouped by semester (newest first) and, within a semester, newest run first, with
its outcome: `bloqué` (a blocking expectation failed: nothing was published), `avertissements`
(only `warn` expectations failed) or `conforme`. Failing expectations are listed with their
severity, column, row count and why, and link to the GX Data Docs validation page of the
check; the Data Docs home (data_docs/index.html) is linked at the top. When the publications
folder is known, a run that published a release names it. A raw gate that reused an earlier
validation of the same data by the same suite (gates/reuse.py) says so, naming that run.

Rebuilt at the end of every gate (checks._record), so it is always up to date; it only reads
the run files, never the warehouse.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..files import write_atomically
from ..publication.report import expectation_fr

NONE = '<span class="muted">aucune</span>'
OUTCOME_LABELS = {
    "blocked": ("bloqué", "#b42318", "#fef3f2"),
    "warned": ("avertissements", "#b54708", "#fffaeb"),
    "passed": ("conforme", "#067647", "#ecfdf3"),
}


@dataclass
class GateRun:
    run_id: str
    semester: str
    recorded_at: str
    checks: list[dict] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if any(not c.get("passed", False) for c in self.checks):
            return "blocked"
        if any(c.get("failures") for c in self.checks):
            return "warned"
        return "passed"


def load_runs(root: Path) -> list[GateRun]:
    runs = []
    for folder in sorted((root / "runs").iterdir()) if (root / "runs").is_dir() else []:
        if not folder.is_dir():
            continue
        checks = []
        for f in sorted(folder.glob("*.json")):
            try:
                checks.append(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        if not checks:
            continue
        semester = next((c["run_name"].split("__")[0] for c in checks if c.get("run_name")), "?")
        recorded = max((c.get("recorded_at") or "" for c in checks), default="")
        if not recorded:  # runs recorded before recorded_at existed: file time
            mtime = max(f.stat().st_mtime for f in folder.glob("*.json"))
            recorded = dt.datetime.fromtimestamp(mtime, dt.UTC).isoformat(timespec="seconds")
        runs.append(GateRun(folder.name, semester, recorded, checks))
    return runs


def _releases_by_run(publications: Path | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if publications is None or not publications.is_dir():
        return out
    for manifest in sorted(publications.glob("*/*/v*/manifest.json")):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if m.get("dagster_run_id"):
            out.setdefault(m["dagster_run_id"], []).append(
                f"{m.get('organisation')} {m.get('semester')} v{m.get('version')}"
            )
    return out


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _semester_key(semester: str) -> tuple:
    return (semester == "?", semester)


def render_index(root: Path, publications: Path | None = None) -> str:
    runs = load_runs(root)
    by_run = _releases_by_run(publications)
    for run in runs:
        run.releases = by_run.get(run.run_id, [])
    semesters = sorted({r.semester for r in runs}, key=_semester_key, reverse=True)
    totals = {k: sum(r.outcome == k for r in runs) for k in OUTCOME_LABELS}

    parts = [
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        "<title>Contrôles qualité SPASER : index des exécutions</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>Contrôles qualité (Great Expectations) : index des exécutions</h1>",
        '<p class="lead">Chaque exécution du pipeline valide les données brutes, la comptabilité '
        "des lignes et les indicateurs avant toute publication. Une attente <b>bloquante</b> en échec "
        "arrête la publication ; une attente <b>avertissement</b> signale des lignes déjà mises en "
        "quarantaine, exclues ou signalées avec leur motif.</p>",
        '<p class="links"><a href="data_docs/index.html">Data Docs Great Expectations (toutes les validations)</a></p>',
        f'<p class="totals">{len(runs)} exécution(s) : '
        + " · ".join(f"{_badge(k)} {totals[k]}" for k in OUTCOME_LABELS)
        + "</p>",
    ]
    if not runs:
        parts.append("<p>Aucune exécution enregistrée.</p>")
    for semester in semesters:
        parts.append(f"<h2>Semestre {_e(semester)}</h2>")
        parts.append(
            "<table><thead><tr><th>Exécution</th><th>Résultat</th><th>Contrôles</th>"
            "<th>Attentes en échec</th><th>Publication</th></tr></thead><tbody>"
        )
        in_semester = sorted(
            (r for r in runs if r.semester == semester), key=lambda r: (r.recorded_at, r.run_id), reverse=True
        )
        for run in in_semester:
            passed = sum(1 for c in run.checks if not c.get("failures"))
            parts.append(
                "<tr>"
                f'<td class="run">{_e(run.recorded_at.replace("T", " "))}<br><code>{_e(run.run_id[:8])}</code></td>'
                f"<td>{_badge(run.outcome)}</td>"
                f'<td class="num">{passed} / {len(run.checks)} sans échec{_reused(run)}</td>'
                f"<td>{_failures(run)}</td>"
                f"<td>{'<br>'.join(_e(x) for x in run.releases) or NONE}</td>"
                "</tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _badge(outcome: str) -> str:
    label, fg, bg = OUTCOME_LABELS[outcome]
    return f'<span class="badge" style="color:{fg};background:{bg};border-color:{fg}33">{label}</span>'


def _failures(run: GateRun) -> str:
    items = []
    for check in sorted(run.checks, key=lambda c: c.get("check", "")):
        failures = check.get("failures") or []
        if not failures:
            continue
        page = check.get("validation_page")
        name = _e(check.get("check"))
        link = f'<a href="data_docs/{_e(page)}">{name}</a>' if page else name
        lines = []
        for f in failures:
            severity = "bloquant" if f.get("severity") == "block" else "avertissement"
            column = f" sur <code>{_e(f.get('column'))}</code>" if f.get("column") else ""
            count = f", {_e(f['unexpected_count'])} ligne(s)" if f.get("unexpected_count") is not None else ""
            why = f" : {_e(f.get('why'))}" if f.get("why") else ""
            if accepted := f.get("accepted"):  # published through an accepted exception (spaser accept)
                severity = "exception acceptée"
                why += (
                    f" — accepté par {_e(accepted.get('accepte_par'))} le {_e(accepted.get('accepte_le'))} : "
                    f"{_e(accepted.get('motif'))}"
                )
            # the failing rows themselves (their index columns and value), so that this page works
            # offline without the Data Docs, whose styles and tables load from CDNs
            samples = f.get("sample_rows") or []
            rows = "".join(
                f"<li><code>{_e(json.dumps(r, ensure_ascii=False, default=str))}</code></li>" for r in samples[:5]
            )
            more = (
                f'<li class="muted">… et {len(samples) - 5} autre(s) dans les Data Docs</li>'
                if len(samples) > 5
                else ""
            )
            lines.append(
                f'<li><span class="sev sev-{"block" if severity == "bloquant" else "warn"}">{severity}</span> '
                f"{_e(expectation_fr(f.get('expectation')))} (<code>{_e(f.get('expectation'))}</code>){column}{count}{why}"
                + (f'<ul class="rows">{rows}{more}</ul>' if rows else "")
                + "</li>"
            )
        reused = f" — {_origin(check['reused_from'])}" if check.get("reused_from") else ""
        items.append(
            f'<div class="check">{link} <span class="muted">(suite {_e(check.get("suite"))}){reused}</span>'
            f"<ul>{''.join(lines)}</ul></div>"
        )
    if not items:
        return '<span class="muted">aucune</span>'
    return "".join(items)


def _origin(origin: dict) -> str:
    """Which validation a reused gate gives again, and why it may."""
    when = _e((origin.get("recorded_at") or "").replace("T", " "))
    return (
        f"validation reprise de l'exécution <code>{_e((origin.get('run_id') or '')[:8])}</code> "
        f"({_e(origin.get('run_name'))}, {when}) : {_e(origin.get('reason'))}"
    )


def _reused(run: GateRun) -> str:
    """The checks of `run` that reused an earlier validation instead of validating again."""
    reused = sorted((c for c in run.checks if c.get("reused_from")), key=lambda c: c.get("check", ""))
    if not reused:
        return ""
    items = "".join(
        f"<li>{_e(c.get('check'))} : "
        + (
            f'<a href="data_docs/{_e(page)}">{_origin(c["reused_from"])}</a>'
            if (page := c["reused_from"].get("validation_page"))
            else _origin(c["reused_from"])
        )
        + "</li>"
        for c in reused
    )
    return (
        f'<details class="reused"><summary>dont {len(reused)} validation(s) reprise(s) '
        f"d'une exécution antérieure</summary><ul>{items}</ul></details>"
    )


def write_index(root: Path, publications: Path) -> Path:
    """Write `<root>/index.html` atomically and return its path."""
    root.mkdir(parents=True, exist_ok=True)
    return write_atomically(root / "index.html", render_index(root, publications))


_CSS = """
body{margin:0;background:#f6f7f9;color:#1d2939;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 32px 48px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:0 0 8px;color:#0b2e59}
h2{font-size:17px;margin:28px 0 8px;color:#0b2e59;border-bottom:2px solid #0b2e59;padding-bottom:4px}
.lead{color:#475467;max-width:900px}
a{color:#1849a9}
table{border-collapse:collapse;width:100%;font-size:13px}
th{background:#eef2f6;text-align:left;font-weight:600;padding:6px 8px;border-bottom:1px solid #d0d5dd}
td{padding:6px 8px;border-bottom:1px solid #eaecf0;vertical-align:top}
td.run{white-space:nowrap}
td.num{white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f4f7;padding:0 3px;border-radius:3px}
.badge{display:inline-block;border:1px solid;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;white-space:nowrap}
.muted{color:#98a2b3}
.check{margin-bottom:6px}
.check ul{margin:2px 0 0 0;padding-left:18px}
.sev{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.02em}
.sev-block{color:#b42318}.sev-warn{color:#b54708}
details.reused{white-space:normal;font-size:12px;color:#475467;margin-top:2px}
details.reused ul{margin:2px 0 0 0;padding-left:16px}
"""
