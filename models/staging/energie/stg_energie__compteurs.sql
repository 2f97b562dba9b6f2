-- One row per meter of each site of the register (Enedis PRM, GRDF PCE): the sites' meter
-- lists flattened once here, so that the meter flows join on scalar columns.
with sites as (select * from {{ ref('stg_energie__sites') }}),

prms as (
    select
        org_id,
        code_site,
        'prm' as type_compteur,
        {{ list_text_elements('prms') }} as compteur
    from sites
),

pces as (
    select
        org_id,
        code_site,
        'pce' as type_compteur,
        {{ list_text_elements('pces') }} as compteur
    from sites
)

select * from prms
union all
select * from pces
