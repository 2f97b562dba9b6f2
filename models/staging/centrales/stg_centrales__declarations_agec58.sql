-- AGEC art. 58 declarations as filed (official data.gouv.fr schema v0.1.0).
with source as (select * from {{ source('centrales', 'centrales_declarations_agec58') }})

select
    cast(annee as integer) as annee,
    trim(siret) as siret,
    raison_sociale,
    trim(type_produit_acquis) as type_produit_agec58,
    montant_total,
    montant_reemploi_et_reutilisation,
    montant_produits_issus_don,
    montant_produits_recycles,
    commentaires,
    _source_file,
    _source_row,
    _ingested_at
from source
