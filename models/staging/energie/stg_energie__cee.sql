-- CEE register: the latest delivered row of each dossier.
with source as (
    {{ latest_delivered(source('energie', 'energie_cee'), 'reference_cee') }}
)

select
    {{ landing_org_id() }} as org_id,
    trim(reference_cee) as reference_cee,
    date_extraction,
    trim(code_site) as code_site,
    operation,
    upper(trim(fiche_standardisee)) as fiche_standardisee,
    volume_kwh_cumac,
    date_depot,
    date_valorisation,
    montant_eur,
    oblige,
    _source_file,
    _source_row
from source
