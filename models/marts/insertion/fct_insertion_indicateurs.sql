-- SPASER indicators computed from the insertion feed, one row per organisation x period x
-- indicator, from the detail for semesters and calendar years alike: the aggregation of their
-- lines (fct_insertion_indicateur_lignes, where each indicator is defined; a line excluded
-- with its reason is out of scope and adds nothing).
--   IMP-13: insertion hours carried out in the period (months of the period).
--   BES-8:  % of the pathways ended in the period whose exit is positive, among those ended
--           in the period whose exit type is known and counts in the rate (neutral exits such
--           as a move or a health leave, and unknown or unlisted exit types, are left out).
--   DEP-1:  insertion hours cumulated from the start date (parameter insertion_cumul_debut)
--           to the end of the period; not available before the start date or when the period
--           itself has no hours (the cumul would silently stop growing).
-- A period without input is not available with the reason, never 0.
with lines as (select * from {{ ref('fct_insertion_indicateur_lignes') }}),

spine as (
    select
        per.org_id,
        per.period_type,
        per.period,
        per.period_end,
        {{ param('per.org_id', 'insertion_cumul_debut', 'date') }} as cumul_debut
    from {{ ref('int_periodes') }} as per
),

-- what DEP-1's availability depends on besides its own lines: the start of the cumul and
-- whether the period itself has hours (IMP-13's lines in scope)
periods as (
    select
        s.org_id,
        s.period_type,
        s.period,
        s.period_end,
        s.cumul_debut,
        count(l.indicator_id) as n_hours
    from spine as s
    left join lines as l
        on
            s.org_id = l.org_id
            and s.period_type = l.period_type
            and s.period = l.period
            and l.indicator_id = 'IMP-13'
            and l.in_scope
    group by s.org_id, s.period_type, s.period, s.period_end, s.cumul_debut
)

{{ indicators_from_lines('lines', context='periods', scope='in_scope', sum_digits=1, reasons={
    'IMP-13': "when j.n_in_scope = 0 then 'aucune heure d''insertion déclarée pour la période'",
    'DEP-1': "
        when x.cumul_debut is null then 'date de départ du cumul non configurée (paramètre insertion_cumul_debut)'
        when x.period_end < x.cumul_debut
            then 'période antérieure à la date de départ du cumul (insertion_cumul_debut)'
        when x.n_hours = 0 then 'aucune heure d''insertion déclarée pour la période: cumul non mis à jour'",
    'BES-8': "
        when j.n_in_scope = 0 then 'aucun parcours d''insertion terminé pendant la période'
        when j.n_in_denominator = 0
            then 'type de sortie inconnu ou neutre pour tous les parcours terminés pendant la période'",
}) }}
