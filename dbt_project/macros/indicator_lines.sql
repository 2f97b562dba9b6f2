{#- The readable `flags` text of an indicator line (int_<feed>__indicateur_lignes): the fields
    the line was judged on, as 'name=value; name=value', an unknown value shown as 'inconnu'.
    `fields` is a list of (name, SQL expression). Portable SQL (DuckDB and PostgreSQL). -#}
{% macro line_flags(fields) -%}
    {%- for name, expression in fields -%}
        '{{ "; " if not loop.first }}{{ name }}=' || coalesce(cast({{ expression }} as varchar), 'inconnu')
        {%- if not loop.last %} || {% endif -%}
    {%- endfor -%}
{%- endmacro %}
