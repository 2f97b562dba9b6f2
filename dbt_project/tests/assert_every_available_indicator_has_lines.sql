-- Every available indicator value can be drilled into: it has at least one line in
-- fct_indicateur_lignes (the lines of a value of 0 are the rows of its scope, none counting).
select
    m.org_id,
    m.period_type,
    m.period,
    m.indicator_id
from {{ ref('mart_spaser_indicateurs') }} as m
where
    m.is_available
    and not exists (
        select 1 from {{ ref('fct_indicateur_lignes') }} as l
        where
            l.org_id = m.org_id
            and l.period_type = m.period_type
            and l.period = m.period
            and l.indicator_id = m.indicator_id
    )
