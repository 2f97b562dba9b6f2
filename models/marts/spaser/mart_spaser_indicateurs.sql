-- The published SPASER indicator table, long format: one row per organisation x period x
-- catalogue indicator. Indicators the warehouse cannot compute for a period are present
-- with is_available = false and the reason, never missing and never 0.
--
-- Trajectory: a straight line from the baseline (seed value, or the first measured year)
-- at the end of the baseline year to the target at the end of the target year, read at the
-- end of the period's month and rounded half away from zero to 2 decimals.
-- Status: non disponible | sans cible | atteint | en bonne voie (at or past the
-- trajectory) | en retard, comparing the published value with the published target and
-- expected value: every figure here is an exact decimal until the final select, so the
-- status is the same on both adapters and at any thread count (docs/indicateurs.md).
--
-- Every indicator source (the var indicator_sources: the feeds and the warehouse) contributes
-- one fct_<source>_indicateurs model with the same columns.
{%- set indicator_models = [] %}
{%- for source in var('indicator_sources') %}
    {%- do indicator_models.append('fct_' ~ source ~ '_indicateurs') %}
{%- endfor %}

with periods as (select * from {{ ref('int_periodes') }}),

organisations as (select * from {{ ref('organisations') }}),

catalogue as (select * from {{ ref('spaser_indicateurs') }}),

computed as (
    {%- for model in indicator_models %}
        select
            org_id,
            period_type,
            period,
            indicator_id,
            {{ exact('value') }} as value,
            {{ exact('numerator') }} as numerator,
            {{ exact('denominator') }} as denominator,
            is_available,
            unavailable_reason,
            cast(source_rows as bigint) as source_rows
        from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

targets as (select * from {{ ref('spaser_cibles') }}),

base as (
    select
        p.org_id,
        o.org_name,
        p.period_type,
        p.period,
        p.year,
        p.period_start,
        p.period_end,
        p.is_complete as is_complete_period,
        c.indicator_id,
        c.axe,
        c.libelle as indicator_label,
        c.unit,
        c.source_feed,
        m.value,
        m.numerator,
        m.denominator,
        coalesce(m.is_available, false) as is_available,
        case
            when m.indicator_id is null then c.not_available_reason
            else m.unavailable_reason
        end as unavailable_reason,
        coalesce(m.source_rows, 0) as source_rows
    from periods as p
    inner join organisations as o on p.org_id = o.org_id
    cross join catalogue as c
    left join computed as m
        on
            p.org_id = m.org_id
            and p.period_type = m.period_type
            and p.period = m.period
            and c.indicator_id = m.indicator_id
),

-- GOV-5: share of the other catalogue indicators available for the period.
completeness as (
    select
        org_id,
        period_type,
        period,
        count(*) filter (where is_available) as n_available,
        count(*) as n_indicators
    from base
    where indicator_id != 'GOV-5'
    group by org_id, period_type, period
),

with_completeness as (
    select
        b.org_id,
        b.org_name,
        b.period_type,
        b.period,
        b.year,
        b.period_start,
        b.period_end,
        b.is_complete_period,
        b.indicator_id,
        b.axe,
        b.indicator_label,
        b.unit,
        b.source_feed,
        case
            when b.indicator_id = 'GOV-5' then {{ div_round('100 * c.n_available', 'c.n_indicators') }}
            else b.value
        end as value,
        case when b.indicator_id = 'GOV-5' then {{ exact('c.n_available') }} else b.numerator end as numerator,
        case when b.indicator_id = 'GOV-5' then {{ exact('c.n_indicators') }} else b.denominator end as denominator,
        b.is_available or b.indicator_id = 'GOV-5' as is_available,
        case when b.indicator_id = 'GOV-5' then null else b.unavailable_reason end as unavailable_reason,
        case when b.indicator_id = 'GOV-5' then c.n_indicators else b.source_rows end as source_rows
    from base as b
    inner join completeness as c
        on b.org_id = c.org_id and b.period_type = c.period_type and b.period = c.period
),

first_measure as (
    select
        org_id,
        indicator_id,
        {{ arg_min('value', 'year') }} as first_value,
        min(year) as first_year
    from with_completeness
    where period_type = 'annee' and is_available and is_complete_period
    group by org_id, indicator_id
),

with_targets as (
    select
        b.*,
        {{ exact('t.target_value') }} as target_value,
        t.target_year,
        t.direction as target_direction,
        coalesce({{ exact('t.baseline_value') }}, f.first_value) as baseline_value,
        coalesce(t.baseline_year, f.first_year) as baseline_year,
        -- months from the end of the baseline year to the end of the period
        12 * (b.year - coalesce(t.baseline_year, f.first_year) - 1) + extract(month from b.period_end)
            as months_elapsed
    from with_completeness as b
    left join targets as t on b.org_id = t.org_id and b.indicator_id = t.indicator_id
    left join first_measure as f on b.org_id = f.org_id and b.indicator_id = f.indicator_id
),

with_trajectory as (
    select
        *,
        case
            when target_value is null then null
            when baseline_value is null or baseline_year is null or baseline_year >= target_year
                then target_value
            -- baseline + (target - baseline) * elapsed / span, elapsed clamped to [0, span]
            else {{ div_round(
                "baseline_value * 12 * (target_year - baseline_year) + (target_value - baseline_value)
                * least(12 * (target_year - baseline_year), greatest(0, months_elapsed))",
                "12 * (target_year - baseline_year)",
                2
            ) }}
        end as expected_value
    from with_targets
)

select
    org_id,
    org_name,
    period_type,
    period,
    period_start,
    period_end,
    is_complete_period,
    indicator_id,
    axe,
    indicator_label,
    unit,
    source_feed,
    cast(value as double precision) as value,
    cast(numerator as double precision) as numerator,
    cast(denominator as double precision) as denominator,
    cast(target_value as double precision) as target_value,
    target_year,
    target_direction,
    cast(baseline_value as double precision) as baseline_value,
    baseline_year,
    cast(expected_value as double precision) as expected_value,
    case
        when not is_available then 'non disponible'
        -- a year half reported is shown, never judged (docs/bi.md "Incomplete periods")
        when not is_complete_period then null
        when target_value is null then 'sans cible'
        when target_direction = 'baisse' and value <= target_value then 'atteint'
        when target_direction = 'hausse' and value >= target_value then 'atteint'
        when target_direction = 'baisse' and value <= expected_value then 'en bonne voie'
        when target_direction = 'hausse' and value >= expected_value then 'en bonne voie'
        else 'en retard'
    end as status,
    cast(lag(value) over (
        partition by org_id, indicator_id, period_type
        order by period
    ) as double precision) as previous_value,
    is_available,
    unavailable_reason,
    source_rows
from with_trajectory
