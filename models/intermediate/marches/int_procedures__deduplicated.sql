-- One row per contract of the internal export: when a procedure appears in several exports,
-- the last file loaded (then the last line) wins. The columns are the staging model's.
with procedures as (select * from {{ ref('stg_procedures__procedures_internes') }}),

ranked as (
    select
        _source_file,
        _source_row,
        row_number() over (
            partition by contrat_key
            order by _source_file desc, _source_row desc
        ) as version_rank
    from procedures
)

select p.*
from procedures as p
inner join ranked as r
    on p._source_file = r._source_file and p._source_row = r._source_row
where r.version_rank = 1
