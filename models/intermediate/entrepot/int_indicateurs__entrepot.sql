-- Governance indicators measured on the warehouse's own releases (publication.releases).
-- A release is judged once it exists, so each period looks back:
-- GOV-2 (annual report done): in year Y (semester or year row), the previous year's second
--   semester was released: the complete figures the annual report of Y-1 rests on.
-- GOV-3 (dashboard updated every semester): for a semester, the previous semester was
--   released; semestrial by nature, so not available on year rows.
-- Values are 1 (oui) or 0 (non); not available when the judged semester precedes the
-- organisation's first semester.
with periods as (
    select * from {{ ref('int_periodes') }}
),

organisations as (
    select * from {{ ref('organisations') }}
),

releases as (
    select * from {{ ref('stg_entrepot__releases') }}
),

judged as (
    {{ governance_judged_semesters() }}
),

measured as (
    select
        j.*,
        coalesce(j.judged_semester >= j.premier_semestre, false) as is_judged,
        exists(
            select 1 from releases as r
            where r.org_id = j.org_id and r.semester = j.judged_semester
        ) as released
    from judged as j
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    case when is_judged then cast(released as integer) end as numerator,
    case when is_judged then 1 end as denominator,
    case when is_judged then cast(cast(released as integer) as double precision) end as value,
    is_judged as is_available,
    case
        when judged_semester is null then 'indicateur semestriel: voir les lignes des semestres'
        when not is_judged
            then 'semestre ' || judged_semester || ' antérieur au premier semestre suivi par l''entrepôt'
    end as unavailable_reason,
    1 as source_rows
from measured
