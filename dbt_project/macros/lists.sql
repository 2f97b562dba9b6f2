{#- Helpers for the DECP multi-valued fields (considerations), which staging turns into
    '|'-delimited text (stg_decp__marches: *_liste columns): NULL stays NULL (the field is not
    given, e.g. the 2019 format), so a flag on it is NULL too (unknown, never "no"). -#}
{% macro list_has(column, value) -%}
    coalesce({{ delimited_contains(column, "'" ~ value ~ "'") }}, false)
{%- endmacro %}

{% macro list_has_any(column, values) -%}
    {%- set tests = [] %}
    {%- for v in values %}{% do tests.append(delimited_contains(column, "'" ~ v ~ "'")) %}{% endfor %}
    coalesce({{ tests | join(' or ') }}, false)
{%- endmacro %}
