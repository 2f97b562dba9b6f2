-- SPASER indicators computed from the supplier classification, one row per organisation x
-- period x indicator.
--   DEP-2  EUR HT spent with the protected and adapted work sector (EA, EATT, ESAT): the
--          titulaires' shares of the contracts notified in the period (amount at notification
--          split evenly across titulaires) plus the centrale purchase lines of the period whose
--          supplier SIRET is EA/ESAT. Suppliers absent from the reference add nothing; the
--          indicator is not available when no supplier of the period is classified at all.
--          denominator: the spend with classified suppliers (context).
--   DEP-3  % of the amount awarded (contracts notified in the period) going to TPE/PME, ESS or
--          SIAE titulaires, over the amount of titulaires whose classification answers the
--          question (dim_fournisseurs.dep3_eligible not NULL). Unknown titulaires are out of
--          the denominator, never counted as "no".

with periods as (
    select * from {{ ref('int_periodes') }}
),

spend as (
    select * from {{ ref('fct_fournisseurs_depenses') }}
),

awards as (
    select * from {{ ref('fct_fournisseurs_attributions') }}
    where montant_part is not null
),

dep2 as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(s.origine) as n_rows,
        count(*) filter (where s.est_classe) as n_classified,
        coalesce({{ exact_sum('s.montant_ht', where="s.is_secteur_protege_adapte") }}, 0) as stpa_amount,
        coalesce({{ exact_sum('s.montant_ht', where="s.est_classe") }}, 0) as classified_amount
    from periods as p
    left join spend as s
        on
            p.org_id = s.org_id
            and p.period_start <= s.date_debut
            and p.period_end >= s.date_fin
    group by p.org_id, p.period_type, p.period
),

dep3 as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(a.contrat_key) as n_rows,
        count(a.dep3_eligible) as n_known,
        coalesce({{ exact_sum('a.montant_part', where="a.dep3_eligible") }}, 0) as yes_amount,
        coalesce({{ exact_sum('a.montant_part', where="a.dep3_eligible is not null") }}, 0) as known_amount
    from periods as p
    left join awards as a
        on
            p.org_id = a.org_id
            and a.date_notification between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

indicators as (
    select
        org_id,
        period_type,
        period,
        'DEP-2' as indicator_id,
        'amount' as value_kind,
        stpa_amount as numerator,
        classified_amount as denominator,
        n_rows as source_rows,
        case
            when n_rows = 0 then 'aucun marché notifié ni achat de centrale avec fournisseur identifié pour la période'
            when n_classified = 0
                then
                    'aucun fournisseur de la période présent dans le référentiel fournisseurs '
                    || '(classification, SIAE, EA/ESAT)'
        end as unavailable_reason
    from dep2
    union all
    select
        org_id,
        period_type,
        period,
        'DEP-3' as indicator_id,
        'ratio' as value_kind,
        yes_amount as numerator,
        known_amount as denominator,
        n_rows as source_rows,
        case
            when n_rows = 0 then 'aucun marché notifié avec titulaire et montant plausible pour la période'
            when n_known = 0
                then 'aucun titulaire de la période classé (taille d''entreprise, ESS ou SIAE connus)'
            when known_amount <= 0 then 'montant attribué aux titulaires classés nul'
        end as unavailable_reason
    from dep3
)

{{ indicator_output('indicators', amount_digits=2) }}
