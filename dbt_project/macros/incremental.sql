{#- Helpers of the incremental contract models (int_marches__classified, fct_marches). -#}

{% macro changed_contracts(current, columns) -%}
    {#- contrat_key of the rows of `current` (a CTE or relation, one row per contract) that are
        new or differ from the model's last build ({{ this }}) in one of `columns`: the record
        retained for the contract and what was derived from its versions. -#}
    select c.contrat_key
    from {{ current }} as c
    left join {{ this }} as built on c.contrat_key = built.contrat_key
    where
        built.contrat_key is null
    {%- for column in columns %}
        or built.{{ column }} is distinct from c.{{ column }}
    {%- endfor %}
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
