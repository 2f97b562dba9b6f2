-- SPASER indicators computed from the waste feed, one row per organisation x period x
-- indicator (BES-6, BES-7, IMP-4). Amounts, not ratios: the value is the measured quantity of
-- the period, computed from the detail for semesters and calendar years alike.
--   BES-6: tonnes of waste shipped (outgoing registry, lines not cancelled nor implausible);
--          denominator = tonnes of the same period one year earlier (NULL when unknown), so
--          that the change (numerator / denominator - 1) is published with the value.
--   BES-7: EUR gained: auction sale prices + (estimated new price - price paid) of
--          second-hand purchases; purchases without an estimated new price are left out.
--   IMP-4: tonnes of new aggregates saved by the road-work sites finished in the period.
-- A period without input is not available with the reason, never 0.
with periods as (
    select * from {{ ref('int_periodes') }}
),

registre as (
    select * from {{ ref('fct_dechets_enlevements') }}
    where org_id is not null and exclusion_reason is null
),

granulats as (
    select * from {{ ref('fct_dechets_granulats') }}
    where org_id is not null
),

reemploi as (
    select * from {{ ref('fct_dechets_reemploi') }}
    where org_id is not null
),

waste as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(r.ligne_key) as n_lines,
        {{ exact_sum('r.poids_t', 3) }} as tonnes
    from periods as p
    left join registre as r
        on
            p.org_id = r.org_id
            and r.date_expedition between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

waste_year_before as (
    select
        p.org_id,
        p.period_type,
        p.period,
        {{ exact_sum('r.poids_t', 3) }} as tonnes
    from periods as p
    left join registre as r
        on
            p.org_id = r.org_id
            and r.date_expedition
            between cast(p.period_start - interval '1 year' as date) and cast(p.period_end - interval '1 year' as date)
    group by p.org_id, p.period_type, p.period
),

sites as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(g.chantier_id) as n_sites,
        count(g.chantier_id) filter (where g.exclusion_reason is null) as n_usable,
        {{ exact_sum('g.granulats_economises_t', 3, where="g.exclusion_reason is null") }} as tonnes_saved
    from periods as p
    left join granulats as g
        on
            p.org_id = g.org_id
            and g.date_fin between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

resale as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(o.reference) as n_operations,
        count(o.reference) filter (where o.exclusion_reason is null) as n_known,
        {{ exact_sum('o.gain_eur', 2, where="o.exclusion_reason is null") }} as gain_eur
    from periods as p
    left join reemploi as o
        on
            p.org_id = o.org_id
            and o.date_operation between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

measures as (
    select
        w.org_id,
        w.period_type,
        w.period,
        'BES-6' as indicator_id,
        w.tonnes as numerator,
        b.tonnes as denominator,
        w.n_lines as source_rows,
        case
            when w.n_lines = 0 then 'aucune ligne du registre des déchets sortants pour la période'
        end as unavailable_reason
    from waste as w
    inner join waste_year_before as b
        on w.org_id = b.org_id and w.period_type = b.period_type and w.period = b.period
    union all
    select
        org_id,
        period_type,
        period,
        'BES-7' as indicator_id,
        gain_eur as numerator,
        null as denominator,
        n_operations as source_rows,
        case
            when n_operations = 0 then 'aucune vente aux enchères ni achat de seconde main déclaré pour la période'
            when n_known = 0
                then 'gain inconnu pour les opérations de la période (prix neuf estimé absent ou type non reconnu)'
        end as unavailable_reason
    from resale
    union all
    select
        org_id,
        period_type,
        period,
        'IMP-4' as indicator_id,
        tonnes_saved as numerator,
        null as denominator,
        n_sites as source_rows,
        case
            when n_sites = 0 then 'aucun chantier routier terminé déclaré pour la période'
            when n_usable = 0 then 'tonnages des chantiers de la période inexploitables (voir fct_dechets_granulats)'
        end as unavailable_reason
    from sites
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    case when unavailable_reason is null then numerator end as numerator,
    case when unavailable_reason is null then denominator end as denominator,
    case when unavailable_reason is null then cast(numerator as double precision) end as value,
    unavailable_reason is null as is_available,
    unavailable_reason,
    source_rows
from measures
