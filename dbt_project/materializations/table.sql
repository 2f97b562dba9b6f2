{% materialization table, adapter='duckdb', supported_languages=['sql'] %}
    {#- The table replaced inside the model's transaction, in one round trip: drop the old
        table and create the new one under its name, then commit. DuckDB's DDL is
        transactional: readers see the old table or the new one, and a failed build rolls back
        to the old one. dbt-duckdb's own table materialization builds under a temporary name,
        renames the old table to a backup and the new one into place, commits, then drops the
        backup in a second commit: seven statements instead of three, each with dbt's Python
        around it (docs/performance.md, session 19). Contracts, hooks and grants are applied as
        dbt-duckdb applies them (create_table_as, run_hooks, apply_grants). -#}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- statement() begins the transaction when none is open: the drop is part of it -#}
    {% call statement('main') -%}
        {% if existing_relation is not none -%}
            drop {{ existing_relation.type }} if exists {{ existing_relation }};
        {%- endif %}
        {{ create_table_as(False, target_relation, compiled_code) }}
    {%- endcall %}
    {% if existing_relation is not none and existing_relation.type != 'table' %}
        {% do adapter.cache_dropped(existing_relation) %}
    {% endif %}

    {% do create_indexes(target_relation) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
