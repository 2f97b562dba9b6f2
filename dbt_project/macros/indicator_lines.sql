{#- The readable `flags` text of an indicator line (fct_<feed>_indicateur_lignes): the fields
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

{#- One select of a fct_<feed>_indicateur_lignes model, in the columns every one has (the
    lineage contract that fct_indicateur_lignes unions; see docs/auditeurs.md): the period of
    `periods` (a table alias, or none for the relation's own columns), then the line's values
    as SQL expressions. The caller writes the `from`. `sources` and `secondary` are the (file,
    row) of the source row and of a second one used (none: NULL); `in_scope` adds that column
    (insertion: its lines also list the rows out of scope). -#}
{% macro indicator_line(
    indicator_id, record_key, measure, unit, in_denominator, in_numerator, numerator_value,
    denominator_value='cast(null as double precision)', value_contribution='cast(null as double precision)',
    flags='flags', sources=('source_file', 'source_row'), secondary=none, periods=none, in_scope=none
) -%}
    {%- set p = periods ~ '.' if periods else '' -%}
    {%- set secondary = secondary or ('cast(null as varchar)', 'cast(null as bigint)') -%}
    select
        {{ p }}org_id,
        {{ p }}period_type,
        {{ p }}period,
        {{ indicator_id }} as indicator_id,
        {{ record_key }} as record_key,
        {{ measure }} as measure,
        {{ unit }} as unit,
        {{ (in_scope ~ ' as in_scope, ') if in_scope }}{{ in_denominator }} as in_denominator,
        {{ in_numerator }} as in_numerator,
        {{ numerator_value }} as numerator_value,
        {{ denominator_value }} as denominator_value,
        {{ value_contribution }} as value_contribution,
        {{ flags }} as flags,
        {{ sources[0] }} as source_file,
        {{ sources[1] }} as source_row,
        {{ secondary[0] }} as secondary_source_file,
        {{ secondary[1] }} as secondary_source_row
{%- endmacro %}
