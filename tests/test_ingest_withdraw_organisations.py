"""`spaser withdraw` of a file in an organisation's own landing folder
(landing/organisations/<org_id>/<feed>/, issue 12 item 4): it used to be refused as "not in a
landing folder of a feed", so a partner's wrongly delivered file could only be deleted by hand."""

from __future__ import annotations

import duckdb
from dagster import DagsterInstance, materialize

from orchestration.configuration import NewOrganisation, init
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.withdraw import source_of, withdraw_file
from orchestration.resources import SpaserResource
from orchestration.settings import get_paths

HEADER = "org;champ;periode;valeur;unite;commentaire;saisi_par;date_saisie\n"


def _ingest_saisie():
    asset = next(a for a in ingest_assets if a.key.path == ["raw", "saisie_valeurs"])
    result = materialize([asset], instance=DagsterInstance.ephemeral(), resources={"spaser": SpaserResource()})
    assert result.success


def test_a_file_of_an_organisation_folder_is_withdrawn_with_its_reason(spaser_home):
    paths = get_paths()
    init(
        paths.config,
        NewOrganisation("spl_val", "SPL du Val", "spl", "59", ["21590001200019"], "2024-S1", 2026, 2030),
        add=True,
    )
    folder = paths.landing / "organisations" / "spl_val" / "saisie"
    folder.mkdir(parents=True, exist_ok=True)
    line = "spl_val;reunions_copil;2025-S1;2;;;A. Martin;10/07/2025\n"
    (folder / "saisie_spl.csv").write_text(HEADER + line, encoding="utf-8")
    _ingest_saisie()
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("SELECT _source_file FROM raw.saisie_valeurs").fetchall() == [("spl_val/saisie_spl.csv",)]

    source, key = source_of(paths, folder / "saisie_spl.csv")
    assert (source.folder, key) == ("saisie", "spl_val/saisie_spl.csv")  # the key the ingest log uses
    withdraw_file(paths, folder / "saisie_spl.csv", "livré par erreur", by="contrôle de gestion")
    _ingest_saisie()
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.saisie_valeurs").fetchone() == (0,)
        assert con.execute(
            "SELECT source_file, withdrawn_reason FROM meta.ingest_log WHERE raw_table = 'saisie_valeurs'"
        ).fetchall() == [("spl_val/saisie_spl.csv", "livré par erreur (contrôle de gestion)")]
