-- SPASER indicators computed from the centrales d'achat feed, one row per organisation x
-- period x indicator: the aggregation of their lines (fct_centrales_indicateur_lignes, where
-- each indicator is defined). A purchase line counts in a period when its reported period
-- (order date, month, quarter, semester, year) lies within it: a line reported per year counts
-- in the year only. Unknown is never counted as "no": lines without the input leave the
-- denominator, and an indicator with nothing known is not available, never 0.
--   MOB-1  insertion hours reported by the centrales (sum; per-centrale detail in
--          fct_centrales_par_centrale)
--   MOB-2  % of centrale spend (EUR HT) with an environmental consideration, over the spend
--          whose consideration is known
--   NAT-5  % of centrale spend in the AGEC art. 58 product categories that is re-used /
--          re-employed or recycled-content, over the spend in those categories whose figures
--          are known and coherent (per-category detail and legal minima in
--          fct_centrales_agec58_categories)
{%- set no_lines = "when x.n_purchases is null then 'aucune ligne d''achat de centrale reçue pour la période'" %}

with lines as (select * from {{ ref('fct_centrales_indicateur_lignes') }}),

-- MOB-1 has one line per purchase line of the period
purchases as (
    select
        org_id,
        period_type,
        period,
        count(*) as n_purchases
    from lines
    where indicator_id = 'MOB-1'
    group by org_id, period_type, period
)

{{ indicators_from_lines('lines', context='purchases', amount_digits=2, reasons={
    'MOB-1': no_lines ~ "
        when j.n_in_numerator = 0 then 'heures d''insertion non renseignées par les centrales pour la période'",
    'MOB-2': no_lines ~ "
        when j.n_in_denominator = 0
            then 'considération environnementale non renseignée par les centrales pour la période'
        when j.denominator <= 0 then 'montant net des achats à considération connue nul ou négatif (avoirs)'",
    'NAT-5': no_lines ~ "
        when j.n_lines = 0
            then 'aucun achat de centrale dans les catégories de produits AGEC art. 58 pour la période'
        when j.n_in_denominator = 0
            then 'montants issus du réemploi / intégrant des matières recyclées non renseignés par les centrales'
        when j.denominator <= 0 then 'montant net des achats AGEC art. 58 renseignés nul ou négatif (avoirs)'",
}) }}
