{#- The organisation a row of a feed without an organisation column belongs to: the one whose
    landing folder held its file. Files of `landing/organisations/<org_id>/<feed>/` are keyed
    `<org_id>/<file>` (orchestration/configuration: landing_roots); files of the shared
    `landing/<feed>/` belong to the organisation flagged landing_default in organisations.csv. -#}
{% macro landing_org_id(source_file='_source_file') -%}
    case
        when {{ dbt.position("'/'", source_file) }} > 0 then {{ dbt.split_part(source_file, "'/'", 1) }}
        else (select o.org_id from {{ ref('organisations') }} as o where o.landing_default)
    end
{%- endmacro %}

{#- The part of a file key that names another organisation's landing folder ('' for the shared
    one): versions of a row are ranked within one organisation's deliveries, never across. -#}
{% macro landing_prefix(source_file='_source_file') -%}
    case when {{ dbt.position("'/'", source_file) }} > 0 then {{ dbt.split_part(source_file, "'/'", 1) }} else '' end
{%- endmacro %}

{#- A row's rank among the deliveries of the same `key` (SQL) in its landing folder: 1 for the
    one the latest delivery keeps (the last file loaded, then its last row); with whole_file,
    every row of the latest file ranks 1 (a file replaces all the rows it repeats). -#}
{% macro delivery_rank(key, whole_file=false) -%}
    {{ 'dense_rank' if whole_file else 'row_number' }}() over (
        partition by {{ landing_prefix() }}, {{ key }}
        order by _ingested_at desc, _source_file desc{% if not whole_file %}, _source_row desc{% endif %}
    )
{%- endmacro %}

{#- The rows of `relation` that the latest delivery keeps per `key` (delivery_rank 1), with
    their rank as the column delivery_rank. -#}
{% macro latest_delivered(relation, key, whole_file=false) -%}
    select *
    from (
        select
            *,
            {{ delivery_rank(key, whole_file) }} as delivery_rank
        from {{ relation }}
    ) as ranked
    where delivery_rank = 1
{%- endmacro %}
