-- One row per road-work site (last line received wins): aggregates saved (IMP-4). When the
-- site does not declare the tonnes of new aggregates saved, the recycled or reused tonnage
-- times the substitution factor (configuration file spaser_parametres.csv) is used.
with sites as (
    select
        *,
        {{ delivery_rank('chantier_id') }} as version_rank
    from {{ ref('stg_dechets__granulats') }}
),

current_sites as (
    select
        *,
        {{ landing_org_id() }} as org_id
    from sites
    where version_rank = 1
)

select
    chantier_id,
    org_id,
    date_fin,
    {{ semester_and_year('date_fin') }},
    commune_insee,
    siret_acheteur,
    id_marche,
    type_materiau,
    tonnage_total_t,
    tonnage_recycle_ou_reemploye_t,
    tonnage_granulats_neufs_evites_t,
    coalesce(
        tonnage_granulats_neufs_evites_t,
        tonnage_recycle_ou_reemploye_t * {{ param('s.org_id', 'granulats_facteur_substitution') }}
    ) as granulats_economises_t,
    case
        when tonnage_granulats_neufs_evites_t is not null then 'déclaré'
        when tonnage_recycle_ou_reemploye_t is not null then 'tonnage recyclé x facteur de substitution'
    end as methode_economie,
    methode_calcul,
    source_piece,
    case
        when tonnage_granulats_neufs_evites_t is null and tonnage_recycle_ou_reemploye_t is null
            then 'ni tonnes évitées ni tonnage recyclé déclarés'
        when tonnage_recycle_ou_reemploye_t < 0 or tonnage_granulats_neufs_evites_t < 0 then 'tonnage négatif'
        when tonnage_recycle_ou_reemploye_t > tonnage_total_t
            then 'tonnage recyclé ou réemployé supérieur au tonnage total du chantier'
    end as exclusion_reason,
    _source_file,
    _source_row
from current_sites as s
