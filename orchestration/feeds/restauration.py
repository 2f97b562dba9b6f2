"""Catering feed (restauration collective): EGALim figures, establishments, "Ici je mange local".

Input contract: docs/feeds/restauration.md. Indicators NAT-3, NAT-4 (EGALim shares of food
purchases in EUR HT) and IMP-9 (establishments labelled "Ici je mange local").
"""

from __future__ import annotations

from ..ingest.restauration import (
    BILAN_COLUMNS,
    BILANS_TABLE,
    ETABLISSEMENT_COLUMNS,
    ETABLISSEMENTS_TABLE,
    LABEL_COLUMNS,
    LABEL_TABLE,
    TELEDECLARATIONS_TABLE,
    read_bilans,
    read_etablissements,
    read_label_local,
    read_teledeclarations,
)
from . import Feed, Template, demo_writer, raw_source

ETABLISSEMENTS = raw_source(
    "restauration/etablissements",
    ETABLISSEMENTS_TABLE,
    read_etablissements,
    "The département's own catering establishments (collèges and others), CSV or Excel, from "
    "landing/restauration/etablissements (contract: docs/feeds/restauration.md).",
    template=Template(
        ETABLISSEMENT_COLUMNS,
        "Établissements de restauration de l'organisation : une ligne par établissement",
        "direction de l'éducation (collèges)",
    ),
    select="""
        siret, nom, type_etablissement,
        lower(strip_accents(trim(type_etablissement))) AS type_normalise,
        siret_ok(replace(siret, ' ', '')) AS siret_valide,
        replace(siret, ' ', '') AS siret_normalise,
        _source_file, _source_row
    """,
    index=("siret",),
)

BILANS = raw_source(
    "restauration/bilans",
    BILANS_TABLE,
    read_bilans,
    "ma-cantine 'bilan simple' files (EGALim purchases in EUR HT per canteen and year) from "
    "landing/restauration/bilans.",
    template=Template(
        BILAN_COLUMNS,
        "Bilans EGALim au format « bilan simple » de ma-cantine : une ligne par cantine et année",
        "cantines des collèges, avec la direction de l'éducation",
    ),
    select="""
        replace(siret, ' ', '') AS siret_normalise,
        annee_bilan, valeur_totale, valeur_bio, valeur_siqo,
        valeur_bio + valeur_siqo + coalesce(valeur_externalites_performance, valeur_environnemental, 0)
            + coalesce(valeur_egalim_autres, valeur_autres_egalim, 0) AS valeur_durable_qualite,
        valeur_bio + valeur_siqo + coalesce(valeur_externalites_performance, valeur_environnemental, 0)
            + coalesce(valeur_egalim_autres, valeur_autres_egalim, 0) <= valeur_totale AS parts_coherentes,
        siret_ok(replace(siret, ' ', '')) AS siret_valide,
        _source_file, _source_row
    """,
    index=("siret_normalise",),
)

TELEDECLARATIONS = raw_source(
    "restauration/teledeclarations",
    TELEDECLARATIONS_TABLE,
    read_teledeclarations,
    "ma-cantine open-data télédéclaration campaign files (EGALim ratios per canteen and year) "
    "from landing/restauration/teledeclarations.",
    template="données ouvertes de ma-cantine (campagne de télédéclaration), déposées telles que publiées",
    select="""
        id, year, canteen_siret, teledeclaration_ratio_bio, teledeclaration_ratio_egalim_hors_bio,
        teledeclaration_ratio_bio + teledeclaration_ratio_egalim_hors_bio AS ratio_egalim,
        _source_file, _source_row
    """,
    index=("id",),
    suffixes=(".csv",),
)

LABEL_LOCAL = raw_source(
    "restauration/label_local",
    LABEL_TABLE,
    read_label_local,
    "Yearly list of establishments labelled 'Ici je mange local', CSV or Excel, from landing/restauration/label_local.",
    template=Template(
        LABEL_COLUMNS,
        "Labels « Ici je mange local » : une ligne par établissement et année d'attribution",
        "service agriculture et alimentation",
    ),
    select="""
        annee, replace(siret, ' ', '') AS siret_normalise, niveau_label, part_locale, nb_filieres,
        siret_ok(replace(siret, ' ', '')) AS siret_valide,
        _source_file, _source_row
    """,
    index=("siret_normalise",),
)


def _coverage(semester: str) -> str:
    # EGALim figures are yearly: a semester is covered by the bilans its indicators use (its year
    # or, within the look-back of spaser_parametres, the years before).
    year = int(semester[:4])
    return f"""
        SELECT org_id, 'restauration/etablissements' AS feed, count(*) AS rows_in_semester
        FROM marts.dim_restauration_etablissements GROUP BY org_id
        UNION ALL
        SELECT f.org_id, 'restauration/bilans' AS feed, count(*) AS rows_in_semester
        FROM marts.fct_restauration_egalim AS f
        WHERE f.has_bilan_montants AND f.annee <= {year} AND f.annee >= {year} - coalesce((
            SELECT CAST(p.value AS INTEGER) FROM reference.spaser_parametres AS p
            WHERE p.org_id = f.org_id AND p.parameter = 'restauration_recul_max_annees'), 0)
        GROUP BY f.org_id
    """


FEED = Feed(
    name="restauration",
    sources=[ETABLISSEMENTS, BILANS, TELEDECLARATIONS, LABEL_LOCAL],
    coverage_sql=_coverage,
    write_demo=demo_writer("restauration"),
)
