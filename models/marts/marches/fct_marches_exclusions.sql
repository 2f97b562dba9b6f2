-- Every DECP record that does not count as a contract in fct_marches, with the reason:
-- superseded versions and duplicates (kept in the current version), test records,
-- out-of-scope records. Auditors start here when a contract seems to be missing.
with superseded as (
    select * from {{ ref('int_marches__versions_ranked') }}
    where version_rank > 1
),

records as (select * from {{ ref('stg_decp__marches') }}),

classified as (select * from {{ ref('int_marches__classified') }})

select
    v.contrat_key,
    s.acheteur_id,
    s.marche_id,
    s.date_notification,
    'version remplacée ou doublon' as exclusion_reason,
    v._source_file,
    v._source_row,
    v._source_sha256,
    c._source_file as retained_source_file,
    c._source_row as retained_source_row
from superseded as v
inner join records as s
    on
        v._source_file = s._source_file
        and v._source_row = s._source_row
        and v.record_path = s.record_path
inner join classified as c on v.contrat_key = c.contrat_key

union all

select
    contrat_key,
    acheteur_id,
    marche_id,
    date_notification,
    exclusion_reason,
    _source_file,
    _source_row,
    _source_sha256,
    null as retained_source_file,
    null as retained_source_row
from classified
where exclusion_reason is not null
