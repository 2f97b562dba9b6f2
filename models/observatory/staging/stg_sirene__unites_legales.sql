-- Legal units of the SIRENE extract (raw.sirene_unites_legales), one row per SIREN: the
-- latest loaded row when a SIREN is in several files.
{{ config(schema='staging', materialized='view', tags=['observatoire']) }}

with source as (select * from {{ source('sirene', 'sirene_unites_legales') }})

select
    siren,
    categorie_juridique_unite_legale as categorie_juridique,
    coalesce(denomination_unite_legale, sigle_unite_legale) as denomination,
    etat_administratif_unite_legale as etat_administratif,
    _source_file,
    _source_row
from source
qualify row_number() over (partition by siren order by _ingested_at desc, _source_file desc, _source_row desc) = 1
