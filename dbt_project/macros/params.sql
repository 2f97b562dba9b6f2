{#- One organisation parameter (threshold, label) from the spaser_parametres seed, so that
    thresholds live in configuration, never in SQL. `org_column` correlates on the org. -#}
{% macro param(org_column, name, cast_as='double precision') -%}
    (
        select cast(p.value as {{ cast_as }})
        from {{ ref('spaser_parametres') }} as p
        where p.org_id = {{ org_column }} and p.parameter = '{{ name }}'
    )
{%- endmacro %}
