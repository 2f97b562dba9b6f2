{#- The last step shared by every int_indicateurs__<feed> model: from a relation of
    (org_id, period_type, period, indicator_id, value_kind, numerator, denominator,
    source_rows, unavailable_reason), publish the value (a percentage for ratios, the
    numerator for counts and amounts) only when the indicator is available. -#}
{% macro indicator_output(measures) -%}
    select
        org_id,
        period_type,
        period,
        indicator_id,
        case when unavailable_reason is null then numerator end as numerator,
        case when unavailable_reason is null then denominator end as denominator,
        case
            when unavailable_reason is not null then null
            when value_kind = 'ratio' then {{ round_to('100.0 * numerator / denominator', 2) }}
            else cast(numerator as double precision)
        end as value,
        unavailable_reason is null as is_available,
        unavailable_reason,
        source_rows
    from {{ measures }}
{%- endmacro %}
