-- EGALim figures per establishment of the organisation and calendar year: purchases in EUR HT
-- from the ma-cantine bilans, and the shares télédéclarées in the open data when present.
-- Canteens outside the organisation's establishments list are not kept. A bilan or a
-- télédéclaration received twice: the last file (by name) and line, or the latest version, win.
with etablissements as (select * from {{ ref('dim_restauration_etablissements') }}),

bilans as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ landing_prefix() }}, siret, annee
                order by _source_file desc, _source_row desc
            ) as rang
        from {{ ref('stg_restauration__bilans') }}
    ) as ranked
    where rang = 1
),

teledeclarations as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ landing_prefix() }}, siret, annee
                order by
                    {{ try_cast_integer('version') }} desc nulls last,
                    creation_date desc nulls last,
                    teledeclaration_id desc
            ) as rang
        from {{ ref('stg_restauration__teledeclarations') }}
        where siret is not null
    ) as ranked
    where rang = 1
),

joined as (
    select
        coalesce(b.siret, t.siret) as siret,
        coalesce(b.annee, t.annee) as annee,
        b.valeur_totale_ht,
        b.valeur_durable_qualite_ht,
        b.valeur_bio_ht,
        b.siret is not null as has_bilan_montants,
        t.ratio_bio as ratio_bio_teledeclare,
        t.ratio_egalim_hors_bio as ratio_egalim_hors_bio_teledeclare,
        t.teledeclaration_mode,
        t.teledeclaration_id,
        b._source_file,
        b._source_row
    from bilans as b
    full outer join teledeclarations as t on b.siret = t.siret and b.annee = t.annee
)

select
    e.org_id,
    j.siret,
    e.nom,
    e.est_college,
    j.annee,
    j.valeur_totale_ht,
    j.valeur_durable_qualite_ht,
    j.valeur_bio_ht,
    j.has_bilan_montants,
    -- a bilan whose EGALim parts exceed its total, or without purchases, stays out of NAT-3/NAT-4
    coalesce(
        j.valeur_totale_ht > 0
        and j.valeur_bio_ht >= 0
        and j.valeur_durable_qualite_ht >= j.valeur_bio_ht
        and j.valeur_durable_qualite_ht <= j.valeur_totale_ht,
        false
    ) as is_bilan_coherent,
    case
        when j.valeur_totale_ht > 0 then {{ pct('j.valeur_durable_qualite_ht', 'j.valeur_totale_ht') }}
    end as part_durable_qualite,
    case
        when j.valeur_totale_ht > 0 then {{ pct('j.valeur_bio_ht', 'j.valeur_totale_ht') }}
    end as part_bio,
    j.ratio_bio_teledeclare,
    j.ratio_egalim_hors_bio_teledeclare,
    j.teledeclaration_mode,
    j.teledeclaration_id,
    j._source_file,
    j._source_row
from joined as j
inner join etablissements as e on j.siret = e.siret
