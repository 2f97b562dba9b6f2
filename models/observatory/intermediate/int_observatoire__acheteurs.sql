-- Every buyer SIRET of the DECP (fct_marches, all buyers) with its département and kind from
-- the SIRENE extract: the establishment's commune gives the département, the legal unit's
-- legal category the kind (seed observatoire_categories_juridiques, longest prefix). A buyer
-- missing from the extract keeps no département and the kind 'inconnu'.
{{ config(schema='intermediate', materialized='table', tags=['observatoire']) }}

with buyers as (
    select distinct acheteur_id from {{ ref('fct_marches') }}
),

etablissements as (select * from {{ ref('stg_sirene__etablissements') }}),

unites_legales as (select * from {{ ref('stg_sirene__unites_legales') }}),

categories as (select * from {{ ref('observatoire_categories_juridiques') }}),

referenced as (
    select
        b.acheteur_id,
        e.siren,
        e.code_commune,
        u.categorie_juridique,
        coalesce(u.denomination, e.denomination_etablissement) as acheteur_nom,
        e.siret is not null as dans_sirene,
        case
            when e.code_commune is null or e.code_commune = '' then null
            when left(e.code_commune, 2) in ('97', '98') then left(e.code_commune, 3)
            else left(e.code_commune, 2)
        end as departement
    from buyers as b
    left join etablissements as e on b.acheteur_id = e.siret
    left join unites_legales as u on e.siren = u.siren
),

kinds as (
    select
        r.acheteur_id,
        c.type_acheteur
    from referenced as r
    inner join categories as c on starts_with(r.categorie_juridique, c.prefixe)
    qualify row_number() over (partition by r.acheteur_id order by length(c.prefixe) desc) = 1
)

select
    r.acheteur_id,
    r.acheteur_nom,
    r.siren,
    r.code_commune,
    r.departement,
    r.categorie_juridique,
    r.dans_sirene,
    case
        when not r.dans_sirene or r.categorie_juridique is null then 'inconnu'
        else coalesce(k.type_acheteur, 'autre')
    end as type_acheteur
from referenced as r
left join kinds as k on r.acheteur_id = k.acheteur_id
