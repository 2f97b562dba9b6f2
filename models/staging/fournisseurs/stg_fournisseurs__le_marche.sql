-- Le marché de l'inclusion directory: one row per structure sheet (a SIRET may have several).
with source as (select * from {{ source('fournisseurs', 'fournisseurs_le_marche') }})

select
    siret,
    left(siret, 9) as siren,
    upper(trim(kind)) as type_structure,
    coalesce(nullif(trim(name), ''), brand) as raison_sociale,
    nullif(trim(legal_form), '') as forme_juridique,
    department as departement,
    source,
    _source_file,
    _source_row,
    _ingested_at
from source
