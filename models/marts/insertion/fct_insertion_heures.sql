-- One row per contract x holder x month of insertion hours (the last line received wins),
-- with its organisation (buyer SIRET in organisation_acheteurs) and whether the contract is
-- known in fct_marches. Hours of a contract missing from the DECP still count (flagged);
-- lines of an unknown buyer or with negative hours carry exclusion_reason.
with lines as (
    select
        *,
        row_number() over (
            partition by contrat_key, coalesce(siret_titulaire, ''), mois
            order by _ingested_at desc, _source_file desc, _source_row desc
        ) as version_rank
    from {{ ref('stg_insertion__heures') }}
),

buyers as (select * from {{ ref('organisation_acheteurs') }}),

contracts as (
    select contrat_key from {{ ref('fct_marches') }}
)

select
    l.contrat_key,
    b.org_id,
    l.acheteur_id,
    l.marche_id,
    l.siret_titulaire,
    l.mois,
    {{ semester_and_year('l.mois') }},
    l.heures_realisees,
    l.structure_insertion,
    l.nombre_beneficiaires,
    l.commentaire,
    c.contrat_key is not null as marche_connu,
    case
        when b.org_id is null then 'acheteur inconnu: SIRET absent de organisation_acheteurs'
        when l.heures_realisees < 0 then 'heures négatives'
    end as exclusion_reason,
    l._source_file,
    l._source_row
from lines as l
left join buyers as b on l.acheteur_id = b.acheteur_siret
left join contracts as c on l.contrat_key = c.contrat_key
where l.version_rank = 1
