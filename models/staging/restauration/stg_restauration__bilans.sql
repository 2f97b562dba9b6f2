-- ma-cantine bilans (EUR HT). The current import names the EGALim parts
-- valeur_externalites_performance and valeur_egalim_autres, the older one
-- valeur_environnemental and valeur_autres_egalim; an optional part left empty counts 0, as
-- ma-cantine does. Bio and SIQO are required by both schemas (empty lines are in quarantine).
with source as (select * from {{ source('restauration', 'restauration_bilans') }}),

mapped as (
    select
        {{ siret_compact('siret') }} as siret,
        nullif(trim(nom), '') as nom,
        annee_bilan as annee,
        valeur_totale as valeur_totale_ht,
        valeur_bio as valeur_bio_ht,
        valeur_siqo as valeur_siqo_ht,
        coalesce(valeur_externalites_performance, valeur_environnemental, 0) as valeur_externalites_ht,
        coalesce(valeur_egalim_autres, valeur_autres_egalim, 0) as valeur_autres_egalim_ht,
        _source_file,
        _source_sha256,
        _source_row,
        _ingested_at
    from source
)

select
    *,
    valeur_bio_ht + valeur_siqo_ht + valeur_externalites_ht + valeur_autres_egalim_ht
        as valeur_durable_qualite_ht
from mapped
