-- Heating degree-days per weather station and month, "Météo" method:
-- DJU = max(0, base - (TN + TX) / 2) per day (base from spaser_parametres). A month with at
-- least the parameter's share of measured days is extrapolated to all its days; otherwise its
-- DJU are unknown (null), never 0.
with days as (select * from {{ ref('stg_energie__meteo') }}),

organisation as (
    select o.org_id from {{ ref('organisations') }} as o
    where o.landing_default
),

monthly as (
    select
        d.station_meteo,
        cast(date_trunc('month', d.jour) as date) as mois,
        count(*) filter (where d.tn is not null and d.tx is not null) as jours_mesures,
        {{ exact_sum(
            'greatest(0.0, ' ~ param('o.org_id', 'energie_dju_base_c') ~ ' - (d.tn + d.tx) / 2.0)',
            where='d.tn is not null and d.tx is not null'
        ) }} as dju_mesures
    from days as d
    cross join organisation as o
    group by d.station_meteo, date_trunc('month', d.jour), o.org_id
)

select
    m.station_meteo,
    m.mois,
    m.jours_mesures,
    extract(day from m.mois + interval '1 month' - interval '1 day') as jours_du_mois,
    case
        when
            100.0 * m.jours_mesures / extract(day from m.mois + interval '1 month' - interval '1 day')
            >= {{ param('o.org_id', 'energie_dju_jours_min_pct') }}
            then cast({{ div_round(
                "m.dju_mesures * extract(day from m.mois + interval '1 month' - interval '1 day')", 'm.jours_mesures', 2
            ) }} as double precision)
    end as dju
from monthly as m
cross join organisation as o
