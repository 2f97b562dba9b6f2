-- Purchase lines of the centrales, typed at ingest and mapped onto the feed's contract by
-- configuration file centrales_colonnes.csv; here only trimmed and renamed.
with source as (select * from {{ source('centrales', 'centrales_achats') }})

select
    upper(trim(centrale)) as centrale,
    nullif(trim(reference_ligne), '') as reference_ligne,
    date_achat,
    periode_source,
    periode_debut,
    periode_fin,
    {{ siret_compact('siret_acheteur') }} as siret_acheteur,
    montant_ht,
    nullif(trim(categorie), '') as categorie,
    nullif(trim(type_produit_agec58), '') as type_produit_agec58,
    consideration_environnementale_source,
    consideration_environnementale,
    heures_insertion,
    montant_reemploi_ht,
    montant_recycle_ht,
    {{ siret_compact('siret_fournisseur') }} as siret_fournisseur,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
