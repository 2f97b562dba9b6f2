-- Every available indicator value that has a drill-down is what its lines add up to:
-- - its numerator is the sum of numerator_value, its denominator the sum of denominator_value
--   (for the marché lines, the counts of lines in the numerator / denominator); a missing
--   term counts as 0 on both sides;
-- - its value is the sum of value_contribution when the lines give one (counts and amounts);
--   otherwise 100 x (numerator - denominator) / denominator for IMP-6 (change against the
--   reference), 100 x numerator / denominator for the ratios.
-- Published quantities are rounded (kWh and hours to 0.1, tonnes to 0.001, EUR to 0.01) while
-- lines carry the unrounded figures: sums may differ by up to 0.05 plus one millionth of the
-- value; a ratio or change by up to 0.01 point.
with lines as (
    select
        org_id,
        period_type,
        period,
        indicator_id,
        count(*) as n_lines,
        sum(numerator_value) as numerator,
        sum(denominator_value) as denominator,
        count(value_contribution) as n_contributions,
        sum(value_contribution) as contributions
    from {{ ref('fct_indicateur_lignes') }}
    group by org_id, period_type, period, indicator_id
),

compared as (
    select
        m.org_id,
        m.period_type,
        m.period,
        m.indicator_id,
        m.value,
        m.numerator,
        m.denominator,
        l.n_lines,
        l.numerator as lines_numerator,
        l.denominator as lines_denominator,
        case
            when l.n_contributions > 0 then l.contributions
            when m.indicator_id = 'IMP-6'
                then 100.0 * (l.numerator - l.denominator) / nullif(l.denominator, 0)
            else 100.0 * l.numerator / nullif(l.denominator, 0)
        end as lines_value,
        l.n_contributions > 0 as value_is_sum
    from {{ ref('mart_spaser_indicateurs') }} as m
    inner join lines as l
        on
            m.org_id = l.org_id
            and m.period_type = l.period_type
            and m.period = l.period
            and m.indicator_id = l.indicator_id
    where m.is_available
)

select *
from compared
where
    abs(coalesce(numerator, 0) - coalesce(lines_numerator, 0)) > 0.05 + abs(coalesce(numerator, 0)) / 1000000
    or abs(coalesce(denominator, 0) - coalesce(lines_denominator, 0))
    > 0.05 + abs(coalesce(denominator, 0)) / 1000000
    or lines_value is null
    or (value_is_sum and abs(value - lines_value) > 0.05 + abs(value) / 1000000)
    or (not value_is_sum and abs(value - lines_value) > 0.01)
