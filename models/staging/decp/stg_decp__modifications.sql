-- One row per modification of each DECP record as received, the nested list flattened once
-- here: downstream models see scalar columns only.
with source as (select * from {{ source('decp', 'decp_marches') }}),

elements as (
    select
        _source_file,
        _source_row,
        record_path,
        {{ list_elements('modifications') }} as modification
    from source
    where modifications is not null
)

select
    _source_file,
    _source_row,
    record_path,
    {{ struct_field('modification', 'id', 'integer') }} as id,
    {{ struct_field('modification', 'date_notification', 'date') }} as date_notification,
    {{ struct_field('modification', 'date_publication', 'date') }} as date_publication,
    {{ struct_field('modification', 'montant', 'double precision') }} as montant,
    {{ struct_field('modification', 'duree_mois', 'integer') }} as duree_mois
from elements
