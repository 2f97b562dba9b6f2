-- Enedis R63 (load curve, mean power per step) and R64 (index or energy per time class)
-- rows, consumption only. Horodate is local time (the UTC offset is dropped).
with source as (select * from {{ source('energie', 'energie_enedis') }})

select
    {{ landing_org_id() }} as org_id,
    trim(prm) as prm,
    flux,
    upper(grandeur_physique) as grandeur_physique,
    lower(unite) as unite,
    {{ parse_timestamp("replace(left(horodate, 19), 'T', ' ')", '%Y-%m-%d %H:%M:%S') }} as horodate,
    valeur,
    cast(nullif({{ regexp_extract("coalesce(pas, '')", "'^PT([0-9]+)M$'") }}, '') as integer) as pas_minutes,
    upper(coalesce(type_releve, '')) = 'INDEX' as is_index,
    coalesce(classe_temporelle, cadran, 'BASE') as classe_temporelle,
    _source_file,
    _source_row
from source
where coalesce(upper(grandeur_metier), 'CONS') = 'CONS'
