{#- The last step shared by every int_indicateurs__<feed> model: from a relation of
    (org_id, period_type, period, indicator_id, value_kind, numerator, denominator,
    source_rows, unavailable_reason), publish the value (a percentage for ratios, the
    numerator for counts and amounts) only when the indicator is available. A ratio is exact,
    rounded half away from zero to 2 decimals, an amount to `amount_digits` (macros/exact.sql). -#}
{% macro indicator_output(measures, amount_digits=6) -%}
    select
        org_id,
        period_type,
        period,
        indicator_id,
        case when unavailable_reason is null then cast(numerator as double precision) end as numerator,
        case when unavailable_reason is null then cast(denominator as double precision) end as denominator,
        case
            when unavailable_reason is not null then null
            when value_kind = 'ratio' then {{ pct('numerator', 'denominator') }}
            else cast(round({{ exact('numerator') }}, {{ amount_digits }}) as double precision)
        end as value,
        unavailable_reason is null as is_available,
        unavailable_reason,
        source_rows
    from {{ measures }}
{%- endmacro %}
