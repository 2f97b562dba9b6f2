-- Road-work sites and the aggregates they saved, typed at ingest; here only normalised.
with source as (select * from {{ source('dechets', 'dechets_granulats') }})

select
    trim(chantier_id) as chantier_id,
    date_fin,
    commune_insee,
    {{ siret_compact('siret_acheteur') }} as siret_acheteur,
    nullif(trim(id_marche), '') as id_marche,
    lower(trim(type_materiau)) as type_materiau,
    tonnage_total_t,
    tonnage_recycle_ou_reemploye_t,
    tonnage_granulats_neufs_evites_t,
    methode_calcul,
    source_piece,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
