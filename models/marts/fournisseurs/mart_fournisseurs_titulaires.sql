-- marts.dim_titulaires with the supplier classification: one row per titulaire, matched on
-- its SIRET, else on its SIREN; unmatched titulaires keep NULL attributes (unknown).
with titulaires as (
    select * from {{ ref('dim_titulaires') }}
),

by_siret as (
    select * from {{ ref('dim_fournisseurs') }}
    where niveau = 'siret'
),

by_siren as (
    select * from {{ ref('int_fournisseurs__par_siren') }}
),

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
    case when s.identifiant is not null then s.categorie_entreprise else n.categorie_entreprise end
        as categorie_entreprise,
    case when s.identifiant is not null then s.is_ess else n.is_ess end as is_ess,
    case when s.identifiant is not null then s.is_siae else n.is_siae end as is_siae,
    case when s.identifiant is not null then s.is_secteur_protege_adapte else n.is_secteur_protege_adapte end
        as is_secteur_protege_adapte,
    case when s.identifiant is not null then s.types_structure else n.types_structure end as types_structure
from keyed as k
left join by_siret as s on k.titulaire_id = s.siret
left join by_siren as n on k.siren_rapprochement = n.siren
