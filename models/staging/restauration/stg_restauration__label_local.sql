-- The yearly "Ici je mange local" label list.
with source as (select * from {{ source('restauration', 'restauration_label_local') }})

select
    annee,
    {{ siret_compact('siret') }} as siret,
    nullif(trim(nom), '') as nom,
    niveau_label,
    mention_bio,
    part_locale,
    nb_filieres,
    source as acte_attribution,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
