-- CEE dossiers from the register: valued financially when a valuation date and a positive
-- amount are known.
select
    org_id,
    reference_cee,
    date_extraction,
    code_site,
    operation,
    fiche_standardisee,
    volume_kwh_cumac,
    date_depot,
    date_valorisation,
    montant_eur,
    date_valorisation is not null and coalesce(montant_eur, 0) > 0 as is_valorise,
    _source_file,
    _source_row
from {{ ref('stg_energie__cee') }}
