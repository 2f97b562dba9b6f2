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

{#- The values of a '|'-delimited considerations list read through the seed
    decp_considerations_variantes (the calling model's CTE `variantes`): the official values they
    mean, '|'-joined in alphabetical order; with unmapped=true, the values found nowhere in the
    seed, as received. NULL when there are none. Compared lower-cased with accented capitals
    folded by translate(), so that PostgreSQL under any ctype folds them as DuckDB does. -#}
{% macro considerations_mapped(list_text, famille, unmapped=false) -%}
    (
        select string_agg(distinct {{ 'u.x' if unmapped else 'v.canonique' }}, '|'
            order by {{ 'u.x' if unmapped else 'v.canonique' }})
        from unnest({{ split_list(list_text) }}) as u (x)
        left join variantes as v
            on
                v.famille = '{{ famille }}'
                and v.valeur = translate(lower(u.x), 'ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ', 'àâäçéèêëîïôöùûü')
        where v.canonique is {{ 'null' if unmapped else 'not null' }}
    )
{%- endmacro %}
