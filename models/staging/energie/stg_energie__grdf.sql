-- GRDF relevés: one period [date_debut, date_fin) and its energy in kWh PCS. A relevé sent
-- again (same meter and period) in a later file replaces the earlier one.
with source as (select * from {{ source('energie', 'energie_grdf') }}),

periods as (
    select
        *,
        coalesce(date_debut_releve, journee_gaziere) as date_debut,
        coalesce(date_fin_releve, journee_gaziere + 1) as date_fin
    from source
),

latest as (
    {{ latest_delivered('periods', 'pce, date_debut, date_fin') }}
)

select
    {{ landing_org_id() }} as org_id,
    trim(pce) as pce,
    date_debut,
    date_fin,
    energie_kwh_pcs,
    nature_releve,
    statut,
    frequence_releve,
    _source_file,
    _source_row
from latest
