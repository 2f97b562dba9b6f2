-- "Ici je mange local" labels per establishment and year (the year of the award). Lines naming
-- an establishment outside the organisation's list are kept, flagged, and never counted.
with labels as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ landing_prefix() }}, annee, siret
                order by _source_file desc, _source_row desc
            ) as rang
        from {{ ref('stg_restauration__label_local') }}
    ) as ranked
    where rang = 1
),

etablissements as (select * from {{ ref('dim_restauration_etablissements') }})

select
    {{ landing_org_id('l._source_file') }} as org_id,
    l.annee,
    l.siret,
    coalesce(e.nom, l.nom) as nom,
    e.siret is not null as est_etablissement_org,
    coalesce(e.est_college, false) as est_college,
    l.niveau_label,
    l.mention_bio,
    l.part_locale,
    l.nb_filieres,
    l.acte_attribution,
    l._source_file,
    l._source_row
from labels as l
left join etablissements as e
    on l.siret = e.siret and e.org_id = {{ landing_org_id('l._source_file') }}
