-- SPASER indicators computed from the energy feed, one row per organisation x period x
-- indicator: the aggregation of their lines (fct_energie_indicateur_lignes, where each is
-- defined). An input missing for a period makes the indicator not available with the reason,
-- never 0.
-- IMP-1: CEE dossiers valued financially (valuation date in the period, amount > 0); counted
--        only when the register was extracted at or after the end of the period.
-- IMP-3: % of the surface of the sites in service at the end of the period that is connected
--        to a district-heating network at that date; sites whose connection is unknown are
--        left out of both terms.
-- IMP-6: change (%) of the final energy of the period against the reference consumption
--        2010-2019 of the same sites and months (-40 % is the 2030 target), without climate
--        correction: 100 x (numerator - denominator) / denominator over the kWh PCI of the
--        lines, each summed to the tenth of a kWh. The corrected figure and the consumption
--        without reference are in fct_energie_evolution_reference, which also says how many
--        site x months the period has (IMP-6's availability and source rows).
with lines as (select * from {{ ref('fct_energie_indicateur_lignes') }}),

-- the CEE register's extraction date: IMP-1 counts a period only once extracted after its end
cee_extraction as (
    select
        p.org_id,
        p.period_type,
        p.period,
        p.period_end,
        max(c.date_extraction) as extraction
    from {{ ref('int_periodes') }} as p
    left join {{ ref('fct_energie_cee') }} as c on p.org_id = c.org_id
    group by p.org_id, p.period_type, p.period, p.period_end
),

-- what the period has besides the lines: the CEE extraction and IMP-6's site x months
context as (
    select
        c.*,
        e.sites_mois_consommes,
        e.sites_mois_compares
    from cee_extraction as c
    left join {{ ref('fct_energie_evolution_reference') }} as e
        on c.org_id = e.org_id and c.period_type = e.period_type and c.period = e.period
)

{{ indicators_from_lines(
    'lines',
    context='context',
    sum_digits={'IMP-1': 6, 'IMP-3': 6, 'IMP-6': 1},
    values={'IMP-6': pct('(numerator - denominator)', 'denominator')},
    source_rows={'IMP-6': 'x.sites_mois_compares'},
    reasons={
        'IMP-1': "
            when j.n_lines = 0 then 'registre des CEE non reçu'
            when x.extraction < x.period_end
                then 'registre des CEE extrait le ' || " ~ format_date('x.extraction', '%d/%m/%Y') ~ "
                || ', avant la fin de la période'",
        'IMP-3': "
            when j.n_lines = 0 then 'registre des sites non reçu ou aucun site en service à la fin de la période'
            when coalesce(j.denominator, 0) = 0
                then 'raccordement au réseau de chaleur non renseigné pour les sites en service'",
        'IMP-6': "
            when x.sites_mois_consommes = 0 then 'aucune consommation d''énergie reçue pour la période'
            when x.sites_mois_compares = 0
                then 'aucune consommation de référence 2010-2019 pour les sites et mois consommés'",
    }
) }}
