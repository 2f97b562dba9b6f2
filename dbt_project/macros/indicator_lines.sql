{#- The readable `flags` text of an indicator line (int_<feed>__indicateur_lignes): the fields
    the line was judged on, as 'name=value; name=value', an unknown value shown as 'inconnu'.
    `fields` is a list of (name, SQL expression) or (name, SQL expression, 'number'): a number
    (double) is written by double_to_text, so that the text is the same on DuckDB and
    PostgreSQL; other values (text, integers, dates, booleans) are cast to text. -#}
{% macro line_flags(fields) -%}
    {%- for field in fields -%}
        {%- set name, expression = field[0], field[1] -%}
        {%- if field | length > 2 and field[2] == 'number' -%}
            {%- set as_text = double_to_text('cast(' ~ expression ~ ' as double precision)') -%}
        {%- else -%}
            {%- set as_text = 'cast(' ~ expression ~ ' as varchar)' -%}
        {%- endif -%}
        '{{ "; " if not loop.first }}{{ name }}=' || coalesce({{ as_text }}, 'inconnu')
        {%- if not loop.last %} || {% endif -%}
    {%- endfor -%}
{%- endmacro %}
