-- Insertion pathways, typed at ingest; exit type normalised to the codes of the seed.
with source as (select * from {{ source('insertion', 'insertion_parcours') }})

select
    trim(id_parcours) as id_parcours,
    {{ siret_compact('siret_acheteur') }} as acheteur_id,
    nullif(trim(id_marche), '') as marche_id,
    structure_insertion,
    date_entree,
    date_sortie,
    nullif(upper(trim(type_sortie)), '') as type_sortie,
    heures_realisees,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
