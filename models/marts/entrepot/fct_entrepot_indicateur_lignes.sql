-- Lineage of the governance indicators measured on the warehouse's own releases
-- (fct_entrepot_indicateurs), one line per organisation x period x indicator when the
-- indicator is judged (columns as every fct_<feed>_indicateur_lignes): the judged semester,
-- 1 in the denominator, 1 in the numerator and the value when it was released. The source is
-- the release's manifest (<org>/<semester>/v<N>/manifest.json under the publications folder),
-- or the release register publication.releases when the semester was not released.
-- GOV-5 (share of the other indicators available) is traced in fct_indicateur_lignes to the
-- other rows of mart_spaser_indicateurs.
with periods as (select * from {{ ref('int_periodes') }}),

organisations as (select * from {{ ref('organisations') }}),

releases as (select * from {{ ref('stg_entrepot__releases') }}),

judged as (
    {{ governance_judged_semesters() }}
)

select
    j.org_id,
    j.period_type,
    j.period,
    j.indicator_id,
    j.org_id || '|' || j.judged_semester as record_key,
    'publication du semestre ' || j.judged_semester as measure,
    'oui/non' as unit,
    true as in_denominator,
    r.semester is not null as in_numerator,
    case when r.semester is not null then 1.0 else 0.0 end as numerator_value,
    1.0 as denominator_value,
    case when r.semester is not null then 1.0 else 0.0 end as value_contribution,
    case
        when r.semester is null then 'semestre ' || j.judged_semester || ' non publié'
        else
            'semestre ' || j.judged_semester || ' publié: version ' || cast(r.version as varchar)
            || ' le ' || cast(r.published_at as varchar)
    end as flags,
    coalesce(
        j.org_id || '/' || j.judged_semester || '/v' || cast(r.version as varchar) || '/manifest.json',
        'publication.releases'
    ) as source_file,
    cast(null as bigint) as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from judged as j
left join releases as r on j.org_id = r.org_id and j.judged_semester = r.semester
where j.judged_semester >= j.premier_semestre
