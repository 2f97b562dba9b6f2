{#- The marché indicators, contract by contract: for every organisation x period x indicator,
    one line per contract of the indicator's scope with in_denominator (its input is known) and
    in_numerator. int_indicateurs__marches aggregates these lines and
    int_marches__indicateur_lignes publishes them for auditors, so the published value and its
    drill-down come from one definition.

    The definitions are marches_indicator_definitions(), shared with the observatory. IMP-14
    counts contracts running during the period; the others contracts notified in it. -#}


{%- macro marches_indicator_lines() -%}
    {%- set definitions = marches_indicator_definitions() %}
    with periods as (
        select * from {{ ref('int_periodes') }}
    ),

    contracts as (
        select
            c.*,
            {{ marches_amount_above(param('c.org_id', 'seuil_analyse_clause_sociale_eur')) }} as above_imp15,
            {{ marches_amount_above(param('c.org_id', 'seuil_clause_sociale_dep4_eur')) }} as above_dep4,
            coalesce(c.direction = {{ param('c.org_id', 'direction_voirie', 'varchar') }}, false) as is_voirie
        from {{ ref('fct_marches') }} as c
        where c.org_id is not null
    ),

    notified as (
        select
            p.period_type,
            p.period,
            c.*
        from periods as p
        inner join contracts as c
            on
                p.org_id = c.org_id
                and c.date_notification between p.period_start and p.period_end
    ),

    running as (
        select
            p.period_type,
            p.period,
            c.*
        from periods as p
        inner join contracts as c
            on
                p.org_id = c.org_id
                and c.date_notification <= p.period_end
                and coalesce(c.date_fin_prevue, c.date_notification) >= p.period_start
    )

    {% for id, scope, known, numerator, flags in definitions %}
        select
            org_id,
            period_type,
            period,
            '{{ id }}' as indicator_id,
            contrat_key,
            coalesce({{ known }}, false) as in_denominator,
            coalesce({{ known }} and ({{ numerator }}), false) as in_numerator,
            {{ flags }} as flags,
            _source_file,
            _source_row,
            procedures_source_file,
            procedures_source_row
        from {{ 'running' if id == 'IMP-14' else 'notified' }}
        where coalesce({{ scope }}, false)
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{%- endmacro -%}
