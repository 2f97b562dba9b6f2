-- Reference consumption (one year 2010-2019 per site, monthly per carrier). When the same
-- site, month and carrier come in several files, the rows of the latest file are kept.
with source as (
    {{ latest_delivered(
        source('energie', 'energie_reference'), 'trim(code_site), mois, lower(trim(energie))', whole_file=true
    ) }}
)

select
    {{ landing_org_id() }} as org_id,
    trim(code_site) as code_site,
    cast(annee_reference as integer) as annee_reference,
    cast(mois as integer) as mois,
    lower(trim(energie)) as energie,
    lower(trim(unite)) as unite,
    quantite,
    _source_file,
    _source_row
from source
