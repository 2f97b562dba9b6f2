-- SPASER indicators computed from the marché feed, one row per organisation x period x
-- indicator. Each indicator has a scope (the contracts it is about), a denominator (those of
-- the scope whose input is known) and a numerator. Unknown is never counted as "no": a
-- contract published in the 2019 format (no considerations) or missing from the internal
-- export is left out, and an indicator with nothing known is not available, never 0.
{%- set no_contract = "'aucun marché notifié reçu (DECP) pour la période'" %}
{%- set no_considerations = "'considérations sociales et environnementales inconnues: "
    ~ "marchés publiés au format DECP 2019 ou sans ces champs (ils existent depuis le format 2024)'" %}
{%- set no_export = "'export interne des procédures absent pour les marchés de la période'" %}
{%- set export_blank = "'information non renseignée dans l''export interne pour les marchés concernés'" %}
{#- id, numerator, denominator, scope, kind, needs the internal export, reason when nothing
    is known, label of the scope -#}
{%- set indicators = [
    ('GOV-4', 'label_yes', 'label_known', 'n_contracts', 'ratio', true, export_blank, 'marchés'),
    ('BES-1', 'sourcing_yes', 'sourcing_known', 'fonct_scope', 'count', true, export_blank, 'marchés de la section de fonctionnement'),
    ('BES-2', 'nego_yes', 'nego_known', 'n_contracts', 'count', true, export_blank, 'marchés'),
    ('BES-3', 'progres_yes', 'progres_known', 'n_contracts', 'count', true, export_blank, 'marchés'),
    ('BES-4', 'acv_yes', 'acv_known', 'n_contracts', 'count', true, export_blank, 'marchés'),
    ('BES-5', 'env_yes', 'env_known', 'n_contracts', 'ratio', false, no_considerations, 'marchés'),
    ('BES-9', 'fiche_yes', 'fiche_known', 'n_contracts', 'ratio', true, export_blank, 'marchés'),
    ('IMP-10', 'num_env_yes', 'num_env_known', 'num_scope', 'ratio', false, no_considerations, 'marchés du périmètre numérique responsable (CPV)'),
    ('IMP-11', 'clause_yes', 'soc_known', 'n_contracts', 'ratio', false, no_considerations, 'marchés'),
    ('IMP-12', 'soc_yes', 'soc_known', 'n_contracts', 'ratio', false, no_considerations, 'marchés'),
    ('IMP-15', 'imp15_yes', 'imp15_known', 'imp15_scope', 'ratio', true, export_blank, 'marchés au-dessus du seuil d''analyse de la clause sociale'),
    ('MOB-3', 'num_crit_yes', 'num_crit_known', 'n_contracts', 'count', true, export_blank, 'marchés'),
    ('MOB-4', 'voirie_env_yes', 'voirie_env_known', 'voirie_scope', 'ratio', true, no_considerations, 'marchés de la Direction de la Voirie'),
    ('NAT-1', 'env_yes', 'env_known', 'n_contracts', 'ratio', false, no_considerations, 'marchés'),
    ('NAT-2', 'soc_yes', 'soc_known', 'n_contracts', 'ratio', false, no_considerations, 'marchés'),
    ('DEP-4', 'dep4_yes', 'dep4_known', 'dep4_scope', 'ratio', false, no_considerations, 'marchés au-dessus du seuil DEP-4'),
] %}

with periods as (
    select * from {{ ref('int_periodes') }}
),

contracts as (
    select
        c.*,
        c.montant_plausible
        and c.montant_initial > {{ param('c.org_id', 'seuil_analyse_clause_sociale_eur') }} as above_imp15,
        c.montant_plausible
        and c.montant_initial > {{ param('c.org_id', 'seuil_clause_sociale_dep4_eur') }} as above_dep4,
        coalesce(c.direction = {{ param('c.org_id', 'direction_voirie', 'varchar') }}, false) as is_voirie
    from {{ ref('fct_marches') }} as c
    where c.org_id is not null
),

notified as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(c.contrat_key) as n_contracts,
        count(*) filter (where c.has_procedure_interne) as n_internal,
        count(c.label_spaser) as label_known,
        count(*) filter (where c.label_spaser) as label_yes,
        count(*) filter (where c.section_budgetaire = 'fonctionnement') as fonct_scope,
        count(c.sourcing_realise) filter (where c.section_budgetaire = 'fonctionnement') as sourcing_known,
        count(*) filter (where c.section_budgetaire = 'fonctionnement' and c.sourcing_realise) as sourcing_yes,
        count(c.negociation_realisee) as nego_known,
        count(*) filter (where c.negociation_realisee) as nego_yes,
        count(c.clause_progres) as progres_known,
        count(*) filter (where c.clause_progres) as progres_yes,
        count(c.analyse_cycle_vie) as acv_known,
        count(*) filter (where c.analyse_cycle_vie) as acv_yes,
        count(c.has_consideration_environnementale) as env_known,
        count(*) filter (where c.has_consideration_environnementale) as env_yes,
        count(c.has_consideration_sociale) as soc_known,
        count(*) filter (where c.has_consideration_sociale) as soc_yes,
        count(*) filter (where c.has_clause_sociale) as clause_yes,
        count(c.fiche_type_considerations_sociales) as fiche_known,
        count(*) filter (where c.fiche_type_considerations_sociales) as fiche_yes,
        count(*) filter (where c.perimetre_numerique) as num_scope,
        count(c.has_consideration_environnementale) filter (where c.perimetre_numerique) as num_env_known,
        count(*) filter (where c.perimetre_numerique and c.has_consideration_environnementale) as num_env_yes,
        count(c.criteres_numerique_responsable) as num_crit_known,
        count(*) filter (where c.criteres_numerique_responsable) as num_crit_yes,
        count(*) filter (where c.is_voirie) as voirie_scope,
        count(c.has_consideration_environnementale) filter (where c.is_voirie) as voirie_env_known,
        count(*) filter (where c.is_voirie and c.has_consideration_environnementale) as voirie_env_yes,
        count(*) filter (where c.above_imp15) as imp15_scope,
        count(c.analyse_opportunite_clause_sociale) filter (where c.above_imp15) as imp15_known,
        count(*) filter (where c.above_imp15 and c.analyse_opportunite_clause_sociale) as imp15_yes,
        count(*) filter (where c.above_dep4) as dep4_scope,
        count(c.has_clause_sociale) filter (where c.above_dep4) as dep4_known,
        count(*) filter (where c.above_dep4 and c.has_clause_sociale) as dep4_yes
    from periods as p
    left join contracts as c
        on
            p.org_id = c.org_id
            and c.date_notification between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

-- IMP-14 counts contracts running during the period, whenever they were notified.
running as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(c.contrat_key) as n_running,
        count(c.has_consideration_sociale) as n_known,
        count(*) filter (where c.is_marche_reserve or c.has_clause_sociale) as n_yes
    from periods as p
    left join contracts as c
        on
            p.org_id = c.org_id
            and p.period_end >= c.date_notification
            and coalesce(c.date_fin_prevue, c.date_notification) >= p.period_start
    group by p.org_id, p.period_type, p.period
),

measures as (
    {%- for id, num, den, scope, kind, needs_export, unknown_reason, scope_label in indicators %}
        select
            org_id,
            period_type,
            period,
            '{{ id }}' as indicator_id,
            '{{ kind }}' as value_kind,
            {{ num }} as numerator,
            {{ den }} as denominator,
            {{ scope }} as source_rows,
            case
                when n_contracts = 0 then {{ no_contract }}
                {%- if needs_export %}
                    when n_internal = 0 then {{ no_export }}
                {%- endif %}
                when {{ scope }} = 0 then 'aucun marché dans le périmètre de l''indicateur ({{ scope_label }})'
                when {{ den }} = 0 then {{ unknown_reason }}
            end as unavailable_reason
        from notified
        union all
    {%- endfor %}
    select
        org_id,
        period_type,
        period,
        'IMP-14' as indicator_id,
        'count' as value_kind,
        n_yes as numerator,
        n_known as denominator,
        n_running as source_rows,
        case
            when n_running = 0 then 'aucun marché en cours d''exécution pendant la période'
            when n_known = 0 then {{ no_considerations }}
        end as unavailable_reason
    from running
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    case when unavailable_reason is null then numerator end as numerator,
    case when unavailable_reason is null then denominator end as denominator,
    case
        when unavailable_reason is not null then null
        when value_kind = 'ratio' then round(100.0 * numerator / denominator, 2)
        else cast(numerator as double)
    end as value,
    unavailable_reason is null as is_available,
    unavailable_reason,
    source_rows
from measures
