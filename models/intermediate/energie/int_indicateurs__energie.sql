-- SPASER indicators computed from the energy feed, one row per organisation x period x
-- indicator. An input missing for a period makes the indicator not available with the
-- reason, never 0. IMP-1 and IMP-3 are the aggregation of their lines
-- (int_energie__indicateur_lignes, where they are defined). IMP-6 is read from
-- fct_energie_evolution_reference: it compares each site x month rounded to the kWh PCI
-- thousandth while its lines are the unrounded meter readings behind them, so a sum of lines
-- would move the published figure (the lineage test allows that rounding).
-- IMP-1: CEE dossiers valued financially (valuation date in the period, amount > 0); counted
--        only when the register was extracted at or after the end of the period.
-- IMP-3: % of the surface of the sites in service at the end of the period that is connected
--        to a district-heating network at that date; sites whose connection is unknown are
--        left out of both terms.
-- IMP-6: change (%) of the final energy of the period against the reference consumption
--        2010-2019 of the same sites and months (-40 % is the 2030 target), without climate
--        correction; the corrected figure is in fct_energie_evolution_reference.
with lines as (
    select * from {{ ref('int_energie__indicateur_lignes') }}
    where indicator_id in ('IMP-1', 'IMP-3')
),

-- the CEE register's extraction date: IMP-1 counts a period only once extracted after its end
cee_extraction as (
    select
        p.org_id,
        p.period_type,
        p.period,
        p.period_end,
        max(c.date_extraction) as extraction
    from {{ ref('int_periodes') }} as p
    left join {{ ref('fct_energie_cee') }} as c on p.org_id = c.org_id
    group by p.org_id, p.period_type, p.period, p.period_end
),

from_lines as (
    {{ indicators_from_lines('lines', context='cee_extraction', reasons={
        'IMP-1': "
            when j.n_lines = 0 then 'registre des CEE non reçu'
            when x.extraction < x.period_end
                then 'registre des CEE extrait le ' || " ~ format_date('x.extraction', '%d/%m/%Y') ~ "
                || ', avant la fin de la période'",
        'IMP-3': "
            when j.n_lines = 0 then 'registre des sites non reçu ou aucun site en service à la fin de la période'
            when coalesce(j.denominator, 0) = 0
                then 'raccordement au réseau de chaleur non renseigné pour les sites en service'",
    }) }}
),

evolution as (
    select * from {{ ref('fct_energie_evolution_reference') }}
)

select * from from_lines
union all
select
    org_id,
    period_type,
    period,
    'IMP-6' as indicator_id,
    case when unavailable_reason is null then kwh_periode end as numerator,
    case when unavailable_reason is null then kwh_reference end as denominator,
    case when unavailable_reason is null then evolution_brute_pct end as value,
    unavailable_reason is null as is_available,
    unavailable_reason,
    sites_mois_compares as source_rows
from evolution
