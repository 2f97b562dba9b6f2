-- Every available indicator value that has a drill-down is what its lines add up to: the
-- numerator is the count of lines in the numerator, the denominator of lines in the denominator.
with lines as (
    select
        org_id,
        period_type,
        period,
        indicator_id,
        count(*) filter (where in_numerator) as n_numerator,
        count(*) filter (where in_denominator) as n_denominator
    from {{ ref('fct_indicateur_lignes') }}
    group by org_id, period_type, period, indicator_id
)

select
    m.org_id,
    m.period,
    m.indicator_id,
    m.numerator,
    l.n_numerator,
    m.denominator,
    l.n_denominator
from {{ ref('mart_spaser_indicateurs') }} as m
inner join lines as l
    on
        m.org_id = l.org_id
        and m.period_type = l.period_type
        and m.period = l.period
        and m.indicator_id = l.indicator_id
where
    m.is_available
    and (m.numerator != l.n_numerator or m.denominator != l.n_denominator)
