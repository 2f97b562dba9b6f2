-- Every received version of every contract, ranked: the current version is the one after
-- the latest modification; ties (the same record in several files) go to the most
-- recently published record, then to the last file loaded.
with versions as (
    select * from {{ ref('stg_decp__marches') }}
)

select
    *,
    row_number() over (
        partition by contrat_key
        order by
            nombre_modifications desc,
            date_derniere_modification desc nulls last,
            date_publication_donnees desc nulls last,
            _source_file desc,
            _source_row desc
    ) as version_rank,
    count(*) over (partition by contrat_key) as nombre_versions_recues
from versions
