{#- Helpers of the incremental contract models (int_marches__classified, fct_marches). -#}

{% macro changed_contract_rows(current, also=[], rows=none) -%}
    {#- The rows of `current` (a CTE, one row per contract) an incremental build must rebuild:
        the contracts that are new or whose source (the DECP record retained, the number of
        versions received) differs from the model's last build, and those listed by the
        queries in `also`. With `rows` (a CTE, one row per contract), its rows for those
        contracts: `current` then needs only the columns compared. -#}
    select c.*
    from {{ rows or current }} as c
    inner join (
        select c.contrat_key
        from {{ current }} as c
        left join {{ this }} as built on c.contrat_key = built.contrat_key
        where
            built.contrat_key is null
    {%- for column in ['_source_file', '_source_row', '_source_sha256', 'nombre_versions_recues'] %}
            or built.{{ column }} is distinct from c.{{ column }}
    {%- endfor %}
    {%- for query in also %}
        union
        {{ query }}
    {%- endfor %}
    ) as changed on c.contrat_key = changed.contrat_key
{%- endmacro %}

{% macro delete_contracts_not_in(relation, where) -%}
    {#- Post-hook of an incremental contract model: delete+insert replaces the contracts it
        receives, this removes those that left `relation` (filtered by `where`). -#}
    delete from {{ this }} as built
    where not exists (
        select 1 from {{ relation }} as kept
        where kept.contrat_key = built.contrat_key and {{ where }}
    )
{%- endmacro %}

{% macro incremental_by_contract(post_hook) -%}
    {#- The configuration of an incremental contract model: each build replaces the contracts it
        receives (delete+insert on contrat_key); `post_hook` (SQL, rendered at run time) removes
        those that are gone. -#}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='contrat_key',
        on_schema_change='fail',
        post_hook=[post_hook],
    ) }}
{%- endmacro %}
