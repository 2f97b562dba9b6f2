-- The observatory for the whole country: every buyer's contracts together (those missing from
-- the SIRENE extract included), one row per period x indicator (x DEP-4 threshold), with the
-- first quartile, median and third quartile of the ranked départements' values.
{{ config(schema='marts', materialized='table', tags=['observatoire']) }}

with buyers as (select * from {{ ref('mart_observatoire_acheteurs') }}),

departements as (
    select
        period_type,
        period,
        indicator_id,
        seuil_eur,
        count(*) filter (where statut = 'classé') as n_departements_classes,
        quantile_cont(valeur_pct, 0.25) filter (where statut = 'classé') as q1_departements_pct,
        quantile_cont(valeur_pct, 0.5) filter (where statut = 'classé') as mediane_departements_pct,
        quantile_cont(valeur_pct, 0.75) filter (where statut = 'classé') as q3_departements_pct
    from {{ ref('mart_observatoire_departements') }}
    group by period_type, period, indicator_id, seuil_eur
),

sums as (
    select
        period_type,
        period,
        indicator_id,
        seuil_eur,
        count(*) as n_acheteurs,
        count(*) filter (where departement is null) as n_acheteurs_hors_sirene,
        {{ observatory_sums() }}
    from buyers
    group by period_type, period, indicator_id, seuil_eur
)

select
    s.*,
    {{ observatory_values('s') }},
    coalesce(d.n_departements_classes, 0) as n_departements_classes,
    d.q1_departements_pct,
    d.mediane_departements_pct,
    d.q3_departements_pct
from sums as s
left join departements as d
    on
        s.period_type = d.period_type
        and s.period = d.period
        and s.indicator_id = d.indicator_id
        and s.seuil_eur is not distinct from d.seuil_eur
