-- Monthly consumption per site and carrier (invoices, OSFi, delivery notes). When the same
-- site, month and carrier come in several files, the rows of the latest file are kept.
with source as (select * from {{ source('energie', 'energie_consommations') }}),

ranked as (
    select
        *,
        {{ delivery_rank('trim(code_site), mois, lower(trim(energie))', whole_file=true) }} as file_rank
    from source
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
from ranked
where file_rank = 1
