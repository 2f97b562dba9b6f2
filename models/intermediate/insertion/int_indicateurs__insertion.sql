-- SPASER indicators computed from the insertion feed, one row per organisation x period x
-- indicator, from the detail for semesters and calendar years alike.
--   IMP-13: insertion hours carried out in the period (months of the period).
--   BES-8:  % of the pathways ended in the period whose exit is positive, among those ended
--           in the period whose exit type is known and counts in the rate (neutral exits such
--           as a move or a health leave, and unknown or unlisted exit types, are left out).
--   DEP-1:  insertion hours cumulated from the start date (parameter insertion_cumul_debut)
--           to the end of the period; not available before the start date or when the period
--           itself has no hours (the cumul would silently stop growing).
-- A period without input is not available with the reason, never 0.
with periods as (
    select
        per.*,
        {{ param('per.org_id', 'insertion_cumul_debut', 'date') }} as cumul_debut
    from {{ ref('int_periodes') }} as per
),

hours as (
    select * from {{ ref('fct_insertion_heures') }}
    where org_id is not null and exclusion_reason is null
),

pathways as (
    select * from {{ ref('fct_insertion_parcours') }}
    where org_id is not null and exclusion_reason is null
),

hours_in_period as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(h.contrat_key) as n_lines,
        {{ exact_sum('h.heures_realisees', 1) }} as heures
    from periods as p
    left join hours as h
        on
            p.org_id = h.org_id
            and h.mois between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

hours_cumulated as (
    select
        p.org_id,
        p.period_type,
        p.period,
        min(p.cumul_debut) as cumul_debut,
        min(p.period_end) as period_end,
        count(h.contrat_key) as n_lines,
        {{ exact_sum('h.heures_realisees', 1) }} as heures
    from periods as p
    left join hours as h
        on
            p.org_id = h.org_id
            and date_trunc('month', p.cumul_debut) <= h.mois
            and p.period_end >= h.mois
    group by p.org_id, p.period_type, p.period
),

exits as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(x.id_parcours) as n_ended,
        count(*) filter (where x.statut_parcours = 'terminé' and x.compte_dans_taux) as n_counted,
        count(*) filter (where x.statut_parcours = 'terminé' and x.compte_dans_taux and x.est_positive) as n_positive
    from periods as p
    left join pathways as x
        on
            p.org_id = x.org_id
            and x.date_sortie between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

measures as (
    select
        org_id,
        period_type,
        period,
        'IMP-13' as indicator_id,
        'amount' as value_kind,
        heures as numerator,
        cast(null as bigint) as denominator,
        n_lines as source_rows,
        case when n_lines = 0 then 'aucune heure d''insertion déclarée pour la période' end as unavailable_reason
    from hours_in_period
    union all
    select
        c.org_id,
        c.period_type,
        c.period,
        'DEP-1' as indicator_id,
        'amount' as value_kind,
        c.heures as numerator,
        cast(null as bigint) as denominator,
        c.n_lines as source_rows,
        case
            when c.cumul_debut is null then 'date de départ du cumul non configurée (paramètre insertion_cumul_debut)'
            when c.period_end < c.cumul_debut
                then 'période antérieure à la date de départ du cumul (insertion_cumul_debut)'
            when h.n_lines = 0 then 'aucune heure d''insertion déclarée pour la période: cumul non mis à jour'
        end as unavailable_reason
    from hours_cumulated as c
    inner join hours_in_period as h
        on c.org_id = h.org_id and c.period_type = h.period_type and c.period = h.period
    union all
    select
        org_id,
        period_type,
        period,
        'BES-8' as indicator_id,
        'ratio' as value_kind,
        n_positive as numerator,
        n_counted as denominator,
        n_ended as source_rows,
        case
            when n_ended = 0 then 'aucun parcours d''insertion terminé pendant la période'
            when n_counted = 0
                then 'type de sortie inconnu ou neutre pour tous les parcours terminés pendant la période'
        end as unavailable_reason
    from exits
)

{{ indicator_output('measures') }}
