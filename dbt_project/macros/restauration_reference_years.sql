{#- The reference years of the catering feed per organisation x period, shared by its lines
    and its indicators so that both read the same year. EGALim bilans and the "Ici je mange
    local" label are yearly: a calendar year uses its own year; a semester the most recent year
    declared among its year and the years before it admitted by restauration_recul_max_annees.
    Columns: org_id, period_type, period, year, annee_reference (latest year with bilans in EUR
    HT), n_ratios_only (bilans of the window with the teledeclared shares only), annee_label
    (latest year of the label list); NULL years when nothing was declared. -#}
{% macro restauration_reference_years() -%}
    select
        p.org_id,
        p.period_type,
        p.period,
        p.year,
        (
            select max(g.annee)
            from {{ ref('fct_restauration_egalim') }} as g
            where
                g.org_id = p.org_id
                and g.annee between p.year - p.recul and p.year
                and g.has_bilan_montants
        ) as annee_reference,
        (
            select count(g.siret)
            from {{ ref('fct_restauration_egalim') }} as g
            where
                g.org_id = p.org_id
                and g.annee between p.year - p.recul and p.year
                and not g.has_bilan_montants
        ) as n_ratios_only,
        (
            select max(l.annee)
            from {{ ref('fct_restauration_label_local') }} as l
            where l.org_id = p.org_id and l.annee between p.year - p.recul and p.year
        ) as annee_label
    from (
        select
            per.org_id,
            per.period_type,
            per.period,
            per.year,
            case
                when per.period_type = 'semestre'
                    then coalesce({{ param('per.org_id', 'restauration_recul_max_annees', 'integer') }}, 0)
                else 0
            end as recul
        from {{ ref('int_periodes') }} as per
    ) as p
{%- endmacro %}
