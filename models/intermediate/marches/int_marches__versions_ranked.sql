-- Every received version of every contract, ranked: the current version is the one after
-- the latest modification; ties (the same record in several files) go to the most
-- recently published record, then to the last file loaded. One row per record of
-- stg_decp__marches, identified by (_source_file, _source_row, record_path): the ranks only,
-- the record's columns are read from stg_decp__marches by whoever needs them.
--
-- [performance, issue 15] Narrow: writing the record's ~45 columns again for each of the 1.66
-- million records received was two thirds of this model's CPU, and int_marches__classified
-- wrote the current versions' columns once more (docs/performance.md, session 18).
--
-- Incremental (issue 5): a new DECP file re-ranks only the contracts it touches. The files
-- whose content (_source_sha256) is new, replaced or gone since the last build are compared
-- with the raw table; the contracts with a row in them, before or after, get all their
-- versions ranked again (delete+insert on contrat_key). The post-hook drops the versions of
-- files no longer in raw (a contract that a corrected file no longer lists).
{{ incremental_by_contract(
    "delete from {{ this }} as built where not exists (
        select 1 from {{ source('decp', 'decp_marches') }} as s
        where s._source_file = built._source_file and s._source_sha256 = built._source_sha256)"
) }}

with

{% if is_incremental() %}

    received_files as (
        select distinct
            _source_file,
            _source_sha256
        from {{ source('decp', 'decp_marches') }}
    ),

    ranked_files as (
        select distinct
            _source_file,
            _source_sha256
        from {{ this }}
    ),

    new_files as (
        select * from received_files
        except
        select * from ranked_files
    ),

    gone_files as (
        select * from ranked_files
        except
        select * from received_files
    ),

    changed_files as (
        select * from new_files
        union
        select * from gone_files
    ),

    touched_contracts as (
        select {{ contrat_key('s.acheteur_id', 's.id') }} as contrat_key
        from {{ source('decp', 'decp_marches') }} as s
        inner join changed_files as f
            on s._source_file = f._source_file and s._source_sha256 = f._source_sha256
        union
        select r.contrat_key
        from {{ this }} as r
        inner join changed_files as f
            on r._source_file = f._source_file and r._source_sha256 = f._source_sha256
    ),

    versions as (
        select v.*
        from {{ ref('stg_decp__marches') }} as v
        inner join touched_contracts as t on v.contrat_key = t.contrat_key
    )

{% else %}

    versions as (
        select * from {{ ref('stg_decp__marches') }}
    )

{% endif %}

{#- The versions' order: the current one first. -#}
{%- set ranking -%}
    partition by contrat_key
    order by
        nombre_modifications desc,
        date_derniere_modification desc nulls last,
        date_publication_donnees desc nulls last,
        _source_file desc,
        _source_row desc,
        record_path desc
{%- endset %}

select
    contrat_key,
    _source_file,
    _source_sha256,
    _source_row,
    record_path,
    row_number() over ({{ ranking }}) as version_rank,
    count(*) over (partition by contrat_key) as nombre_versions_recues
from versions
