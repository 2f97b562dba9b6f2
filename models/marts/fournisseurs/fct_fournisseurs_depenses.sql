-- Spend by supplier for DEP-2: the titulaires' shares of the organisation's contracts
-- (fct_fournisseurs_attributions, dated by notification) and the purchase lines of the
-- centrales d'achat whose supplier SIRET is given (fct_centrales_achats, dated by their
-- reported period), each with its supplier classification (SIRET, else SIREN match).
with centrale_lines as (
    select * from {{ ref('fct_centrales_achats') }}
    where org_id is not null and siret_fournisseur is not null
),

by_siret as (
    select * from {{ ref('dim_fournisseurs') }}
    where niveau = 'siret'
),

by_siren as (select * from {{ ref('dim_fournisseurs_par_siren') }})

select
    org_id,
    'marche' as origine,
    contrat_key as reference,
    titulaire_id as fournisseur_id,
    date_notification as date_debut,
    date_notification as date_fin,
    montant_part as montant_ht,
    est_classe,
    coalesce(is_secteur_protege_adapte, false) as is_secteur_protege_adapte,
    types_structure
from {{ ref('fct_fournisseurs_attributions') }}
where montant_part is not null

union all

select
    l.org_id,
    'centrale' as origine,
    l.centrale || '|' || l._source_file || '|' || cast(l._source_row as varchar) as reference,
    l.siret_fournisseur as fournisseur_id,
    l.periode_debut as date_debut,
    l.periode_fin as date_fin,
    l.montant_ht,
    s.identifiant is not null or n.siren is not null as est_classe,
    coalesce(
        {{ supplier_attribute('is_secteur_protege_adapte') }},
        false
    ) as is_secteur_protege_adapte,
    {{ supplier_attribute('types_structure') }} as types_structure
from centrale_lines as l
left join by_siret as s on l.siret_fournisseur = s.siret
left join by_siren as n on left(l.siret_fournisseur, 9) = n.siren
