-- SPASER indicators of the manual input feed, one row per organisation x period x indicator.
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
{%- set fields = ['reunions_copil', 'reunions_instance_technique', 'certifications_hqe', 'litres_eau_economises',
    'km_pistes_cyclables', 'duree_utilisation_informatique', 'attestations_pts', 'agents_formes',
    'agents_concernes'] %}
{%- set single = [
    ('IMP-2', 'certifications_hqe'),
    ('IMP-5', 'litres_eau_economises'),
    ('IMP-7', 'km_pistes_cyclables'),
    ('IMP-8', 'duree_utilisation_informatique'),
    ('IMP-16', 'attestations_pts'),
] %}

with periods as (
    select
        org_id,
        period_type,
        period,
        year
    from {{ ref('int_periodes') }}
),

champs as (
    select * from {{ ref('saisie_champs') }}
),

valeurs as (
    select * from {{ ref('fct_saisie_valeurs') }}
),

field_period as (
    select
        p.org_id,
        p.period_type,
        p.period,
        c.champ,
        c.agregation,
        max(v.valeur) filter (where v.periode = p.period) as direct,
        count(v.valeur) filter (where v.periode_type = 'semestre' and p.period_type = 'annee') as n_semestres,
        {{ exact_sum('v.valeur', where="v.periode_type = 'semestre' and p.period_type = 'annee'") }} as somme_semestres,
        max(v.valeur) filter (where v.periode = p.period || '-S2') as second_semestre
    from periods as p
    cross join champs as c
    left join valeurs as v
        on
            p.org_id = v.org_id
            and c.champ = v.champ
            and (
                p.period = v.periode
                or (p.period_type = 'annee' and v.periode_type = 'semestre' and p.year = v.annee)
            )
    group by p.org_id, p.period_type, p.period, c.champ, c.agregation
),

resolved as (
    select
        org_id,
        period_type,
        period,
        champ,
        case
            when direct is not null then direct
            when period_type = 'annee' and agregation = 'somme' and n_semestres = 2 then somme_semestres
            when period_type = 'annee' and agregation = 'niveau' then second_semestre
        end as valeur,
        case
            when direct is not null then 1
            when period_type = 'annee' and agregation = 'somme' and n_semestres = 2 then 2
            when period_type = 'annee' and agregation = 'niveau' and second_semestre is not null then 1
            else 0
        end as n_lignes,
        case
            when period_type = 'semestre'
                then 'valeur non saisie pour le semestre (saisie manuelle, champ ' || champ || ')'
            when agregation = 'somme'
                then
                    'valeur non saisie pour l''année ni pour ses deux semestres (saisie manuelle, champ '
                    || champ || ')'
            else
                'valeur non saisie pour l''année ni pour son second semestre (saisie manuelle, champ '
                || champ || ')'
        end as missing_reason
    from field_period
),

pivoted as (
    select
        {%- for f in fields %}
            max(valeur) filter (where champ = '{{ f }}') as {{ f }},
            coalesce(max(n_lignes) filter (where champ = '{{ f }}'), 0) as n_{{ f }},
            max(missing_reason) filter (where champ = '{{ f }}') as why_{{ f }},
        {%- endfor %}
        org_id,
        period_type,
        period
    from resolved
    group by org_id, period_type, period
),

measures as (
    select
        org_id,
        period_type,
        period,
        'GOV-1' as indicator_id,
        reunions_instance_technique as numerator,
        cast(null as double precision) as denominator,
        reunions_copil + reunions_instance_technique as computed_value,
        n_reunions_copil + n_reunions_instance_technique as source_rows,
        case
            when reunions_copil is null then why_reunions_copil
            when reunions_instance_technique is null then why_reunions_instance_technique
        end as unavailable_reason
    from pivoted
    union all
    select
        org_id,
        period_type,
        period,
        'MOB-5' as indicator_id,
        agents_formes as numerator,
        agents_concernes as denominator,
        agents_formes as computed_value,
        n_agents_formes + n_agents_concernes as source_rows,
        case when agents_formes is null then why_agents_formes end as unavailable_reason
    from pivoted
    {%- for id, f in single %}
        union all
        select
            org_id,
            period_type,
            period,
            '{{ id }}' as indicator_id,
            {{ f }} as numerator,
            cast(null as double precision) as denominator,
            {{ f }} as computed_value,
            n_{{ f }} as source_rows,
            case when {{ f }} is null then why_{{ f }} end as unavailable_reason
        from pivoted
    {%- endfor %}
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    case when unavailable_reason is null then numerator end as numerator,
    case when unavailable_reason is null then denominator end as denominator,
    case when unavailable_reason is null then cast(computed_value as double precision) end as value,
    unavailable_reason is null as is_available,
    unavailable_reason,
    case when unavailable_reason is null then source_rows else 0 end as source_rows
from measures
