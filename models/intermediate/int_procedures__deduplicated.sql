-- One row per contract of the internal export: when a procedure appears in several exports,
-- the last file loaded (then the last line) wins.
with ranked as (
    select
        *,
        row_number() over (
            partition by contrat_key
            order by _source_file desc, _source_row desc
        ) as version_rank
    from {{ ref('stg_procedures__procedures_internes') }}
)

select * exclude (version_rank)
from ranked
where version_rank = 1
