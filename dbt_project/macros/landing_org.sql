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
