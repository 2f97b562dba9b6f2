-- Site register: the latest delivered row of each site (a new register replaces the old one).
with source as (
    {{ latest_delivered(source('energie', 'energie_sites'), 'code_site') }}
)

select
    {{ landing_org_id() }} as org_id,
    trim(code_site) as code_site,
    nom_site,
    lower(trim(type_site)) as type_site,
    commune,
    surface_m2,
    raccorde_reseau_chaleur,
    date_raccordement,
    upper(trim(identifiant_reseau_chaleur)) as identifiant_reseau_chaleur,
    date_entree,
    date_sortie,
    {{ list_column(split_list('prm')) }} as prms,
    {{ list_column(split_list('pce')) }} as pces,
    ref_operat_efa,
    trim(station_meteo) as station_meteo,
    _source_file,
    _source_row
from source
