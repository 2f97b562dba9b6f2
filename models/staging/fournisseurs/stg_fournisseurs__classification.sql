-- The buyer's supplier classification: identifier (SIRET or SIREN), company category
-- normalised to TPE | PME | ETI | GE (anything else is unknown), ESS flag, structure type.
with source as (select * from {{ source('fournisseurs', 'fournisseurs_classification') }})

select
    siret as identifiant,
    case when length(siret) = 14 then siret end as siret,
    left(siret, 9) as siren,
    raison_sociale,
    case
        when upper(trim(categorie_entreprise)) in ('TPE', 'PME', 'ETI', 'GE') then upper(trim(categorie_entreprise))
    end as categorie_entreprise,
    categorie_entreprise as categorie_entreprise_source,
    ess,
    nullif(upper(trim(type_structure)), '') as type_structure,
    source,
    date_mise_a_jour,
    _source_file,
    _source_row,
    _ingested_at
from source
