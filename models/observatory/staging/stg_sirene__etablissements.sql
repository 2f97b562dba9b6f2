-- Establishments of the SIRENE extract (raw.sirene_etablissements), one row per SIRET: the
-- latest loaded row when a SIRET is in several files (a newer extract beside an older one).
{{ config(schema='staging', materialized='view', tags=['observatoire']) }}

with source as (select * from {{ source('sirene', 'sirene_etablissements') }})

select
    siret,
    siren,
    code_commune_etablissement as code_commune,
    libelle_commune_etablissement as libelle_commune,
    etat_administratif_etablissement as etat_administratif,
    coalesce(denomination_usuelle_etablissement, enseigne1_etablissement) as denomination_etablissement,
    _source_file,
    _source_row
from source
qualify row_number() over (partition by siret order by _ingested_at desc, _source_file desc, _source_row desc) = 1
