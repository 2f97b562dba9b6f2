-- One row per auction sale or second-hand purchase (last line received wins), with its
-- financial gain (BES-7): the sale price for an auction; the estimated new price minus the
-- price paid for a second-hand purchase (unknown without the estimated new price).
with operations as (
    select
        *,
        {{ delivery_rank('reference') }} as version_rank
    from {{ ref('stg_dechets__reemploi') }}
)

select
    reference,
    {{ landing_org_id() }} as org_id,
    type_operation,
    type_operation_source,
    date_operation,
    {{ semester_and_year('date_operation') }},
    objet,
    categorie,
    plateforme_ou_fournisseur,
    montant_eur,
    prix_neuf_estime_eur,
    case
        when type_operation = 'vente_encheres' then montant_eur
        when type_operation = 'achat_seconde_main' then greatest(prix_neuf_estime_eur - montant_eur, 0)
    end as gain_eur,
    tonnes_evitees_t,
    id_marche,
    case
        when type_operation is null then 'type d''opération ni vente aux enchères ni achat de seconde main'
        when montant_eur < 0 then 'montant négatif'
        when type_operation = 'achat_seconde_main' and prix_neuf_estime_eur is null
            then 'gain inconnu: prix neuf estimé non renseigné'
    end as exclusion_reason,
    _source_file,
    _source_row
from operations
where version_rank = 1
