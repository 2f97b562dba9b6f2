-- ma-cantine open-data télédéclarations: shares of food purchases (0-1), no amounts.
with source as (select * from {{ source('restauration', 'restauration_teledeclarations') }})

select
    id as teledeclaration_id,
    year as annee,
    nullif(teledeclaration_mode, '') as teledeclaration_mode,
    version,
    canteen_id,
    {{ siret_compact('canteen_siret') }} as siret,
    canteen_name,
    nullif(canteen_central_kitchen_siret, '') as central_kitchen_siret,
    canteen_sector_list,
    teledeclaration_ratio_bio as ratio_bio,
    teledeclaration_ratio_egalim_hors_bio as ratio_egalim_hors_bio,
    creation_date,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
