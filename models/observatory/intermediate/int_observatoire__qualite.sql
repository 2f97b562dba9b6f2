-- Records behind each buyer's figures and the share excluded for quality, per buyer x period:
-- the current version of every contract record (int_marches__classified) except concessions
-- (out of the marchés' scope, not a quality problem), and those of them excluded (test
-- records, implausible or inconsistent dates: fct_marches_exclusions gives each reason).
{{ config(schema='intermediate', materialized='table', tags=['observatoire']) }}

with records as (
    select
        acheteur_id,
        date_notification,
        exclusion_reason is not null as exclu
    from {{ ref('int_marches__classified') }}
    where contract_kind is distinct from 'concession' and date_notification is not null
),

periodised as (
    select
        acheteur_id,
        'semestre' as period_type,
        {{ semester_of('date_notification') }} as period,
        exclu
    from records
    union all
    select
        acheteur_id,
        'annee' as period_type,
        cast(extract(year from date_notification) as varchar) as period,
        exclu
    from records
)

select
    acheteur_id,
    period_type,
    period,
    count(*) as n_enregistrements,
    count(*) filter (where exclu) as n_exclus_qualite
from periodised
group by acheteur_id, period_type, period
