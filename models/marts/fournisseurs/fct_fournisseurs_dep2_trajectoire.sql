-- DEP-2 against its yearly trajectory (seeds/fournisseurs_trajectoire_dep2: one target in EUR
-- per organisation and year): one row per organisation x calendar year reported. atteint is
-- NULL when the year has no target or DEP-2 is not available; a year still in progress is
-- flagged (is_complete false).
with measured as (
    select * from {{ ref('fct_fournisseurs_indicateurs') }}
    where indicator_id = 'DEP-2' and period_type = 'annee'
),

periods as (
    select * from {{ ref('int_periodes') }}
    where period_type = 'annee'
),

targets as (select * from {{ ref('fournisseurs_trajectoire_dep2') }})

select
    m.org_id,
    p.year as annee,
    p.is_complete,
    m.is_available,
    m.value as montant_stpa_eur,
    t.cible_eur,
    case when m.is_available and t.cible_eur is not null then m.value - t.cible_eur end as ecart_eur,
    case when m.is_available and t.cible_eur is not null then m.value >= t.cible_eur end as atteint,
    t.source as source_cible,
    m.unavailable_reason
from measured as m
inner join periods as p on m.org_id = p.org_id and m.period = p.period
left join targets as t on m.org_id = t.org_id and p.year = t.annee
