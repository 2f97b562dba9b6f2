-- Manual input lines; fields, periods and values were validated at ingest.
with source as (select * from {{ source('saisie', 'saisie_valeurs') }})

select
    coalesce(org, {{ landing_org_id() }}) as org_id,
    champ,
    periode,
    case when length(periode) = 4 then 'annee' else 'semestre' end as periode_type,
    cast(substr(periode, 1, 4) as integer) as annee,
    valeur,
    unite,
    commentaire,
    saisi_par,
    date_saisie,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
