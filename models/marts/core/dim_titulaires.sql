-- Suppliers (titulaires) of the contracts in fct_marches.
with holders as (
    select
        m.contrat_key,
        m.date_notification,
        m.montant,
        m.montant_plausible,
        unnest(m.titulaires) as t
    from {{ ref('fct_marches') }} as m
    where m.titulaires is not null
)

select
    t.id as titulaire_id,
    coalesce(arg_max(t.type_identifiant, holders.date_notification), 'inconnu') as type_identifiant,
    arg_max(t.denomination_sociale, holders.date_notification)
    filter (where t.denomination_sociale is not null) as denomination_sociale,
    case when length(t.id) = 14 then left(t.id, 9) end as siren,
    {{ siret_is_valid('t.id') }} as siret_valide,
    count(distinct holders.contrat_key) as nombre_marches,
    sum(holders.montant) filter (where holders.montant_plausible) as montant_total,
    min(holders.date_notification) as premiere_notification,
    max(holders.date_notification) as derniere_notification
from holders
group by t.id
