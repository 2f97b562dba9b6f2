-- The observatory per département: the figures of all its buyers together (sums of their
-- contracts and amounts, never an average of ratios), one row per département x period x
-- indicator (x DEP-4 threshold), ranked among the départements. Buyers missing from the
-- SIRENE extract are in no département (see mart_observatoire_national).
{{ config(schema='marts', materialized='table', tags=['observatoire']) }}

with buyers as (
    select * from {{ ref('mart_observatoire_acheteurs') }}
    where departement is not null
),

sums as (
    select
        departement,
        period_type,
        period,
        indicator_id,
        seuil_eur,
        count(*) as n_acheteurs,
        count(*) filter (where statut = 'classé') as n_acheteurs_classes,
        {{ observatory_sums() }}
    from buyers
    group by departement, period_type, period, indicator_id, seuil_eur
),

figures as (
    select
        *,
        {{ observatory_figures('period_type, period, indicator_id, seuil_eur') }}
    from sums
)

select * from figures
