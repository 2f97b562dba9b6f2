-- SPASER indicators computed from the energy feed, one row per organisation x period x
-- indicator. An input missing for a period makes the indicator not available with the
-- reason, never 0.
-- IMP-1: CEE dossiers valued financially (valuation date in the period, amount > 0); counted
--        only when the register was extracted at or after the end of the period.
-- IMP-3: % of the surface of the sites in service at the end of the period that is connected
--        to a district-heating network at that date; sites whose connection is unknown are
--        left out of both terms.
-- IMP-6: change (%) of the final energy of the period against the reference consumption
--        2010-2019 of the same sites and months (-40 % is the 2030 target), without climate
--        correction; the corrected figure is in fct_energie_evolution_reference.
with periods as (
    select * from {{ ref('int_periodes') }}
),

sites as (
    select * from {{ ref('dim_energie_sites') }}
),

cee as (
    select * from {{ ref('fct_energie_cee') }}
),

evolution as (
    select * from {{ ref('fct_energie_evolution_reference') }}
),

cee_periods as (
    select
        p.org_id,
        p.period_type,
        p.period,
        p.period_end,
        count(c.reference_cee) as dossiers,
        max(c.date_extraction) as extraction,
        count(*) filter (where c.is_valorise and c.date_valorisation between p.period_start and p.period_end)
            as valorises
    from periods as p
    left join cee as c on p.org_id = c.org_id
    group by p.org_id, p.period_type, p.period, p.period_end
),

site_periods as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(s.code_site) as sites_en_service,
        {{ exact_sum('s.surface_m2', where="s.raccorde_reseau_chaleur is not null") }} as surface_connue,
        {{ exact_sum(
            's.surface_m2',
            where="s.raccorde_reseau_chaleur and coalesce(s.date_raccordement <= p.period_end, true)"
        ) }} as surface_raccordee
    from periods as p
    left join sites as s
        on
            p.org_id = s.org_id
            and coalesce(p.period_end >= s.date_entree, true)
            and coalesce(p.period_end < s.date_sortie, true)
    group by p.org_id, p.period_type, p.period
),

measures as (
    select
        org_id,
        period_type,
        period,
        'IMP-1' as indicator_id,
        cast(valorises as double precision) as numerator,
        cast(null as double precision) as denominator,
        cast(valorises as double precision) as value,
        dossiers as source_rows,
        case
            when dossiers = 0 then 'registre des CEE non reçu'
            when extraction < period_end
                then
                    'registre des CEE extrait le ' || {{ format_date('extraction', '%d/%m/%Y') }}
                    || ', avant la fin de la période'
        end as unavailable_reason
    from cee_periods
    union all
    select
        org_id,
        period_type,
        period,
        'IMP-3' as indicator_id,
        coalesce(surface_raccordee, 0) as numerator,
        surface_connue as denominator,
        {{ pct('coalesce(surface_raccordee, 0)', 'surface_connue') }} as value,
        sites_en_service as source_rows,
        case
            when sites_en_service = 0 then 'registre des sites non reçu ou aucun site en service à la fin de la période'
            when coalesce(surface_connue, 0) = 0
                then 'raccordement au réseau de chaleur non renseigné pour les sites en service'
        end as unavailable_reason
    from site_periods
    union all
    select
        org_id,
        period_type,
        period,
        'IMP-6' as indicator_id,
        kwh_periode as numerator,
        kwh_reference as denominator,
        evolution_brute_pct as value,
        sites_mois_compares as source_rows,
        unavailable_reason
    from evolution
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    case when unavailable_reason is null then numerator end as numerator,
    case when unavailable_reason is null then denominator end as denominator,
    case when unavailable_reason is null then value end as value,
    unavailable_reason is null as is_available,
    unavailable_reason,
    source_rows
from measures
