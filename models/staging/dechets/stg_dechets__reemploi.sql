-- Auction sales and second-hand purchases, typed at ingest; the operation type normalised.
with source_table as (select * from {{ source('dechets', 'dechets_reemploi') }}),

source as (
    select
        *,
        lower({{ strip_accents('trim(type_operation)') }}) as type_normalise
    from source_table
)

select
    trim(reference) as reference,
    type_operation as type_operation_source,
    case
        when type_normalise in ('vente_encheres', 'vente aux encheres', 'enchere', 'encheres') then 'vente_encheres'
        when type_normalise in ('achat_seconde_main', 'achat de seconde main', 'seconde main')
            then 'achat_seconde_main'
    end as type_operation,
    date_operation,
    objet,
    categorie,
    plateforme_ou_fournisseur,
    montant_eur,
    prix_neuf_estime_eur,
    tonnes_evitees_t,
    nullif(trim(id_marche), '') as id_marche,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source
