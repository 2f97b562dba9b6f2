-- Current state of each registry line (producer SIRET + unique identifier): the last line
-- received wins (RNDTS: MODIFIER replaces, ANNULER cancels; IGNORER lines are not data).
with lines as (
    select * from {{ ref('stg_dechets__registre') }}
    where motif is distinct from 'IGNORER'
),

ranked as (
    select
        *,
        row_number() over (
            partition by ligne_key
            order by _ingested_at desc, _source_file desc, _source_row desc
        ) as version_rank,
        count(*) over (partition by ligne_key) as versions_recues
    from lines
)

select * exclude (version_rank)
from ranked
where version_rank = 1
