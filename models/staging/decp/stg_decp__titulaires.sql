-- One row per titulaire (holder) of each DECP record as received, the nested list flattened
-- once here: downstream models see scalar columns only.
with source as (select * from {{ source('decp', 'decp_marches') }}),

elements as (
    select
        {{ contrat_key('acheteur_id', 'id') }} as contrat_key,
        _source_file,
        _source_row,
        record_path,
        {{ list_elements('titulaires') }} as titulaire
    from source
    where titulaires is not null
),

fields as (
    select
        contrat_key,
        _source_file,
        _source_row,
        record_path,
        {{ struct_field('titulaire', 'id') }} as titulaire_id_brut,
        {{ struct_field('titulaire', 'type_identifiant') }} as type_identifiant,
        {{ struct_field('titulaire', 'denomination_sociale') }} as denomination_sociale
    from elements
)

select
    contrat_key,
    _source_file,
    _source_row,
    record_path,
    -- compacted for matching (SIREN/SIRET/VAT typed with spaces): the key of dim_titulaires
    {{ identifiant_compact('titulaire_id_brut') }} as titulaire_id,
    titulaire_id_brut,
    type_identifiant,
    denomination_sociale
from fields
