-- The supplier classification at company level (SIREN), for titulaires whose SIRET is not
-- classified but whose company is: size and ESS are company attributes; a SIAE or protected
-- work (EA/ESAT) establishment makes its company count as one (documented rule).
select
    siren,
    count(*) as identifiants_classes,
    max(categorie_entreprise) filter (where categorie_entreprise is not null) as categorie_entreprise,
    bool_or(is_ess) as is_ess,
    bool_or(is_siae) as is_siae,
    bool_or(is_secteur_protege_adapte) as is_secteur_protege_adapte,
    string_agg(distinct types_structure, '|') as types_structure
from {{ ref('dim_fournisseurs') }}
group by siren
