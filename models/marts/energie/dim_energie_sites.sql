-- The site register as published: one row per site, surface and district-heating connection.
select
    org_id,
    code_site,
    nom_site,
    type_site,
    commune,
    surface_m2,
    raccorde_reseau_chaleur,
    date_raccordement,
    identifiant_reseau_chaleur,
    date_entree,
    date_sortie,
    prms,
    pces,
    ref_operat_efa,
    station_meteo,
    _source_file,
    _source_row
from {{ ref('stg_energie__sites') }}
