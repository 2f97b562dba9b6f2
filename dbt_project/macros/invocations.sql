{#- on-run-start: every dbt invocation that may write the DuckDB warehouse records itself in
    meta.dbt_invocations, a hand-run one too, numbered in order (no clock in the project). A
    semester build leaves out the models nothing changed only when the last invocation recorded
    is the last build's (orchestration/dbt.py, LastBuild.reusable): a table written by another
    invocation may not be the build's. -#}
{% macro record_invocation(step) -%}
{%- if target.type == 'duckdb' and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
{%- if step == 'schema' -%}
create schema if not exists meta
{%- elif step == 'sequence' -%}
create sequence if not exists meta.dbt_invocation_number
{%- elif step == 'table' -%}
create table if not exists meta.dbt_invocations (
    number bigint default nextval('meta.dbt_invocation_number'),
    invocation_id varchar,
    command varchar
)
{%- else -%}
insert into meta.dbt_invocations (invocation_id, command)
values ('{{ invocation_id }}', '{{ flags.WHICH }}')
{%- endif -%}
{%- else -%}
select 1
{%- endif -%}
{%- endmacro %}
