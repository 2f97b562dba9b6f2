-- Reporting periods of each organisation: every semester from its first SPASER semester to
-- the semester being published (dbt var `semester`) or, without it, to the last semester
-- holding data; and the calendar years they make up (flagged when still incomplete).
{%- set semester = var('semester', none) %}

with organisations as (
    select * from {{ ref('organisations') }}
),

calendar as (
    select * from {{ ref('calendrier_semestres') }}
),

last_data as (
    select
        org_id,
        max(semestre) as last_semester
    from {{ ref('fct_marches') }}
    where org_id is not null
    group by org_id
),

semesters as (
    select
        o.org_id,
        'semestre' as period_type,
        c.semester as period,
        c.year,
        c.period_start,
        c.period_end,
        true as is_complete
    from organisations as o
    inner join calendar as c on o.premier_semestre <= c.semester
    left join last_data as d on o.org_id = d.org_id
    where
        c.semester <= coalesce(
            {% if semester %}'{{ semester }}'{% else %}cast(null as varchar){% endif %},
            d.last_semester,
            o.premier_semestre
        )
),

years as (
    select
        org_id,
        'annee' as period_type,
        cast(year as varchar) as period,
        year,
        min(period_start) as period_start,
        max(period_end) as period_end,
        count(*) = 2 as is_complete
    from semesters
    group by org_id, year
)

select * from semesters
union all
select * from years
