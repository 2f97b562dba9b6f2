{#- Luhn check of a 14-digit SIRET (INSEE rule), with La Poste's exception: SIREN 356000000
    establishments use "sum of digits divisible by 5". Digit by digit, so that it compiles on
    DuckDB and PostgreSQL alike; the CASE keeps casts away from non-numeric identifiers. -#}
{%- macro siret_digit(column, i, doubled) -%}
    {%- if doubled -%}
        ((cast(substr({{ column }}, {{ i }}, 1) as integer) * 2) % 10
        + case when cast(substr({{ column }}, {{ i }}, 1) as integer) >= 5 then 1 else 0 end)
    {%- else -%}
        cast(substr({{ column }}, {{ i }}, 1) as integer)
    {%- endif -%}
{%- endmacro -%}

{% macro siret_is_valid(column) -%}
    case
        when {{ column }} is null or not {{ regexp_like(column, "'^[0-9]{14}$'") }} then false
        when ({% for i in range(1, 15) %}{{ siret_digit(column, i, i % 2 == 1) }}{% if not loop.last %} + {% endif %}{% endfor %}) % 10 = 0
            then true
        when substr({{ column }}, 1, 9) = '356000000'
            then ({% for i in range(1, 15) %}{{ siret_digit(column, i, false) }}{% if not loop.last %} + {% endif %}{% endfor %}) % 5 = 0
        else false
    end
{%- endmacro %}


{#- A SIREN/SIRET (or any buyer/supplier identifier) in the form used for matching: without the
    spaces, non-breaking spaces, dots and dashes people and platforms type into it
    ('225 900 992 00010' -> '22590099200010'); NULL when empty. The raw text stays in raw.<table>.
    The same rule as orchestration/identifiers.py normalise_siret. -#}
{% macro siret_compact(column) -%}
    {{ return(adapter.dispatch('siret_compact')(column)) }}
{%- endmacro %}

{% macro duckdb__siret_compact(column) -%}
    nullif(regexp_replace({{ column }}, '[\s\x{00A0}\x{202F}.\-]', '', 'g'), '')
{%- endmacro %}

{% macro postgres__siret_compact(column) -%}
    nullif(regexp_replace({{ column }}, '[\s\u00A0\u202F.\-]', '', 'g'), '')
{%- endmacro %}

{#- The key of a DECP contract: the buyer's compacted SIRET and the contract id, the same
    wherever a contract is keyed (its versions, its holders, the incremental rebuilds). -#}
{% macro contrat_key(acheteur_id, marche_id) -%}
    {{ siret_compact(acheteur_id) }} || '|' || {{ marche_id }}
{%- endmacro %}

{#- A holder's identifier in the form used for matching and as the key of dim_titulaires: a
    French SIREN, SIRET or VAT number typed with spaces, dots or dashes is compacted
    ('FR 12 345 678 901' -> 'FR12345678901'); any other identifier (foreign registers) stays as
    received, trimmed. The raw text stays in stg_decp__titulaires.titulaire_id_brut. -#}
{% macro identifiant_compact(column) -%}
    case
        when {{ regexp_like(siret_compact(column), "'^([0-9]{9}|[0-9]{14}|FR[0-9A-Z]{2}[0-9]{9})$'") }}
            then {{ siret_compact(column) }}
        else nullif(trim({{ column }}), '')
    end
{%- endmacro %}
