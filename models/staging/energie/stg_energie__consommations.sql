-- Monthly consumption per site and carrier (invoices, OSFi, delivery notes). When the same
-- site, month and carrier come in several files, the rows of the latest file are kept.
with source as (
    {{ latest_delivered(
        source('energie', 'energie_consommations'), 'trim(code_site), mois, lower(trim(energie))', whole_file=true
    ) }}
)

select
    {{ landing_org_id() }} as org_id,
    trim(code_site) as code_site,
    cast(mois || '-01' as date) as mois,
    lower(trim(energie)) as energie,
    lower(trim(unite)) as unite,
    quantite,
    coalesce(source, 'fichier de consommations') as origine,
    _source_file,
    _source_row
from source
