{#- The semester each governance indicator judges, per organisation x period (CTEs `periods`
    and `organisations` in scope): GOV-2, the previous year's S2; GOV-3, the previous semester
    (none on year rows). One definition for the indicator and its drill-down lines. -#}
{% macro governance_judged_semesters() -%}
    select
        p.org_id,
        p.period_type,
        p.period,
        'GOV-2' as indicator_id,
        cast(p.year - 1 as varchar) || '-S2' as judged_semester,
        o.premier_semestre
    from periods as p
    inner join organisations as o on p.org_id = o.org_id
    union all
    select
        p.org_id,
        p.period_type,
        p.period,
        'GOV-3' as indicator_id,
        case
            when p.period_type = 'annee' then null
            when right(p.period, 1) = '1' then cast(p.year - 1 as varchar) || '-S2'
            else cast(p.year as varchar) || '-S1'
        end as judged_semester,
        o.premier_semestre
    from periods as p
    inner join organisations as o on p.org_id = o.org_id
{%- endmacro %}
