-- The ASP list of agreed SIAE: one row per agreement (a SIRET may hold several measures).
with source as (select * from {{ source('fournisseurs', 'fournisseurs_siae_asp') }})

select
    siret,
    left(siret, 9) as siren,
    upper(trim(mesure)) as type_structure,
    denomination_sociale as raison_sociale,
    nature_juridique as forme_juridique,
    code_departement,
    _source_file,
    _source_row,
    _ingested_at
from source
