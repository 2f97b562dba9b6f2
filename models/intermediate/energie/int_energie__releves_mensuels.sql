-- Monthly consumption per meter from the published flows, attributed to the register's site.
-- Enedis R64 index: the difference between consecutive readings of a time class, counted in
-- the month of the earlier reading (daily readings: the day's consumption); a negative
-- difference (meter change or reset) is left out. R64 energy rows count as they are. R63 load
-- curve: mean power x step, counted in the month the interval starts. GRDF relevés are spread
-- over the months they cover, pro rata of the days.
with meters as (select * from {{ ref('stg_energie__compteurs') }}),

enedis as (select * from {{ ref('stg_energie__enedis') }}),

grdf as (select * from {{ ref('stg_energie__grdf') }}),

prm_sites as (
    select
        org_id,
        code_site,
        compteur as prm
    from meters
    where type_compteur = 'prm'
),

pce_sites as (
    select
        org_id,
        code_site,
        compteur as pce
    from meters
    where type_compteur = 'pce'
),

r64_index as (
    select
        prm,
        unite,
        horodate,
        lead(valeur) over (partition by prm, classe_temporelle order by horodate) - valeur as quantite
    from enedis
    where grandeur_physique = 'EA' and is_index
),

enedis_energy as (
    select
        prm,
        unite,
        horodate,
        quantite
    from r64_index
    where quantite >= 0
    union all
    select
        prm,
        unite,
        horodate,
        valeur as quantite
    from enedis
    where grandeur_physique = 'EA' and not is_index
    union all
    select
        prm,
        'kwh' as unite,
        {{ dbt.dateadd('minute', '-pas_minutes', 'horodate') }} as horodate,
        valeur * pas_minutes / 60.0 / (case when unite = 'kw' then 1.0 else 1000.0 end) as quantite
    from enedis
    where grandeur_physique = 'PA' and pas_minutes is not null
),

enedis_monthly as (
    select
        s.org_id,
        s.code_site,
        cast(date_trunc('month', e.horodate) as date) as mois,
        'electricite' as energie,
        e.unite,
        {{ exact_sum('e.quantite') }} as quantite,
        'Enedis ' || e.prm as origine
    from enedis_energy as e
    inner join prm_sites as s on e.prm = s.prm
    group by s.org_id, s.code_site, date_trunc('month', e.horodate), e.unite, e.prm
),

grdf_months as (
    select
        g.*,
        {{ month_series('g.date_debut', 'g.date_fin - 1') }} as mois_debut
    from grdf as g
    where g.date_fin > g.date_debut
),

grdf_monthly as (
    select
        s.org_id,
        s.code_site,
        cast(g.mois_debut as date) as mois,
        'gaz_naturel' as energie,
        'kwh pcs' as unite,
        {%- set prorated %}
            g.energie_kwh_pcs
            * {{ dbt.datediff(
                'greatest(g.date_debut, cast(g.mois_debut as date))',
                "least(g.date_fin, cast(g.mois_debut + interval '1 month' as date))",
                'day'
            ) }}
            / {{ dbt.datediff('g.date_debut', 'g.date_fin', 'day') }}
        {%- endset %}
        {{ exact_sum(prorated) }} as quantite,
        'GRDF ' || g.pce as origine
    from grdf_months as g
    inner join pce_sites as s on g.pce = s.pce
    group by s.org_id, s.code_site, g.mois_debut, g.pce
)

select * from enedis_monthly
union all
select * from grdf_monthly
