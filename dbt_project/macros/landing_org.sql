{#- The organisation that feeds without an organisation column belong to: the one flagged
    landing_default in configuration file organisations.csv (one landing folder per organisation). -#}
{% macro landing_org_id() -%}
    (select o.org_id from {{ ref('organisations') }} as o where o.landing_default)
{%- endmacro %}
