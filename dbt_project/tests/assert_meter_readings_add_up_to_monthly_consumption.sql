-- The meter rows of int_energie__releves_lignes (the drill-down of IMP-6 to the Enedis and
-- GRDF files) add up to the monthly meter consumption of int_energie__releves_mensuels, for
-- every meter, month and unit (one millionth of tolerance for the sums of doubles). Meters
-- attributed to no site of the register are in neither.
with monthly as (
    select distinct
        origine,
        mois,
        unite,
        quantite
    from {{ ref('int_energie__releves_mensuels') }}
),

readings as (
    select
        origine,
        mois,
        unite,
        sum(quantite) as quantite
    from {{ ref('int_energie__releves_lignes') }}
    where origine in (select m.origine from monthly as m)
    group by origine, mois, unite
)

select
    coalesce(m.origine, r.origine) as origine,
    coalesce(m.mois, r.mois) as mois,
    coalesce(m.unite, r.unite) as unite,
    m.quantite as quantite_mensuelle,
    r.quantite as quantite_des_releves
from monthly as m
full outer join readings as r
    on m.origine = r.origine and m.mois = r.mois and m.unite = r.unite
where
    m.origine is null
    or r.origine is null
    or abs(m.quantite - r.quantite) > 0.000001 * greatest(1, abs(m.quantite))
