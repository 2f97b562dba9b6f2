-- SPASER indicators of the manual input feed, one row per organisation x period x indicator:
-- the aggregation of their lines (fct_saisie_indicateur_lignes, where the line used for each
-- field and period is chosen).
--
-- A field's value for a period is the line entered for that period. A year without its own
-- line takes it from its two semesters: the sum for a flow (agregation somme: meetings,
-- certifications, litres, attestations), the second semester for a level (agregation niveau:
-- km of cycle paths, years of use, agents), see seeds/saisie_champs.csv. A semester is never
-- derived from a year. A field not entered is not available, never 0.
--
-- GOV-1 : value = meetings of the COPIL + of the technical body in the period; numerator =
--         technical-body meetings (target: at least one per semester); the COPIL meetings are
--         value - numerator (target: one every two years). Both fields are needed.
-- MOB-5 : value = numerator = agents trained (cumulated, end of period); denominator = agents
--         concerned when entered (numerator / denominator is the share of the 2030 target).
-- Others: value = numerator = the field.
{#- why a field (FIELD) has no value for the period, by its aggregation (seeds/saisie_champs.csv) -#}
{%- set missing = "case
        when j.period_type = 'semestre'
            then 'valeur non saisie pour le semestre (saisie manuelle, champ FIELD)'
        when (select c.agregation from " ~ ref('saisie_champs') ~ " as c where c.champ = 'FIELD') = 'somme'
            then 'valeur non saisie pour l''année ni pour ses deux semestres (saisie manuelle, champ FIELD)'
        else 'valeur non saisie pour l''année ni pour son second semestre (saisie manuelle, champ FIELD)'
    end" %}
{%- set single = {
    'IMP-2': 'certifications_hqe',
    'IMP-5': 'litres_eau_economises',
    'IMP-7': 'km_pistes_cyclables',
    'IMP-8': 'duree_utilisation_informatique',
    'IMP-16': 'attestations_pts',
} %}
{#- the lines of a field in the numerator: GOV-1's technical body (the COPIL is in the value
    only), MOB-5's agents trained (the agents concerned are its denominator) -#}
{%- set reasons = {
    'GOV-1': "when j.n_lines = j.n_in_numerator then " ~ missing | replace('FIELD', 'reunions_copil')
        ~ " when j.n_in_numerator = 0 then " ~ missing | replace('FIELD', 'reunions_instance_technique'),
    'MOB-5': "when j.n_in_numerator = 0 then " ~ missing | replace('FIELD', 'agents_formes'),
} %}
{%- for id, field in single.items() %}
    {%- do reasons.update({id: "when j.n_lines = 0 then " ~ missing | replace('FIELD', field)}) %}
{%- endfor %}

with lines as (select * from {{ ref('fct_saisie_indicateur_lignes') }})

{{ indicators_from_lines('lines', reasons=reasons, no_rows_when_unavailable=true) }}
