{#- Exact arithmetic for published figures. The same landing files must give the same figures
    on any day, on DuckDB and PostgreSQL, at any thread count. Doubles break that twice: a sum
    of doubles depends on the order in which DuckDB's threads add them, and a ratio or a
    trajectory computed in double on DuckDB and in numeric on PostgreSQL can round to different
    sides of a boundary (27.275 -> 27.27 or 27.28). So:
    - a measured quantity (stored as a double in raw) enters an aggregate as `exact(x)`: the
      decimal written by its shortest round-trip text (the same text on both adapters),
      rounded half away from zero to `scale` digits; sums of decimals are exact and
      order-independent (`exact_sum`);
    - a ratio is `div_round`: the exact quotient, rounded half away from zero, computed in
      integers (DuckDB divides decimals in double);
    - stored columns stay doubles: `exact_sum` and `pct` return the nearest double of their
      exact rounded decimal (the same on both adapters), which `exact` turns back into that
      decimal when it has at most 15 significant digits.
    The rule for figures: docs/indicateurs.md, "Rounding and exactness". -#}

{#- the value as decimal(38, scale): its shortest decimal text, rounded half away from zero -#}
{% macro exact(value, scale=6) -%}
    cast(cast({{ value }} as varchar) as decimal(38, {{ scale }}))
{%- endmacro %}

{#- exact sum of a measured quantity (aggregate FILTER `where`), rounded half away from zero to
    `digits` decimals, as a double -#}
{% macro exact_sum(value, digits=6, where=none) -%}
    cast(round(sum({{ exact(value) }}){% if where %} filter (where {{ where }}){% endif %}, {{ digits }}) as double precision)
{%- endmacro %}

{#- sum of a count (an integer column, e.g. contracts per buyer summed per département): integer
    arithmetic is exact in any order; the cast states it, and keeps a double from slipping in -#}
{% macro int_sum(value) -%}
    sum(cast({{ value }} as bigint))
{%- endmacro %}

{#- numerator / denominator exactly, rounded half away from zero to `digits` (<= 6) decimals,
    as decimal(38, 6) like `exact` (DuckDB silently rounds a CASE or UNION of decimal(38, 2) and
    decimal(38, 6) to 2 decimals: one decimal type throughout); NULL when the denominator is 0
    or NULL. Inputs are rounded to 6 decimals first (exact for integers and for `exact`). -#}
{% macro div_round(numerator, denominator, digits=2) -%}
    {{ return(adapter.dispatch('div_round')(numerator, denominator, digits)) }}
{%- endmacro %}

{% macro duckdb__div_round(numerator, denominator, digits=2) -%}
    {%- set n = 'cast(' ~ exact(numerator) ~ ' * 1000000 as hugeint)' -%}
    {%- set d = 'cast(' ~ exact(denominator) ~ ' * 1000000 as hugeint)' -%}
    (case
        when {{ d }} != 0 then cast(
            cast(
                (case when ({{ n }} < 0) != ({{ d }} < 0) then -1 else 1 end)
                * ((2 * abs({{ n }}) * {{ 10 ** digits }} + abs({{ d }})) // (2 * abs({{ d }})))
                as decimal(38, 0)
            ){% if digits > 0 %} * {{ '0.' ~ '0' * (digits - 1) ~ '1' }}{% endif %}
            as decimal(38, 6)
        )
    end)
{%- endmacro %}

{% macro postgres__div_round(numerator, denominator, digits=2) -%}
    {%- set n = exact(numerator) -%}
    {%- set d = exact(denominator) -%}
    (case
        when {{ d }} != 0 then cast(
            sign({{ n }}) * sign({{ d }})
            * div(2 * abs({{ n }}) * {{ 10 ** digits }} + abs({{ d }}), 2 * abs({{ d }}))
            / {{ 10 ** digits }}
            as decimal(38, 6)
        )
    end)
{%- endmacro %}

{#- percentage part / whole, exact, rounded half away from zero to `digits` decimals, as a
    double; NULL when whole is 0 or NULL -#}
{% macro pct(part, whole, digits=2) -%}
    cast({{ div_round('100 * ' ~ exact(part), whole, digits) }} as double precision)
{%- endmacro %}

{#- pct(part, whole) where whole > 0, else NULL: a share of nothing (or of a negative net
    amount) is unknown, never 0 -#}
{% macro share_pct(part, whole, digits=2) -%}
    case when {{ whole }} > 0 then {{ pct(part, whole, digits) }} end
{%- endmacro %}

{#- on-run-start: DuckDB's worker threads from SPASER_DUCKDB_THREADS (default: DuckDB's own, one
    per core). Figures must not depend on it; the tests rerun a semester with several values. -#}
{% macro set_duckdb_threads() -%}
    {%- set threads = env_var('SPASER_DUCKDB_THREADS', '') -%}
    {%- if target.type == 'duckdb' and threads -%}
        set threads = {{ threads | int }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
