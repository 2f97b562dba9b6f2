-- SPASER indicators computed from the marché feed, one row per organisation x period x
-- indicator: the aggregation of their contract lines (marches_indicator_lines(), the lines
-- auditors drill into in fct_marches_indicateur_lignes). Each indicator has a scope (the
-- contracts it is about), a denominator (those of the scope whose input is known) and a
-- numerator. Unknown is never counted as "no": a contract published in the 2019 format (no
-- considerations) or missing from the internal export is left out, and an indicator with
-- nothing known is not available, never 0.
{%- set no_considerations = "'considérations sociales et environnementales inconnues: "
    ~ "marchés publiés au format DECP 2019 ou sans ces champs (ils existent depuis le format 2024)'" %}
{%- set export_blank = "'information non renseignée dans l''export interne pour les marchés concernés'" %}
{#- id: (needs the internal export, reason when nothing in scope is known, label of the scope,
    SQL-quoted: a label with an apostrophe is double-quoted here, since Jinja joins 'a''b' into ab) -#}
{%- set indicators = {
    'GOV-4': (true, export_blank, 'marchés'),
    'BES-1': (true, export_blank, 'marchés de la section de fonctionnement'),
    'BES-2': (true, export_blank, 'marchés'),
    'BES-3': (true, export_blank, 'marchés'),
    'BES-4': (true, export_blank, 'marchés'),
    'BES-5': (false, no_considerations, 'marchés'),
    'BES-9': (true, export_blank, 'marchés'),
    'IMP-10': (false, no_considerations, 'marchés du périmètre numérique responsable (CPV)'),
    'IMP-11': (false, no_considerations, 'marchés'),
    'IMP-12': (false, no_considerations, 'marchés'),
    'IMP-15': (true, export_blank, "marchés au-dessus du seuil d''analyse de la clause sociale"),
    'MOB-3': (true, export_blank, 'marchés'),
    'MOB-4': (true, no_considerations, 'marchés de la Direction de la Voirie'),
    'NAT-1': (false, no_considerations, 'marchés'),
    'NAT-2': (false, no_considerations, 'marchés'),
    'DEP-4': (false, no_considerations, 'marchés au-dessus du seuil DEP-4'),
} %}
{#- IMP-14 is about the contracts running during the period, whether notified in it or not -#}
{%- set reasons = {'IMP-14': "
    when j.n_lines = 0 then 'aucun marché en cours d''exécution pendant la période'
    when j.n_in_denominator = 0 then " ~ no_considerations} %}
{%- for id, spec in indicators.items() %}
    {%- do reasons.update({id: "
    when x.n_contracts = 0 then 'aucun marché notifié reçu (DECP) pour la période'"
        ~ ("
    when x.n_internal = 0 then 'export interne des procédures absent pour les marchés de la période'"
            if spec[0] else "") ~ "
    when j.n_lines = 0 then 'aucun marché dans le périmètre de l''indicateur (" ~ spec[2] ~ ")'
    when j.n_in_denominator = 0 then " ~ spec[1]}) %}
{%- endfor %}

with lines as (
    {{ marches_indicator_lines() }}
),

-- contracts notified in each period, and how many the internal export covers
notified as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(c.contrat_key) as n_contracts,
        count(*) filter (where c.has_procedure_interne) as n_internal
    from {{ ref('int_periodes') }} as p
    left join {{ ref('fct_marches') }} as c
        on
            p.org_id = c.org_id
            and c.date_notification between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
)

{{ indicators_from_lines('lines', context='notified', reasons=reasons) }}
