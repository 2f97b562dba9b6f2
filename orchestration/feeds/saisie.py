"""Manual input feed (saisie manuelle): one documented spreadsheet for what no system exports.

Input contract: docs/feeds/saisie.md; fields: seeds/saisie_champs.csv. Indicators GOV-1,
IMP-2, IMP-5, IMP-7, IMP-8, IMP-16 and MOB-5.
"""

from __future__ import annotations

from ..ingest.saisie import SAISIE_COLUMNS, SAISIE_TABLE, read_saisie
from . import Feed, Template, demo_writer, raw_source

VALEURS = raw_source(
    "saisie",
    SAISIE_TABLE,
    read_saisie,
    "Manual input spreadsheet (CSV in French conventions or Excel, long format) from landing/saisie: "
    "one value per field and period; unknown fields, bad periods and non-numeric values in quarantine.",
    template=Template(
        SAISIE_COLUMNS,
        "Saisie manuelle : une ligne par champ et période",
        "chargé·e de mission SPASER, qui collecte les valeurs auprès des services",
    ),
    select="""
        coalesce(org, '(organisation du dépôt)') AS org_cle, champ, periode, valeur, unite,
        saisi_par, CAST(date_saisie AS VARCHAR) AS date_saisie,
        _source_file, _source_row
    """,
    index=("champ", "periode"),
)


def _coverage(semester: str) -> str:
    return f"""
        SELECT org_id, 'saisie/valeurs' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_saisie_valeurs
        WHERE periode IN ('{semester}', '{semester[:4]}')
        GROUP BY org_id
    """


FEED = Feed(name="saisie", sources=[VALEURS], coverage_sql=_coverage, write_demo=demo_writer("saisie"))
