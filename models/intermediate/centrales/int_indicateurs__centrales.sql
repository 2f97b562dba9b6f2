-- SPASER indicators computed from the centrales d'achat feed, one row per organisation x
-- period x indicator. A purchase line counts in a period when its reported period (order date,
-- month, quarter, semester, year) lies within it: a line reported per year counts in the year
-- only. Unknown is never counted as "no": lines without the input leave the denominator, and
-- an indicator with nothing known is not available, never 0.
--   MOB-1  insertion hours reported by the centrales (sum; per-centrale detail in
--          fct_centrales_par_centrale)
--   MOB-2  % of centrale spend (EUR HT) with an environmental consideration, over the spend
--          whose consideration is known
--   NAT-5  % of centrale spend in the AGEC art. 58 product categories that is re-used /
--          re-employed or recycled-content, over the spend in those categories whose figures
--          are known and coherent (per-category detail and legal minima in
--          fct_centrales_agec58_categories)
{%- set no_lines = "'aucune ligne d''achat de centrale reçue pour la période'" %}

with periods as (
    select * from {{ ref('int_periodes') }}
),

lines as (
    select * from {{ ref('fct_centrales_achats') }}
    where org_id is not null
),

measures as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(l.centrale) as n_lines,
        count(l.heures_insertion) as hours_known,
        {{ exact_sum('l.heures_insertion') }} as hours_sum,
        count(l.consideration_environnementale) as env_known,
        coalesce({{ exact_sum(
            'l.montant_ht',
            where="l.consideration_environnementale is not null"
        ) }}, 0) as env_amount,
        coalesce({{ exact_sum('l.montant_ht', where="l.consideration_environnementale") }}, 0) as env_yes_amount,
        count(*) filter (where l.type_produit_agec58 is not null) as agec_lines,
        count(l.montant_circulaire_ht) filter (where l.type_produit_agec58 is not null) as agec_known,
        coalesce(
            {{ exact_sum(
                'l.montant_ht',
                where="l.type_produit_agec58 is not null and l.montant_circulaire_ht is not null"
            ) }},
            0
        ) as agec_amount,
        coalesce({{ exact_sum(
            'l.montant_circulaire_ht',
            where="l.type_produit_agec58 is not null"
        ) }}, 0) as agec_yes_amount
    from periods as p
    left join lines as l
        on
            p.org_id = l.org_id
            and p.period_start <= l.periode_debut
            and p.period_end >= l.periode_fin
    group by p.org_id, p.period_type, p.period
),

indicators as (
    select
        org_id,
        period_type,
        period,
        'MOB-1' as indicator_id,
        'amount' as value_kind,
        hours_sum as numerator,
        cast(null as double precision) as denominator,
        n_lines as source_rows,
        case
            when n_lines = 0 then {{ no_lines }}
            when hours_known = 0 then 'heures d''insertion non renseignées par les centrales pour la période'
        end as unavailable_reason
    from measures
    union all
    select
        org_id,
        period_type,
        period,
        'MOB-2' as indicator_id,
        'ratio' as value_kind,
        env_yes_amount as numerator,
        env_amount as denominator,
        n_lines as source_rows,
        case
            when n_lines = 0 then {{ no_lines }}
            when env_known = 0
                then 'considération environnementale non renseignée par les centrales pour la période'
            when env_amount <= 0 then 'montant net des achats à considération connue nul ou négatif (avoirs)'
        end as unavailable_reason
    from measures
    union all
    select
        org_id,
        period_type,
        period,
        'NAT-5' as indicator_id,
        'ratio' as value_kind,
        agec_yes_amount as numerator,
        agec_amount as denominator,
        agec_lines as source_rows,
        case
            when n_lines = 0 then {{ no_lines }}
            when agec_lines = 0
                then 'aucun achat de centrale dans les catégories de produits AGEC art. 58 pour la période'
            when agec_known = 0
                then 'montants issus du réemploi / intégrant des matières recyclées non renseignés par les centrales'
            when agec_amount <= 0 then 'montant net des achats AGEC art. 58 renseignés nul ou négatif (avoirs)'
        end as unavailable_reason
    from measures
)

{{ indicator_output('indicators', amount_digits=2) }}
