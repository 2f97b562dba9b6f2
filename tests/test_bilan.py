"""The SPASER's annual bilan (`spaser rapport --annee`) and the year section of an S2 report, on
the demo data: rendered in Chromium and read as a reader would (sections, commentary, French,
honest charts), and every refusal of `spaser rapport` as one sentence with exit 1.

No second pipeline run: the session's `first_run` (2026-S1) warehouse already holds the 2025
figures, complete; a copy of it publishes 2025-S2 with `publish_semester` (a real release,
manifest and report included) in a few seconds."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from browser import Page, require_chromium
from conftest import demo_config

from orchestration.cli import main
from orchestration.publication.publish import publish_semester
from orchestration.publication.report import build_html, report_name
from orchestration.publication.verify import verify_release

ORG = "nordval"
AXES = ["GOV", "BES", "IMP", "MOB", "NAT", "DEP"]


@pytest.fixture(scope="module")
def bilan_home(first_run, tmp_path_factory) -> Path:
    """A SPASER_HOME with the first run's warehouse and 2026-S1 release (copies) and 2025-S2
    published from that warehouse, its report rendered with the demo's commentary."""
    source, result = first_run
    assert result.success, "the demo run failed"
    home = tmp_path_factory.mktemp("bilan") / "spaser"
    demo_config(home)
    (home / "warehouse").mkdir(parents=True)
    shutil.copyfile(source / "warehouse" / "warehouse.duckdb", home / "warehouse" / "warehouse.duckdb")
    shutil.copytree(source / "publications", home / "publications")
    s1 = json.loads((home / "publications" / ORG / "2026-S1" / "v1" / "manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as con:

        def render(folder: Path, manifest: dict) -> list[Path]:  # the report as published, without the PDF
            path = folder / report_name(manifest, "html")
            path.write_text(build_html(con, folder, manifest, home / "config"), encoding="utf-8")
            return [path]

        release = publish_semester(
            con, home / "publications", ORG, "2025-S2", reason=None, gates=s1["gates"], render=render
        )
    assert release.created and release.path.name == "v1"
    return home


@pytest.fixture
def in_home(bilan_home, monkeypatch) -> Path:
    monkeypatch.setenv("SPASER_HOME", str(bilan_home))
    for var in ("SPASER_CONFIG_DIR", "SPASER_PUBLICATIONS_DIR"):
        monkeypatch.delenv(var, raising=False)
    return bilan_home


def _comments(home: Path) -> dict[str, str]:
    with (home / "config" / "commentaires.csv").open(encoding="utf-8", newline="") as f:
        return {r["indicator_id"] or r["axe"]: r["commentaire"] for r in csv.DictReader(f) if r["annee"] == "2025"}


def test_the_s2_report_holds_the_year(bilan_home):
    release = bilan_home / "publications" / ORG / "2025-S2" / "v1"
    text = html.unescape((release / f"rapport_{ORG}_2025-S2_v1.html").read_text(encoding="utf-8"))
    assert "Bilan de l'année 2025" in text and "Synthèse par axe de l'année 2025" in text
    assert "Synthèse par axe du semestre 2025-S2" in text
    comments = _comments(bilan_home)
    assert comments["IMP-12"] in text and comments["NAT"] in text
    assert not re.search(r"expect_[a-z_]+", text)
    assert not verify_release(release)
    # a semester report of an incomplete year has no year section
    s1 = release.parents[1] / "2026-S1" / "v1" / f"rapport_{ORG}_2026-S1_v1.html"
    assert "Bilan de l'année" not in html.unescape(s1.read_text(encoding="utf-8"))


def test_the_annual_bilan_read_in_chromium(in_home, tmp_path, capsys):
    chromium = require_chromium()
    publications = sorted(p for p in (in_home / "publications").rglob("*") if p.is_file())
    assert main(["rapport", "--annee", "2025", "--org", ORG]) == 0
    bilan = in_home / "rapports" / ORG / f"bilan_{ORG}_2025.html"
    assert str(bilan) in capsys.readouterr().out
    # written beside the releases, never in one: the release still verifies, unchanged
    assert sorted(p for p in (in_home / "publications").rglob("*") if p.is_file()) == publications
    assert not verify_release(in_home / "publications" / ORG / "2025-S2" / "v1")

    with Page(chromium, bilan.resolve().as_uri(), tmp_path / "profile") as page:
        assert page.wait_for("document.readyState === 'complete' && !!document.querySelector('footer')", 60)
        seen = page.evaluate("""(() => {
            const tick = s => { const t = s.querySelector('text.tick[text-anchor=end]'); return t && t.textContent; };
            return {
              text: document.body.innerText,
              html: document.documentElement.outerHTML,
              title: document.querySelector('h1').textContent,
              order: [...document.querySelectorAll('section.axes-summary, section.axis-part, section.annex')]
                .map(s => s.id || s.className),
              axes: [...document.querySelectorAll('section.axes-summary tr.axis-row')].map(r => ({
                code: r.dataset.axe, cells: [...r.querySelectorAll('td.num')].map(td => +td.textContent)})),
              charts: [...document.querySelectorAll('svg.chart')].map(s => ({
                id: s.dataset.indicator, unit: s.dataset.unit, per: s.dataset.per, periods: s.dataset.periods,
                ymin: +s.dataset.yMin, ymax: +s.dataset.yMax, trajectory: s.dataset.trajectory,
                drawnTrajectory: !!s.querySelector('.trajectory'), lowest: tick(s),
                values: [...s.querySelectorAll('circle')].length})),
              comments: [...document.querySelectorAll('.comment')].map(c => c.innerText),
            };
        })()""")
    assert seen["title"] == "Bilan annuel du SPASER 2025"
    # the summary per axis first, then one part per axis, then the annex
    assert seen["order"] == ["axes-summary", *(f"axe-{a}" for a in AXES), "annex"]
    assert [a["code"] for a in seen["axes"]] == AXES
    for axis in seen["axes"]:  # indicators = met + on track + late + without target + not available
        total, *by_status = axis["cells"]
        assert total == sum(by_status) and len(by_status) == 5, axis
    assert sum(a["cells"][0] for a in seen["axes"]) == 44
    text = seen["text"]
    for words in ("Synthèse par axe de l'année 2025", "Comment lire ce bilan", "Annexe", "Contrôles de la publication"):
        assert words in text, words
    # the manager's commentary, per axis and per indicator
    comments = _comments(in_home)
    assert any(comments["NAT"] in c for c in seen["comments"]) and any(
        comments["IMP-12"] in c for c in seen["comments"]
    )
    assert len(seen["comments"]) == len(comments)
    # plain French: no GX expectation name anywhere, not even hidden
    assert not re.search(r"expect_[a-z_]+", seen["html"])
    # honest charts: every axis holds zero, from zero when nothing is negative
    charts = {c["id"]: c for c in seen["charts"]}
    assert len(charts) == 44
    for c in charts.values():
        assert c["ymin"] <= 0 <= c["ymax"], c
        if c["unit"] != "oui/non" and c["ymin"] == 0:
            assert c["lowest"] == "0", c
    assert {i for i, c in charts.items() if c["ymin"] < 0} <= {"IMP-6"}  # a change against a reference
    yes_no = [c for c in charts.values() if c["unit"] == "oui/non"]
    assert {c["id"] for c in yes_no} >= {"GOV-2", "GOV-3"}
    assert all(c["trajectory"] == "non" and not c["drawnTrajectory"] for c in yes_no)
    assert charts["BES-5"]["drawnTrajectory"]  # a target with a trajectory elsewhere
    # yearly indicators per year, the others per semester
    for i in ("NAT-3", "NAT-4", "IMP-9"):
        assert charts[i]["per"] == "annee" and charts[i]["periods"].split() == ["2024", "2025"], charts[i]
    assert charts["IMP-12"]["per"] == "semestre" and charts["IMP-12"]["periods"].split()[-1] == "2025-S2"


def test_rapport_refuses_in_one_sentence(in_home, capsys, tmp_path, monkeypatch):
    cases = [
        (["--annee", "2026"], "l'année 2026 n'est pas complète pour nordval : seul son premier semestre (2026-S1)"),
        (["--annee", "2023"], "l'année 2023 n'est pas publiée pour nordval : ni 2023-S1 ni 2023-S2"),
        (["--annee", "25"], "--annee '25' : une année sur 4 chiffres est attendue"),
        (["--annee", "2025", "--org", "paris"], "aucune publication pour l'organisation 'paris'"),
        (["--semestre", "2025-S1"], "le semestre 2025-S1 n'est pas publié pour nordval"),
        (["--semestre", "2026-S1", "--version", "4"], "nordval 2026-S1 n'a pas de version v4 (versions : v1)"),
    ]
    for args, sentence in cases:
        assert main(["rapport", *args]) == 1, args
        err = capsys.readouterr().err
        assert err.startswith("spaser rapport : ") and sentence in err and err.count("\n") == 1, err
    # no Chromium: one sentence saying what is needed, the HTML written anyway
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["rapport", "--annee", "2025", "--pdf"]) == 1
    err = capsys.readouterr().err
    assert "Chromium est introuvable, installez le paquet Debian chromium" in err and err.count("\n") == 1
    assert not (in_home / "rapports" / ORG / f"bilan_{ORG}_2025.pdf").exists()
    # an invalid commentary is never left out silently
    config = tmp_path / "config"
    shutil.copytree(in_home / "config", config)
    with (config / "commentaires.csv").open("a", encoding="utf-8") as f:
        f.write("nordval,2025,XYZ,,un axe qui n'existe pas\n")
    monkeypatch.setenv("SPASER_CONFIG_DIR", str(config))
    assert main(["rapport", "--annee", "2025"]) == 1
    assert "axe 'XYZ' inconnu : GOV, BES, IMP, MOB, NAT, DEP" in capsys.readouterr().err


def test_rapport_prints_any_release_again(in_home, capsys):
    require_chromium()
    release = in_home / "publications" / ORG / "2026-S1" / "v1"
    before = sorted(p.name for p in release.iterdir())
    assert main(["rapport", "--semestre", "2026-S1", "--pdf"]) == 0
    pdf = in_home / "rapports" / ORG / f"rapport_{ORG}_2026-S1_v1.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in capsys.readouterr().out
    assert sorted(p.name for p in release.iterdir()) == before and not verify_release(release)


def test_commentaires_are_checked_and_optional(tmp_path):
    from orchestration import configuration as cfg

    folder = tmp_path / "config"
    assert cfg.write_demo(folder) and (folder / "commentaires.csv").exists()
    assert cfg.check_commentaires(folder) == []
    first = cfg.fingerprint(folder)
    with (folder / "commentaires.csv").open("a", encoding="utf-8") as f:
        f.write(
            "paris,2025,GOV,,x\n"
            "nordval,25,NAT,,x\n"
            "nordval,2025,XYZ,,x\n"
            "nordval,2025,,IMP-99,x\n"
            "nordval,2025,GOV,IMP-1,x\n"
            "nordval,2025,,,x\n"
            "nordval,2025,,IMP-12,encore\n"
            "nordval,2026,,IMP-12,\n"
        )
    found = [str(p) for p in cfg.check(folder)]
    assert found == [str(p) for p in cfg.check_commentaires(folder)]  # nothing else is wrong
    rows = cfg.read_table(folder, "commentaires")
    n = len(rows) - 8 + 2  # the line of the first row appended (line 1 is the header)
    imp12 = next(i for i, r in enumerate(rows, 2) if r["indicator_id"] == "IMP-12")  # the demo's
    assert found == [
        f"commentaires.csv, ligne {n}, champ org_id : organisation 'paris' absente de organisations.csv",
        f"commentaires.csv, ligne {n + 1}, champ annee : '25' : année attendue (ex. 2025)",
        f"commentaires.csv, ligne {n + 2}, champ axe : axe 'XYZ' inconnu : GOV, BES, IMP, MOB, NAT, DEP",
        f"commentaires.csv, ligne {n + 3}, champ indicator_id : indicateur 'IMP-99' absent du catalogue "
        "(seeds/spaser_indicateurs.csv)",
        f"commentaires.csv, ligne {n + 4}, champ axe, indicator_id : une ligne commente un axe ou un indicateur, "
        "pas les deux",
        f"commentaires.csv, ligne {n + 5}, champ axe, indicator_id : renseignez l'axe ou l'indicateur commenté",
        f"commentaires.csv, ligne {n + 6}, champ indicator_id : l'indicateur IMP-12 a déjà un commentaire pour 2025 "
        f"ligne {imp12}",
        f"commentaires.csv, ligne {n + 7}, champ commentaire : commentaire vide",
    ]
    # a comment changes no figure: outside the fingerprint (no rebuild) and never a dbt seed
    assert cfg.fingerprint(folder) == first and "commentaires" not in cfg.TABLES
    # optional: an existing configuration without the file stays valid
    (folder / "commentaires.csv").unlink()
    assert cfg.check_commentaires(folder) == []
    # a new organisation gets the header to fill in
    new = tmp_path / "new"
    org = cfg.NewOrganisation(
        "val", "Département du Val", "departement", "95", ["22590099200010"], "2025-S1", 2026, 2030
    )
    cfg.init(new, org)
    assert (new / "commentaires.csv").read_text(encoding="utf-8") == "org_id,annee,axe,indicator_id,commentaire\n"
