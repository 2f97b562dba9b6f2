-- Suppliers (titulaires) of the contracts in fct_marches.
with holders as (
    select
        m.contrat_key,
        m.date_notification,
        m.montant,
        m.montant_plausible,
        t.titulaire_id,
        t.type_identifiant,
        t.denomination_sociale
    from {{ ref('fct_marches') }} as m
    -- the titulaires of the DECP record retained for the contract
    inner join {{ ref('stg_decp__titulaires') }} as t
        on
            m.contrat_key = t.contrat_key
            and m._source_file = t._source_file
            and m._source_row = t._source_row
)

select
    titulaire_id,
    coalesce({{ arg_max('type_identifiant', 'date_notification') }}, 'inconnu') as type_identifiant,
    {{ arg_max('denomination_sociale', 'date_notification', where='denomination_sociale is not null') }}
        as denomination_sociale,
    case when length(titulaire_id) = 14 then left(titulaire_id, 9) end as siren,
    {{ siret_is_valid('titulaire_id') }} as siret_valide,
    count(distinct contrat_key) as nombre_marches,
    {{ exact_sum('montant', where="montant_plausible") }} as montant_total,
    min(date_notification) as premiere_notification,
    max(date_notification) as derniere_notification
from holders
group by titulaire_id
