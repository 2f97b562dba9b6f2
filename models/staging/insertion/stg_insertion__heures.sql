-- Insertion hours per contract and month, typed at ingest (mois = first day of the month).
with source as (select * from {{ source('insertion', 'insertion_heures') }})

select
    {{ siret_compact('siret_acheteur') }} || '|' || trim(id_marche) as contrat_key,
    {{ siret_compact('siret_acheteur') }} as acheteur_id,
    trim(id_marche) as marche_id,
    mois,
    heures_realisees,
    {{ siret_compact('siret_titulaire') }} as siret_titulaire,
    structure_insertion,
    nombre_beneficiaires,
    commentaire,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
