-- marts.dim_titulaires with the supplier classification: one row per titulaire, matched on
-- its SIRET, else on its SIREN; unmatched titulaires keep NULL attributes (unknown).
with titulaires as (select * from {{ ref('dim_titulaires') }}),

by_siret as (
    select * from {{ ref('dim_fournisseurs') }}
    where niveau = 'siret'
),

by_siren as (select * from {{ ref('dim_fournisseurs_par_siren') }}),

keyed as (
    select
        t.*,
        case
            when {{ regexp_like('t.titulaire_id', "'^[0-9]{14}$'") }} then left(t.titulaire_id, 9)
            when {{ regexp_like('t.titulaire_id', "'^FR[0-9A-Z]{2}[0-9]{9}$'") }} then right(t.titulaire_id, 9)
        end as siren_rapprochement
    from titulaires as t
)

select
    k.titulaire_id,
    k.type_identifiant,
    k.denomination_sociale,
    k.siren,
    k.siret_valide,
    k.nombre_marches,
    k.montant_total,
    case
        when s.identifiant is not null then 'siret'
        when n.siren is not null then 'siren'
    end as niveau_rapprochement,
    coalesce(s.raison_sociale, k.denomination_sociale) as raison_sociale,
    {{ supplier_attributes() }}
from keyed as k
left join by_siret as s on k.titulaire_id = s.siret
left join by_siren as n on k.siren_rapprochement = n.siren
