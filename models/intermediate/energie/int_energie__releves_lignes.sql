-- The meter rows behind each monthly meter consumption of int_energie__releves_mensuels: one
-- row per reading (Enedis) or relevé and month (GRDF) that adds to a month, with its quantity
-- and its source row, so that IMP-6 can be traced to the Enedis and GRDF files. Same rules as
-- int_energie__releves_mensuels (a singular test checks that these rows add up to it):
-- an R64 index counts (next reading - reading) in the month of the reading, a negative
-- difference is left out, and the next reading is the secondary source row; R64 energy rows
-- count as they are; an R63 load-curve point counts mean power x step in the month the
-- interval starts; a GRDF relevé counts pro rata of its days in each month it covers.
with enedis as (select * from {{ ref('stg_energie__enedis') }}),

grdf as (
    select * from {{ ref('stg_energie__grdf') }}
    where date_fin > date_debut
),

-- the months int_energie__releves_mensuels spread each GRDF meter over
grdf_months as (
    select distinct
        origine,
        mois
    from {{ ref('int_energie__releves_mensuels') }}
    where energie = 'gaz_naturel'
),

r64_index as (
    select
        prm,
        unite,
        classe_temporelle,
        horodate,
        valeur,
        lead(valeur) over readings as valeur_suivante,
        lead(horodate) over readings as horodate_suivante,
        lead(_source_file) over readings as fichier_suivant,
        lead(_source_row) over readings as ligne_suivante,
        _source_file,
        _source_row
    from enedis
    where grandeur_physique = 'EA' and is_index
    window readings as (partition by prm, classe_temporelle order by horodate, _source_file, _source_row)
),

contributions as (
    select
        'Enedis ' || prm as origine,
        unite,
        cast(date_trunc('month', horodate) as date) as mois,
        valeur_suivante - valeur as quantite,
        'Enedis R64 index ' || classe_temporelle || ' ' || cast(horodate as varchar) || ' = '
        || {{ double_to_text('valeur') }} || ' -> ' || cast(horodate_suivante as varchar) || ' = '
        || {{ double_to_text('valeur_suivante') }} || ' ' || unite as detail,
        _source_file,
        _source_row,
        fichier_suivant as secondary_source_file,
        ligne_suivante as secondary_source_row
    from r64_index
    where valeur_suivante - valeur >= 0
    union all
    select
        'Enedis ' || prm as origine,
        unite,
        cast(date_trunc('month', horodate) as date) as mois,
        valeur as quantite,
        'Enedis R64 énergie ' || classe_temporelle || ' ' || cast(horodate as varchar) || ' = '
        || {{ double_to_text('valeur') }} || ' ' || unite as detail,
        _source_file,
        _source_row,
        cast(null as varchar) as secondary_source_file,
        cast(null as bigint) as secondary_source_row
    from enedis
    where grandeur_physique = 'EA' and not is_index
    union all
    select
        'Enedis ' || prm as origine,
        'kwh' as unite,
        cast(date_trunc('month', horodate - pas_minutes * interval '1 minute') as date) as mois,
        valeur * pas_minutes / 60.0 / (case when unite = 'kw' then 1.0 else 1000.0 end) as quantite,
        'Enedis R63 puissance moyenne ' || {{ double_to_text('valeur') }} || ' ' || unite || ' sur '
        || cast(pas_minutes as varchar) || ' min jusqu''à ' || cast(horodate as varchar) as detail,
        _source_file,
        _source_row,
        cast(null as varchar) as secondary_source_file,
        cast(null as bigint) as secondary_source_row
    from enedis
    where grandeur_physique = 'PA' and pas_minutes is not null
    union all
    select
        m.origine,
        'kwh pcs' as unite,
        m.mois,
        g.energie_kwh_pcs
        * (least(g.date_fin, cast(m.mois + interval '1 month' as date)) - greatest(g.date_debut, m.mois))
        / (g.date_fin - g.date_debut) as quantite,
        'GRDF relevé du ' || cast(g.date_debut as varchar) || ' au ' || cast(g.date_fin as varchar) || ' = '
        || {{ double_to_text('g.energie_kwh_pcs') }} || ' kwh pcs x '
        || cast(
            least(g.date_fin, cast(m.mois + interval '1 month' as date)) - greatest(g.date_debut, m.mois) as varchar
        )
        || ' / ' || cast(g.date_fin - g.date_debut as varchar) || ' jours' as detail,
        g._source_file,
        g._source_row,
        cast(null as varchar) as secondary_source_file,
        cast(null as bigint) as secondary_source_row
    from grdf as g
    inner join grdf_months as m
        on
            'GRDF ' || g.pce = m.origine
            and g.date_fin > m.mois
            and g.date_debut < m.mois + interval '1 month'
)

select * from contributions
