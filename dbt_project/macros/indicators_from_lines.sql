{#- The indicator values of a feed as the aggregation of its own lineage lines
    (fct_<feed>_indicateur_lignes): one row per organisation x period (int_periodes) x
    indicator of `reasons`, with the columns of every fct_<feed>_indicateurs model. The lines
    are the only definition of an indicator, so they add up to its value by construction:
    - numerator = sum of numerator_value, denominator = sum of denominator_value over the lines
      in_denominator (NULL, unknown, when there is none; the other lines carry 0 or NULL);
      exact decimal sums rounded to `sum_digits` (a number, or one per indicator id), as
      exact_sum;
    - value: a ratio (value_kind from the catalogue seed spaser_indicateurs) is
      100 x numerator / denominator (pct); any other kind is the sum of value_contribution
      rounded to `amount_digits`; `values` overrides the formula of an indicator (a SQL
      expression over the double columns numerator and denominator, e.g. IMP-6's change).
    `reasons` maps each indicator id to the branches of a CASE giving why the value is not
    available ('when ... then ...'; unknown is never 0), written over the aggregates of the
    indicator's lines j.n_lines, j.n_in_scope (the lines matching `scope`, a predicate over the
    line's columns, when the lines also list source rows left out with their reason),
    j.n_in_denominator, j.n_in_numerator (0 without lines),
    j.numerator, j.denominator, j.value_sum (NULL without lines) and the columns x.* of
    `context`, an optional relation of feed-wide facts per (org_id, period_type, period), or
    per (org_id, period_type, period, indicator_id) with `context_by_indicator`.
    `source_rows` maps an indicator id to its count of source rows (SQL over j.*, x.*) when it
    is not j.n_in_scope; `no_rows_when_unavailable` publishes 0 source rows for a value that is
    not available. -#}
{% macro indicators_from_lines(
    lines, reasons, context=none, context_by_indicator=false, scope=none, sum_digits=6, amount_digits=6,
    values={}, source_rows={}, no_rows_when_unavailable=false
) -%}
    {%- set ids = reasons.keys() | list | sort -%}
    {%- set sums = indicator_line_sums(ids, sum_digits) -%}
    {%- set rows_column = 'source_rows' -%}
    {%- if no_rows_when_unavailable -%}
        {%- set rows_column = 'case when unavailable_reason is null then source_rows else 0 end' -%}
    {%- endif -%}
    {%- set context_join = '' -%}
    {%- if context -%}
        {%- set context_join = 'left join ' ~ context ~ ' as x on j.org_id = x.org_id'
            ~ ' and j.period_type = x.period_type and j.period = x.period'
            ~ (' and j.indicator_id = x.indicator_id' if context_by_indicator else '') -%}
    {%- endif -%}
    select
        org_id,
        period_type,
        period,
        indicator_id,
        case when unavailable_reason is null then numerator end as numerator,
        case when unavailable_reason is null then denominator end as denominator,
        case
            when unavailable_reason is not null then null
    {%- for id, formula in values.items() %}
                when indicator_id = '{{ id }}' then {{ formula }}
    {%- endfor %}
            when value_kind = 'ratio' then {{ pct('numerator', 'denominator') }}
            else cast(round({{ exact('value_sum') }}, {{ amount_digits }}) as double precision)
        end as value,
        unavailable_reason is null as is_available,
        unavailable_reason,
        {{ rows_column }} as source_rows
    from (
        select
            j.*,
            case j.indicator_id
    {%- for id in ids %}
                    when '{{ id }}' then {{ source_rows.get(id, 'j.n_in_scope') }}
    {%- endfor %}
            end as source_rows,
            case j.indicator_id
    {%- for id in ids %}
                    when '{{ id }}' then (case {{ reasons[id] }} end)
    {%- endfor %}
            end as unavailable_reason
        from (
            select
                p.org_id,
                p.period_type,
                p.period,
                c.indicator_id,
                c.value_kind,
                coalesce(a.n_lines, 0) as n_lines,
                coalesce(a.n_in_scope, 0) as n_in_scope,
                coalesce(a.n_in_denominator, 0) as n_in_denominator,
                coalesce(a.n_in_numerator, 0) as n_in_numerator,
                a.numerator,
                a.denominator,
                a.value_sum
            from {{ ref('int_periodes') }} as p
            cross join {{ ref('spaser_indicateurs') }} as c
            left join (
                select
                    org_id,
                    period_type,
                    period,
                    indicator_id,
                    count(*) as n_lines,
                    count(*){% if scope %} filter (where {{ scope }}){% endif %} as n_in_scope,
                    count(*) filter (where in_denominator) as n_in_denominator,
                    count(*) filter (where in_numerator) as n_in_numerator,
                    {{ sums['numerator'] }} as numerator,
                    {{ sums['denominator'] }} as denominator,
                    {{ sums['value_sum'] }} as value_sum
                from {{ lines }}
                group by org_id, period_type, period, indicator_id
            ) as a
                on
                    p.org_id = a.org_id
                    and p.period_type = a.period_type
                    and p.period = a.period
                    and c.indicator_id = a.indicator_id
            where c.indicator_id in ({% for id in ids %}'{{ id }}'{{ ", " if not loop.last }}{% endfor %})
        ) as j
        {{ context_join }}
    ) as measures
{%- endmacro %}
