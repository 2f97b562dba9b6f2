{#- The semester (YYYY-S1|S2) a date falls in. -#}
{% macro semester_of(date) -%}
    cast(extract(year from {{ date }}) as varchar)
    || '-S' || case when extract(month from {{ date }}) <= 6 then '1' else '2' end
{%- endmacro %}

{#- The semester and the calendar year a fact counts in, from its date: columns semestre, annee. -#}
{% macro semester_and_year(date) -%}
    {{ semester_of(date) }} as semestre,
    extract(year from {{ date }}) as annee
{%- endmacro %}

{#- The last semester to compute (YYYY-S1|S2): the environment variable SPASER_SEMESTER, which
    the pipeline sets from the partition (orchestration/dbt.py, dbt_env). An environment
    variable, not a dbt var: a var that changes makes dbt parse the whole project again (~3 s).
    It is read at run time only (`execute`): the SQL is compiled when each node runs, while an
    env_var() read during parsing makes dbt parse the models that use it again whenever its value
    changes (0.4 s a semester, docs/performance.md). With `required`, building without it is a
    compile error, never a guess from the data. -#}
{% macro build_semester(required=false) -%}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set semester = env_var('SPASER_SEMESTER', '') -%}
    {%- if required and not semester -%}
        {{ exceptions.raise_compiler_error(
            "the semester to compute up to is missing: SPASER_SEMESTER=2026-S1 dbt build ...") }}
    {%- endif -%}
    {{- return(semester) -}}
{%- endmacro %}
