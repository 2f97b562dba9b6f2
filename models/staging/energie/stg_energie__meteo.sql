-- Météo-France daily climatology: minimum and maximum temperature per station and day; a day
-- delivered again in a later file replaces the earlier one.
with source as (select * from {{ source('energie', 'energie_meteo') }}),

ranked as (
    select
        *,
        row_number() over (
            partition by num_poste, aaaammjj
            order by _ingested_at desc, _source_file desc, _source_row desc
        ) as version_rank
    from source
)

select
    trim(num_poste) as station_meteo,
    nom_usuel,
    {{ parse_date('aaaammjj', '%Y%m%d') }} as jour,
    tn,
    tx,
    _source_file,
    _source_row
from ranked
where version_rank = 1
