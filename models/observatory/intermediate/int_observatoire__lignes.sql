-- The observatory's indicators contract by contract, for every buyer: one line per contract x
-- period (its semester and its year of notification) x indicator (x threshold for DEP-4), with
-- in_denominator and in_numerator judged by the very definitions the organisation's indicators
-- use (macro marches_indicator_definitions; MAR-RES: observatory_indicator_definitions). DEP-4
-- is measured at every configured threshold: the organisations' seuil_clause_sociale_dep4_eur
-- and the observatory's var observatoire_seuils_dep4_eur.
{{ config(schema='intermediate', materialized='view', tags=['observatoire']) }}

{%- set wanted = ['NAT-1', 'NAT-2', 'IMP-11', 'DEP-4', 'MAR-RES'] %}
{%- set definitions = [] %}
{%- for definition in marches_indicator_definitions() + observatory_indicator_definitions() %}
    {%- if definition[0] in wanted %}{% do definitions.append(definition) %}{% endif %}
{%- endfor %}

with contracts as (select * from {{ ref('fct_marches') }}),

thresholds as (
    select distinct cast(value as double precision) as seuil_eur
    from {{ ref('spaser_parametres') }}
    where parameter = 'seuil_clause_sociale_dep4_eur'
    {%- for threshold in var('observatoire_seuils_dep4_eur', []) %}
        union
        select cast({{ threshold }} as double precision) as seuil_eur
    {%- endfor %}
),

periodised as (
    select
        'semestre' as period_type,
        semestre as period,
        *
    from contracts
    union all
    select
        'annee' as period_type,
        cast(annee as varchar) as period,
        *
    from contracts
)

{% for id, scope, known, numerator, flags in definitions %}
    select
        acheteur_id,
        period_type,
        period,
        '{{ id }}' as indicator_id,
        seuil_eur,
        contrat_key,
        coalesce({{ known }}, false) as in_denominator,
        coalesce({{ known }} and ({{ numerator }}), false) as in_numerator,
        case when montant_plausible then montant_initial end as montant_compte
    from (
        {%- if id == 'DEP-4' %}
            select
                c.*,
                t.seuil_eur,
                {{ marches_amount_above('t.seuil_eur') }} as above_dep4
            from periodised as c
            cross join thresholds as t
        {%- else %}
            select
                c.*,
                cast(null as double precision) as seuil_eur
            from periodised as c
        {%- endif %}
    ) as scoped
    where coalesce({{ scope }}, false)
    {% if not loop.last %}union all{% endif %}
{% endfor %}
