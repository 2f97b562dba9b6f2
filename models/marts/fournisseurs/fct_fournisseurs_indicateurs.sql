-- SPASER indicators computed from the supplier classification, one row per organisation x
-- period x indicator: the aggregation of their lines (fct_fournisseurs_indicateur_lignes, where
-- each indicator is defined).
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

with lines as (select * from {{ ref('fct_fournisseurs_indicateur_lignes') }})

{{ indicators_from_lines('lines', amount_digits=2, reasons={
    'DEP-2': "
        when j.n_lines = 0 then 'aucun marché notifié ni achat de centrale avec fournisseur identifié pour la période'
        when j.n_in_denominator = 0
            then 'aucun fournisseur de la période présent dans le référentiel fournisseurs '
            || '(classification, SIAE, EA/ESAT)'",
    'DEP-3': "
        when j.n_lines = 0 then 'aucun marché notifié avec titulaire et montant plausible pour la période'
        when j.n_in_denominator = 0
            then 'aucun titulaire de la période classé (taille d''entreprise, ESS ou SIAE connus)'
        when j.denominator <= 0 then 'montant attribué aux titulaires classés nul'",
}) }}
