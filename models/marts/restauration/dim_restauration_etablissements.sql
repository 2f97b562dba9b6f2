-- The organisation's catering establishments: one row per SIRET, the last file (by name) and
-- line win when an establishment is listed twice.
with listed as (
    select
        *,
        row_number() over (
            partition by org_id, siret
            order by _source_file desc, _source_row desc
        ) as rang
    from {{ ref('stg_restauration__etablissements') }}
)

select
    org_id,
    siret,
    nom,
    type_etablissement,
    type_etablissement = 'college' as est_college,
    uai,
    commune,
    _source_file,
    _source_row
from listed
where rang = 1
