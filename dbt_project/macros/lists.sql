{#- List helpers for the DECP multi-valued fields (considerations, techniques). Kept in one place
    so that another adapter only needs its own implementation here. -#}
{% macro list_has(column, value) -%}
    coalesce(list_contains({{ column }}, '{{ value }}'), false)
{%- endmacro %}

{% macro list_has_any(column, values) -%}
    coalesce(list_has_any({{ column }}, [{% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %}]), false)
{%- endmacro %}
