-- The observatory's lines summed per buyer x period x indicator (x DEP-4 threshold): contracts
-- in scope, with known input (denominator), counted (numerator), and the plausible initial
-- amounts of the last two, with the buyer's records and those excluded for quality.
{{ config(schema='intermediate', materialized='table', tags=['observatoire']) }}

with lines as (select * from {{ ref('int_observatoire__lignes') }}),

quality as (select * from {{ ref('int_observatoire__qualite') }}),

sums as (
    select
        acheteur_id,
        period_type,
        period,
        indicator_id,
        seuil_eur,
        count(*) as n_marches,
        count(*) filter (where in_denominator) as n_connus,
        count(*) filter (where in_numerator) as n_oui,
        coalesce({{ exact_sum('montant_compte', where='in_denominator') }}, 0) as montant_connus,
        coalesce({{ exact_sum('montant_compte', where='in_numerator') }}, 0) as montant_oui
    from lines
    group by acheteur_id, period_type, period, indicator_id, seuil_eur
)

select
    s.*,
    coalesce(q.n_enregistrements, s.n_marches) as n_enregistrements,
    coalesce(q.n_exclus_qualite, 0) as n_exclus_qualite
from sums as s
left join quality as q
    on
        s.acheteur_id = q.acheteur_id
        and s.period_type = q.period_type
        and s.period = q.period
