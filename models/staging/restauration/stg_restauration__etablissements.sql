-- The département's establishments list; the kind is normalised (Collège, collège -> college).
with source as (select * from {{ source('restauration', 'restauration_etablissements') }})

select
    {{ landing_org_id() }} as org_id,
    {{ siret_compact('siret') }} as siret,
    trim(nom) as nom,
    case
        when lower({{ strip_accents('trim(type_etablissement)') }}) = 'college' then 'college'
        else 'autre'
    end as type_etablissement,
    nullif(trim(uai), '') as uai,
    nullif(trim(commune), '') as commune,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
