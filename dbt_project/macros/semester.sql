{#- The semester (YYYY-S1|S2) a date falls in. -#}
{% macro semester_of(date) -%}
    cast(extract(year from {{ date }}) as varchar)
    || '-S' || case when extract(month from {{ date }}) <= 6 then '1' else '2' end
{%- endmacro %}
