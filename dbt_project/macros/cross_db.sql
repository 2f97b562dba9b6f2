{#- Cross-database helpers: the same models build on DuckDB (the embedded default) and on
    PostgreSQL (target `postgres`). Each macro dispatches to `duckdb__` (kept as the SQL the
    models always used, so DuckDB results do not move) and `postgres__`; `default__` is the
    standard-SQL version where one exists. Prefer dbt's own cross-database macros (dbt.dateadd,
    dbt.datediff, dbt.position, ...) and standard SQL; add a macro here only when neither fits.
    Nested raw columns (DuckDB LIST/STRUCT, jsonb in PostgreSQL) are flattened by the
    list_elements/struct_field macros in staging models only (list_to_text also writes the
    considerations of fct_marches into the auditors' flags). Lists computed in SQL are DuckDB
    lists; in PostgreSQL arrays within a query and jsonb once stored (list_column). -#}


{#- value matches the regular expression anywhere (search, not full match) -#}
{% macro regexp_like(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_like')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(value, pattern) -%}
    regexp_like({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro duckdb__regexp_like(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__regexp_like(value, pattern) -%}
    ({{ value }} ~ {{ pattern }})
{%- endmacro %}


{#- first capture group of pattern in value, '' when it does not match, NULL for NULL (DuckDB
    semantics) -#}
{% macro regexp_extract(value, pattern, group=1) -%}
    {{ return(adapter.dispatch('regexp_extract')(value, pattern, group)) }}
{%- endmacro %}

{% macro duckdb__regexp_extract(value, pattern, group=1) -%}
    regexp_extract({{ value }}, {{ pattern }}, {{ group }})
{%- endmacro %}

{% macro postgres__regexp_extract(value, pattern, group=1) -%}
    case when {{ value }} is not null then coalesce((regexp_match({{ value }}, {{ pattern }}))[{{ group }}], '') end
{%- endmacro %}


{#- arg of the row with the largest (smallest) val, ignoring rows whose arg or val is NULL;
    `where` adds the aggregate's FILTER condition -#}
{% macro arg_max(arg, val, where=none) -%}
    {{ return(adapter.dispatch('arg_max')(arg, val, where, 'desc')) }}
{%- endmacro %}

{% macro arg_min(arg, val, where=none) -%}
    {{ return(adapter.dispatch('arg_max')(arg, val, where, 'asc')) }}
{%- endmacro %}

{% macro duckdb__arg_max(arg, val, where, direction) -%}
    {{ 'arg_max' if direction == 'desc' else 'arg_min' }}({{ arg }}, {{ val }})
    {%- if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro default__arg_max(arg, val, where, direction) -%}
    (array_agg({{ arg }} order by {{ val }} {{ direction }}) filter (
        where {{ arg }} is not null and {{ val }} is not null{% if where %} and ({{ where }}){% endif %}
    ))[1]
{%- endmacro %}


{#- round half away from zero to `digits` decimals. DuckDB's round on a double is
    round(x * 10^d) / 10^d; PostgreSQL has no round(double precision, integer), and its
    round(double precision) rounds half to even: reproduce DuckDB's arithmetic. -#}
{% macro round_to(value, digits) -%}
    {{ return(adapter.dispatch('round_to')(value, digits)) }}
{%- endmacro %}

{% macro default__round_to(value, digits) -%}
    round({{ value }}, {{ digits }})
{%- endmacro %}

{% macro postgres__round_to(value, digits) -%}
    (sign(({{ value }}) * 1e{{ digits }}) * floor(abs(({{ value }}) * 1e{{ digits }}) + 0.5) / 1e{{ digits }})
{%- endmacro %}


{#- a text parsed with a strftime format (the formats below) -#}
{% macro parse_date(value, format) -%}
    {{ return(adapter.dispatch('parse_date')(value, format)) }}
{%- endmacro %}

{% macro duckdb__parse_date(value, format) -%}
    cast(strptime({{ value }}, '{{ format }}') as date)
{%- endmacro %}

{% macro postgres__parse_date(value, format) -%}
    to_date({{ value }}, '{{ strftime_to_pg(format) }}')
{%- endmacro %}

{% macro parse_timestamp(value, format) -%}
    {{ return(adapter.dispatch('parse_timestamp')(value, format)) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(value, format) -%}
    strptime({{ value }}, '{{ format }}')
{%- endmacro %}

{% macro postgres__parse_timestamp(value, format) -%}
    {#- to_timestamp() gives a timestamptz in the session time zone: cast an ISO text instead -#}
    {%- if format != '%Y-%m-%d %H:%M:%S' -%}
        {{ exceptions.raise_compiler_error('parse_timestamp: only %Y-%m-%d %H:%M:%S on postgres, not ' ~ format) }}
    {%- endif -%}
    cast({{ value }} as timestamp)
{%- endmacro %}

{#- a date formatted with a strftime format -#}
{% macro format_date(value, format) -%}
    {{ return(adapter.dispatch('format_date')(value, format)) }}
{%- endmacro %}

{% macro duckdb__format_date(value, format) -%}
    strftime({{ value }}, '{{ format }}')
{%- endmacro %}

{% macro postgres__format_date(value, format) -%}
    to_char({{ value }}, '{{ strftime_to_pg(format) }}')
{%- endmacro %}

{% macro strftime_to_pg(format) -%}
    {%- set codes = {'%Y': 'YYYY', '%m': 'MM', '%d': 'DD', '%H': 'HH24', '%M': 'MI', '%S': 'SS'} -%}
    {%- set ns = namespace(out=format) -%}
    {%- for code, pg in codes.items() -%}
        {%- set ns.out = ns.out.replace(code, pg) -%}
    {%- endfor -%}
    {%- if '%' in ns.out -%}
        {{ exceptions.raise_compiler_error('strftime_to_pg: unsupported format ' ~ format) }}
    {%- endif -%}
    {{ ns.out }}
{%- endmacro %}


{#- the text without accents (French text: lower- and upper-case Latin-1 letters) -#}
{% macro strip_accents(value) -%}
    {{ return(adapter.dispatch('strip_accents')(value)) }}
{%- endmacro %}

{% macro duckdb__strip_accents(value) -%}
    strip_accents({{ value }})
{%- endmacro %}

{% macro default__strip_accents(value) -%}
    translate(
        {{ value }},
        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ',
        'aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY'
    )
{%- endmacro %}


{#- integer (or NULL) from a text: NULL instead of an error when it is not an integer -#}
{% macro try_cast_integer(value) -%}
    {{ return(adapter.dispatch('try_cast_integer')(value)) }}
{%- endmacro %}

{% macro duckdb__try_cast_integer(value) -%}
    try_cast({{ value }} as integer)
{%- endmacro %}

{% macro postgres__try_cast_integer(value) -%}
    case
        when trim(cast({{ value }} as text)) ~ '^[+-]?[0-9]{1,9}$' then cast(trim(cast({{ value }} as text)) as integer)
    end
{%- endmacro %}


{#- `value` is one of the `delimiter`-separated items of the text `items` (NULL when items is) -#}
{% macro delimited_contains(items, value, delimiter='|') -%}
    ({{ dbt.position(
        "'" ~ delimiter ~ "' || " ~ value ~ " || '" ~ delimiter ~ "'",
        "'" ~ delimiter ~ "' || " ~ items ~ " || '" ~ delimiter ~ "'") }} > 0)
{%- endmacro %}


{#- Lists computed in SQL: DuckDB lists; in PostgreSQL arrays inside a query (both 1-based,
    `x[1]` and unnest() in a select list work on both) and jsonb once stored in a column
    (list_column), like the nested raw columns. -#}

{#- the non-empty trimmed items of a text split on a delimiter -#}
{% macro split_list(value, delimiter='|') -%}
    {{ return(adapter.dispatch('split_list')(value, delimiter)) }}
{%- endmacro %}

{% macro duckdb__split_list(value, delimiter='|') -%}
    list_filter(
        list_transform(string_split(coalesce({{ value }}, ''), '{{ delimiter }}'), lambda x: trim(x)),
        lambda x: x != ''
    )
{%- endmacro %}

{% macro postgres__split_list(value, delimiter='|') -%}
    array(
        select trim(u.x) from unnest(string_to_array(coalesce({{ value }}, ''), '{{ delimiter }}')) with ordinality as u(x, i)
        where trim(u.x) != '' order by u.i
    )
{%- endmacro %}

{#- a list as stored in a table column: DuckDB list, PostgreSQL jsonb array -#}
{% macro list_column(items) -%}
    {{ return(adapter.dispatch('list_column')(items)) }}
{%- endmacro %}

{% macro duckdb__list_column(items) -%}
    {{ items }}
{%- endmacro %}

{% macro postgres__list_column(items) -%}
    to_jsonb({{ items }})
{%- endmacro %}

{#- list `candidates` contains `value` -#}
{% macro list_contains(candidates, value) -%}
    {{ return(adapter.dispatch('list_contains')(candidates, value)) }}
{%- endmacro %}

{% macro duckdb__list_contains(candidates, value) -%}
    list_contains({{ candidates }}, {{ value }})
{%- endmacro %}

{% macro postgres__list_contains(candidates, value) -%}
    ({{ value }} = any({{ candidates }}))
{%- endmacro %}

{#- number of elements (NULL for a NULL list) -#}
{% macro list_length(items) -%}
    {{ return(adapter.dispatch('list_length')(items)) }}
{%- endmacro %}

{% macro duckdb__list_length(items) -%}
    len({{ items }})
{%- endmacro %}

{% macro postgres__list_length(items) -%}
    cardinality({{ items }})
{%- endmacro %}

{#- the first element of `items` that is in `candidates` -#}
{% macro list_first_in(items, candidates) -%}
    {{ return(adapter.dispatch('list_first_in')(items, candidates)) }}
{%- endmacro %}

{% macro duckdb__list_first_in(items, candidates) -%}
    list_filter({{ items }}, lambda c: list_contains({{ candidates }}, c))[1]
{%- endmacro %}

{% macro postgres__list_first_in(items, candidates) -%}
    (
        select u.c from unnest({{ items }}) with ordinality as u(c, i)
        where u.c = any({{ candidates }}) order by u.i limit 1
    )
{%- endmacro %}

{#- the non-NULL elements of the concatenated `lists` that are not in `known`, in order -#}
{% macro list_unknown(lists, known) -%}
    {{ return(adapter.dispatch('list_unknown')(lists, known)) }}
{%- endmacro %}

{% macro duckdb__list_unknown(lists, known) -%}
    list_filter(
        list_concat({{ lists | join(', ') }}),
        lambda c: c is not null and not list_contains({{ known }}, c)
    )
{%- endmacro %}

{% macro postgres__list_unknown(lists, known) -%}
    array(
        select u.c from unnest({{ lists | join(' || ') }}) with ordinality as u(c, i)
        where u.c is not null and not u.c = any({{ known }}) order by u.i
    )
{%- endmacro %}

{#- a one-element list -#}
{% macro list_of(value) -%}
    {{ return(adapter.dispatch('list_of')(value)) }}
{%- endmacro %}

{% macro duckdb__list_of(value) -%}
    [{{ value }}]
{%- endmacro %}

{% macro postgres__list_of(value) -%}
    array[{{ value }}]
{%- endmacro %}


{#- Nested raw columns, read in staging only: DuckDB LIST/STRUCT, PostgreSQL jsonb. -#}

{#- one row per element of a nested list of scalars, as text, in a select list -#}
{% macro list_text_elements(items) -%}
    {{ return(adapter.dispatch('list_text_elements')(items)) }}
{%- endmacro %}

{% macro duckdb__list_text_elements(items) -%}
    unnest({{ items }})
{%- endmacro %}

{% macro postgres__list_text_elements(items) -%}
    jsonb_array_elements_text({{ items }})
{%- endmacro %}

{#- one row per element of a nested list, in a select list (element NULLs kept) -#}
{% macro list_elements(items) -%}
    {{ return(adapter.dispatch('list_elements')(items)) }}
{%- endmacro %}

{% macro duckdb__list_elements(items) -%}
    unnest({{ items }})
{%- endmacro %}

{% macro postgres__list_elements(items) -%}
    jsonb_array_elements({{ items }})
{%- endmacro %}

{#- a field of a struct (an element of list_elements), cast to `type` -#}
{% macro struct_field(struct, field, type='varchar') -%}
    {{ return(adapter.dispatch('struct_field')(struct, field, type)) }}
{%- endmacro %}

{% macro duckdb__struct_field(struct, field, type='varchar') -%}
    cast(struct_extract({{ struct }}, '{{ field }}') as {{ type }})
{%- endmacro %}

{% macro postgres__struct_field(struct, field, type='varchar') -%}
    cast({{ struct }} ->> '{{ field }}' as {{ type }})
{%- endmacro %}

{#- the text items of a nested list joined with `delimiter`: NULL for a NULL list, '' for an
    empty one (an absent field is never an empty list) -#}
{% macro list_to_text(items, delimiter='|') -%}
    {{ return(adapter.dispatch('list_to_text')(items, delimiter)) }}
{%- endmacro %}

{% macro duckdb__list_to_text(items, delimiter='|') -%}
    array_to_string({{ items }}, '{{ delimiter }}')
{%- endmacro %}

{% macro postgres__list_to_text(items, delimiter='|') -%}
    case
        when {{ items }} is not null
            then coalesce((
                select string_agg(u.x, '{{ delimiter }}' order by u.i)
                from jsonb_array_elements_text({{ items }}) with ordinality as u(x, i)
            ), '')
    end
{%- endmacro %}


{#- one row per month start from the month of start_date to end_date, in a select list (a
    set-returning expression: DuckDB unnest of a list, PostgreSQL generate_series) -#}
{% macro month_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('month_series')(start_date, end_date)) }}
{%- endmacro %}

{% macro duckdb__month_series(start_date, end_date) -%}
    unnest(generate_series(
        cast(date_trunc('month', {{ start_date }}) as date),
        {{ end_date }},
        interval 1 month
    ))
{%- endmacro %}

{% macro postgres__month_series(start_date, end_date) -%}
    generate_series(
        date_trunc('month', cast({{ start_date }} as timestamp)),
        cast({{ end_date }} as timestamp),
        interval '1 month'
    )
{%- endmacro %}


{#- a double as text the way DuckDB writes it (shortest form, '.0' on whole numbers), so that
    text built from amounts (auditors' flags) is the same on both adapters -#}
{% macro double_to_text(value) -%}
    {{ return(adapter.dispatch('double_to_text')(value)) }}
{%- endmacro %}

{% macro duckdb__double_to_text(value) -%}
    cast({{ value }} as varchar)
{%- endmacro %}

{% macro postgres__double_to_text(value) -%}
    case
        when {{ value }} = trunc({{ value }}) and abs({{ value }}) < 1e15
            then cast({{ value }} as text) || '.0'
        else cast({{ value }} as text)
    end
{%- endmacro %}
