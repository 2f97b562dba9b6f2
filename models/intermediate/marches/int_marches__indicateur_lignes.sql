-- Lineage of the marché indicators: for every organisation x period x indicator, the
-- contracts in its scope, whether each counts in the denominator and the numerator (1 or 0 in
-- numerator_value / denominator_value; a count indicator's value is its numerator), the flags
-- it was judged on, and its source rows (DECP file and record, internal export file and line).
-- Columns as every int_<feed>__indicateur_lignes.
with lines as (
    {{ marches_indicator_lines() }}
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
