-- The observatory per kind of buyer (départements, régions, communes, EPCI, hospitals, State
-- services, others, and 'inconnu' for buyers missing from the SIRENE extract): the figures of
-- all buyers of the kind together, and the first quartile, median and third quartile of the
-- values of its ranked buyers (the benchmark "where do I stand" shows).
{{ config(schema='marts', materialized='table', tags=['observatoire']) }}

with buyers as (select * from {{ ref('mart_observatoire_acheteurs') }}),

kinds as (
    select distinct
        type_acheteur,
        type_libelle
    from {{ ref('observatoire_categories_juridiques') }}
),

sums as (
    select
        type_acheteur,
        period_type,
        period,
        indicator_id,
        seuil_eur,
        count(*) as n_acheteurs,
        count(*) filter (where statut = 'classé') as n_acheteurs_classes,
        {{ observatory_sums() }},
        quantile_cont(valeur_pct, 0.25) filter (where statut = 'classé') as q1_acheteurs_pct,
        quantile_cont(valeur_pct, 0.5) filter (where statut = 'classé') as mediane_acheteurs_pct,
        quantile_cont(valeur_pct, 0.75) filter (where statut = 'classé') as q3_acheteurs_pct
    from buyers
    group by type_acheteur, period_type, period, indicator_id, seuil_eur
)

select
    s.type_acheteur,
    coalesce(k.type_libelle, 'Acheteurs absents de l''extrait SIRENE') as type_libelle,
    s.period_type,
    s.period,
    s.indicator_id,
    s.seuil_eur,
    s.n_acheteurs,
    s.n_acheteurs_classes,
    s.n_marches,
    s.n_connus,
    s.n_oui,
    s.montant_connus,
    s.montant_oui,
    s.n_enregistrements,
    s.n_exclus_qualite,
    {{ observatory_values('s') }},
    s.q1_acheteurs_pct,
    s.mediane_acheteurs_pct,
    s.q3_acheteurs_pct
from sums as s
left join kinds as k on s.type_acheteur = k.type_acheteur
