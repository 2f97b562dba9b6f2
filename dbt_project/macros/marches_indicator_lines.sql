{#- The marché indicators' lineage lines, contract by contract: for every organisation x
    period x indicator, one line per contract of the indicator's scope with in_denominator (its
    input is known) and in_numerator, in the columns of every fct_<feed>_indicateur_lignes.
    fct_marches_indicateur_lignes publishes them for auditors and fct_marches_indicateurs
    aggregates them (indicators_from_lines), so the published value and its drill-down come from
    one definition.

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
    ),

    lines as (
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
    ),

    catalogue as (
        select * from {{ ref('spaser_indicateurs') }}
    )

    select
        l.org_id,
        l.period_type,
        l.period,
        l.indicator_id,
        l.contrat_key as record_key,
        case
            when l.indicator_id = 'IMP-14' then 'marché en cours d''exécution pendant la période'
            else 'marché notifié dans la période'
        end as measure,
        'marché' as unit,
        l.in_denominator,
        l.in_numerator,
        case when l.in_numerator then 1.0 else 0.0 end as numerator_value,
        case when l.in_denominator then 1.0 else 0.0 end as denominator_value,
        case when c.value_kind = 'count' then case when l.in_numerator then 1.0 else 0.0 end end as value_contribution,
        l.flags,
        l._source_file as source_file,
        l._source_row as source_row,
        l.procedures_source_file as secondary_source_file,
        l.procedures_source_row as secondary_source_row
    from lines as l
    left join catalogue as c on l.indicator_id = c.indicator_id
{%- endmacro -%}
