-- One row per insertion pathway (the last line received wins): organisation, exit date and
-- exit type with its category (seeds/insertion_types_sortie.csv), whether it is a positive
-- exit and whether it counts in the BES-8 rate (neutral exits such as a move do not).
with pathways as (
    select
        *,
        {{ delivery_rank('id_parcours') }} as version_rank
    from {{ ref('stg_insertion__parcours') }}
),

buyers as (select * from {{ ref('organisation_acheteurs') }}),

exit_types as (select * from {{ ref('insertion_types_sortie') }})

select
    p.id_parcours,
    case when p.acheteur_id is null then {{ landing_org_id('p._source_file') }} else b.org_id end as org_id,
    p.acheteur_id,
    p.marche_id,
    p.structure_insertion,
    p.date_entree,
    p.date_sortie,
    case
        when p.date_sortie is not null
            then {{ semester_of('p.date_sortie') }}
    end as semestre_sortie,
    p.type_sortie,
    t.categorie as categorie_sortie,
    t.est_positive,
    t.compte_dans_taux,
    case
        when p.date_sortie is null then 'en cours'
        when p.type_sortie is null then 'type de sortie non renseigné'
        when t.type_sortie is null then 'type de sortie hors liste'
        else 'terminé'
    end as statut_parcours,
    p.heures_realisees,
    case
        when p.acheteur_id is not null and b.org_id is null
            then 'acheteur inconnu: SIRET absent de organisation_acheteurs'
        when p.date_sortie < p.date_entree then 'date de sortie antérieure à la date d''entrée'
    end as exclusion_reason,
    p._source_file,
    p._source_row
from pathways as p
left join buyers as b on p.acheteur_id = b.acheteur_siret
left join exit_types as t on p.type_sortie = t.type_sortie
where p.version_rank = 1
