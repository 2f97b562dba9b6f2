-- One row per contract x titulaire of fct_marches (organisation contracts), with the share of
-- the amount at notification attributed to the titulaire and its classification.
-- Amount rule: montant_initial (amount at notification) split evenly across the contract's
-- titulaires (DECP gives no split of a groupement); NULL when the amount is implausible.
-- Matching: the titulaire's SIRET in dim_fournisseurs, else its SIREN (from the SIRET, or from a
-- French VAT number FRkk+SIREN) in dim_fournisseurs_par_siren; unmatched titulaires are
-- unknown (est_classe false), never "no".
with holder_ids as (
    select
        c.org_id,
        c.contrat_key,
        c.semestre,
        c.date_notification,
        c.montant_initial,
        c.montant_plausible,
        count(*) over (partition by c.contrat_key) as nombre_titulaires,
        t.titulaire_id,
        coalesce(t.type_identifiant, 'SIRET') as type_identifiant
    from {{ ref('fct_marches') }} as c
    -- the titulaires of the DECP record retained for the contract (none: no row)
    inner join {{ ref('stg_decp__titulaires') }} as t
        on
            c.contrat_key = t.contrat_key
            and c._source_file = t._source_file
            and c._source_row = t._source_row
    where c.org_id is not null
),

flat as (
    select
        i.*,
        case when {{ regexp_like('i.titulaire_id', "'^[0-9]{14}$'") }} then i.titulaire_id end as siret,
        case
            when {{ regexp_like('i.titulaire_id', "'^[0-9]{14}$'") }} then left(i.titulaire_id, 9)
            when {{ regexp_like('i.titulaire_id', "'^FR[0-9A-Z]{2}[0-9]{9}$'") }} then right(i.titulaire_id, 9)
            when {{ regexp_like('i.titulaire_id', "'^[0-9]{9}$'") }} then i.titulaire_id
        end as siren
    from holder_ids as i
),

by_siret as (
    select * from {{ ref('dim_fournisseurs') }}
    where niveau = 'siret'
),

by_siren as (select * from {{ ref('dim_fournisseurs_par_siren') }}),

matched as (
    select
        f.*,
        case
            when s.identifiant is not null then 'siret'
            when n.siren is not null then 'siren'
        end as niveau_rapprochement,
        {{ supplier_attributes() }}
    from flat as f
    left join by_siret as s on f.siret = s.siret
    left join by_siren as n on f.siren = n.siren
)

select
    org_id,
    contrat_key,
    semestre,
    date_notification,
    titulaire_id,
    type_identifiant,
    siret,
    siren,
    nombre_titulaires,
    montant_initial,
    case when montant_plausible then montant_initial / nombre_titulaires end as montant_part,
    niveau_rapprochement,
    niveau_rapprochement is not null as est_classe,
    categorie_entreprise,
    is_ess,
    is_siae,
    is_secteur_protege_adapte,
    types_structure,
    case
        when niveau_rapprochement is null then null
        when categorie_entreprise in ('TPE', 'PME') or is_ess or is_siae then true
        when categorie_entreprise in ('ETI', 'GE') and is_ess = false then false
    end as dep3_eligible
from matched
