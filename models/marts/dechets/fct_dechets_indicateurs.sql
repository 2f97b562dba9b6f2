-- SPASER indicators computed from the waste feed, one row per organisation x period x
-- indicator (BES-6, BES-7, IMP-4). Amounts, not ratios: the value is the measured quantity of
-- the period, computed from the detail for semesters and calendar years alike: the aggregation
-- of their lines (fct_dechets_indicateur_lignes, where each indicator is defined).
--   BES-6: tonnes of waste shipped (outgoing registry, lines not cancelled nor implausible);
--          denominator = tonnes of the same period one year earlier (NULL when unknown), so
--          that the change (numerator / denominator - 1) is published with the value.
--   BES-7: EUR gained: auction sale prices + (estimated new price - price paid) of
--          second-hand purchases; purchases without an estimated new price are left out.
--   IMP-4: tonnes of new aggregates saved by the road-work sites finished in the period.
-- A period without input is not available with the reason, never 0. BES-6 counts the
-- registry lines of the period that are not excluded (its lines in the numerator).
with lines as (select * from {{ ref('fct_dechets_indicateur_lignes') }})

{{ indicators_from_lines(
    'lines',
    sum_digits={'BES-6': 3, 'BES-7': 2, 'IMP-4': 3},
    source_rows={'BES-6': 'j.n_in_numerator'},
    reasons={
        'BES-6': "when j.n_in_numerator = 0 then 'aucune ligne du registre des déchets sortants pour la période'",
        'BES-7': "
            when j.n_lines = 0 then 'aucune vente aux enchères ni achat de seconde main déclaré pour la période'
            when j.n_in_numerator = 0
                then 'gain inconnu pour les opérations de la période (prix neuf estimé absent ou type non reconnu)'",
        'IMP-4': "
            when j.n_lines = 0 then 'aucun chantier routier terminé déclaré pour la période'
            when j.n_in_numerator = 0
                then 'tonnages des chantiers de la période inexploitables (voir fct_dechets_granulats)'",
    }
) }}
