-- Drill-down of every published indicator value to its source rows: one line per
-- organisation x period x indicator x source row in the indicator's scope, with whether it
-- counts in the denominator and the numerator, what it adds to them (numerator_value,
-- denominator_value, in `unit`), what it adds to the value when the value is a sum
-- (value_contribution), the flags used, and the source file and row.
-- Each indicator source (the var indicator_sources) contributes its fct_<source>_indicateur_lignes
-- model (same columns). How the lines add up to each value: docs/auditeurs.md; checked by
-- assert_lineage_adds_up_to_indicators.
-- GOV-5, measured on the mart itself, is traced to the other indicators of its period.
{%- set lineage_models = [] %}
{%- for source in var('indicator_sources') %}
    {%- do lineage_models.append(('fct_' ~ source ~ '_indicateur_lignes', source)) %}
{%- endfor %}

with feed_lines as (
    {%- for model, feed in lineage_models %}
        select
            org_id,
            period_type,
            period,
            indicator_id,
            '{{ feed }}' as source_feed,
            record_key,
            in_denominator,
            in_numerator,
            flags,
            source_file,
            source_row,
            secondary_source_file,
            secondary_source_row,
            cast(numerator_value as double precision) as numerator_value,
            cast(denominator_value as double precision) as denominator_value,
            cast(value_contribution as double precision) as value_contribution,
            unit,
            measure
        from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- GOV-5: the other catalogue indicators of the period, 1 in the numerator when available
indicators as (
    select * from {{ ref('mart_spaser_indicateurs') }}
    where indicator_id != 'GOV-5'
),

gov5_lines as (
    select
        org_id,
        period_type,
        period,
        'GOV-5' as indicator_id,
        'entrepot' as source_feed,
        indicator_id as record_key,
        true as in_denominator,
        is_available as in_numerator,
        case
            when is_available then 'disponible'
            else 'non disponible: ' || coalesce(unavailable_reason, 'motif inconnu')
        end as flags,
        'mart_spaser_indicateurs' as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as secondary_source_file,
        cast(null as bigint) as secondary_source_row,
        cast(case when is_available then 1.0 else 0.0 end as double precision) as numerator_value,
        cast(1.0 as double precision) as denominator_value,
        cast(null as double precision) as value_contribution,
        'indicateur' as unit,
        'indicateur du catalogue' as measure
    from indicators
)

select * from feed_lines
union all
select * from gov5_lines
