"""Energy feed: site register, monthly consumption (invoices, Enedis R63/R64, GRDF relevés),
reference consumption 2010-2019, degree-days (Météo-France daily files) and CEE register.

Input contract: docs/feeds/energie.md. Indicators IMP-1, IMP-3 and IMP-6
(models/marts/energie/fct_energie_indicateurs.sql).
"""

from __future__ import annotations

from dataclasses import replace

from ..ingest import energie as e
from . import Feed, Template, coverage, demo_writer, raw_source, rows_in_semester

SITES = raw_source(
    "energie/sites",
    e.SITES_TABLE,
    e.read_sites,
    "Site register (CSV/Excel): surface, kind, district-heating connection, meters, weather station.",
    select="""
        code_site, type_site, surface_m2, raccorde_reseau_chaleur,
        CAST(date_raccordement AS VARCHAR) AS date_raccordement,
        CAST(date_entree AS VARCHAR) AS date_entree, CAST(date_sortie AS VARCHAR) AS date_sortie,
        station_meteo,
        regexp_full_match(coalesce(station_meteo, '00000000'), '[0-9]{8}') AS station_meteo_valide,
        raccorde_reseau_chaleur AND date_raccordement IS NULL AS raccordement_sans_date,
        _source_file, _source_row
    """,
    index=("code_site",),
    template=Template(
        e.SITE_COLUMNS,
        "Registre des sites : une ligne par site (surface, réseau de chaleur, compteurs, station météo)",
        "service énergie / gestion du patrimoine bâti",
    ),
)

CONSOMMATIONS = raw_source(
    "energie/consommations",
    e.CONSOMMATIONS_TABLE,
    e.read_consommations,
    "Monthly consumption per site and energy carrier (invoices, OSFi, delivery notes): CSV/Excel.",
    select="""
        code_site, mois, lower(trim(energie)) AS energie, lower(trim(unite)) AS unite, quantite,
        _source_file, _source_row
    """,
    index=("code_site", "mois"),
    template=Template(
        e.CONSOMMATION_COLUMNS,
        "Consommations mensuelles : une ligne par site, mois et énergie",
        "service énergie (factures, OSFi, bons de livraison, relevés de sous-station)",
    ),
)

REFERENCE = raw_source(
    "energie/reference",
    e.REFERENCE_TABLE,
    e.read_reference,
    "Reference consumption (décret tertiaire, one year 2010-2019 per site), monthly per carrier: CSV/Excel.",
    select="""
        code_site, annee_reference, mois, lower(trim(energie)) AS energie, lower(trim(unite)) AS unite,
        quantite,
        count(DISTINCT annee_reference) OVER (PARTITION BY code_site) AS annees_par_site,
        _source_file, _source_row
    """,
    index=("code_site", "mois"),
    template=Template(
        e.REFERENCE_COLUMNS,
        "Consommations de l'année de référence du décret tertiaire (2010-2019) : une ligne par site, mois et énergie",
        "service énergie (référence déclarée dans OPERAT, ventilée par mois)",
    ),
)

CEE = raw_source(
    "energie/cee",
    e.CEE_TABLE,
    e.read_cee,
    "Register of energy-saving certificates (CEE): dossiers, valuation date and amount (CSV/Excel).",
    select="""
        reference_cee, CAST(date_extraction AS VARCHAR) AS date_extraction,
        CAST(date_valorisation AS VARCHAR) AS date_valorisation, montant_eur, volume_kwh_cumac,
        (date_valorisation IS NULL) = (montant_eur IS NULL) AS valorisation_complete,
        _source_file, _source_row
    """,
    index=("reference_cee",),
    template=Template(
        e.CEE_COLUMNS,
        "Registre des certificats d'économies d'énergie : une ligne par dossier",
        "service énergie (suivi des CEE)",
    ),
)

ENEDIS = raw_source(
    "energie/enedis",
    e.ENEDIS_TABLE,
    e.read_enedis,
    "Enedis SGE flows as published: R63 load curve (PA, W) and R64 index/energy (EA, Wh), ';' CSV.",
    select="""
        prm, flux, grandeur_physique, unite, horodate, valeur, pas, type_releve, classe_temporelle,
        regexp_matches(prm, '^[0-9]{14}$') AS prm_valide,
        _source_file, _source_row
    """,
    index=("prm", "horodate"),
    suffixes=(".csv",),
    template="flux Enedis SGE R63/R64, déposés tels qu'Enedis les publie",
)

GRDF = raw_source(
    "energie/grdf",
    e.GRDF_TABLE,
    e.read_grdf_csv,
    "GRDF relevés (customer space / ADICT field names): energy in kWh PCS per relevé, ';' CSV or JSON.",
    select="""
        pce, CAST(coalesce(date_debut_releve, journee_gaziere) AS VARCHAR) AS date_debut,
        CAST(coalesce(date_fin_releve, journee_gaziere + 1) AS VARCHAR) AS date_fin,
        coalesce(date_fin_releve, journee_gaziere + 1) > coalesce(date_debut_releve, journee_gaziere)
            AS periode_valide,
        energie_kwh_pcs, frequence_releve,
        _source_file, _source_row
    """,
    index=("pce",),
    template="relevés GRDF (espace client, API ADICT), déposés tels que GRDF les publie",
)
GRDF = replace(GRDF, readers={".csv": e.read_grdf_csv, ".json": e.read_grdf_json})

METEO = raw_source(
    "energie/meteo",
    e.METEO_TABLE,
    e.read_meteo_france,
    "Météo-France daily climatology (Q_<dept>_..._RR-T-Vent.csv[.gz]) for heating degree-days.",
    select="""
        num_poste, aaaammjj, tn, tx,
        count(*) OVER (PARTITION BY num_poste, aaaammjj) AS lignes_par_jour,
        _source_file, _source_row
    """,
    index=("num_poste", "aaaammjj"),
    suffixes=(".csv", ".gz"),
    template="fichiers quotidiens de Météo-France (meteo.data.gouv.fr), déposés tels que publiés",
)


def _sites_in_service(semester: str) -> str:
    return f"""
        SELECT s.org_id, 'energie/sites' AS feed, count(*) AS rows_in_semester
        FROM marts.dim_energie_sites AS s
        INNER JOIN reference.calendrier_semestres AS c ON c.semester = '{semester}'
        WHERE coalesce(s.date_entree, DATE '1900-01-01') <= c.period_end
            AND coalesce(s.date_sortie, DATE '9999-12-31') > c.period_end
        GROUP BY s.org_id
    """


FEED = Feed(
    name="energie",
    sources=[SITES, CONSOMMATIONS, REFERENCE, ENEDIS, GRDF, METEO, CEE],
    coverage_sql=coverage(rows_in_semester("energie/consommations", "fct_energie_consommations"), _sites_in_service),
    write_demo=demo_writer("energie"),
)
