-- The observatory per buyer: one row per buyer SIRET x period (semester, year) x indicator
-- (x DEP-4 threshold), both values (by number of contracts and by amount), the contracts
-- behind them, the share of the buyer's records excluded for quality, and the rank among the
-- buyers of the same kind; below the configured minimum of contracts: 'trop peu de marchés',
-- not ranked.
{{ config(schema='marts', materialized='table', tags=['observatoire']) }}

with measures as (select * from {{ ref('int_observatoire__mesures_acheteurs') }}),

buyers as (select * from {{ ref('int_observatoire__acheteurs') }}),

joined as (
    select
        m.acheteur_id,
        b.acheteur_nom,
        b.departement,
        b.type_acheteur,
        b.categorie_juridique,
        m.period_type,
        m.period,
        m.indicator_id,
        m.seuil_eur,
        m.n_marches,
        m.n_connus,
        m.n_oui,
        m.montant_connus,
        m.montant_oui,
        m.n_enregistrements,
        m.n_exclus_qualite
    from measures as m
    left join buyers as b on m.acheteur_id = b.acheteur_id
),

figures as (
    select
        *,
        {{ observatory_figures('type_acheteur, period_type, period, indicator_id, seuil_eur') }}
    from joined
)

select * from figures
