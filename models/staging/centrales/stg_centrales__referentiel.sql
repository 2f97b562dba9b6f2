-- The centrales d'achat reference list (code, name, sector, candidate SIRET).
with source as (select * from {{ source('centrales', 'centrales_referentiel') }})

select
    upper(trim(code)) as centrale,
    nom_usuel,
    acheteur_nom_observe_dans_decp,
    secteur,
    nullif(trim(siret_candidat), '') as siret_candidat,
    statut_siret,
    _source_file,
    _source_row,
    _ingested_at
from source
