-- Reporting periods of each organisation: every semester from its first SPASER semester to
-- the semester being published (SPASER_SEMESTER, which the pipeline always gives), and the
-- calendar years they make up (flagged when still incomplete). The spine comes from the
-- calendar and the configuration only: no feed's data decides which periods exist.
{%- set semester = build_semester(required=true) %}

with organisations as (select * from {{ ref('organisations') }}),

calendar as (select * from {{ ref('calendrier_semestres') }}),

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
    where c.semester <= '{{ semester }}'
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
