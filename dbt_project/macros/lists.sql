{#- Helpers for the DECP multi-valued fields (considerations), which staging turns into
    '|'-delimited text (stg_decp__marches: *_liste columns): NULL stays NULL (the field is not
    given, e.g. the 2019 format), so a flag on it is NULL too (unknown, never "no"). -#}
{% macro list_has(column, value) -%}
    coalesce({{ delimited_contains(column, "'" ~ value ~ "'") }}, false)
{%- endmacro %}

{% macro list_has_any(column, values) -%}
    coalesce(
        {%- for v in values %}{{ delimited_contains(column, "'" ~ v ~ "'") }}{% if not loop.last %} or {% endif %}{% endfor -%},
        false
    )
{%- endmacro %}
